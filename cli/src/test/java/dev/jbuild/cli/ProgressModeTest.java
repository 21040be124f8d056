package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jbuild.builder.BuildListener.Step;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --progress} values, the terminal they depend on, and the plain log they fall back to. */
class ProgressModeTest {
    static final Terminal TTY = new Terminal(true, 80, 24);
    static final Terminal PIPE = new Terminal(false, 80, 24);

    @Test
    void autoAndTtyRedrawOnlyOnATerminal() {
        assertEquals(ProgressMode.TTY, ProgressMode.parse("auto", TTY));
        assertEquals(ProgressMode.TTY, ProgressMode.parse("tty", TTY));
        assertEquals(ProgressMode.PLAIN, ProgressMode.parse("auto", PIPE));
        assertEquals(ProgressMode.PLAIN, ProgressMode.parse("tty", PIPE), "buildx fails here; jbuild prints lines");
        assertEquals(ProgressMode.PLAIN, ProgressMode.parse("plain", TTY));
        assertEquals(ProgressMode.QUIET, ProgressMode.parse("quiet", TTY));
        UserError e = assertThrows(UserError.class, () -> ProgressMode.parse("fancy", TTY));
        assertEquals("--progress=fancy: expected auto, tty, plain or quiet", e.getMessage());
    }

    @Test
    void theTerminalComesFromTheConsoleTermColumnsAndLines() {
        assertEquals(new Terminal(true, 132, 50),
                Terminal.from(true, Map.of("TERM", "xterm-256color", "COLUMNS", "132", "LINES", "50")));
        assertEquals(new Terminal(false, 80, 24), Terminal.from(true, Map.of("TERM", "dumb")));
        assertEquals(new Terminal(false, 80, 24), Terminal.from(true, Map.of()));
        assertEquals(new Terminal(false, 80, 24), Terminal.from(false, Map.of("TERM", "xterm", "COLUMNS", "x")));
    }

    @Test
    void anUnknownProgressValueIsAClearErrorBeforeAnythingIsBuilt(@TempDir Path dir) {
        CliTest.Result r = CliTest.run("build", "--progress=fancy", "-q", dir.toString());
        assertEquals(1, r.status());
        assertEquals("jbuild: --progress=fancy: expected auto, tty, plain or quiet\n", r.err());
    }

    @Test
    void thePlainLogIsUnchangedAndIgnoresFailures() {
        StringWriter err = new StringWriter();
        BuildProgress log = BuildProgress.open(ProgressMode.PLAIN, new PrintWriter(err), TTY);
        Step run = new Step("build", 2, 3, "RUN make");
        log.stepStarted(run);
        log.output(run, "cc -c a.c");
        log.stepFailed(run);
        log.stepFinished(run, Duration.ofMillis(1234));
        log.close();
        log.note("image sha256:abc");
        assertEquals("# [build 2/3] RUN make\n  [build 2/3] cc -c a.c\n  [build 2/3] done 1.23s\n# image sha256:abc\n",
                err.toString());

        StringWriter none = new StringWriter();
        BuildProgress quiet = BuildProgress.open(ProgressMode.QUIET, new PrintWriter(none), TTY);
        quiet.stepStarted(run);
        quiet.note("image sha256:abc");
        assertEquals("", none.toString());
    }
}
