package dev.jbuild.dockerfile.ast;

/**
 * Go's {@code strconv.Quote}, so that {@code jbuild debug parse} prints exactly what BuildKit's
 * dumper prints: printable characters as they are, the usual backslash escapes, other control
 * characters as {@code \xNN}, and non-printable non-ASCII as {@code \\uNNNN} or {@code \\UNNNNNNNN}.
 */
public final class GoQuote {
    private GoQuote() {
    }

    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 11 -> sb.append("\\v");
                default -> appendOther(sb, cp);
            }
        }
        return sb.append('"').toString();
    }

    private static void appendOther(StringBuilder sb, int cp) {
        if (cp < 0x20 || cp == 0x7f) {
            sb.append(String.format("\\x%02x", cp));
        } else if (isPrint(cp)) {
            sb.appendCodePoint(cp);
        } else if (cp >= 0xDC80 && cp <= 0xDCFF) {
            // A lone surrogate in this range is a byte that was not valid UTF-8 (see Parser.decode).
            sb.append(String.format("\\x%02x", cp & 0xff));
        } else if (Character.isSurrogate((char) cp)) {
            sb.append('\uFFFD');
        } else if (cp < 0x10000) {
            sb.append(String.format("\\u%04x", cp));
        } else {
            sb.append(String.format("\\U%08x", cp));
        }
    }

    /** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
    static boolean isPrint(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                    Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
                    Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION,
                    Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                    Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }
}
