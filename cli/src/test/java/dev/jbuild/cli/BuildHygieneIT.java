package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.testkit.Required;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a build leaves on the host when it fails, is interrupted (SIGINT) or is killed (SIGKILL):
 * overlay mounts under the store, runc containers in jbuild's state directory, scratch
 * directories in {@code STORE/tmp}, and the RUN step's processes.
 */
class BuildHygieneIT {
    /** A sleep no other process on the machine runs, so the test can tell whether the step still runs. */
    private static final String SECONDS = "6" + (ProcessHandle.current().pid() % 1000 + 1000);

    @TempDir
    Path work;
    BuildFixture fx;
    Path sleeping;

    @BeforeEach
    void setUp() throws Exception {
        fx = new BuildFixture(work);
        sleeping = fx.context("sleep", "FROM busybox:local\nRUN echo step-started; exec sleep " + SECONDS + "\n");
    }

    /** Whatever a test left, the next jbuild command cleans; the temporary directory could not go with a mount in it. */
    @AfterEach
    void cleanUp() throws Exception {
        if (fx != null) {
            fx.jbuild("prune");
        }
        BuildFixture.empty(work);
    }

    @Test
    void failedBuildLeavesNothing() throws Exception {
        Path ctx = fx.context("fail", "FROM busybox:local\nRUN echo partial > /file && false\n");
        BuildFixture.Run r = fx.jbuild("build", ctx.toString());
        assertEquals(1, r.status(), r.describe());
        fx.assertNothingLeft("after a failed RUN");
    }

    /** Ctrl-C: the JVM runs its shutdown hooks, which must stop the step and undo the build's mounts. */
    @Test
    void sigintStopsTheBuildAndLeavesNothing() throws Exception {
        Process p = startSleepingBuild();
        long start = System.nanoTime();
        signal(p, "INT");
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "jbuild still runs 10 s after SIGINT");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "SIGINT took more than 5 s");
        assertEquals(130, p.exitValue(), "128 + SIGINT");
        assertFalse(BuildFixture.processRunning("sleep", SECONDS), "the RUN step's process survived SIGINT");
        fx.assertNothingLeft("after SIGINT");
    }

    @Test
    void sigkillLeavesStateTheNextCommandCleans() throws Exception {
        Process p = startSleepingBuild();
        signal(p, "KILL");
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        // Nothing ran jbuild's cleanup: the container, its step and its mount outlive the JVM.
        assertEquals(1, fx.containers().size(), "a container left by SIGKILL");
        assertTrue(BuildFixture.processRunning("sleep", SECONDS), "the RUN step still runs");
        assertFalse(fx.mountsUnderStore().isEmpty(), "the step's overlay is still mounted");
        assertEquals(1, fx.scratchDirs().size(), fx.scratchDirs().toString());

        BuildFixture.Run prune = fx.jbuild("prune");
        assertEquals(0, prune.status(), prune.describe());
        fx.assertNothingLeft("after prune cleaned a killed build");
        assertFalse(BuildFixture.processRunning("sleep", SECONDS), "the RUN step's process survived the cleanup");

        // A build cleans up the same way before it starts.
        Process again = startSleepingBuild();
        signal(again, "KILL");
        assertTrue(again.waitFor(10, TimeUnit.SECONDS));
        assertEquals(1, fx.containers().size());
        Path ctx = fx.context("next", "FROM busybox:local\nRUN echo next\n");
        fx.build(ctx.toString());
        fx.assertNothingLeft("after the next build");
        assertFalse(BuildFixture.processRunning("sleep", SECONDS), "the RUN step's process survived the next build");
    }

    /**
     * Starts {@code jbuild build} of the sleeping step and returns once its RUN has printed, so the
     * container runs. SIGINT is set back to its default first: a JVM started from a non-interactive
     * shell's background job (as CI runs Maven) inherits it ignored and would never see it.
     */
    private Process startSleepingBuild() throws Exception {
        Required.tools("perl");
        List<String> cmd = new ArrayList<>(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!"));
        cmd.addAll(fx.command("build", sleeping.toString()));
        Path err = Files.createTempFile(work, "sleeping-", ".err");
        Process p = fx.processBuilder(cmd).redirectOutput(work.resolve("sleeping.out").toFile())
                .redirectError(err.toFile()).start();
        for (int i = 0; !Files.readString(err).contains("\n  step-started\n"); i++) {
            assertTrue(p.isAlive() && i < 600, "the RUN step did not start:\n" + Files.readString(err));
            Thread.sleep(50);
        }
        // perl exec'd the JVM: the pid signalled is jbuild's own, with SIGINT (bit 1 of SigIgn) handled.
        String status = Files.readString(Path.of("/proc", Long.toString(p.pid()), "status"));
        long ignored = Long.parseLong(status.lines().filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow()
                .substring("SigIgn:".length()).trim(), 16);
        assertEquals(0, ignored & (1L << 1), "SIGINT is ignored by the jbuild process:\n" + status);
        return p;
    }

    private static void signal(Process p, String signal) throws Exception {
        BuildFixture.tool("kill", "-" + signal, Long.toString(p.pid()));
    }
}
