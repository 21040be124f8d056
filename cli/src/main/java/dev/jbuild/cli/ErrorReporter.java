package dev.jbuild.cli;

import dev.jbuild.dockerfile.DockerfileException;
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
        cmd.getErr().println("jbuild: " + message(ex));
        if (debug) {
            ex.printStackTrace(cmd.getErr());
        }
        cmd.getErr().flush();
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
