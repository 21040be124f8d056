package dev.jbuild.dockerfile.ast;

/**
 * Go's notion of white space ({@code unicode.IsSpace}), which differs from Java's: it includes
 * NEL and the no-break spaces and excludes the ASCII separator controls. Splitting and trimming
 * with it keeps our words identical to BuildKit's.
 */
public final class GoText {
    private GoText() {
    }

    /** Go's {@code unicode.IsSpace}: the Unicode White_Space property. */
    public static boolean isSpace(int cp) {
        return switch (cp) {
            case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F,
                    0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    public static String trimSpace(String s) {
        return trimRight(trimLeft(s));
    }

    public static String trimLeft(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    public static String trimRight(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }
}
