package dev.jbuild.cli;

import dev.jbuild.dockerfile.DockerfileException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Turns a failure into one line on standard error and a non-zero exit status; the stack trace
 * only with {@code --debug}.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {
    static final int FAILURE = 1;
    private final boolean debug;

    ErrorReporter(boolean debug) {
        this.debug = debug;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        return report(ex, cmd.getErr(), debug);
    }

    /** Reports a command's failure on {@code err}; returns the exit status. */
    static int report(Exception ex, PrintWriter err, boolean debug) {
        err.println("jbuild: " + message(ex));
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return FAILURE;
    }

    static String message(Throwable ex) {
        if (ex instanceof DockerfileException || ex instanceof UserError) {
            return ex.getMessage();
        }
        if (ex instanceof java.nio.file.NoSuchFileException nsf) {
            return nsf.getFile() + ": no such file";
        }
        String m = ex.getMessage();
        return m == null ? ex.getClass().getSimpleName() : m;
    }
}
