package dev.jbuild.builder.copy;

import dev.jbuild.builder.cache.CopiedAttributes;
import dev.jbuild.layer.EntryOrder;
import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A {@link CopyOutput} for a COPY whose result nobody needs as files, only as its layer (the last
 * step that changes the file system of the image being built): directories are made on disk as
 * usual, but files, symlinks, hard links and devices are only recorded, each with the metadata the
 * copy would have given it on disk, and become layer entries whose content is read from the
 * source when the layer is written. Creating tens of thousands of files costs more than
 * compressing them; this skips it. The entries are the ones the overlay differ would read from an
 * upper dir holding the same copy: hard links as one inode with several names (the first in layer
 * order written in full), and a directory's modification time moved to now whenever a name is
 * added to it or removed from it, as the kernel does.
 */
public final class LayerLeaves implements CopyOutput {
    private static final int SYMLINK_MODE = 0777;

    private final Path root;
    private final Function<Path, Optional<String>> knownContent;
    /** Every recorded name and its inode; hard links share one. */
    private final Map<Path, Inode> names = new HashMap<>();
    /** Set when the copy was replayed rather than recorded. */
    private List<LayerEntry> replayed;
    private List<LayerEntry> committed;
    /** Directories a name was added to or removed from since their times were last settled. */
    private final Set<Path> touched = new LinkedHashSet<>();
    /** The directories this copy made: nothing is in them that the copy did not put there. */
    private final Set<Path> made = new HashSet<>();

    /** @param root the directory the copy's targets are under, which the layer is made of */
    public LayerLeaves(Path root) {
        this(root, source -> Optional.empty());
    }

    /**
     * @param knownContent the sha256 of a source file's content, where its producer knows it
     *     without reading it (see {@link LayerEntry.Content#sha256})
     */
    public LayerLeaves(Path root, Function<Path, Optional<String>> knownContent) {
        this.root = root;
        this.knownContent = knownContent;
    }

    private static final class Inode {
        final int type;
        final Path source;
        final long size;
        final String linkText;
        final long rdev;
        int uid;
        int gid;
        int mode;
        Instant mtime = Instant.now();
        SortedMap<String, byte[]> xattrs = Collections.emptySortedMap();

        Inode(int type, Path source, long size, String linkText, long rdev, int mode) {
            this.type = type;
            this.source = source;
            this.size = size;
            this.linkText = linkText;
            this.rdev = rdev;
            this.mode = mode;
        }
    }

    /** Whether nothing was recorded or replayed (everything the copy made is on disk). */
    public boolean isEmpty() {
        return names.isEmpty() && replayed == null;
    }

    /**
     * Takes {@code entries} as this copy's whole layer: the copy was not walked but replayed from
     * an earlier one ({@link CopyReplay}), and the layer is written from these instead of the
     * upper dir and recorded names.
     */
    public void replay(List<LayerEntry> entries) {
        replayed = List.copyOf(entries);
    }

    /** The entries of a replayed copy (see {@link #replay}); empty for a recorded one. */
    public Optional<List<LayerEntry>> replayed() {
        return Optional.ofNullable(replayed);
    }

    /** Told by the layer's committer: the entries the layer was written from. */
    public void committed(List<LayerEntry> entries) {
        committed = entries;
    }

    /** The entries the layer was written from, once committed. */
    public Optional<List<LayerEntry>> committedEntries() {
        return Optional.ofNullable(committed);
    }

    /** The file a file entry of such a copy reads its content from; empty for any other entry. */
    public static Optional<Path> sourceOf(LayerEntry entry) {
        return entry.content() instanceof SourceContent s ? Optional.of(s.source()) : Optional.empty();
    }

    /** The content of a file entry read from {@code source}, with its digest where known. */
    public LayerEntry.Content content(Path source) {
        return new SourceContent(source, knownContent.apply(source));
    }

    @Override
    public Optional<FileStat> stat(Path target) throws IOException {
        Inode i = names.get(target);
        if (i == null) {
            if (!made.contains(target) && made.contains(target.getParent())) {
                return Optional.empty(); // the usual case, a name not there yet: no system call
            }
            // Only directories are on disk under the fresh destination, never a symlink, so
            // java.io.File's stat (which throws nothing) settles a name not there yet without the
            // two exceptions per name Files would throw.
            return target.toFile().exists() ? FileStat.ifExists(target) : Optional.empty();
        }
        return Optional.of(new FileStat(i.type | i.mode, i.uid, i.gid, 0, 0, 1, i.rdev, i.size, i.mtime));
    }

    @Override
    public void makeDirectory(Path target) throws IOException {
        Files.createDirectory(target);
        made.add(target);
    }

    @Override
    public void delete(Path target) throws IOException {
        if (names.remove(target) == null) {
            Files.delete(target);
            return;
        }
        touchParent(target);
    }

    @Override
    public void copyFile(Path source, FileStat stat, Path target) throws IOException {
        add(target, new Inode(FileStat.REGULAR, source, stat.size(), "", 0, 0644));
    }

    @Override
    public void link(Path target, Path existing) throws IOException {
        Inode i = names.get(existing);
        if (i == null) {
            throw new NoSuchFileException(existing.toString());
        }
        add(target, i);
    }

    @Override
    public void symlink(Path target, Path linkText) throws IOException {
        add(target, new Inode(FileStat.SYMLINK, null, 0, linkText.toString(), 0, SYMLINK_MODE));
    }

    @Override
    public void special(Path target, FileStat stat) throws IOException {
        add(target, new Inode(stat.type(), null, 0, "", stat.rdev(), stat.permissions()));
    }

