package dev.jbuild.builder;

import dev.jbuild.builder.cache.ChunkIndex;
import dev.jbuild.builder.cache.CopyMemo;
import dev.jbuild.builder.cache.PrunePolicy;
import dev.jbuild.builder.snapshot.Snapshots;
import dev.jbuild.layer.apply.Trees;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.transfer.ImageWalker;
import java.io.IOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code jbuild prune} of a store the builder uses, under the store's prune lock (which waits for
 * running builds): the build cache results the policy lets go, then the blobs neither a name nor a
 * kept result reaches, the snapshots of layers neither a named image nor a kept result uses, and,
 * when the whole cache goes, the RUN cache mounts and the context indexes.
 */
public final class StorePrune {
    /** What went. */
    public record Result(int blobs, long blobBytes, int snapshots, int cacheResults) {
    }

    private StorePrune() {
    }

    public static Result run(LocalStore store, PrunePolicy policy) throws IOException {
        int[] results = new int[1];
        Set<Digest> keptLayers = new HashSet<>();
        Set<Digest> keptDiffIds = new HashSet<>();
        int[] snapshots = new int[1];
        LocalStore.PruneResult r = store.prune(reachable -> {
            StepCache.Pruned pruned = StepCache.prune(store.root(), policy, reachable, Instant.now());
            results[0] = pruned.removed();
            for (StepCache.Entry e : pruned.kept()) {
                e.layer().ifPresent(l -> {
                    keptLayers.add(l.blob().digest());
                    keptDiffIds.add(l.diffId());
                });
            }
            return keptLayers;
        }, locked -> {
            Set<Digest> used = namedImageDiffIds(locked);
            used.addAll(keptDiffIds);
            if (policy.all()) {
                Trees.deleteRecursively(locked.root().resolve("cache"));
            }
            snapshots[0] = new Snapshots(locked.root()).prune(used);
            ChunkIndex.prune(Engine.chunkIndexDirectory(locked.root()), locked.blobs());
            CopyMemo.prune(CopyMemo.directory(StepCache.directory(locked.root())), locked.blobs());
        });
        return new Result(r.blobs(), r.bytes(), snapshots[0], results[0]);
    }

    /** The diffIDs of every named image's layers: their snapshots stay. */
    static Set<Digest> namedImageDiffIds(LocalStore store) throws IOException {
        Set<Digest> used = new HashSet<>();
        for (LocalStore.NamedImage image : store.images()) {
            List<Descriptor> blobs = ImageWalker.blobs(store.blobs(), image.target(), false);
            for (Descriptor manifest : blobs) {
                if (MediaTypes.isManifest(manifest.mediaType())) {
                    Manifest m = Json.read(store.blobs().read(manifest.digest()), Manifest.class,
                            manifest.digest().toString());
                    if (store.blobs().has(m.config().digest())) {
                        used.addAll(Json.read(store.blobs().read(m.config().digest()), ImageConfig.class,
                                m.config().digest().toString()).rootfs().diffIds());
                    }
                }
            }
        }
        return used;
    }
}
