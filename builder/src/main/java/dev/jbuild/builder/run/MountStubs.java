package dev.jbuild.builder.run;

import dev.jbuild.builder.BuildException;
import dev.jbuild.builder.fs.RootPath;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Creates the mount targets a container needs that its root file system lacks ({@code /proc},
 * {@code /etc/hosts}, {@code /run/secrets/x} and their missing parents), and on {@link #close()}
 * removes them again and puts back the modification times of the directories they were created in,
 * so a step that changes nothing leaves the tree exactly as it was and its layer gains nothing from
 * the mounts (BuildKit's MountStubsCleaner does the same). Targets are resolved as after
 * {@code chroot} ({@link RootPath}), so a symlinked target in a hostile image gets its stub inside
 * the root, where the runtime will mount too. Targets below {@code /proc}, {@code /dev} and
 * {@code /sys} get none: they land on the fresh file systems mounted there. Only what this class
 * created is removed, and only while empty: what the command wrote into a stub directory stays.
 */
final class MountStubs implements AutoCloseable {
    private static final List<String> PSEUDO_FS = List.of("/proc", "/dev", "/sys");

    /** A mount target: a container path, and whether a missing one is made a directory or a file. */
    record Target(String path, boolean directory) {
    }

    private final Path root;
    private final Map<String, Path> hostPaths = new LinkedHashMap<>();
    private final List<Path> created = new ArrayList<>();
    /** Existing directories we created entries in: their times before, and right after, our changes. */
    private final Map<Path, FileTime> timesBefore = new LinkedHashMap<>();
    private final Map<Path, FileTime> timesAfter = new LinkedHashMap<>();

    private MountStubs(Path root) {
        this.root = root;
    }

    /**
     * The targets of a container with these extra mounts: the pseudo file systems every container
     * gets, then each mount's target, a directory unless a file is bound there.
     */
    static List<Target> targets(List<ExtraMount> mounts) {
        List<Target> targets = new ArrayList<>();
        for (String fs : PSEUDO_FS) {
            targets.add(new Target(fs, true));
        }
        for (ExtraMount m : mounts) {
            boolean directory = !(m instanceof ExtraMount.Bind b) || Files.isDirectory(b.source());
            targets.add(new Target(m.target(), directory));
        }
        return targets;
    }

    /** Resolves every target and creates the missing ones. On failure, removes what it made and throws. */
    static MountStubs create(Path root, List<Target> targets) throws IOException {
        MountStubs stubs = new MountStubs(root);
        try {
            for (Target t : targets) {
                stubs.add(t);
            }
            for (Path dir : stubs.timesBefore.keySet()) {
                stubs.timesAfter.put(dir, Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS));
            }
        } catch (IOException | RuntimeException e) {
            try {
                stubs.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return stubs;
    }

    /** Where the target lies on the host: inside the root, every symlink resolved. */
    Path hostPath(String containerPath) {
        Path p = hostPaths.get(containerPath);
        if (p == null) {
            throw new IllegalArgumentException("not a stubbed target: " + containerPath);
        }
        return p;
    }

    private void add(Target target) throws IOException {
        Path host = RootPath.resolve(root, target.path(), true);
        hostPaths.put(target.path(), host);
        if (onPseudoFs(target.path()) || Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = host; !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.push(p);
        }
        try {
            while (!missing.isEmpty()) {
                Path p = missing.pop();
                rememberTimes(p.getParent());
                if (missing.isEmpty() && !target.directory()) {
                    Files.createFile(p);
                } else {
                    Files.createDirectory(p);
                }
                created.add(p);
            }
        } catch (IOException e) {
            throw new BuildException("cannot create mount point " + target.path() + " in the container: " + e, e);
        }
    }

    private static boolean onPseudoFs(String containerPath) {
        String normal = Path.of("/").resolve(containerPath).normalize().toString();
        return PSEUDO_FS.stream().anyMatch(fs -> normal.startsWith(fs + "/"));
    }

    private void rememberTimes(Path dir) throws IOException {
        if (!created.contains(dir) && !timesBefore.containsKey(dir)) {
            timesBefore.put(dir, Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS));
        }
    }

    /**
     * Removes the stubs (deepest first) and restores the parents' modification times: to their
     * original value when nothing but us changed the directory, else to their value before the
     * removal, so the command's own changes still show.
     */
    @Override
    public void close() throws IOException {
        Map<Path, FileTime> timesNow = new LinkedHashMap<>();
        for (Path dir : timesBefore.keySet()) {
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                timesNow.put(dir, Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS));
            }
        }
        for (int i = created.size() - 1; i >= 0; i--) {
            removeIfUntouched(created.get(i));
        }
        created.clear();
        for (Map.Entry<Path, FileTime> e : timesNow.entrySet()) {
            Path dir = e.getKey();
            FileTime after = timesAfter.get(dir);
            // No "after" time: create() failed half-way and the command never ran.
            boolean untouched = after == null || after.equals(e.getValue());
            Files.setLastModifiedTime(dir, untouched ? timesBefore.get(dir) : e.getValue());
        }
        timesBefore.clear();
    }

    private static void removeIfUntouched(Path stub) throws IOException {
        if (Files.isRegularFile(stub, LinkOption.NOFOLLOW_LINKS) && Files.size(stub) != 0) {
            return;
        }
        try {
            Files.deleteIfExists(stub);
        } catch (DirectoryNotEmptyException e) {
            // The command put something in it: that is its output now, and it stays.
        }
    }
}
