package dev.jbuild.layer.diff;

import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.TreeWalker;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** lstat helpers shared by the differs; never follows symlinks. */
final class Stat {
    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;

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
     * The layer entry for one path, read as {@link TreeWalker} reads it (never as a hardlink); used
     * for parents and hardlink targets that a differ must add.
     */
    static LayerEntry entry(Path file, String path, Predicate<String> xattrFilter) throws IOException {
        LayerEntry e = TreeWalker.read(file, path, LayerOptions.defaults().withXattrFilter(xattrFilter));
        if (e == null) {
            throw new IOException(file + ": a socket cannot be stored in a layer");
        }
        return e;
    }

    /** The parent layer path of {@code path}, or null at the top. */
    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? null : path.substring(0, slash);
    }
}
