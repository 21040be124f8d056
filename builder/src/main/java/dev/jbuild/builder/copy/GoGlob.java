package dev.jbuild.builder.copy;

/**
 * Go's {@code filepath.Match} for one path component, the syntax of COPY source wildcards:
 * {@code *} (any run of characters), {@code ?} (one character), {@code [a-z]} and {@code [^a-z]}
 * (one character in or not in the class), {@code \} escaping the next character. A malformed
 * pattern matches nothing, as in BuildKit, which ignores Match's {@code ErrBadPattern}.
 */
final class GoGlob {
    private GoGlob() {
    }

    /**
     * Whether the text has an unescaped {@code *}, {@code ?} or {@code [}: BuildKit's
     * {@code containsWildcards}, which decides whether a source is matched or taken literally.
     */
    static boolean hasWildcards(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '*' || c == '?' || c == '[') {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code name} (one component, no {@code /}) matches {@code pattern} entirely. */
    static boolean matches(String pattern, String name) {
        return match(pattern, 0, name, 0);
    }

    private static boolean match(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*') {
                while (pi < p.length() && p.charAt(pi) == '*') {
                    pi++;
                }
                // Try every split point; names are short, so backtracking stays cheap.
                for (int k = si; k <= s.length(); k = next(s, k)) {
                    if (match(p, pi, s, k)) {
                        return true;
                    }
                    if (k == s.length() || s.charAt(k) == '/') {
                        return false;
                    }
                }
                return false;
            }
            if (si == s.length()) {
                return false;
            }
            int ch = s.codePointAt(si);
            if (c == '?') {
                if (ch == '/') {
                    return false;
                }
                pi++;
            } else if (c == '[') {
                int end = matchClass(p, pi + 1, ch);
                if (end < 0) {
                    return false;
                }
                pi = end;
            } else {
                if (c == '\\') {
                    pi++;
                    if (pi == p.length()) {
                        return false; // a trailing backslash is a bad pattern
                    }
                }
                int pc = p.codePointAt(pi);
                if (pc != ch) {
                    return false;
                }
                pi += Character.charCount(pc);
            }
            si = next(s, si);
        }
        return si == s.length();
    }

    /**
     * Matches {@code ch} against the class starting after {@code [} at {@code start}: the index after
     * its {@code ]} when it matches, -1 when it does not or the class is malformed.
     */
    private static int matchClass(String p, int start, int ch) {
        int i = start;
        boolean negated = i < p.length() && p.charAt(i) == '^';
        if (negated) {
            i++;
        }
        boolean found = false;
        int ranges = 0;
        while (true) {
            if (i < p.length() && p.charAt(i) == ']' && ranges > 0) {
                i++;
                break;
            }
            ClassChar lo = classChar(p, i);
            if (lo == null) {
                return -1;
            }
            i = lo.next();
            ClassChar hi = lo;
            if (i < p.length() && p.charAt(i) == '-') {
                hi = classChar(p, i + 1);
                if (hi == null) {
                    return -1;
                }
                i = hi.next();
            }
            if (lo.codePoint() <= ch && ch <= hi.codePoint()) {
                found = true;
            }
            ranges++;
        }
        return found != negated ? i : -1;
    }

    /** A character of a bracket class and the index after it. */
    private record ClassChar(int codePoint, int next) {
    }

    /**
     * The class character at {@code i}, escapes resolved; null where Go reports a bad pattern: the
     * pattern ends, or an unescaped {@code -} or {@code ]} stands where a character must.
     */
    private static ClassChar classChar(String p, int i) {
        if (i >= p.length() || p.charAt(i) == '-' || p.charAt(i) == ']') {
            return null;
        }
        if (p.charAt(i) == '\\') {
            i++;
            if (i >= p.length()) {
                return null;
            }
        }
        int cp = p.codePointAt(i);
        return new ClassChar(cp, i + Character.charCount(cp));
    }

    private static int next(String s, int i) {
        return i < s.length() ? i + Character.charCount(s.codePointAt(i)) : i + 1;
    }
}
