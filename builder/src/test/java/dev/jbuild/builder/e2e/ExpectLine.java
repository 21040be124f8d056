package dev.jbuild.builder.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the words of one expect line: a bare word ends at a space; a word starting with {@code "}
 * is a JSON string (so names with spaces and texts with newlines can be written); the values of
 * {@code key=value} attributes follow the same rule, except for the keys that take the rest of
 * the line when unquoted ({@code created_by}, {@code comment}).
 */
final class ExpectLine {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> REST_OF_LINE = Set.of("created_by", "comment");

    final String text;
    private int pos;

    ExpectLine(String text) {
        this.text = text;
    }

    boolean atEnd() {
        skipSpaces();
        return pos >= text.length();
    }

    /** The next word (unquoted when it was a JSON string). */
    String word() {
        skipSpaces();
        if (pos >= text.length()) {
            throw bad("a word is missing");
        }
        if (text.charAt(pos) == '"') {
            return quoted();
        }
        int start = pos;
        while (pos < text.length() && text.charAt(pos) != ' ') {
            pos++;
        }
        return text.substring(start, pos);
    }

    int integer() {
        String w = word();
        try {
            return Integer.parseInt(w);
        } catch (NumberFormatException e) {
            throw bad("not a number: " + w);
        }
    }

    /** The rest of the line, as written. */
    String rest() {
        skipSpaces();
        String r = text.substring(pos);
        pos = text.length();
        return r;
    }

    /** The rest of the line as a JSON array of strings. */
    List<String> stringArray() {
        String r = rest();
        try {
            return List.of(JSON.readValue(r, String[].class));
        } catch (JsonProcessingException e) {
            throw bad("not a JSON array of strings: " + r);
        }
    }

    /** {@code key=value} attributes up to the end of the line. */
    Map<String, String> attributes() {
        Map<String, String> out = new LinkedHashMap<>();
        while (!atEnd()) {
            int eq = text.indexOf('=', pos);
            int space = text.indexOf(' ', pos);
            if (eq < 0 || (space >= 0 && space < eq)) {
                throw bad("expected key=value at: " + text.substring(pos));
            }
            String key = text.substring(pos, eq);
            pos = eq + 1;
            String value;
            if (pos < text.length() && text.charAt(pos) == '"') {
                value = quoted();
            } else if (REST_OF_LINE.contains(key)) {
                value = text.substring(pos);
                pos = text.length();
            } else {
                int start = pos;
                while (pos < text.length() && text.charAt(pos) != ' ') {
                    pos++;
                }
                value = text.substring(start, pos);
            }
            out.put(key, value);
        }
        return out;
    }

    private String quoted() {
        int start = pos;
        pos++;
        while (pos < text.length() && text.charAt(pos) != '"') {
            if (text.charAt(pos) == '\\') {
                pos++;
            }
            pos++;
        }
        if (pos >= text.length()) {
            throw bad("unterminated string");
        }
        pos++;
        try {
            return JSON.readValue(text.substring(start, pos), String.class);
        } catch (JsonProcessingException e) {
            throw bad("bad JSON string " + text.substring(start, pos));
        }
    }

    private void skipSpaces() {
        while (pos < text.length() && text.charAt(pos) == ' ') {
            pos++;
        }
    }

    IllegalArgumentException bad(String why) {
        return new IllegalArgumentException("expect line \"" + text + "\": " + why);
    }
}
