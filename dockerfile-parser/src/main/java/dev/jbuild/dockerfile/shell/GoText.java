package dev.jbuild.dockerfile.shell;

/**
 * The few Go library behaviours that show through BuildKit's expansion: what {@code unicode.IsSpace}
 * splits words on, how {@code string(rune)} renders end of input, and {@code %q} quoting in error
 * messages. Java's own notions differ (Character.isWhitespace ignores U+00A0, for one).
 */
final class GoText {

    private GoText() {
    }

    /** Go's {@code unicode.IsSpace}: the Unicode White_Space property. */
    static boolean isSpace(int cp) {
        return switch (cp) {
            case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F,
                    0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** Go's {@code unicode.IsLetter} and {@code IsDigit} together with {@code _}: a name character. */
    static boolean isNameChar(int cp) {
        return Character.isLetter(cp) || Character.isDigit(cp) || cp == '_';
    }

    /** Go's {@code string(r)}, in which end of input (-1) becomes U+FFFD. */
    static String runeString(int cp) {
        return cp < 0 || !Character.isValidCodePoint(cp) ? "\uFFFD" : Character.toString(cp);
    }

    /** Go's {@code strconv.Quote}, which BuildKit's {@code failed to process %q} uses. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 0x0B -> sb.append("\\v");
                default -> {
                    if (cp < 0x20 || cp == 0x7F) {
                        sb.append(String.format("\\x%02x", cp));
                    } else if (isPrint(cp)) {
                        sb.appendCodePoint(cp);
                    } else if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
                        // A lone surrogate stands for bytes that were not UTF-8; Go prints U+FFFD.
                        sb.append('\uFFFD');
                    } else if (cp < 0x10000) {
                        sb.append(String.format("\\u%04x", cp));
                    } else {
                        sb.append(String.format("\\U%08x", cp));
                    }
                }
            }
        });
        return sb.append('"').toString();
    }

    /** Go's {@code unicode.IsPrint}: letters, marks, numbers, punctuation, symbols and ASCII space. */
    private static boolean isPrint(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
                    Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
                    Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION,
                    Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                    Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }
}
