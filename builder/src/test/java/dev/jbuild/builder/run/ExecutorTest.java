package dev.jbuild.builder.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both executors against a real busybox root file system: what the process sees (status, output,
 * arguments, environment, user, namespaces, mounts, devices, limits) and that nothing is left
 * afterwards (mounts, runtime state, cgroups, mount stubs).
 */
class ExecutorTest {
    @TempDir
    Path tmp;
    private Path rootfs;
    private Path stateRoot;
    private final List<String> ids = new ArrayList<>();
    private int runs;

    @BeforeEach
    void setUp() throws Exception {
        Required.root("containers need root");
        rootfs = TestRootfs.create(Files.createDirectory(tmp.resolve("rootfs")));
        stateRoot = Files.createDirectory(tmp.resolve("state"));
    }

    @AfterEach
    void nothingLeft() throws Exception {
        if (rootfs == null) {
            return;
        }
        List<String> mounts = Files.readAllLines(Path.of("/proc/mounts")).stream()
                .filter(l -> l.contains(tmp.toString())).toList();
        assertEquals(List.of(), mounts, "mounts left");
        if (Executors.which("runc").isPresent()) {
            assertEquals(List.of(), OciRuntime.of("runc", Executors.which("runc").get(), stateRoot).list(),
                    "runc containers left");
        }
        for (String id : ids) {
            assertEquals(List.of(), cgroupDirs(id), "cgroups left");
        }
    }

    static List<Path> cgroupDirs(String id) throws IOException {
        List<Path> found = new ArrayList<>();
        try (var hierarchies = Files.list(Cgroup.ROOT)) {
            for (Path h : hierarchies.toList()) {
                if (Files.exists(h.resolve("jbuild").resolve(id))) {
                    found.add(h.resolve("jbuild").resolve(id));
                }
            }
        }
        if (Files.exists(Cgroup.ROOT.resolve("jbuild").resolve(id))) {
            found.add(Cgroup.ROOT.resolve("jbuild").resolve(id));
        }
        return found;
    }

