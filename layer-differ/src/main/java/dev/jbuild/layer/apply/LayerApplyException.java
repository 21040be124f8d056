package dev.jbuild.layer.apply;

import java.io.IOException;
import java.util.Optional;

/**
 * A layer that could not be applied: a refused (hostile or malformed) entry, a corrupt or truncated
 * stream, or a diffID that does not match. The message names the entry when there is one, says why,
 * and says that the target was left as it was. {@link #entry()} gives the entry name for callers that
 * report it separately.
 */
public class LayerApplyException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String entry;
    private final String reason;

    public LayerApplyException(String message) {
        this(null, message, null);
    }

    public LayerApplyException(String entry, String message) {
        this(entry, message, null);
    }

    public LayerApplyException(String entry, String message, Throwable cause) {
        super(entry == null ? message : "layer entry \"" + printable(entry) + "\": " + message, cause);
        this.entry = entry;
        this.reason = message;
    }

    /** The name of the offending tar entry as it appears in the layer, if the failure is about one. */
    public Optional<String> entry() {
        return Optional.ofNullable(entry);
    }

    /** The message without the entry prefix. */
    String reason() {
        return reason;
    }

    /** Entry names come from untrusted input: keep control characters out of terminals and logs. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
