package dev.jbuild.dockerfile;

import java.util.Optional;

/**
 * A Dockerfile that cannot be read: a syntax error, an invalid instruction, or a plan that cannot be
 * built. It always names the place, as {@code file:line: reason}, so the user can go straight to it.
 * A line of 0 means the problem belongs to the file as a whole (for example, no instructions).
 */
public class DockerfileException extends Exception {
    private final String file;
    private final int line;
    private final String reason;

    public DockerfileException(String file, int line, String reason) {
        super(format(file, line, reason));
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public DockerfileException(String file, int line, String reason, Throwable cause) {
        this(file, line, reason);
        initCause(cause);
    }

    private static String format(String file, int line, String reason) {
        String where = file == null ? "Dockerfile" : file;
        return line > 0 ? where + ":" + line + ": " + reason : where + ": " + reason;
    }

    /** The file as the user named it, if known. */
    public Optional<String> file() {
        return Optional.ofNullable(file);
    }

    /** The 1-based line the problem is on, or 0 when it concerns the whole file. */
    public int line() {
        return line;
    }

    /** The reason alone, without the place. */
    public String reason() {
        return reason;
    }
}
