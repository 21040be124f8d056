package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.BuildListener.Step;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The live display as the terminal receives it: redraws, the final frame, a failed step's output. */
class TtyBuildLogTest {
    static final String E = "\033[2K";
    static final Step FROM = new Step("", 1, 3, "FROM busybox");
    static final Step RUN = new Step("", 2, 3, "RUN make");
    static final Duration NEVER = Duration.ofHours(1);

    private final StringWriter out = new StringWriter();
    private final AtomicLong clock = new AtomicLong();

    private TtyBuildLog log(Duration interval) {
        return new TtyBuildLog(new PrintWriter(out), new StepBoard(40, 24, 2, 1000), clock::get, interval);
    }

    private String take() {
        String s = out.toString();
        out.getBuffer().setLength(0);
        return s;
    }

    @Test
    void aFailedBuildLeavesTheLastFrameThenTheWholeOutputOfTheFailedStep() {
        TtyBuildLog log = log(NEVER);
        log.note("pulling busybox");
        log.stepStarted(FROM);
        clock.set(100_000_000L);
        log.stepFinished(FROM, Duration.ofMillis(100));
        log.stepStarted(RUN);
        log.output(RUN, "step 1");
        log.output(RUN, "step 2");
        log.output(RUN, "make: *** [all] Error 1");
        clock.set(1_500_000_000L);
        log.redraw();
        assertEquals(E + "# pulling busybox\n"
                + E + "#1 [1/3] FROM busybox         DONE 0.1s\n"
                + E + "#2 [2/3] RUN make                  1.4s\n"
                + E + "\033[2m    step 2\033[0m\n"
                + E + "\033[2m    make: *** [all] Error 1\033[0m\n", take());
        log.redraw();
        assertEquals("", take(), "nothing changed, nothing drawn");

        clock.set(2_000_000_000L);
        log.stepFailed(RUN);
        log.close();
        assertEquals("\033[3A" + E + "#2 [2/3] RUN make            ERROR 1.9s\n" + "\033[J"
                + "------\n"
                + " > [2/3] RUN make:\n"
                + "step 1\nstep 2\nmake: *** [all] Error 1\n"
                + "------\n", take());
        assertTrue(log.stopped(), "no timer thread left running");

        log.note("image sha256:abc");
        assertEquals("# image sha256:abc\n", take(), "after the build, plain lines");
        log.close();
        assertEquals("", take(), "closing twice draws nothing more");
    }

    @Test
    void aSuccessfulBuildCollapsesEveryStepAndPrintsNoOutput() {
        TtyBuildLog log = log(NEVER);
        log.stepStarted(FROM);
        log.stepFinished(FROM, Duration.ofMillis(200));
        log.stepStarted(RUN);
        log.stepCached(RUN);
        log.stepFinished(RUN, Duration.ZERO);
        log.close();
        assertEquals(E + "#1 [1/3] FROM busybox         DONE 0.2s\n"
                + E + "#2 [2/3] RUN make                CACHED\n", take());
    }

    @Test
    void theTimerDrawsWhileAStepRunsAndStopsAtClose() throws Exception {
        TtyBuildLog log = log(Duration.ofMillis(5)); // the clock stands still: the frames are known
        log.stepStarted(RUN);
        for (int i = 0; i < 2000 && out.toString().isEmpty(); i++) {
            Thread.sleep(5);
        }
        log.close();
        assertTrue(log.stopped(), "no timer thread left running");
        assertEquals(E + "#1 [2/3] RUN make                  0.0s\n"
                + "\033[1A" + E + "#1 [2/3] RUN make            ERROR 0.0s\n"
                + "------\n > [2/3] RUN make:\n------\n", out.toString());
    }
}
