package dev.jbuild.layer.apply;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** File-tree helpers that never follow a symbolic link; {@link #deleteRecursively} is for everyone. */
public final class Trees {
    private Trees() {
    }

    /** The attributes of the path itself, or null when nothing is there. */
    static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    static boolean isRealDirectory(BasicFileAttributes a) {
        return a != null && a.isDirectory() && !a.isSymbolicLink();
    }

    static List<String> list(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                names.add(p.getFileName().toString());
            }
        }
        return names;
    }

    /**
     * Deletes a path and, if it is a real directory, everything below it; symlinks are removed, never
     * followed. Iterative, so a hostile depth cannot overflow the stack. Directories we may not list
     * or empty (read-only trees unpacked without root) are made writable first.
     */
    public static void deleteRecursively(Path top) throws IOException {
        BasicFileAttributes a = lstat(top);
        if (a == null) {
            return;
        }
        if (!isRealDirectory(a)) {
            Files.delete(top);
            return;
        }
        Deque<Path> stack = new ArrayDeque<>();
        Deque<Path> dirs = new ArrayDeque<>();
        stack.push(top);
        while (!stack.isEmpty()) {
            Path dir = stack.pop();
            dirs.push(dir);
            List<String> names;
            try {
                names = list(dir);
            } catch (AccessDeniedException e) {
                makeWritable(dir);
                names = list(dir);
            }
            for (String name : names) {
                Path p = dir.resolve(name);
                BasicFileAttributes ca = lstat(p);
                if (isRealDirectory(ca)) {
                    stack.push(p);
                } else if (ca != null) {
                    try {
                        Files.delete(p);
                    } catch (AccessDeniedException e) {
                        makeWritable(dir);
                        Files.delete(p);
                    }
                }
            }
        }
        while (!dirs.isEmpty()) {
            Path dir = dirs.pop();
            try {
                Files.delete(dir);
            } catch (AccessDeniedException e) {
                Path parent = dir.getParent();
                if (parent == null) {
                    throw e;
                }
                makeWritable(parent);
                Files.delete(dir);
            }
        }
    }

    /** chmod u+rwx on a directory known not to be a symlink (chmod(2) is by path, so this is safe only then). */
    private static void makeWritable(Path dir) throws IOException {
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dir, "unix:mode", (mode & 07777) | 0700);
    }
}