    @Override
    public void metadata(MetadataWriter writer, Path source, FileStat stat, Path target) throws IOException {
        Inode i = names.get(target);
        i.uid = writer.uid(stat);
        i.gid = writer.gid(stat);
        if (i.type != FileStat.SYMLINK) {
            i.mode = writer.mode(stat);
        }
        i.xattrs = CopiedAttributes.of(source);
        i.mtime = stat.mtime();
    }

    @Override
    public boolean writesContent() {
        return false;
    }

    private void add(Path target, Inode inode) throws IOException {
        names.put(target, inode);
        touchParent(target);
    }

    /**
     * The kernel moves a directory's mtime to now when a name is added or removed; that is done
     * once per directory in {@link #settleDirectoryTimes}, not once per name (20,000 system calls
     * for a context of 20,000 files): nothing reads the times in between, and "now" is the same.
     */
    private void touchParent(Path target) {
        touched.add(target.getParent());
    }

    @Override
    public void settleDirectoryTimes() throws IOException {
        Instant now = Instant.now();
        for (Path dir : touched) {
            Syscalls.setTimesNoFollow(dir, now);
        }
        touched.clear();
    }

    /**
     * The recorded names as layer entries, in layer order, with the attributes {@code options}
     * keeps; to be merged with the entries of the directories on disk.
     */
    public List<LayerEntry> entries(LayerOptions options) {
        if (replayed != null) {
            return replayed.stream().map(e -> e.xattrs().isEmpty() ? e : withXattrs(e, kept(e.xattrs(), options)))
                    .toList();
        }
        if (!touched.isEmpty()) {
            throw new IllegalStateException("directory times not settled: " + touched);
        }
        List<String> paths = new ArrayList<>();
        Map<String, Inode> byPath = new HashMap<>();
        Map<Inode, Integer> links = new IdentityHashMap<>();
        String under = root.toString() + "/";
        for (Map.Entry<Path, Inode> n : names.entrySet()) {
            String target = n.getKey().toString();
            if (!target.startsWith(under)) {
                throw new IllegalStateException(target + " is not under " + root);
            }
            String path = target.substring(under.length());
            paths.add(path);
            byPath.put(path, n.getValue());
            links.merge(n.getValue(), 1, Integer::sum);
        }
        EntryOrder.sort(paths, p -> p);
        Map<Inode, String> firstName = new IdentityHashMap<>();
        List<LayerEntry> out = new ArrayList<>(paths.size());
        for (String path : paths) {
            Inode i = byPath.get(path);
            String first = links.get(i) > 1 ? firstName.putIfAbsent(i, path) : null;
            out.add(first != null
                    ? new LayerEntry(path, LayerEntry.Type.HARDLINK, i.mode, i.uid, i.gid, i.mtime, 0, first, 0, 0,
                            null, null)
                    : entry(path, i, options));
        }
        return out;
    }

    private LayerEntry entry(String path, Inode i, LayerOptions options) {
        LayerEntry.Type type = switch (i.type) {
            case FileStat.REGULAR -> LayerEntry.Type.FILE;
            case FileStat.SYMLINK -> LayerEntry.Type.SYMLINK;
            case Syscalls.S_IFCHR -> LayerEntry.Type.CHAR;
            case Syscalls.S_IFBLK -> LayerEntry.Type.BLOCK;
            case Syscalls.S_IFIFO -> LayerEntry.Type.FIFO;
            default -> throw new IllegalStateException(path + ": unexpected file type " + Integer.toOctalString(i.type));
        };
        boolean device = type == LayerEntry.Type.CHAR || type == LayerEntry.Type.BLOCK;
        TreeMap<String, byte[]> xattrs = kept(i.xattrs, options);
        Path source = i.source;
        return new LayerEntry(path, type, i.mode, Integer.toUnsignedLong(i.uid), Integer.toUnsignedLong(i.gid), i.mtime,
                i.size, i.linkText, device ? Syscalls.major(i.rdev) : 0, device ? Syscalls.minor(i.rdev) : 0,
                xattrs,
                type == LayerEntry.Type.FILE ? content(source) : null);
    }

    /** The attributes of {@code all} that {@code options} keep in a layer; null when none (most files). */
    private static TreeMap<String, byte[]> kept(Map<String, byte[]> all, LayerOptions options) {
        TreeMap<String, byte[]> xattrs = null;
        for (Map.Entry<String, byte[]> x : all.entrySet()) {
            if (options.xattrFilter().test(x.getKey())) {
                if (xattrs == null) {
                    xattrs = new TreeMap<>();
                }
                xattrs.put(x.getKey(), x.getValue());
            }
        }
        return xattrs;
    }

    private static LayerEntry withXattrs(LayerEntry e, TreeMap<String, byte[]> xattrs) {
        return new LayerEntry(e.path(), e.type(), e.mode(), e.uid(), e.gid(), e.mtime(), e.size(), e.linkTarget(),
                e.devMajor(), e.devMinor(), xattrs, e.type() == LayerEntry.Type.FILE ? e.content() : null);
    }

    /** A source file's content, and its digest when known. */
    private record SourceContent(Path source, Optional<String> known) implements LayerEntry.Content {
        @Override
        public InputStream open() throws IOException {
            return Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public Optional<String> sha256() {
            return known;
        }

        /** One byte read: the kernel reads a small file whole with it (its readahead). */
        @Override
        public void prefetch() {
            try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS)) {
                in.read();
            } catch (IOException | RuntimeException ignored) {
                // only advice: the writer's own read reports what matters
            }
        }
    }
}
