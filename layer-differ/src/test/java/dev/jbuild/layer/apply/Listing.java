package dev.jbuild.layer.apply;

import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Everything observable about a tree, one line per path, for before/after comparisons: type, mode,
 * owner, size, mtime (files and symlinks; directories optional), link target, content digest,
 * device numbers and xattrs. Never follows symlinks.
 */
public final class Listing {
    private Listing() {
    }

    /**
     * What a tree holds, without times, xattrs or the root itself: type, mode, owner, content
     * digest, link target, device. For comparing a tree rebuilt from layers with the original.
     */
    public static Map<String, String> contents(Path root) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (!rel.isEmpty()) {
                    out.put(rel, describe(p, false, false));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static Map<String, String> of(Path root) {
        return of(root, true);
    }

    static Map<String, String> of(Path root, boolean dirTimes) {
        Map<String, String> out = new TreeMap<>();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                out.put(rel.isEmpty() ? "." : rel, describe(p, dirTimes));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static String describe(Path p, boolean dirTimes) {
        return describe(p, true, dirTimes);
    }

    private static String describe(Path p, boolean timesAndXattrs, boolean dirTimes) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,rdev",
                    LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            int type = mode & 0170000;
            StringBuilder b = new StringBuilder();
            b.append(switch (type) {
                case 0100000 -> "file";
                case 0040000 -> "dir";
                case 0120000 -> "symlink";
                case 0020000 -> "char";
                case 0060000 -> "block";
                case 0010000 -> "fifo";
                default -> "other";
            });
            b.append(' ').append(Integer.toOctalString(mode & 07777));
            b.append(' ').append(a.get("uid")).append(':').append(a.get("gid"));
            if (type == 0100000) {
                b.append(" size=").append(a.get("size"));
                b.append(" sha256=").append(Digest.sha256(Files.readAllBytes(p)).shortHex());
            }
            if (type == 0120000) {
                b.append(" -> ").append(Files.readSymbolicLink(p));
            }
            if (type == 0020000 || type == 0060000) {
                long rdev = (Long) a.get("rdev");
                b.append(" dev=").append(Syscalls.major(rdev)).append(',').append(Syscalls.minor(rdev));
            }
            if (!timesAndXattrs) {
                return b.toString();
            }
            if (type != 0040000 || dirTimes) {
                b.append(" mtime=").append((FileTime) a.get("lastModifiedTime"));
            }
            Map<String, String> x = new TreeMap<>();
            for (String name : Syscalls.listXattrs(p)) {
                x.put(name, HexFormat.of().formatHex(Syscalls.getXattr(p, name).orElse(new byte[0])));
            }
            if (!x.isEmpty()) {
                b.append(" xattrs=").append(x);
            }
            return b.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
