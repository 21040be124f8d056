package dev.jbuild.builder.snapshot;

import dev.jbuild.builder.BuildException;
import dev.jbuild.layer.apply.ApplyMode;
import dev.jbuild.layer.apply.ApplyOptions;
import dev.jbuild.layer.apply.LayerApplier;
import dev.jbuild.layer.apply.Trees;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Comparator;
import java.util.TreeMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Layers extracted once, each into its own directory in overlay lower-dir form (whiteouts as 0/0
 * character devices, opaque directories marked with {@code trusted.overlay.opaque}), named by the
 * layer's diffID under {@code <store>/snapshots/sha256/} and shared by every build that uses the
 * store. A snapshot appears by an atomic rename of a finished directory, so a reader never sees a
 * half-extracted one and two builds extracting the same layer at once both end with one copy.
 */
public final class Snapshots {
    private final Path dir;
    private final Path empty;

    public Snapshots(Path storeRoot) throws IOException {
        this.dir = storeRoot.resolve("snapshots");
        this.empty = dir.resolve("empty");
        Files.createDirectories(dir.resolve("sha256"));
        Files.createDirectories(empty);
    }

    /** An empty directory: the bottom lower dir of every mount, since overlayfs needs one. */
    public Path empty() {
        return empty;
    }

    /** Where the snapshot of a diffID lives (whether or not it exists yet). */
    public Path path(Digest diffId) {
        return dir.resolve(diffId.algorithm()).resolve(diffId.hex());
    }

    /** The snapshot of a layer, extracting the blob from the store the first time. */
    public Path ensure(BlobStore blobs, Descriptor layer, Digest diffId) throws IOException {
        Path target = path(diffId);
        if (Files.isDirectory(target)) {
            return target;
        }
        Path tmp = Files.createTempDirectory(dir, ".extract-" + ProcessHandle.current().pid() + "-");
        try {
            Path tree = tmp.resolve("tree");
            try (InputStream in = blobs.open(layer.digest())) {
                LayerApplier.apply(in, tree, ApplyMode.OVERLAY, ApplyOptions.defaults().withExpectedDiffId(diffId));
            } catch (IOException e) {
                throw new BuildException("cannot extract layer " + layer.digest() + ": " + e.getMessage(), e);
            }
            publish(tree, target);
        } finally {
            Trees.deleteRecursively(tmp);
        }
        return target;
    }

    /**
     * Makes {@code tree} (an overlay upper dir no longer mounted) the snapshot of {@code diffId}
     * by renaming it; when that snapshot exists already, {@code tree} is left for the caller to delete.
     */
    public Path adopt(Path tree, Digest diffId) throws IOException {
        Path target = path(diffId);
        if (!Files.isDirectory(target)) {
            publish(tree, target);
        }
        return target;
    }

    private static void publish(Path tree, Path target) throws IOException {
        try {
            Files.move(tree, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            // Another build (or stage) published the same layer first: theirs is as good as ours.
            // rename(2) says so with EEXIST or ENOTEMPTY, which the JDK reports as a plain
            // FileSystemException as often as with the specific subclasses.
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
        }
    }

    /** Every snapshot there is, by diffID. */
    public Map<Digest, Path> all() throws IOException {
        Map<Digest, Path> out = new TreeMap<>(Comparator.comparing(Digest::toString));
        try (Stream<Path> algorithms = Files.list(dir)) {
            for (Path alg : algorithms.toList()) {
                String name = alg.getFileName().toString();
                if (name.startsWith(".extract-") || !Files.isDirectory(alg) || alg.equals(empty)) {
                    continue;
                }
                try (Stream<Path> snaps = Files.list(alg)) {
                    for (Path s : snaps.toList()) {
                        out.put(Digest.parse(name + ":" + s.getFileName()), s);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Removes every snapshot whose diffID is not in {@code keep}, and abandoned extractions of
     * processes no longer running. Run only under the store's prune lock.
     */
    public int prune(Set<Digest> keep) throws IOException {
        List<Path> doomed = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path e : entries.toList()) {
                String name = e.getFileName().toString();
                if (name.startsWith(".extract-") && !Pids.alive(Pids.fromName(name, ".extract-"))) {
                    doomed.add(e);
                }
            }
        }
        int removed = 0;
        for (Map.Entry<Digest, Path> s : all().entrySet()) {
            if (!keep.contains(s.getKey())) {
                doomed.add(s.getValue());
                removed++;
            }
        }
        for (Path p : doomed) {
            Trees.deleteRecursively(p);
        }
        return removed;
    }
}
