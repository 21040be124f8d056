package dev.jbuild.layer.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The undo log of a FLAT apply onto an existing tree. Nothing that was there is ever deleted while
 * the layer is applied: it is renamed into a trash directory beside the target (same file system, so
 * a rename, constant time even for a large directory), and everything the layer creates is recorded.
 * Rolling back deletes what was created and renames what was moved back, in reverse order, then
 * restores the mtimes of directories whose entries changed and the attributes of directories the
 * layer updated. Committing deletes the trash.
 */
final class Journal {
    private sealed interface Op permits Created, Moved, Attrs {
    }

    private record Created(Path path) implements Op {
    }

    private record Moved(Path original, Path aside) implements Op {
    }

    private record Attrs(Path dir, int mode, int uid, int gid, FileTime mtime) implements Op {
    }

    private final Path target;
    private final List<Op> ops = new ArrayList<>();
    private final Map<Path, FileTime> dirTimes = new LinkedHashMap<>();
    private Path trash;
    private int seq;

    Journal(Path target) {
        this.target = target;
    }

    void created(Path p) {
        ops.add(new Created(p));
    }

    /** Records the mtime of a directory before the first change to its entries. */
    void entriesChanging(Path dir) throws IOException {
        if (!dirTimes.containsKey(dir)) {
            dirTimes.put(dir, Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS));
        }
    }

    /** Records a directory's mode, owner and mtime before the layer sets them. */
    void attributesChanging(Path dir) throws IOException {
        Map<String, Object> a = Files.readAttributes(dir, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        ops.add(new Attrs(dir, (Integer) a.get("mode") & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"),
                (FileTime) a.get("lastModifiedTime")));
    }

    /** Takes an existing path out of the tree, keeping it for a rollback. */
    void moveAside(Path p) throws IOException {
        if (trash == null) {
            Path parent = target.toAbsolutePath().getParent();
            trash = Files.createTempDirectory(parent, "." + target.getFileName() + ".jbuild-undo-");
        }
        Path aside = trash.resolve(Integer.toString(seq++));
        Files.move(p, aside, StandardCopyOption.ATOMIC_MOVE);
        ops.add(new Moved(p, aside));
    }

    /** The layer is in: forget how to undo it. */
    void commit() throws IOException {
        if (trash != null) {
            Trees.deleteRecursively(trash);
            trash = null;
        }
        ops.clear();
    }

    /**
     * Puts the tree back as it was. Returns null on success, else a description of what could not be
     * restored (the trash directory is then kept so nothing is lost).
     */
    String rollback() {
        List<String> problems = new ArrayList<>();
        for (int i = ops.size() - 1; i >= 0; i--) {
            Op op = ops.get(i);
            try {
                if (op instanceof Created c) {
                    Trees.deleteRecursively(c.path());
                } else if (op instanceof Moved m) {
                    Trees.deleteRecursively(m.original());
                    Files.move(m.aside(), m.original(), StandardCopyOption.ATOMIC_MOVE);
                } else if (op instanceof Attrs a) {
                    Files.setAttribute(a.dir(), "unix:uid", a.uid(), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(a.dir(), "unix:gid", a.gid(), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(a.dir(), "unix:mode", a.mode());
                    setMtime(a.dir(), a.mtime());
                }
            } catch (NoSuchFileException e) {
                // created and then removed again by the layer itself: nothing to undo
            } catch (IOException | RuntimeException e) {
                problems.add(op + ": " + e);
            }
        }
        for (Map.Entry<Path, FileTime> e : dirTimes.entrySet()) {
            try {
                setMtime(e.getKey(), e.getValue());
            } catch (NoSuchFileException gone) {
                // a directory the layer created
            } catch (IOException ex) {
                problems.add("mtime of " + e.getKey() + ": " + ex);
            }
        }
        if (problems.isEmpty()) {
            try {
                if (trash != null) {
                    Trees.deleteRecursively(trash);
                }
                return null;
            } catch (IOException e) {
                return "could not delete " + trash + ": " + e;
            }
        }
        return String.join("; ", problems) + (trash != null ? " (moved-aside content kept in " + trash + ")" : "");
    }

    private static void setMtime(Path dir, FileTime t) throws IOException {
        if (Trees.isRealDirectory(Trees.lstat(dir))) {
            Files.getFileAttributeView(dir, BasicFileAttributeView.class).setTimes(t, null, null);
        }
    }
}
