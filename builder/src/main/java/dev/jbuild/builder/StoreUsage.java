package dev.jbuild.builder;

import dev.jbuild.builder.snapshot.Snapshots;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.LocalStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code jbuild system df}: what the store's parts take on disk, and what a plain
 * {@code jbuild prune} would free of each. Blobs are counted once, in the first row that reaches
 * them (images, then the build cache, then nobody).
 */
public final class StoreUsage {
    /** One row: how many things, their bytes, and the bytes {@code jbuild prune} would free. */
    public record Row(String type, int count, long bytes, long reclaimable) {
    }

    private StoreUsage() {
    }

    public static List<Row> of(LocalStore store) throws IOException {
        Set<Digest> reachable = store.reachable();
        long imageBytes = 0;
        for (Digest d : reachable) {
            imageBytes += blobSize(store, d);
        }
        List<StepCache.Entry> results = StepCache.entries(store.root());
        Set<Digest> cacheBlobs = new HashSet<>();
        long cacheBytes = 0;
        for (StepCache.Entry e : results) {
            if (e.layer().isPresent()) {
                Digest d = e.layer().get().blob().digest();
                if (!reachable.contains(d) && cacheBlobs.add(d)) {
                    cacheBytes += blobSize(store, d);
                }
            }
        }
        int unused = 0;
        long unusedBytes = 0;
        for (Digest d : store.blobs().list()) {
            if (!reachable.contains(d) && !cacheBlobs.contains(d)) {
                unused++;
                unusedBytes += blobSize(store, d);
            }
        }
        Set<Digest> named = StorePrune.namedImageDiffIds(store);
        int snapshotCount = 0;
        long snapshotBytes = 0;
        long snapshotReclaimable = 0;
        for (Map.Entry<Digest, Path> s : new Snapshots(store.root()).all().entrySet()) {
            long size = treeSize(s.getValue());
            snapshotCount++;
            snapshotBytes += size;
            if (!named.contains(s.getKey())) {
                snapshotReclaimable += size;
            }
        }
        List<Path> mounts = new ArrayList<>();
        Path cache = store.root().resolve("cache");
        if (Files.isDirectory(cache)) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(cache)) {
                dirs.forEach(mounts::add);
            }
        }
        long mountBytes = 0;
        for (Path m : mounts) {
            mountBytes += treeSize(m);
        }
        return List.of(
                new Row("Images", store.images().size(), imageBytes, 0),
                new Row("Build cache", results.size(), cacheBytes, cacheBytes),
                new Row("Unused blobs", unused, unusedBytes, unusedBytes),
                new Row("Snapshots", snapshotCount, snapshotBytes, snapshotReclaimable),
                new Row("Cache mounts", mounts.size(), mountBytes, mountBytes));
    }

    private static long blobSize(LocalStore store, Digest d) {
        return store.blobs().size(d).orElse(0);
    }

    /** The bytes of the regular files under {@code dir} (each hard-linked file once per name). */
    private static long treeSize(Path dir) throws IOException {
        long[] total = new long[1];
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    total[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }
}
