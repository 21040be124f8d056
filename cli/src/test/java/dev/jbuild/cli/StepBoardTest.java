package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.BuildListener.Step;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The live build display's model, rendered to exact lines at chosen times, with no terminal. */
class StepBoardTest {
    static final String DIM = "\033[2m";
    static final String RESET = "\033[0m";
    static final Step MAKE = new Step("build", 2, 3, "RUN make");
    static final Step TEST = new Step("test", 2, 2, "RUN go test");
    static final Step COPY = new Step("build", 3, 3, "COPY . /src");

    static long s(double seconds) {
        return (long) (seconds * 1e9);
    }

    static String dim(String text) {
        return DIM + text + RESET;
    }

    @Test
    void parallelStepsKeepTheirOutputUnderTheirOwnLine() {
        StepBoard board = new StepBoard(40, 24, 6, 1000);
        board.started(MAKE, s(0));
        board.started(TEST, s(0.1));
        board.output(MAKE, "cc -c a.c");
        board.output(TEST, "=== RUN TestA");
        board.output(MAKE, "cc -c b.c");
        board.output(TEST, "--- PASS: TestA");
        assertEquals(List.of(
                "#1 [build 2/3] RUN make            1.5s",
                dim("    cc -c a.c"),
                dim("    cc -c b.c"),
                "#2 [test 2/2] RUN go test          1.4s",
                dim("    === RUN TestA"),
                dim("    --- PASS: TestA")), board.live(s(1.5)));
        assertEquals(List.of(), board.takeSettled());
    }

    @Test
    void aFinishedStepCollapsesAndSettlesOnceNoRunningStepIsBeforeIt() {
        StepBoard board = new StepBoard(40, 24, 6, 1000);
        board.started(MAKE, s(0));
        board.started(TEST, s(0.5));
        board.output(MAKE, "compiling");
        board.output(TEST, "testing");
        board.finished(TEST, Duration.ofMillis(1200));
        // #2 is done but #1 still runs: #2 stays in the block, one line, in start order.
        assertEquals(List.of(
                "#1 [build 2/3] RUN make            2.0s",
                dim("    compiling"),
                "#2 [test 2/2] RUN go test     DONE 1.2s"), board.live(s(2)));
        assertEquals(List.of(), board.takeSettled());

        board.finished(MAKE, Duration.ofMillis(2500));
        assertEquals(List.of(
                "#1 [build 2/3] RUN make       DONE 2.5s",
                "#2 [test 2/2] RUN go test     DONE 1.2s"), board.takeSettled());
        assertEquals(List.of(), board.live(s(3)));
        assertEquals(List.of(), board.takeSettled(), "settled lines are handed out once");
    }

    @Test
    void cachedStaysCachedWhenTheStepThenFinishes() {
        StepBoard board = new StepBoard(40, 24, 6, 1000);
        board.started(MAKE, s(0));
        board.started(COPY, s(0.2));
        board.cached(COPY, s(0.2));
        board.finished(COPY, Duration.ZERO); // the builder reports both, as BuildLog shows
        assertEquals(List.of(
                "#1 [build 2/3] RUN make            1.0s",
                "#2 [build 3/3] COPY . /src       CACHED"), board.live(s(1)));
    }

    @Test
    void onlyTheLastLinesOfARunningStepAreShown() {
        StepBoard board = new StepBoard(40, 24, 3, 1000);
        board.started(MAKE, s(0));
        for (int i = 1; i <= 5; i++) {
            board.output(MAKE, "line " + i);
        }
        assertEquals(List.of(
                "#1 [build 2/3] RUN make            0.1s",
                dim("    line 3"),
                dim("    line 4"),
                dim("    line 5")), board.live(s(0.1)));
    }

    @Test
    void linesAreCutToTheWidthLessOneColumn() {
        StepBoard board = new StepBoard(30, 24, 6, 1000);
        Step longStep = new Step("build", 2, 3, "RUN apt-get update && apt-get install -y curl");
        board.started(longStep, s(0));
        board.output(longStep, "Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]");
        List<String> live = board.live(s(12.34));
        assertEquals(List.of(
                "#1 [build 2/3] RUN apt- 12.3s",
                dim("    Get:1 http://deb.debian.o")), live);
        assertEquals(29, live.get(0).length());
    }