    private Executor executor(String name) {
        if (name.equals("runc")) {
            Required.tools("runc");
            try {
                return new RuncExecutor("runc", stateRoot);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        Required.tools("unshare", "setpriv", "nsenter", "ip");
        return UnshareExecutor.locate().orElseThrow();
    }

    /** A spec for a shell command, as root in / with a plain environment, on the host network (the fast one to set up). */
    private Spec sh(String script) {
        return new Spec(List.of("/bin/sh", "-c", script));
    }

    private final class Spec {
        List<String> args;
        Map<String, String> env = new LinkedHashMap<>(Map.of("PATH", "/bin", "HOME", "/root"));
        String cwd = "/";
        int uid;
        int gid;
        List<Integer> groups = List.of();
        boolean isolated;
        String hostname = "jbuild-test";
        List<ExtraMount> mounts = List.of();
        Limits limits = Limits.defaults();

        Spec(List<String> args) {
            this.args = args;
        }

        ExecSpec build() throws IOException {
            String id = Containers.newId();
            ids.add(id);
            Path work = Files.createDirectory(tmp.resolve("work-" + ++runs));
            return new ExecSpec(rootfs, args, env, cwd, uid, gid, groups, isolated, hostname, mounts, limits, work, id);
        }
    }

    record Result(int status, List<String> lines) {
        String text() {
            return String.join("\n", lines);
        }
    }

    private Result run(String executor, Spec spec) throws Exception {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        int status = executor(executor).run(spec.build(), (line, stream) -> lines.add(line));
        return new Result(status, List.copyOf(lines));
    }

    private Result ok(String executor, Spec spec) throws Exception {
        Result r = run(executor, spec);
        assertEquals(0, r.status(), () -> "status, output:\n" + r.text());
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void exitStatus(String executor) throws Exception {
        assertEquals(0, run(executor, sh("true")).status());
        assertEquals(3, run(executor, sh("exit 3")).status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void signalIsReportedAs128PlusSignal(String executor) throws Exception {
        // pid 1 ignores signals sent from inside its namespace; the kernel's CPU-limit SIGKILL it cannot.
        assertEquals(128 + 9, run(executor, sh("ulimit -t 1; while :; do :; done")).status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void outputArrivesLiveAndInOrder(String executor) throws Exception {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Long> firstAt = new AtomicReference<>();
        OutputSink sink = (line, stream) -> {
            lines.add(stream + " " + line);
            firstAt.compareAndSet(null, System.nanoTime());
        };
        int status = executor(executor).run(
                sh("echo one; echo two >&2; sleep 1; echo three; printf 'no newline'").build(), sink);
        long end = System.nanoTime();
        assertEquals(0, status);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(end - firstAt.get()) > 700, "first line only at the end");
        // Two pipes read by two threads: the order holds within a stream, not across them.
        assertEquals(List.of("STDOUT one", "STDOUT three", "STDOUT no newline"),
                lines.stream().filter(l -> l.startsWith("STDOUT")).toList());
        assertEquals(List.of("STDERR two"), lines.stream().filter(l -> l.startsWith("STDERR")).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void argumentsSurviveVerbatim(String executor) throws Exception {
        List<String> values = List.of("a b", "it's \"quoted\" \\ $HOME `id` *", "line1\nline2", "", "--", "-x");
        List<String> args = new ArrayList<>(List.of("/bin/sh", "-c", "for a; do printf '[%s]\\n' \"$a\"; done", "sh"));
        args.addAll(values);
        Result r = ok(executor, new Spec(args));
        String expected = values.stream().map(v -> "[" + v + "]").collect(Collectors.joining("\n"));
        assertEquals(expected, r.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void environmentIsExactlyTheSpecs(String executor) throws Exception {
        Spec spec = new Spec(List.of("env"));
        spec.env = new LinkedHashMap<>();
        spec.env.put("PATH", "/bin");
        spec.env.put("HOME", "/root");
        spec.env.put("SPACES", "a b  c");
        spec.env.put("QUOTES", "it's \"q\" $PATH");
        spec.env.put("EQUALS", "a=b=c");
        spec.env.put("EMPTY", "");
        spec.env.put("LD_LIBRARY_PATH", "/nonexistent");
        Result r = ok(executor, spec);
        assertEquals(new TreeSet<>(new ExecSpec(rootfs, List.of("x"), spec.env, "/", 0, 0, List.of(), true, "h",
                List.of(), Limits.defaults(), tmp, "x").envList()), new TreeSet<>(r.lines()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void cwdUserAndGroups(String executor) throws Exception {
        Files.createDirectories(rootfs.resolve("home/user"));
        Spec spec = sh("pwd; id -u; id -g; id -G; cat /proc/self/status | grep CapEff");
        spec.cwd = "/home/user";
        spec.uid = 1000;
        spec.gid = 1000;
        spec.groups = List.of(10, 2000);
        Result r = ok(executor, spec);
        assertEquals("/home/user", r.lines().get(0));
        assertEquals("1000", r.lines().get(1));
        assertEquals("1000", r.lines().get(2));
        assertEquals(Set.of("1000", "10", "2000"), Set.of(r.lines().get(3).split(" ")));
        assertEquals("CapEff:\t0000000000000000", r.lines().get(4), "a non-root user has no capabilities");
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void rootHasDockersCapabilitiesAndOpenFilesLimit(String executor) throws Exception {
        Result r = ok(executor, sh("grep CapBnd /proc/self/status; ulimit -n; ulimit -Hn"));
        // CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
        String nofile = Long.toString(ContainerDefaults.nofile());
        assertEquals(List.of("CapBnd:\t00000000a80425fb", nofile, nofile), r.lines());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void hostnameAndEtcFiles(String executor) throws Exception {
        Result r = ok(executor, sh("hostname; cat /etc/hostname; cat /etc/hosts; echo ---; cat /etc/resolv.conf"));
        assertEquals("jbuild-test", r.lines().get(0));
        assertEquals("jbuild-test", r.lines().get(1));
        assertTrue(r.lines().get(2).matches("127\\.0\\.0\\.1\\s+localhost jbuild-test"), r.text());
        String resolv = r.text().substring(r.text().indexOf("---\n") + 4);
        assertEquals(Files.readString(Path.of("/etc/resolv.conf")).strip(), resolv.strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void pidNamespace(String executor) throws Exception {
        Result r = ok(executor, sh("echo $$; ls /proc | grep -c '^[0-9]'"));
        assertEquals("1", r.lines().get(0));
        assertTrue(Integer.parseInt(r.lines().get(1)) <= 3, r.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void isolatedNetworkHasOnlyLoopbackUp(String executor) throws Exception {
        Spec spec = sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; ip link show lo; grep -c ^nameserver /etc/resolv.conf");
        spec.isolated = true;
        Result r = ok(executor, spec);
        assertEquals("lo", r.lines().get(0));
        assertNotEquals("0", r.lines().get(r.lines().size() - 1), "resolv.conf is provided anyway");
        assertTrue(r.lines().get(1).startsWith("1: lo: <LOOPBACK,UP"), "one interface, up: " + r.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void hostNetworkShowsTheHostsInterfaces(String executor) throws Exception {
        Spec spec = sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
        Set<String> host = Files.readAllLines(Path.of("/proc/net/dev")).stream().skip(2)
                .map(l -> l.substring(0, l.indexOf(':')).strip()).collect(Collectors.toSet());
        assertEquals(host, Set.copyOf(ok(executor, spec).lines()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void sysIsReadOnlyAndDevicesWork(String executor) throws Exception {
        Result r = ok(executor, sh("""
                touch /sys/kernel/x 2>/dev/null && echo sys-writable || echo sys-ro
                head -c 10 /dev/zero | wc -c
                head -c 16 /dev/urandom | wc -c
                echo discarded > /dev/null && echo null-ok
                echo shm > /dev/shm/f && cat /dev/shm/f
                cat /proc/keys /proc/timer_list 2>&1 | wc -c
                touch /proc/sys/kernel/x 2>/dev/null && echo proc-sys-writable || echo proc-sys-ro
                """));
        assertEquals(List.of("sys-ro", "10", "16", "null-ok", "shm", "0", "proc-sys-ro"), r.lines());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void extraMounts(String executor) throws Exception {
        Path ro = Files.createDirectory(tmp.resolve("ro"));
        Files.writeString(ro.resolve("file"), "from host");
        Path rw = Files.createDirectory(tmp.resolve("rw"));
        Path secret = Files.writeString(tmp.resolve("secret"), "s3cret");
        Path script = Files.writeString(tmp.resolve("script"), "#!/bin/sh\necho script ran\n");
        script.toFile().setExecutable(true);
        Spec spec = sh("""
                cat /mnt/ro/file; echo
                touch /mnt/ro/new 2>/dev/null && echo ro-writable || echo ro-denied
                echo written > /cache/out
                cat /run/secrets/token; echo
                echo t > /scratch/t && cat /scratch/t && grep -c ' /scratch tmpfs ' /proc/mounts
                /dev/pipes/script
                """);
        spec.mounts = List.of(ExtraMount.bind(ro, "/mnt/ro", true), ExtraMount.bind(rw, "/cache", false),
                ExtraMount.bind(secret, "/run/secrets/token", true),
                new ExtraMount.Tmpfs("/scratch", OptionalLong.of(1 << 20)),
                ExtraMount.bind(script, "/dev/pipes/script", true));
        Result r = ok(executor, spec);
        assertEquals(List.of("from host", "ro-denied", "s3cret", "t", "1", "script ran"), r.lines());
        assertEquals("written\n", Files.readString(rw.resolve("out")));
        assertFalse(Files.exists(rootfs.resolve("scratch")));
        assertFalse(Files.exists(rootfs.resolve("run")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void memoryLimitKillsTheStep(String executor) throws Exception {
        Spec small = sh("dd if=/dev/zero of=/dev/null bs=4M count=4 2>/dev/null && echo fits");
        small.limits = new Limits(OptionalLong.of(32 << 20), OptionalDouble.of(0.5), OptionalLong.of(64));
        assertEquals(List.of("fits"), ok(executor, small).lines());
        Spec big = sh("dd if=/dev/zero of=/dev/null bs=64M count=1");
        big.limits = small.limits;
        assertEquals(128 + 9, run(executor, big).status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void limitsAreSetOnTheContainersCgroup(String executor) throws Exception {
        Spec spec = sh("echo ready; sleep 2");
        spec.limits = new Limits(OptionalLong.of(48 << 20), OptionalDouble.of(1.5), OptionalLong.of(77));
        ExecSpec exec = spec.build();
        AtomicReference<List<String>> seen = new AtomicReference<>();
        executor(executor).run(exec, (line, stream) -> {
            try {
                seen.set(Cgroup.unified()
                        ? List.of(read("jbuild/" + exec.id() + "/memory.max"), read("jbuild/" + exec.id() + "/cpu.max"),
                                read("jbuild/" + exec.id() + "/pids.max"))
                        : List.of(read("memory/jbuild/" + exec.id() + "/memory.limit_in_bytes"),
                                read("cpu/jbuild/" + exec.id() + "/cpu.cfs_quota_us") + " "
                                        + read("cpu/jbuild/" + exec.id() + "/cpu.cfs_period_us"),
                                read("pids/jbuild/" + exec.id() + "/pids.max")));
            } catch (IOException e) {
                seen.set(List.of(e.toString()));
            }
        });
        assertEquals(List.of(Long.toString(48 << 20), "150000 100000", "77"), seen.get());
    }

    private static String read(String cgroupFile) throws IOException {
        return Files.readString(Cgroup.ROOT.resolve(cgroupFile)).strip();
    }

    /**
     * Without a device cgroup, the unshare executor mounts the root nodev: a node made with mknod
     * (or shipped in a layer) cannot be opened, even one that is harmless. (runc's device cgroup
     * allows the standard devices by number wherever their node is, as docker's does.)
     */
    @org.junit.jupiter.api.Test
    void unshareDeviceNodesInTheRootCannotBeOpened() throws Exception {
        String executor = "unshare";
        Result r = ok(executor, sh("mknod /tmp/zero c 1 5 && echo made; head -c 1 /tmp/zero >/dev/null 2>&1 && echo opened || echo denied"));
        assertEquals(List.of("made", "denied"), r.lines());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void pidsLimitStopsForks(String executor) throws Exception {
        Spec spec = sh("for i in $(seq 30); do sleep 5 & done; echo all-started");
        spec.limits = new Limits(OptionalLong.empty(), OptionalDouble.empty(), OptionalLong.of(10));
        Result r = run(executor, spec);
        assertFalse(r.lines().contains("all-started"), r.text());
        assertNotEquals(0, r.status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void rootfsIsUnchangedByAStepThatChangesNothing(String executor) throws Exception {
        Path ro = Files.createDirectory(tmp.resolve("ro"));
        Path secret = Files.writeString(tmp.resolve("secret"), "s3cret");
        // Old, distinctive times, so a directory that was touched shows.
        for (String dir : List.of("", "etc", "tmp", "bin")) {
            Files.setLastModifiedTime(rootfs.resolve(dir), java.nio.file.attribute.FileTime.fromMillis(1_000_000_123L));
        }
        List<String> before = TestRootfs.snapshot(rootfs);
        Spec spec = sh("ls / /etc /run/secrets /deep/a/b > /dev/null");
        spec.mounts = List.of(ExtraMount.bind(ro, "/deep/a/b", true), ExtraMount.bind(secret, "/run/secrets/x", true),
                new ExtraMount.Tmpfs("/etc/tmpfs", OptionalLong.empty()));
        ok(executor, spec);
        assertEquals(before, TestRootfs.snapshot(rootfs));
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void symlinkedTargetsStayInsideTheRoot(String executor) throws Exception {
        Path outside = tmp.resolve("outside");
        Files.createSymbolicLink(rootfs.resolve("etc/hosts"), Path.of("../../../../../../" + outside + "/hosts"));
        Files.createSymbolicLink(rootfs.resolve("run"), Path.of(outside.toString()));
        List<String> before = TestRootfs.snapshot(rootfs);
        Spec spec = sh("grep -c '^127.0.0.1' /etc/hosts; cat /run/secrets/x");
        spec.mounts = List.of(ExtraMount.bind(Files.writeString(tmp.resolve("secret"), "s"), "/run/secrets/x", true));
        assertEquals(List.of("1", "s"), ok(executor, spec).lines());
        assertFalse(Files.exists(outside), "created outside the root");
        assertEquals(before, TestRootfs.snapshot(rootfs));
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void interruptKillsAndCleansUp(String executor) throws Exception {
        Executor ex = executor(executor);
        ExecSpec spec = sh("echo started; sleep 100").build();
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Thread> runner = new AtomicReference<>();
        CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
            runner.set(Thread.currentThread());
            try {
                ex.run(spec, (line, stream) -> started.countDown());
                return null;
            } catch (Throwable t) {
                return t;
            }
        }, r -> new Thread(r).start());
        assertTrue(started.await(10, TimeUnit.SECONDS), "container did not start");
        long t0 = System.nanoTime();
        runner.get().interrupt();
        Throwable thrown = outcome.get(10, TimeUnit.SECONDS);
        assertTrue(thrown instanceof InterruptedException, String.valueOf(thrown));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 5000, "slow to stop");
        assertFalse(Files.exists(rootfs.resolve("proc")), "stubs left");
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "unshare"})
    void missingCommandIsAStatusNotACrash(String executor) throws Exception {
        Result r = run(executor, new Spec(List.of("/no/such/command")));
        assertNotEquals(0, r.status());
        assertTrue(r.text().contains("/no/such/command"), r.text());
    }
}
