package dev.jbuild.cli;

import dev.jbuild.builder.BuildListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * The build's progress as plain lines on standard error: each step as it starts, the output of
 * RUN commands as it comes (indented under its step), and each step's duration; nothing with
 * {@code -q} or {@code --progress=quiet}.
 */
final class BuildLog implements BuildListener {
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
        print("  " + line);
    }

    @Override
    public synchronized void stepFinished(Step step, Duration took) {
        print("  done " + String.format(Locale.ROOT, "%.2fs", took.toMillis() / 1000.0));
    }

    @Override
    public synchronized void stepCached(Step step) {
        print("  CACHED");
    }

    @Override
    public synchronized void note(String text) {
        print("# " + text);
    }

    private void print(String line) {
        if (!quiet) {
            err.println(line);
            err.flush();
        }
    }
}
