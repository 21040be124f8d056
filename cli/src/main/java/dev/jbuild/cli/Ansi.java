package dev.jbuild.cli;

/**
 * The few ANSI escape sequences the live displays use, and making text safe to put in a line that
 * will be redrawn: one line, no escape sequences of its own, no wider than the screen.
 */
final class Ansi {
    /** Erases the line the cursor is on. */
    static final String ERASE_LINE = "\033[2K";
    /** Erases from the cursor to the end of the screen. */
    static final String ERASE_BELOW = "\033[J";
    private static final String DIM = "\033[2m";
    private static final String RESET = "\033[0m";

    private Ansi() {
    }

    /** Moves the cursor up {@code n} lines (nothing for 0). */
    static String up(int n) {
        return n > 0 ? "\033[" + n + "A" : "";
    }

    static String dim(String text) {
        return DIM + text + RESET;
    }

    /** The first {@code columns} characters (code points) of {@code text}. */
    static String fit(String text, int columns) {
        if (columns <= 0) {
            return "";
        }
        if (text.codePointCount(0, text.length()) <= columns) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, columns));
    }

    /**
     * What a terminal would show of a line a program printed: the text after its last carriage
     * return (progress bars rewrite their line that way), tabs expanded to stops of 8, escape
     * sequences (colours, cursor moves) and other control characters removed.
     */
    static String printable(String line) {
        String s = line;
        while (s.endsWith("\r")) {
            s = s.substring(0, s.length() - 1);
        }
        int cr = s.lastIndexOf('\r');
        if (cr >= 0) {
            s = s.substring(cr + 1);
        }
        StringBuilder b = new StringBuilder(s.length());
        int column = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\033') {
                i = endOfEscape(s, i);
            } else if (c == '\t') {
                int spaces = 8 - column % 8;
                b.append(" ".repeat(spaces));
                column += spaces;
            } else if (c >= ' ' && c != 0x7f && !(c >= 0x80 && c < 0xa0)) {
                b.append(c);
                if (!Character.isLowSurrogate(c)) {
                    column++;
                }
            }
        }
        return b.toString();
    }

    /** The index of the last character of the escape sequence that starts at {@code start}. */
    private static int endOfEscape(String s, int start) {
        if (start + 1 >= s.length()) {
            return start;
        }
        char kind = s.charAt(start + 1);
        if (kind == '[') { // CSI: parameters and intermediates, then a final byte in @..~
            int i = start + 2;
            while (i < s.length() && (s.charAt(i) < '@' || s.charAt(i) > '~')) {
                i++;
            }
            return Math.min(i, s.length() - 1);
        }
        if (kind == ']') { // OSC: up to BEL or ESC \
            for (int i = start + 2; i < s.length(); i++) {
                if (s.charAt(i) == '\007') {
                    return i;
                }
                if (s.charAt(i) == '\033' && i + 1 < s.length() && s.charAt(i + 1) == '\\') {
                    return i + 1;
                }
            }
            return s.length() - 1;
        }
        return start + 1; // a two-character sequence such as ESC 7
    }
}
