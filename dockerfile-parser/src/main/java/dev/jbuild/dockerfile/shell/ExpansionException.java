package dev.jbuild.dockerfile.shell;

/**
 * A word could not be expanded: bad {@code ${...}} syntax, an unterminated quote, an invalid
 * pattern, or a {@code ${V:?message}} whose variable is unset or empty. The message is BuildKit's,
 * for example {@code failed to process "${V:?set V}": V: set V}; it names no file or line, which the
 * caller adds. {@link #reason()} is the part after the word, for callers that quote the word
 * themselves.
 */
public final class ExpansionException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;

    public ExpansionException(String message) {
        this(message, message);
    }

    ExpansionException(String message, String reason) {
        super(message);
        this.reason = reason;
    }

    /** Why expansion failed, without the {@code failed to process "word": } prefix. */
    public String reason() {
        return reason;
    }
}
