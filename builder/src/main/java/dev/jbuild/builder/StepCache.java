package dev.jbuild.builder;

import dev.jbuild.builder.cache.CacheKey;
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
import java.time.Instant;
import java.util.List;
import java.util.Optional;

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

    /** The result for {@code key}; empty when there is none, it is unreadable, or its blob is gone. */
    private Optional<Result> read(String key) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(dir.resolve(key), StandardCharsets.UTF_8);
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
            if (!blobs.has(blob.digest())) {
                return Optional.empty();
            }
            return Optional.of(new Result(Optional.of(new ImageLayer(blob, Digest.parse(f[3]))), created));
        } catch (RuntimeException e) {
            return Optional.empty(); // a damaged record is a miss; the step runs and rewrites it
        }
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
