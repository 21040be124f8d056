package dev.jbuild.layer.diff;

import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/** lstat helpers shared by the differs; never follows symlinks. */
final class Stat {
    static final int S_IFMT = 0170000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;

    private Stat() {
    }

    /** The file format bits and rdev of {@code p}, or empty when nothing is there. */
    static Optional<long[]> formatAndRdev(Path p) throws IOException {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
            return Optional.of(new long[] {(Integer) a.get("mode") & S_IFMT, (Long) a.get("rdev")});
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code p} is an overlay whiteout: a character device 0/0. */
    static boolean isOverlayWhiteout(long format, long rdev) {
        return format == S_IFCHR && Syscalls.major(rdev) == 0 && Syscalls.minor(rdev) == 0;
    }

    /** Whether the directory {@code p} carries {@code <prefix>opaque=y}. */
    static boolean isOpaque(Path p, String prefix) throws IOException {
        Optional<byte[]> v = getXattrIfSupported(p, prefix + "opaque");
        return v.isPresent() && v.get().length == 1 && v.get()[0] == 'y';
    }

    static Optional<byte[]> getXattrIfSupported(Path p, String name) throws IOException {
        Optional<List<String>> names = Syscalls.listXattrsIfSupported(p);
        if (names.isEmpty() || !names.get().contains(name)) {
            return Optional.empty();
        }
        return Syscalls.getXattr(p, name);
    }

    /**
     * The layer entry for one path, read the way {@link dev.jbuild.layer.TreeWalker} reads it (but
     * never as a hardlink); used for parents and hardlink targets that a differ must add.
     */
    static LayerEntry entry(Path file, String path, Predicate<String> xattrFilter) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:mode,rdev,uid,gid,size,lastModifiedTime",
                LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        long uid = Integer.toUnsignedLong((Integer) a.get("uid"));
        long gid = Integer.toUnsignedLong((Integer) a.get("gid"));
        var mtime = ((FileTime) a.get("lastModifiedTime")).toInstant();
        long rdev = (Long) a.get("rdev");
        LayerEntry.Type type;
        long size = 0;
        String target = "";
        LayerEntry.Content content = null;
        switch (mode & S_IFMT) {
            case S_IFREG -> {
                type = LayerEntry.Type.FILE;
                size = (Long) a.get("size");
                content = () -> Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
            }
            case S_IFDIR -> type = LayerEntry.Type.DIR;
            case S_IFLNK -> {
                type = LayerEntry.Type.SYMLINK;
                target = Files.readSymbolicLink(file).toString();
            }
            case S_IFCHR -> type = LayerEntry.Type.CHAR;
            case S_IFBLK -> type = LayerEntry.Type.BLOCK;
            case S_IFIFO -> type = LayerEntry.Type.FIFO;
            default -> throw new IOException(file + ": cannot be stored in a layer (file type "
                    + Integer.toOctalString(mode & S_IFMT) + ")");
        }
        boolean device = type == LayerEntry.Type.CHAR || type == LayerEntry.Type.BLOCK;
        TreeMap<String, byte[]> xattrs = new TreeMap<>();
        Optional<List<String>> names = Syscalls.listXattrsIfSupported(file);
        if (names.isPresent()) {
            for (String name : names.get()) {
                if (xattrFilter.test(name)) {
                    Syscalls.getXattr(file, name).ifPresent(v -> xattrs.put(name, v));
                }
            }
        }
        return new LayerEntry(path, type, mode & 07777, uid, gid, mtime, size, target,
                device ? Syscalls.major(rdev) : 0, device ? Syscalls.minor(rdev) : 0, xattrs, content);
    }

    /** The parent layer path of {@code path}, or null at the top. */
    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? null : path.substring(0, slash);
    }
}
