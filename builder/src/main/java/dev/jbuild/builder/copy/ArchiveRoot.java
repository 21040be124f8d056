package dev.jbuild.builder.copy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The directory an archive is unpacked into, and how entry names and link targets land in it, as
 * BuildKit's {@code applyRootArchive} does: the directory is the root of its own little world.
 * Names are cleaned as Go's {@code path.Clean} does; a leading {@code /} is dropped (tar's own
 * habit), and a name that still climbs out with {@code ..} is refused. Symlinks already in place,
 * from the image or from earlier entries, are followed inside that world: an absolute target starts
 * again at the directory, and a relative target that climbs out of it is refused, never clamped.
 */
final class ArchiveRoot {
    /** Go's {@code applyRootArchive} gives up after 255 links in one lookup. */
    private static final int MAX_LINKS = 255;

    private final Path dir;

    ArchiveRoot(Path dir) {
        this.dir = dir;
    }

    /** A path that would leave the directory: refused, with the reason. */
    static final class Escape extends IOException {
        private static final long serialVersionUID = 1L;

        Escape(String reason) {
            super(reason);
        }
    }

    /** The host path of cleaned components (an empty list is the directory itself). */
    Path host(List<String> parts) {
        Path p = dir;
        for (String part : parts) {
            p = p.resolve(part);
        }
        return p;
    }

    /**
     * The components of an entry name or hardlink target: {@code path.Clean} of the name with any
     * leading {@code /} removed. Empty for the directory itself ({@code .}, {@code ./}, {@code /}).
     *
     * @param what what the name is, for the message: "its name", "its hardlink target"
     */
    static List<String> clean(String name, String what) throws Escape {
        List<String> parts = cleanJoined(List.of(), name, name.startsWith("/"));
        if (parts == null) {
            throw new Escape(what + " leads outside the destination directory");
        }
        return parts;
    }

    /**
     * Where {@code parts} leads once every symlink on the way is followed: all of them but the last,
     * which is followed only with {@code followLast} (a directory entry merges into the directory a
     * link points to; any other entry replaces the link). Components that do not exist are kept as
     * they are, so the result may name paths still to be created.
     */
    List<String> resolve(List<String> parts, boolean followLast) throws IOException {
        List<String> todo = parts;
        for (int links = 0; links <= MAX_LINKS; links++) {
            List<String> done = new ArrayList<>(todo.size());
            List<String> next = null;
            for (int i = 0; i < todo.size() && next == null; i++) {
                done.add(todo.get(i));
                boolean last = i == todo.size() - 1;
                if (last && !followLast) {
                    break;
                }
                Path host = host(done);
                BasicFileAttributes a = lstat(host);
                if (a == null || !a.isDirectory() && !a.isSymbolicLink() && !last) {
                    // Missing, or a file where a directory should be: nothing further to follow; the
                    // caller creates what is missing and reports what is in the way.
                    done.addAll(todo.subList(i + 1, todo.size()));
                    return done;
                }
                if (a.isSymbolicLink()) {
                    next = linkTarget(done, Files.readSymbolicLink(host).toString());
                    next.addAll(todo.subList(i + 1, todo.size()));
                }
            }
            if (next == null) {
                return done;
            }
            todo = next;
        }
        throw new Escape("too many levels of symbolic links");
    }

    /** The components a symlink at {@code link} leads to. */
    private static List<String> linkTarget(List<String> link, String target) throws Escape {
        boolean absolute = target.startsWith("/");
        List<String> parts = cleanJoined(absolute ? List.of() : link.subList(0, link.size() - 1), target, absolute);
        if (parts == null) {
            throw new Escape("the symlink \"" + String.join("/", link) + "\" -> \"" + target
                    + "\" points outside the destination directory");
        }
        return parts;
    }

    /**
     * {@code path.Clean(base + "/" + name)} as components, or null when the result climbs above the
     * start; with {@code rooted}, {@code ..} at the top stays at the top, as at {@code /}.
     */
    private static List<String> cleanJoined(List<String> base, String name, boolean rooted) {
        List<String> out = new ArrayList<>(base);
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                } else if (!rooted) {
                    return null;
                }
                continue;
            }
            out.add(part);
        }
        return out;
    }

    /** The attributes of the path itself, or null when nothing is there (its parent missing or not a directory). */
    static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (FileSystemException e) {
            // ENOTDIR, which the JDK reports with no exception type of its own.
            if (p.getParent() != null && !Files.isDirectory(p.getParent(), LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            throw e;
        }
    }
}
