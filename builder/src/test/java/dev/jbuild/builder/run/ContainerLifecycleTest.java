package dev.jbuild.builder.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.testkit.Required;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Containers beyond one run: a JVM that is terminated cleans up in its shutdown hook, one that is
 * killed leaves what {@link Containers#cleanStale} removes, and cleanStale only touches containers
 * and cgroups whose owner pid is dead.
 */
class ContainerLifecycleTest {
    /** Above the kernel's pid_max on every default configuration (32768, or 4194304 on large machines it is not). */
    private static final String DEAD = "jbuild-999999";

    @TempDir
    Path tmp;

    @Test
    void cleanStaleDeletesContainersAndCgroupsOfDeadOwners() throws Exception {
        Required.root("runc and cgroups need root");
        Required.tools("runc");
        assertTrue(ProcessHandle.of(999999).isEmpty());
        OciRuntime runc = OciRuntime.of("runc", Executors.which("runc").orElseThrow(), tmp.resolve("state"));
        runc.createStateDir();
        Path rootfs = TestRootfs.create(Files.createDirectory(tmp.resolve("rootfs")));
        String staleId = DEAD + "-1";
        ExecSpec spec = new ExecSpec(rootfs, List.of("/bin/true"), java.util.Map.of(), "/", 0, 0, List.of(), false,
                "h", List.of(), Limits.defaults(), tmp, staleId);
        Path bundle = Files.createDirectories(tmp.resolve("bundle"));
        Files.write(bundle.resolve("config.json"), OciConfig.json(spec, List.of()));
        Process create = new ProcessBuilder(runc.command("create", "--bundle", bundle.toString(), staleId))
                .redirectInput(Containers.NO_INPUT)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        assertEquals(0, create.waitFor());
        // A crashed unshare run leaves only its cgroup; one of a live jbuild (this one) must stay.
        String liveId = "jbuild-" + ProcessHandle.current().pid() + "-999999";
        Cgroup stale = Cgroup.create(DEAD + "-2", Limits.defaults());
        Cgroup live = Cgroup.create(liveId, Limits.defaults());
        try {
            assertEquals(List.of(staleId), runc.list());

            Containers.cleanStale(tmp.resolve("state"));

            assertEquals(List.of(), runc.list());
            assertEquals(List.of(), ExecutorTest.cgroupDirs(staleId));
            assertEquals(List.of(), ExecutorTest.cgroupDirs(DEAD + "-2"));
            assertFalse(ExecutorTest.cgroupDirs(liveId).isEmpty());
        } finally {
            live.destroy();
            stale.destroy();
            runc.deleteForce(staleId);
        }
        // MountStubs never ran: runc create made /proc, /dev, /sys itself; that is not this test's business.
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void terminatedJvmCleansUpInItsShutdownHook(String executor) throws Exception {
        Child child = start(executor);
        child.process.destroy(); // SIGTERM: shutdown hooks run
        assertTrue(child.process.waitFor(20, TimeUnit.SECONDS), "JVM did not exit");
        assertNothingLeft(child);
        assertFalse(Files.exists(child.rootfs.resolve("proc")), "mount stubs left");
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void killedJvmLeavesWhatCleanStaleRemoves(String executor) throws Exception {
        Child child = start(executor);
        child.process.destroyForcibly(); // SIGKILL: no hook
        assertTrue(child.process.waitFor(20, TimeUnit.SECONDS), "JVM did not exit");
        Containers.cleanStale(child.state);
        assertNothingLeft(child);
    }

    private record Child(Process process, String id, Path rootfs, Path state) {
    }

    private Child start(String executor) throws Exception {
        Required.root("containers need root");
        Required.tools(executor.equals("runc") ? new String[] {"runc"} : new String[] {"unshare", "setpriv", "nsenter"});
        Path rootfs = TestRootfs.create(Files.createDirectory(tmp.resolve("rootfs")));
        Path state = Files.createDirectory(tmp.resolve("state"));
        Path work = Files.createDirectory(tmp.resolve("work"));
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ContainerMain.class.getName(),
                executor, rootfs.toString(), state.toString(), work.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String id = out.readLine();
        assertTrue(id != null && id.startsWith("id "), "child said " + id);
        assertEquals("started", out.readLine());
        return new Child(p, id.substring(3), rootfs, state);
    }

    private static void assertNothingLeft(Child child) throws IOException, InterruptedException {
        assertEquals(List.of(), ExecutorTest.cgroupDirs(child.id), "cgroups left");
        OciRuntime runc = OciRuntime.of("runc", Executors.which("runc").orElse(Path.of("/nonexistent")), child.state);
        if (Files.isDirectory(runc.stateDir())) {
            assertEquals(List.of(), runc.list(), "containers left");
        }
        assertEquals(List.of(), sleepers(child.rootfs), "container processes left");
        assertEquals(List.of(), Files.readAllLines(Path.of("/proc/mounts")).stream()
                .filter(l -> l.contains(child.rootfs.toString())).toList(), "mounts left");
    }

    /**
     * Processes still running the test's {@code sleep 100} with this test's rootfs as their root
     * directory (other tests run {@code sleep 100} too, whose processes may still be dying).
     */
    private static List<Long> sleepers(Path rootfs) throws InterruptedException {
        List<Long> found = new ArrayList<>();
        // Killed processes take a moment to disappear from the process table.
        for (int attempt = 0; attempt < 50; attempt++) {
            found.clear();
            ProcessHandle.allProcesses()
                    .filter(h -> h.info().commandLine().orElse("").contains("sleep 100") && rootedIn(h.pid(), rootfs))
                    .forEach(h -> found.add(h.pid()));
            if (found.isEmpty()) {
                break;
            }
            Thread.sleep(100);
        }
        return found;
    }

    private static boolean rootedIn(long pid, Path rootfs) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "root")).startsWith(rootfs);
        } catch (IOException e) {
            return false; // gone meanwhile
        }
    }
}
