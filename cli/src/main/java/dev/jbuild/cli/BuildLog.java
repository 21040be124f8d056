package dev.jbuild.cli;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * The build's progress as plain lines on standard error: each step as it starts, the output of
 * RUN commands as it comes (indented under its step, and prefixed with the step's tag when several
 * stages may be running at once), and each step's duration or {@code CACHED}; nothing with
 * {@code -q} or {@code --progress=quiet}.
 */
final class BuildLog implements BuildProgress {
    private final PrintWriter err;
    private final boolean quiet;

    BuildLog(PrintWriter err, boolean quiet) {
        this.err = err;
        this.quiet = quiet;
    }

    @Override
    public synchronized void stepStarted(Step step) {
        print("#" + " " + step);
    }

    @Override
    public synchronized void output(Step step, String line) {
        print(indent(step) + line);
    }

    @Override
    public synchronized void stepFinished(Step step, Duration took) {
        print(indent(step) + "done " + Seconds.of(took.toMillis() * 1_000_000, 2));
    }

    @Override
    public synchronized void stepCached(Step step) {
        print(indent(step) + "CACHED");
    }

    /**
     * What starts the lines under a step: two spaces, and in a build of several stages, which may
     * run at once and mix their lines, the step's tag ({@code [build 2/5]}) too.
     */
    private static String indent(Step step) {
        return step.stage().isEmpty() ? "  " : "  " + step.tag() + " ";
    }

    @Override
    public synchronized void note(String text) {
        print("# " + text);
    }

    @Override
    public void close() {
    }

    private void print(String line) {
        if (!quiet) {
            err.println(line);
            err.flush();
        }
    }
}
