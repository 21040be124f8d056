package dev.jbuild.builder.fs;

import dev.jbuild.builder.BuildException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Paths inside a root file system seen from the host, resolved as the kernel would resolve them
 * after {@code chroot(root)}: every symlink is followed, an absolute target starts again at the
 * root, and {@code ..} never climbs above it. A hostile image cannot make jbuild read or write
 * outside its root through a link such as {@code /etc -> /host/etc} or {@code ../../..}.
 */
public final class RootPath {
    /** Linux gives up after 40 links in one lookup (ELOOP); so do we. */
    private static final int MAX_LINKS = 40;

    private RootPath() {
    }

    /**
     * The host path of {@code containerPath} (absolute, or relative to {@code /}) inside {@code root}.
     * Symlinks in every component but the last are followed; the last one only when
     * {@code followLast}. Components that do not exist are kept as written, so the result may name
     * a path still to be created. The result is always {@code root} or below it.
     */
    public static Path resolve(Path root, String containerPath, boolean followLast) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        push(todo, containerPath);
        Deque<String> done = new ArrayDeque<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                done.pollLast();
                continue;
            }
            Path host = join(root, done).resolve(name);
            boolean last = todo.stream().allMatch(n -> n.isEmpty() || n.equals("."));
            if ((!last || followLast) && Files.isSymbolicLink(host)) {
                if (++links > MAX_LINKS) {
                    throw new BuildException("too many levels of symbolic links resolving " + containerPath);
                }
                String target = Files.readSymbolicLink(host).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                push(todo, target);
                continue;
            }
            done.addLast(name);
        }
        return join(root, done);
    }

    /** Whether {@code containerPath} exists inside {@code root} (its last symlink not followed). */
    public static boolean exists(Path root, String containerPath) throws IOException {
        return Files.exists(resolve(root, containerPath, false), LinkOption.NOFOLLOW_LINKS);
    }

    /** The container path of a host path at or below {@code root}: {@code /} plus its relative path. */
    public static String containerPath(Path root, Path host) {
        String rel = root.relativize(host).toString();
        return rel.isEmpty() ? "/" : "/" + rel;
    }

    private static void push(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }

    private static Path join(Path root, Deque<String> names) {
        Path p = root;
        for (String n : names) {
            p = p.resolve(n);
        }
        return p;
    }
}
