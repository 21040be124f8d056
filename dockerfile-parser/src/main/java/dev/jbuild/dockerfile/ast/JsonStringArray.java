package dev.jbuild.dockerfile.ast;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether instruction text is an exec-form JSON array, with the strictness of Go's
 * {@code encoding/json}, which BuildKit uses: anything that is not one valid JSON document falls
 * back to shell form, while a valid array holding anything but strings is an error.
 */
final class JsonStringArray {

    /** A valid JSON array whose elements are not all strings. */
    static final class NotStringsException extends Exception {
        NotStringsException() {
            super("when using JSON array syntax, arrays must be comprised of strings only");
        }
    }

    private final String text;
    private int pos;
    private boolean allStrings = true;

    private JsonStringArray(String text) {
        this.text = text;
    }

    /**
     * The array's strings, or empty when the text is not a JSON array at all.
     *
     * @throws NotStringsException when it is a valid JSON array with a non-string element
     */
    static Optional<List<String>> parse(String rest) throws NotStringsException {
        String s = GoText.trimLeft(rest);
        if (!s.startsWith("[")) {
            return Optional.empty();
        }
        JsonStringArray p = new JsonStringArray(s);
        List<String> out = new ArrayList<>();
        try {
            p.array(out, true);
            p.skipWhitespace();
            if (p.pos != s.length()) {
                return Optional.empty();
            }
        } catch (IllegalArgumentException notJson) {
            return Optional.empty();
        }
        if (!p.allStrings) {
            throw new NotStringsException();
        }
        return Optional.of(out);
    }

    private void array(List<String> out, boolean top) {
        expect('[');
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return;
        }
        while (true) {
            skipWhitespace();
            if (peek() == '"') {
                String v = string();
                if (top) {
                    out.add(v);
                }
            } else {
                if (top) {
                    allStrings = false;
                }
                value();
            }
            skipWhitespace();
            char c = next();
            if (c == ']') {
                return;
            }
            if (c != ',') {
                throw new IllegalArgumentException();
            }
        }
    }

    private void value() {
        skipWhitespace();
        char c = peek();
        switch (c) {
            case '[' -> array(new ArrayList<>(), false);
            case '{' -> object();
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    private void object() {
        expect('{');
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return;
        }
        while (true) {
            skipWhitespace();
            string();
            skipWhitespace();
            expect(':');
            value();
            skipWhitespace();
            char c = next();
            if (c == '}') {
                return;
            }
            if (c != ',') {
                throw new IllegalArgumentException();
            }
        }
    }

    private void literal(String word) {
        if (!text.startsWith(word, pos)) {
            throw new IllegalArgumentException();
        }
        pos += word.length();
    }

    private void number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else {
            digits();
        }
        if (peek() == '.') {
            pos++;
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            digits();
        }
        if (pos == start) {
            throw new IllegalArgumentException();
        }
    }

    private void digits() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        if (pos == start) {
            throw new IllegalArgumentException();
        }
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw new IllegalArgumentException();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append(unicodeEscape());
                default -> throw new IllegalArgumentException();
            }
        }
    }

    /** Go replaces an unpaired surrogate escape with U+FFFD; so do we. */
    private String unicodeEscape() {
        char high = hex4();
        if (!Character.isSurrogate(high)) {
            return String.valueOf(high);
        }
        if (Character.isHighSurrogate(high) && text.startsWith("\\u", pos)) {
            int save = pos;
            pos += 2;
            char low = hex4();
            if (Character.isLowSurrogate(low)) {
                return new String(new char[] {high, low});
            }
            pos = save;
        }
        return "\uFFFD";
    }

    private char hex4() {
        if (pos + 4 > text.length()) {
            throw new IllegalArgumentException();
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos++), 16);
            if (d < 0) {
                throw new IllegalArgumentException();
            }
            v = v * 16 + d;
        }
        return (char) v;
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private char next() {
        if (pos >= text.length()) {
            throw new IllegalArgumentException();
        }
        return text.charAt(pos++);
    }

    private void expect(char c) {
        if (next() != c) {
            throw new IllegalArgumentException();
        }
    }
}
