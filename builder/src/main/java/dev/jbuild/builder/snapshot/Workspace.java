package dev.jbuild.builder.snapshot;

import dev.jbuild.layer.apply.Trees;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The scratch directory of one build, {@code <store>/tmp/build-<pid>-<n>/}: upper, work and
 * mount directories of its steps. It lives in the store so that a finished upper dir can be
 * renamed into a snapshot. Closing unmounts whatever is still mounted below it and deletes it;
 * {@link #cleanStale} does the same for the workspaces of jbuild processes that died (SIGKILL, a
 * crash), so the next jbuild command leaves no overlay mounted.
 */
public final class Workspace implements AutoCloseable {
    private static final String PREFIX = "build-";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final Path dir;
    private final AtomicInteger next = new AtomicInteger();

    private Workspace(Path dir) {
        this.dir = dir;
    }

    public static Workspace create(Path storeRoot) throws IOException {
        Path parent = storeRoot.resolve("tmp");
        Files.createDirectories(parent);
        Path dir = parent.resolve(PREFIX + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-"
                + Long.toString(System.nanoTime(), 36));
        Files.createDirectories(dir);
        return new Workspace(dir);
    }

    public Path dir() {
        return dir;
    }

    /** A new, empty directory for one step ({@code upper}, {@code work}, {@code merged} go in it). */
    public Path newStepDir(String kind) throws IOException {
        Path d = dir.resolve(kind + "-" + next.incrementAndGet());
        Files.createDirectories(d);
        return d;
    }

    @Override
    public void close() throws IOException {
        remove(dir);
    }

    /** Unmounts and removes the workspaces of jbuild processes no longer running. */
    public static void cleanStale(Path storeRoot) throws IOException {
        Path parent = storeRoot.resolve("tmp");
        if (!Files.isDirectory(parent)) {
            return;
        }
        try (Stream<Path> all = Files.list(parent)) {
            for (Path d : all.toList()) {
                String name = d.getFileName().toString();
                if (name.startsWith(PREFIX) && !Pids.alive(Pids.fromName(name, PREFIX))) {
                    remove(d);
                }
            }
        }
    }

    private static void remove(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        for (Path m : mountsBelow(dir)) {
            try {
                Syscalls.umount(m, 2 /* MNT_DETACH */);
            } catch (IOException alreadyGone) {
                // Unmounted meanwhile: nothing left to do.
            }
        }
        Trees.deleteRecursively(dir);
    }

    /** Mount points at or below {@code dir}, deepest first, from {@code /proc/self/mountinfo}. */
    public static List<Path> mountsBelow(Path dir) throws IOException {
        String prefix = dir.toAbsolutePath().normalize().toString();
        List<Path> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 4) {
                String point = unescape(f[4]);
                if (point.equals(prefix) || point.startsWith(prefix + "/")) {
                    out.add(Path.of(point));
                }
            }
        }
        out.sort(Comparator.comparingInt((Path p) -> p.getNameCount()).reversed());
        return out;
    }

    /** mountinfo escapes space, tab, newline and backslash as octal ({@code \040}). */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
