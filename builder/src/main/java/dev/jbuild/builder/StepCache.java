package dev.jbuild.builder;

import dev.jbuild.builder.cache.CacheKey;
import dev.jbuild.builder.cache.PrunePolicy;
import dev.jbuild.layer.apply.Trees;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.BlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The results of steps that change files (RUN, COPY, ADD, WORKDIR), by cache key, under
 * {@code ROOT/build-cache/steps/}: the layer a step made (or that it made none) and when it ran. A
 * hit records the same layer and time in the stage, so a rebuild from the cache gives the image a
 * first build gave, byte for byte. A result whose layer blob is no longer in the store (pruned) is
 * a miss. Every step's key starts from what it runs on: the diffIDs of the stage's layers so far,
 * the layer compression and {@code SOURCE_DATE_EPOCH} (which change the layer's bytes). With
 * {@code --no-cache} (or a stage in {@code --no-cache-filter}) steps are not looked up, but their
 * results are still kept for the next build.
 */
final class StepCache {
    /** What a step does when it is not taken from the cache: the layer it made, if any. */
    @FunctionalInterface
    interface Work {
        Optional<ImageLayer> run() throws IOException, InterruptedException;
    }

    private final Path dir;
    private final BlobStore blobs;
    private final BuildRequest request;

    StepCache(Path storeRoot, BlobStore blobs, BuildRequest request) {
        this.dir = storeRoot.resolve("build-cache").resolve("steps");
        this.blobs = blobs;
        this.request = request;
    }

    /** Where the step results of a store live ({@code jbuild prune} empties it). */
    static Path directory(Path storeRoot) {
        return storeRoot.resolve("build-cache");
    }

    /** A key of this kind for a step on {@code layers}, to which the step adds what it depends on. */
    CacheKey key(String kind, List<ImageLayer> layers) {
        return CacheKey.of(kind)
                .add("layers", layers.stream().map(l -> l.diffId().toString()).toList())
                .add("compression", request.compression().name())
                .add("source-date-epoch", request.sourceDateEpoch().map(Instant::toString).orElse(""));
    }

    /**
     * Records the step in {@code state}: from the cache when {@code key} has a usable result and
     * the stage may use the cache, else by doing {@code work} (whose result is then kept).
     */
    void apply(BuildContext ctx, BuildListener.Step step, StageState state, boolean useCache, String key,
               String createdBy, Work work) throws IOException, InterruptedException {
        if (useCache) {
            Optional<Result> hit = read(key);
            if (hit.isPresent()) {
                ctx.listener().stepCached(step);
                state.record(hit.get().layer(), hit.get().created(), createdBy);
                return;
            }
        }
        Optional<ImageLayer> layer = work.run();
        write(key, new Result(layer, ctx.created()));
        state.record(layer, ctx.created(), createdBy);
    }

    private record Result(Optional<ImageLayer> layer, Instant created) {
    }

    /** A stored result, and when it was last used (its file's modification time). */
    record Entry(Path file, Optional<ImageLayer> layer, Instant lastUsed) {
    }

    /**
     * The result for {@code key}, marked as used now; empty when there is none, it is unreadable,
     * or its blob is gone.
     */
    private Optional<Result> read(String key) throws IOException {
        Path file = dir.resolve(key);
        Optional<Result> r = parse(file).filter(x -> x.layer().isEmpty() || blobs.has(x.layer().get().blob().digest()));
        if (r.isPresent()) {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        }
        return r;
    }

    /** The result in {@code file}; empty when it is missing or damaged (a damaged one is a miss, rewritten). */
    private static Optional<Result> parse(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            Instant created = Instant.parse(lines.get(0));
            if (lines.size() == 1) {
                return Optional.of(new Result(Optional.empty(), created));
            }
            String[] f = lines.get(1).split(" ");
            Descriptor blob = Descriptor.of(f[0], Digest.parse(f[1]), Long.parseLong(f[2]));
            return Optional.of(new Result(Optional.of(new ImageLayer(blob, Digest.parse(f[3]))), created));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Every readable result of the store, most recently used first. */
    static List<Entry> entries(Path storeRoot) throws IOException {
        Path steps = directory(storeRoot).resolve("steps");
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(steps)) {
            return out;
        }
        try (Stream<Path> files = Files.list(steps)) {
            for (Path f : files.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                Optional<Result> r = parse(f);
                if (r.isPresent()) {
                    out.add(new Entry(f, r.get().layer(), Files.getLastModifiedTime(f).toInstant()));
                }
            }
        }
        out.sort(Comparator.comparing(Entry::lastUsed).reversed());
        return out;
    }

    /** What a prune of the cache kept, and how many results it removed. */
    record Pruned(List<Entry> kept, int removed) {
    }

    /**
     * Removes the results {@code policy} lets go, given the blobs the store's names reach (which
     * cost the cache nothing). A result's size is its layer blob's, once per blob, when no name
     * reaches it.
     */
    static Pruned prune(Path storeRoot, PrunePolicy policy, Set<Digest> reachable, Instant now)
            throws IOException {
        List<Entry> kept = new ArrayList<>();
        int removed = 0;
        Set<Digest> counted = new HashSet<>();
        long bytes = 0;
        for (Entry e : entries(storeRoot)) {
            boolean keep = !policy.all()
                    && policy.unusedFor().map(d -> e.lastUsed().isAfter(now.minus(d))).orElse(true);
            if (keep && policy.keepBytes().isPresent() && e.layer().isPresent()) {
                Descriptor blob = e.layer().get().blob();
                if (!reachable.contains(blob.digest()) && counted.add(blob.digest())) {
                    bytes += blob.size();
                }
                keep = bytes <= policy.keepBytes().getAsLong();
            }
            if (keep) {
                kept.add(e);
            } else {
                Files.deleteIfExists(e.file());
                removed++;
            }
        }
        if (policy.all()) {
            Trees.deleteRecursively(directory(storeRoot));
        }
        return new Pruned(kept, removed);
    }

    /** Writes a result: the time, then {@code mediaType digest size diffID} when there is a layer. */
    private void write(String key, Result r) throws IOException {
        StringBuilder b = new StringBuilder(r.created().toString()).append('\n');
        r.layer().ifPresent(l -> b.append(l.blob().mediaType()).append(' ').append(l.blob().digest()).append(' ')
                .append(l.blob().size()).append(' ').append(l.diffId()).append('\n'));
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".tmp-" + key.substring(0, 12), "");
        try {
            Files.writeString(tmp, b, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, dir.resolve(key), StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(key), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
