package dev.jbuild.builder.copy;

import dev.jbuild.builder.BuildException;
import dev.jbuild.builder.fs.RootPath;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Copies entries of a {@link SourceTree} into a target root the way BuildKit's fsutil copier does,
 * {@code cp -a} style: a directory merges into the one already there, entry by entry; a file,
 * symlink, device or fifo replaces what is there, but never a directory; symlinks are copied as
 * links; files that were hard links of each other in the source stay so; sockets are skipped.
 *
 * <p>Metadata follows fsutil too. An entry it creates gets the source's metadata (through the
 * {@link MetadataWriter}), and so does a directory inside the copied tree that already existed;
 * the destination directory itself, when it existed or was created as a parent, keeps its owner and
 * mode and only takes the source's modification time. Directory times are set after their
 * contents, so copying into a directory does not leave it with the current time.
 *
 * <p>Directories are made on disk; everything else goes to a {@link CopyOutput}: to disk, or only
 * recorded as layer entries ({@link LayerLeaves}). On disk, file contents never pass through the
 * heap: {@link Files#copy(Path, Path, java.nio.file.CopyOption...)} has the kernel move them
 * (sendfile on Linux), several files at once on a {@link ContentPool} (files with several links
 * are copied in order on the walking thread, so their links find them). One instance serves one
 * COPY instruction and counts what it wrote.
 */
final class TreeCopier {
    private final SourceTree tree;
    private final Path targetRoot;
    private final MetadataWriter metadata;
    /** The target of the first copy of each multiply-linked source inode, by device and inode. */
    private final Map<List<Long>, Path> linked = new HashMap<>();
    /** Directory metadata, in the order it must be written: after everything inside is copied. */
    private final List<ContentPool.Task> directoryMetadata = new ArrayList<>();
    private final ContentPool pool;
    private final CopyOutput output;
    private long files;
    private long directories;
    private long symlinks;
    private long specials;
    private long bytes;

    TreeCopier(SourceTree tree, Path targetRoot, MetadataWriter metadata, ContentPool pool, CopyOutput output) {
        this.tree = tree;
        this.targetRoot = targetRoot;
        this.metadata = metadata;
        this.pool = pool;
        this.output = output;
    }

    /**
     * Copies the resolved source {@code rel} to the host path {@code target} (inside the target
     * root, its parent existing). Below a directory, only what every filter accepts is copied.
     * Returns once everything is written, so a later source may replace what this one wrote.
     */
    void copy(String rel, Path target, List<PathFilter> filters) throws IOException {
        copyEntry(rel, tree.stat(rel), target, false, filters);
        pool.drain();
        output.settleDirectoryTimes();
        for (ContentPool.Task t : directoryMetadata) {
            t.run();
        }
        directoryMetadata.clear();
    }

    CopyResult result() {
        return new CopyResult(files, directories, symlinks, specials, bytes);
    }

    /** {@code inside}: the entry lies inside the copied tree, so an existing directory takes its metadata. */
    private void copyEntry(String rel, FileStat stat, Path target, boolean inside, List<PathFilter> filters)
            throws IOException {
        if (!stat.isDirectory()) {
            copyLeaf(rel, stat, target);
            return;
        }
        boolean created = ensureDirectory(target);
        directories++;
        copyChildren(rel, target, filters, null);
        // Its files may still be being written on the pool; their creation would change its mtime.
        if (created || inside) {
            directoryMetadata.add(() -> metadata.apply(tree.host(rel), stat, target));
        } else {
            directoryMetadata.add(() -> metadata.restoreTime(stat, target));
        }
    }

    /**
     * Copies what the filters accept in a directory. {@code pending} is set while walking a directory
     * the filters refused but may take something from: it is created only when something is.
     */
    private void copyChildren(String rel, Path target, List<PathFilter> filters, Pending pending)
            throws IOException {
        for (String name : tree.list(rel)) {
            String childRel = SourceTree.child(rel, name);
            FileStat stat = tree.stat(childRel);
            Path childTarget = target.resolve(name);
            if (filters.stream().allMatch(f -> f.accepts(childRel))) {
                materialize(pending);
                copyEntry(childRel, stat, childTarget, true, filters);
            } else if (stat.isDirectory()
                    && filters.stream().allMatch(f -> f.accepts(childRel) || f.mayAcceptBelow(childRel))) {
                Pending dir = new Pending(pending, childTarget);
                copyChildren(childRel, childTarget, filters, dir);
                if (dir.made) {
                    directoryMetadata.add(() -> metadata.apply(tree.host(childRel), stat, childTarget));
                }
            }
        }
    }

    private void materialize(Pending p) throws IOException {
        if (p == null || p.made) {
            return;
        }
        materialize(p.parent);
        ensureDirectory(p.target);
        directories++;
        p.made = true;
    }

    private void copyLeaf(String rel, FileStat stat, Path target) throws IOException {
        Path source = tree.host(rel);
        switch (stat.type()) {
            case FileStat.REGULAR -> {
                if (stat.nlink() == 1) {
                    files++;
                    bytes += stat.size();
                    ContentPool.Task copy = () -> {
                        clearForFile(target);
                        output.copyFile(source, stat, target);
                        output.metadata(metadata, source, stat, target);
                    };
                    if (output.writesContent()) {
                        pool.submit(copy);
                    } else {
                        copy.run();
                    }
                    return;
                }
                // Copied here, in order: a later link to the same inode links to this copy.
                clearForFile(target);
                if (copyFile(source, stat, target)) {
                    return; // a hard link shares the metadata already written
                }
            }
            case FileStat.SYMLINK -> {
                clearForFile(target);
                output.symlink(target, Files.readSymbolicLink(source));
                symlinks++;
            }
            case Syscalls.S_IFCHR, Syscalls.S_IFBLK, Syscalls.S_IFIFO -> {
                clearForFile(target);
                output.special(target, stat);
                specials++;
            }
            default -> {
                return; // a socket belongs to a running process, not to an image
            }
        }
        output.metadata(metadata, source, stat, target);
    }

    /** Copies or links a regular file; true when it became a hard link to an earlier copy. */
    private boolean copyFile(Path source, FileStat stat, Path target) throws IOException {
        List<Long> inode = List.of(stat.dev(), stat.ino());
        Path first = stat.nlink() > 1 ? linked.get(inode) : null;
        files++;
        if (first != null) {
            try {
                output.link(target, first);
                return true;
            } catch (NoSuchFileException e) {
                // The earlier copy was replaced since; copy the content again below.
            }
        }
        output.copyFile(source, stat, target);
        bytes += stat.size();
        if (stat.nlink() > 1) {
            linked.put(inode, target);
        }
        return false;
    }

    /** Makes room for a non-directory: whatever is there goes, unless it is a directory. */
    private void clearForFile(Path target) throws IOException {
        Optional<FileStat> there = output.stat(target);
        if (there.isEmpty()) {
            return;
        }
        if (there.get().isDirectory()) {
            throw new BuildException("cannot replace to directory " + containerPath(target) + " with file");
        }
        output.delete(target);
    }

    /** Ensures a directory is there; true when it had to be created. */
    private boolean ensureDirectory(Path target) throws IOException {
        Optional<FileStat> there = output.stat(target);
        if (there.isEmpty()) {
            output.makeDirectory(target);
            return true;
        }
        if (!there.get().isDirectory()) {
            throw new BuildException("cannot copy to non-directory: " + containerPath(target));
        }
        return false;
    }

    private String containerPath(Path target) {
        return RootPath.containerPath(targetRoot, target);
    }

    /** A refused directory being searched; created the first time something inside is copied. */
    private static final class Pending {
        final Pending parent;
        final Path target;
        boolean made;

        Pending(Pending parent, Path target) {
            this.parent = parent;
            this.target = target;
        }
    }
}
