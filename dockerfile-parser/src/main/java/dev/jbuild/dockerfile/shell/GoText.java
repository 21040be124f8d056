package dev.jbuild.dockerfile.shell;

import dev.jbuild.dockerfile.ast.GoQuote;

/**
 * The few Go library behaviours that show through BuildKit's expansion: what {@code unicode.IsSpace}
 * splits words on, how {@code string(rune)} renders end of input, and {@code %q} quoting in error
 * messages. Java's own notions differ (Character.isWhitespace ignores U+00A0, for one). White space
 * and quoting delegate to the parser's {@code ast.GoText} and {@code GoQuote}, so both agree.
 */
final class GoText {

    private GoText() {
    }

    /** Go's {@code unicode.IsSpace}. */
    static boolean isSpace(int cp) {
        return dev.jbuild.dockerfile.ast.GoText.isSpace(cp);
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
        return GoQuote.quote(s);
    }
}
