package dev.jbuild.dockerfile.ignore;

/**
 * An ignore file (or pattern list) holds a pattern Docker would refuse, such as an unclosed
 * {@code [}. The message names the place as {@code source:line: invalid pattern "p": reason} so the
 * user can fix the line; Docker itself reports only "syntax error in pattern", and only once the
 * build starts sending the context.
 */
public final class InvalidIgnorePatternException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String pattern;
    private final String reason;

    public InvalidIgnorePatternException(String source, int line, String pattern, String reason) {
        super(source + ":" + line + ": invalid pattern " + GoPath.quote(pattern) + ": " + reason);
        this.source = source;
        this.line = line;
        this.pattern = pattern;
        this.reason = reason;
    }

    /** Where the pattern came from, e.g. {@code .dockerignore} or {@code app.Dockerfile.dockerignore}. */
    public String source() {
        return source;
    }

    /** The 1-based line of the ignore file (or position in the pattern list). */
    public int line() {
        return line;
    }

    /** The offending line, trimmed of surrounding white space. */
    public String pattern() {
        return pattern;
    }

    /** The reason alone, without the place. */
    public String reason() {
        return reason;
    }
}
