package dev.jbuild.builder.run;

import dev.jbuild.builder.BuildException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The cgroup of one container, {@code jbuild/<id>} in every hierarchy it uses: with cgroup v2 (the
 * unified hierarchy, {@code /sys/fs/cgroup/cgroup.controllers} exists) one directory
 * {@code /sys/fs/cgroup/jbuild/<id>} with {@code memory.max}, {@code cpu.max} and {@code pids.max};
 * with v1 one directory per controller, {@code /sys/fs/cgroup/{memory,cpu,pids}/jbuild/<id>}. The
 * path is absolute, as docker's {@code /docker/<id>}: a container is limited by its own cgroup, not
 * by wherever jbuild itself was started, and a later jbuild finds a crashed one's cgroups at a
 * known place. runc and crun create theirs from the same path ({@link #runtimePath}); this class
 * creates them for the unshare executor and removes any that are left.
 */
final class Cgroup {
    static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final String PARENT = "jbuild";
    /** The CFS period; a CPU limit is the quota per period, as docker sets it. */
    static final long CPU_PERIOD_US = 100_000;
    private static final long MIN_CPU_QUOTA_US = 1_000;
    /** How long a cgroup may stay busy after its processes were killed before removal gives up. */
    private static final long REMOVE_MILLIS = 5_000;

    private final List<Path> dirs;

    private Cgroup(List<Path> dirs) {
        this.dirs = dirs;
    }

    /** Whether the host uses cgroup v2 only (a hybrid v1 host has v2 at {@code unified}, without controllers). */
    static boolean unified() {
        return Files.exists(ROOT.resolve("cgroup.controllers"));
    }

    /** The {@code linux.cgroupsPath} for an OCI runtime. */
    static String runtimePath(String id) {
        return "/" + PARENT + "/" + id;
    }

    /** Creates the container's cgroup with the limits set; fails naming a controller a limit needs but the host lacks. */
    static Cgroup create(String id, Limits limits) throws IOException {
        Cgroup cgroup = unified() ? createV2(id, limits) : createV1(id, limits);
        if (cgroup.dirs.isEmpty()) {
            throw new BuildException("no cgroup hierarchy is mounted at " + ROOT);
        }
        return cgroup;
    }

    private static Cgroup createV2(String id, Limits limits) throws IOException {
        Path parent = ROOT.resolve(PARENT);
        Files.createDirectories(parent);
        // A controller's files exist in a child only when its parent delegates it.
        enable(ROOT, "memory", limits.memoryBytes().isPresent());
        enable(ROOT, "cpu", limits.cpus().isPresent());
        enable(ROOT, "pids", limits.pids().isPresent());
        enable(parent, "memory", limits.memoryBytes().isPresent());
        enable(parent, "cpu", limits.cpus().isPresent());
        enable(parent, "pids", limits.pids().isPresent());
        Path dir = parent.resolve(id);
        Files.createDirectory(dir);
        Cgroup cgroup = new Cgroup(List.of(dir));
        try {
            if (limits.memoryBytes().isPresent()) {
                write(dir, "memory.max", limits.memoryBytes().getAsLong());
                if (Files.exists(dir.resolve("memory.swap.max"))) {
                    write(dir, "memory.swap.max", 0);
                }
            }
            if (limits.cpus().isPresent()) {
                write(dir, "cpu.max", cpuQuota(limits.cpus().getAsDouble()) + " " + CPU_PERIOD_US);
            }
            if (limits.pids().isPresent()) {
                write(dir, "pids.max", limits.pids().getAsLong());
            }
        } catch (IOException | RuntimeException e) {
            cgroup.destroy();
            throw e;
        }
        return cgroup;
    }

    private static Cgroup createV1(String id, Limits limits) throws IOException {
        List<Path> dirs = new ArrayList<>();
        Cgroup cgroup = new Cgroup(dirs);
        try {
            Optional<Path> memory = v1Dir(dirs, "memory", id, limits.memoryBytes().isPresent());
            if (memory.isPresent() && limits.memoryBytes().isPresent()) {
                long bytes = limits.memoryBytes().getAsLong();
                write(memory.get(), "memory.limit_in_bytes", bytes);
                // Memory plus swap capped at the same value: over the limit means killed, not swapped.
                if (Files.exists(memory.get().resolve("memory.memsw.limit_in_bytes"))) {
                    write(memory.get(), "memory.memsw.limit_in_bytes", bytes);
                }
            }
            Optional<Path> cpu = v1Dir(dirs, "cpu", id, limits.cpus().isPresent());
            if (cpu.isPresent() && limits.cpus().isPresent()) {
                write(cpu.get(), "cpu.cfs_period_us", CPU_PERIOD_US);
                write(cpu.get(), "cpu.cfs_quota_us", cpuQuota(limits.cpus().getAsDouble()));
            }
            Optional<Path> pids = v1Dir(dirs, "pids", id, limits.pids().isPresent());
            if (pids.isPresent() && limits.pids().isPresent()) {
                write(pids.get(), "pids.max", limits.pids().getAsLong());
            }
        } catch (IOException | RuntimeException e) {
            cgroup.destroy();
            throw e;
        }
        return cgroup;
    }

    /** The controller's {@code jbuild/<id>} directory, created; empty when the controller is absent and not needed. */
    private static Optional<Path> v1Dir(List<Path> dirs, String controller, String id, boolean needed)
            throws IOException {
        Path hierarchy = ROOT.resolve(controller);
        if (!Files.isDirectory(hierarchy)) {
            if (needed) {
                throw new BuildException("cannot limit " + controller + ": the cgroup v1 " + controller
                        + " controller is not mounted at " + hierarchy);
            }
            return Optional.empty();
        }
        Path dir = Files.createDirectories(hierarchy.resolve(PARENT)).resolve(id);
        Files.createDirectory(dir);
        dirs.add(dir);
        return Optional.of(dir);
    }

    private static void enable(Path dir, String controller, boolean needed) throws IOException {
        String enabled = Files.readString(dir.resolve("cgroup.subtree_control")).trim();
        if (List.of(enabled.split("\\s+")).contains(controller)) {
            return;
        }
        try {
            Files.writeString(dir.resolve("cgroup.subtree_control"), "+" + controller);
        } catch (IOException e) {
            if (needed) {
                throw new BuildException("cannot limit " + controller + ": the cgroup v2 controller cannot be enabled in "
                        + dir + " (" + e.getMessage() + ")", e);
            }
        }
    }

    /** The CFS quota for {@code cpus} cores: {@code cpus} periods per period, at least the kernel's 1 ms. */
    static long cpuQuota(double cpus) {
        return Math.max(MIN_CPU_QUOTA_US, Math.round(cpus * CPU_PERIOD_US));
    }

    private static void write(Path dir, String file, Object value) throws IOException {
        try {
            Files.writeString(dir.resolve(file), value.toString());
        } catch (IOException e) {
            throw new BuildException("cannot set " + file + " to " + value + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The files a process writes {@code 0} to so as to move itself into this cgroup. */
    List<Path> procsFiles() {
        return dirs.stream().map(d -> d.resolve("cgroup.procs")).toList();
    }

    /** Kills every process still in the cgroup and removes its directories. */
    void destroy() throws IOException {
        IOException failure = null;
        for (Path dir : dirs) {
            try {
                remove(dir);
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Destroys {@code jbuild/<id>} wherever it exists: the backstop after an OCI runtime's own cleanup. */
    static void destroyAll(String id) throws IOException {
        new Cgroup(find(id::equals)).destroy();
    }

    /** Destroys every {@code jbuild/<name>} whose name {@code stale} accepts, in every hierarchy. */
    static void destroyStale(Predicate<String> stale) throws IOException {
        new Cgroup(find(stale)).destroy();
    }

    /** Every {@code jbuild/<name>} directory whose name matches, in every mounted hierarchy (v1 and v2). */
    private static List<Path> find(Predicate<String> names) throws IOException {
        List<Path> hierarchies = new ArrayList<>();
        hierarchies.add(ROOT);
        if (!unified()) {
            try (DirectoryStream<Path> all = Files.newDirectoryStream(ROOT, Files::isDirectory)) {
                all.forEach(hierarchies::add);
            }
        }
        List<Path> found = new ArrayList<>();
        for (Path h : hierarchies) {
            Path parent = h.resolve(PARENT);
            if (!Files.isDirectory(parent)) {
                continue;
            }
            try (DirectoryStream<Path> children = Files.newDirectoryStream(parent, Files::isDirectory)) {
                for (Path child : children) {
                    if (names.test(child.getFileName().toString())) {
                        found.add(child);
                    }
                }
            }
        }
        return found;
    }

    /** Kills the processes in {@code dir} until it is empty, then removes it (the kernel refuses while busy). */
    private static void remove(Path dir) throws IOException {
        long deadline = System.currentTimeMillis() + REMOVE_MILLIS;
        while (true) {
            try {
                killAll(dir);
                Files.delete(dir);
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IOException("cannot remove cgroup " + dir + ": " + e.getMessage(), e);
                }
                Containers.pause(10);
            }
        }
    }

    private static void killAll(Path dir) throws IOException {
        for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
            if (!line.isBlank()) {
                ProcessHandle.of(Long.parseLong(line.trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
