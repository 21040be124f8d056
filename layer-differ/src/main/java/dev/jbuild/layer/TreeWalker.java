package dev.jbuild.layer;

import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns a directory tree into layer entries, in {@link EntryOrder}, one directory listing at a
 * time (memory grows with the widest directories on the current path, never with the tree). The
 * root itself is not an entry. Metadata comes from one {@code lstat} per path
 * ({@code unix:*} attributes, never following symlinks):
 * <ul>
 *   <li>mode bits from {@code unix:mode}, numeric owner from {@code unix:uid}/{@code unix:gid},
 *       device numbers from {@code unix:rdev}, mtime from {@code unix:lastModifiedTime} (the writer
 *       truncates it to seconds); atime and ctime are ignored;</li>
 *   <li>a non-directory with more than one link is written in full at its first path in the order
 *       and as a hardlink to that path at every later one, recognised by (device, inode);</li>
 *   <li>sockets are skipped: a tar cannot hold them and a container recreates them at run time;</li>
 *   <li>extended attributes are read with {@code llistxattr}/{@code lgetxattr}, those passing
 *       {@link LayerOptions#xattrFilter()}; a file system without xattr support ({@code ENOTSUP})
 *       has none, every other failure is an error.</li>
 * </ul>
 * Regular files are opened only when the writer reaches them.
 */
public final class TreeWalker {
    /** Receives entries in order; the writer's {@link LayerWriter#add} is one. */
    @FunctionalInterface
    public interface Visitor {
        void visit(LayerEntry entry) throws IOException;
    }

    private static final String ATTRIBUTES = "unix:mode,ino,dev,rdev,nlink,uid,gid,size,lastModifiedTime";
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;

    private record Inode(long dev, long ino) {
    }

    private record Child(Path path, byte[] name) {
    }

    private final LayerOptions options;
    private final Visitor visitor;
    private final Map<Inode, String> firstLinks = new HashMap<>();

    private TreeWalker(LayerOptions options, Visitor visitor) {
        this.options = options;
        this.visitor = visitor;
    }

    /** Visits every path under {@code root} (not the root itself) in {@link EntryOrder}. */
    public static void walk(Path root, LayerOptions options, Visitor visitor) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NotDirectoryException(root + " (a layer is made from a directory)");
        }
        new TreeWalker(options, visitor).directory(root, "");
    }

    private void directory(Path dir, String prefix) throws IOException {
        List<Child> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                children.add(new Child(p, p.getFileName().toString().getBytes(StandardCharsets.UTF_8)));
            }
        }
        children.sort((a, b) -> EntryOrder.compareNames(a.name(), b.name()));
        for (Child child : children) {
            String path = prefix + new String(child.name(), StandardCharsets.UTF_8);
            LayerEntry entry = entry(child.path(), path);
            if (entry == null) {
                continue;
            }
            visitor.visit(entry);
            if (entry.type() == LayerEntry.Type.DIR) {
                directory(child.path(), path + "/");
            }
        }
    }

    /** The entry for one path, a hardlink to an earlier path, or null for a socket. */
    private LayerEntry entry(Path file, String path) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        LayerEntry e = read(file, path, a, options);
        if (e == null || e.type() == LayerEntry.Type.DIR || (Integer) a.get("nlink") <= 1) {
            return e;
        }
        String first = firstLinks.putIfAbsent(new Inode((Long) a.get("dev"), (Long) a.get("ino")), path);
        return first == null ? e
                : new LayerEntry(path, LayerEntry.Type.HARDLINK, e.mode(), e.uid(), e.gid(), e.mtime(), 0, first, 0, 0,
                        null, null);
    }

    /**
     * The entry for one path as it is on disk, never as a hardlink (the walk decides those), or
     * null for a socket. For callers that need single paths the way a walk reads them, such as the
     * differs adding the parents of what changed.
     */
    public static LayerEntry read(Path file, String path, LayerOptions options) throws IOException {
        return read(file, path, Files.readAttributes(file, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS), options);
    }

    private static LayerEntry read(Path file, String path, Map<String, Object> a, LayerOptions options)
            throws IOException {
        int mode = (Integer) a.get("mode");
        int format = mode & S_IFMT;
        if (format == S_IFSOCK) {
            return null;
        }
        long uid = Integer.toUnsignedLong((Integer) a.get("uid"));
        long gid = Integer.toUnsignedLong((Integer) a.get("gid"));
        var mtime = ((FileTime) a.get("lastModifiedTime")).toInstant();
        int perm = mode & 07777;
        long rdev = (Long) a.get("rdev");
        LayerEntry.Type type;
        long size = 0;
        String target = "";
        long major = 0;
        long minor = 0;
        LayerEntry.Content content = null;
        switch (format) {
            case S_IFREG -> {
                type = LayerEntry.Type.FILE;
                size = (Long) a.get("size");
                content = () -> Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
            }
            case S_IFDIR -> type = LayerEntry.Type.DIR;
            case S_IFLNK -> {
                type = LayerEntry.Type.SYMLINK;
                target = Files.readSymbolicLink(file).toString();
                if (target.isEmpty()) {
                    throw new IOException(file + ": symlink with an empty target cannot be stored in a layer");
                }
            }
            case S_IFCHR, S_IFBLK -> {
                type = format == S_IFCHR ? LayerEntry.Type.CHAR : LayerEntry.Type.BLOCK;
                major = Syscalls.major(rdev);
                minor = Syscalls.minor(rdev);
            }
            case S_IFIFO -> type = LayerEntry.Type.FIFO;
            default -> throw new IOException(file + ": unknown file type " + Integer.toOctalString(format));
        }
        return new LayerEntry(path, type, perm, uid, gid, mtime, size, target, major, minor, xattrs(file, options), content);
    }

    private static TreeMap<String, byte[]> xattrs(Path file, LayerOptions options) throws IOException {
        Optional<List<String>> names = Syscalls.listXattrsIfSupported(file);
        if (names.isEmpty() || names.get().isEmpty()) {
            return null;
        }
        TreeMap<String, byte[]> values = null;
        for (String name : names.get()) {
            if (!options.xattrFilter().test(name)) {
                continue;
            }
            Optional<byte[]> value = Syscalls.getXattr(file, name);
            if (value.isPresent()) {
                if (values == null) {
                    values = new TreeMap<>();
                }
                values.put(name, value.get());
            }
        }
        return values;
    }
}