    @Test
    void outputIsShownAsATerminalWouldShowIt() {
        StepBoard board = new StepBoard(60, 24, 6, 1000);
        board.started(MAKE, s(0));
        board.output(MAKE, "\033[32mok\033[0m\tdone");
        board.output(MAKE, " 10%\r 55%\r100%\r");
        assertEquals(List.of(
                "#1 [build 2/3] RUN make                                0.0s",
                dim("    ok      done"),
                dim("    100%")), board.live(0));
    }

    @Test
    void notesSettleAsLinesAboveTheBlock() {
        StepBoard board = new StepBoard(40, 24, 6, 1000);
        board.note("pulling busybox:latest");
        board.started(MAKE, s(0));
        assertEquals(List.of("# pulling busybox:latest"), board.takeSettled());
        assertEquals(List.of("#1 [build 2/3] RUN make            0.0s"), board.live(0));
    }

    @Test
    void aFailedStepKeepsItsWholeOutputAndTheOthersAreCanceled() throws Exception {
        StepBoard board = new StepBoard(40, 24, 2, 1000);
        board.started(MAKE, s(0));
        board.started(TEST, s(0));
        for (int i = 1; i <= 4; i++) {
            board.output(TEST, "fail " + i);
        }
        board.output(MAKE, "compiling");
        board.failed(TEST, s(0.7));
        assertEquals(List.of(
                "#1 [build 2/3] RUN make            0.9s",
                dim("    compiling"),
                "#2 [test 2/2] RUN go test    ERROR 0.7s"), board.live(s(0.9)));
        board.stop(s(1));
        assertEquals(List.of(
                "#1 [build 2/3] RUN make        CANCELED",
                "#2 [test 2/2] RUN go test    ERROR 0.7s"), board.takeSettled());
        List<StepBoard.Failure> failures = board.failures();
        assertEquals(1, failures.size());
        assertEquals(TEST, failures.get(0).step());
        StringWriter all = new StringWriter();
        failures.get(0).output().writeTo(new PrintWriter(all, true));
        assertEquals("fail 1\nfail 2\nfail 3\nfail 4\n", all.toString(), "every line, not the tail");
    }

    @Test
    void aStepStillRunningWhenNoStepWasBlamedIsShownAsFailed() throws Exception {
        StepBoard board = new StepBoard(40, 24, 6, 1000);
        board.started(MAKE, s(0));
        board.output(MAKE, "Error 2");
        board.stop(s(3));
        assertEquals(List.of("#1 [build 2/3] RUN make      ERROR 3.0s"), board.takeSettled());
        StringWriter all = new StringWriter();
        board.failures().get(0).output().writeTo(new PrintWriter(all, true));
        assertEquals("Error 2\n", all.toString());
    }

    @Test
    void aShortScreenShowsFewerLinesPerStep() {
        StepBoard board = new StepBoard(40, 6, 6, 1000);
        board.started(MAKE, s(0));
        board.started(TEST, s(0));
        for (int i = 1; i <= 4; i++) {
            board.output(MAKE, "m" + i);
            board.output(TEST, "t" + i);
        }
        // 5 rows for the block (one is the cursor's): 2 step lines and 1 line of output each.
        assertEquals(List.of(
                "#1 [build 2/3] RUN make            1.0s",
                dim("    m4"),
                "#2 [test 2/2] RUN go test          1.0s",
                dim("    t4")), board.live(s(1)));
    }

    @Test
    void aLongTranscriptGoesToAFileAndComesBackWhole() throws Exception {
        try (Transcript t = new Transcript(10)) {
            t.add("0123456");
            assertFalse(t.spilled());
            t.add("789abc");
            t.add("with a lone \r inside");
            assertTrue(t.spilled());
            StringWriter all = new StringWriter();
            t.writeTo(new PrintWriter(all, true));
            assertEquals("0123456\n789abc\nwith a lone \r inside\n", all.toString());
        }
    }
}
