package dev.jbuild.layer;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * How {@link LayerWriter} writes a layer. None of these settings can make two runs over the same
 * input differ: the thread count changes speed only, never a byte of the output.
 *
 * @param level compression level, or {@link #DEFAULT_LEVEL} for the compression's default
 *     (gzip 6, as gzip and pigz; zstd 3, as the zstd CLI); ignored for uncompressed layers
 * @param sourceDateEpoch when present, every mtime later than it is lowered to it (never raised),
 *     as BuildKit's {@code rewrite-timestamp} and buildah's {@code --rewrite-timestamp} do
 * @param threads compression threads (at least 1); defaults to the available processors
 * @param xattrFilter which extended attributes a tree walk records; by default only
 *     {@code security.capability}, as Docker and containerd do: {@code security.selinux} would carry
 *     the host's labels, {@code trusted.overlay.*} and {@code user.overlay.*} are overlayfs
 *     bookkeeping, and stray {@code user.*} attributes would make layers differ between machines.
 *     Entries built by callers keep the xattrs they were given.
 */
public record LayerOptions(int level, Optional<Instant> sourceDateEpoch, int threads,
        Predicate<String> xattrFilter) {
    public static final int DEFAULT_LEVEL = -1;
    /** The default xattr filter; see the class description. */
    public static final Predicate<String> CAPABILITIES_ONLY = "security.capability"::equals;

    public LayerOptions {
        Objects.requireNonNull(sourceDateEpoch, "sourceDateEpoch");
        Objects.requireNonNull(xattrFilter, "xattrFilter");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        if (level != DEFAULT_LEVEL && (level < 0 || level > 22)) {
            throw new IllegalArgumentException("compression level " + level + " is out of range");
        }
    }

    /** Default level, no SOURCE_DATE_EPOCH, one compression thread per processor, capabilities only. */
    public static LayerOptions defaults() {
        return new LayerOptions(DEFAULT_LEVEL, Optional.empty(), Runtime.getRuntime().availableProcessors(),
                CAPABILITIES_ONLY);
    }

    public LayerOptions withLevel(int newLevel) {
        return new LayerOptions(newLevel, sourceDateEpoch, threads, xattrFilter);
    }

    public LayerOptions withSourceDateEpoch(Instant epoch) {
        return new LayerOptions(level, Optional.of(epoch), threads, xattrFilter);
    }

    public LayerOptions withSourceDateEpoch(Optional<Instant> epoch) {
        return new LayerOptions(level, epoch, threads, xattrFilter);
    }

    public LayerOptions withThreads(int newThreads) {
        return new LayerOptions(level, sourceDateEpoch, newThreads, xattrFilter);
    }

    public LayerOptions withXattrFilter(Predicate<String> filter) {
        return new LayerOptions(level, sourceDateEpoch, threads, filter);
    }

    /**
     * Parses a {@code SOURCE_DATE_EPOCH} value (decimal seconds since the epoch, as
     * reproducible-builds.org defines it); empty for an unset or blank value.
     */
    public static Optional<Instant> parseSourceDateEpoch(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.ofEpochSecond(Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SOURCE_DATE_EPOCH=\"" + value
                    + "\" is not a whole number of seconds since 1970-01-01 (try: git log -1 --format=%ct)", e);
        }
    }

    /** The level to use for a compression: the explicit one, or that compression's default. */
    public int levelFor(Compression compression) {
        if (level != DEFAULT_LEVEL) {
            return level;
        }
        return compression == Compression.ZSTD ? 3 : 6;
    }
}
