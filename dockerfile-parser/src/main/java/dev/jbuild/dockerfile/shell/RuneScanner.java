package dev.jbuild.dockerfile.shell;

/**
 * Reads a string one code point at a time, like the Go {@code text/scanner} that BuildKit's lexer
 * uses through {@code Peek} and {@code Next}: {@link #EOF} at the end, and a byte order mark as the
 * very first character is skipped, because that scanner does so.
 */
final class RuneScanner {

    static final int EOF = -1;

    private final int[] runes;
    private int pos;

    RuneScanner(String text) {
        runes = text.codePoints().toArray();
        pos = runes.length > 0 && runes[0] == 0xFEFF ? 1 : 0;
    }

    int peek() {
        return pos < runes.length ? runes[pos] : EOF;
    }

    int next() {
        return pos < runes.length ? runes[pos++] : EOF;
    }
}
