package dev.jbuild.dockerfile.ast;

/**
 * Go's notion of white space ({@code unicode.IsSpace}), which differs from Java's: it includes
 * NEL and the no-break spaces and excludes the ASCII separator controls. Splitting and trimming
 * with it keeps our words identical to BuildKit's.
 */
public final class GoText {
    private GoText() {
    }

    public static boolean isSpace(int cp) {
        return switch (cp) {
            case '\t', '\n', 0x0b, '\f', '\r', ' ', 0x85, 0xA0 -> true;
            default -> cp > 0xff && Character.getType(cp) == Character.SPACE_SEPARATOR
                    || cp == 0x2028 || cp == 0x2029;
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
