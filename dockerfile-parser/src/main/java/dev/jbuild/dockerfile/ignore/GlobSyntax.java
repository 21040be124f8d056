package dev.jbuild.dockerfile.ignore;

/**
 * The syntax check Docker runs on every pattern before using it: it calls Go's
 * {@code filepath.Match(pattern, ".")} only for its {@code ErrBadPattern}. The rules are Go's, not a
 * regular expression's: a class needs at least one member and a closing bracket, neither {@code -}
 * nor {@code ]} may start a member or end a range, and a pattern may not end in a lone backslash.
 * Matching itself is done elsewhere ({@link CompiledPattern}) because Docker does not match with
 * {@code filepath.Match}.
 */
final class GlobSyntax {

    private GlobSyntax() {
    }

    /** Returns why the pattern is malformed, or null when Go accepts it. */
    static String check(String pattern) {
        int pos = 0;
        int n = pattern.length();
        while (pos < n) {
            while (pos < n && pattern.charAt(pos) == '*') {
                pos++;
            }
            // A chunk runs to the next '*' outside brackets, as Go's scanChunk splits it.
            int end = pos;
            boolean inRange = false;
            scan:
            while (end < n) {
                switch (pattern.charAt(end)) {
                    case '\\' -> {
                        if (end + 1 < n) {
                            end++;
                        }
                    }
                    case '[' -> inRange = true;
                    case ']' -> inRange = false;
                    case '*' -> {
                        if (!inRange) {
                            break scan;
                        }
                    }
                    default -> {
                    }
                }
                end++;
            }
            String problem = checkChunk(pattern, pos, end);
            if (problem != null) {
                return problem;
            }
            pos = end;
        }
        return null;
    }

    private static String checkChunk(String s, int pos, int end) {
        while (pos < end) {
            char c = s.charAt(pos);
            if (c == '[') {
                pos++;
                if (pos < end && s.charAt(pos) == '^') {
                    pos++;
                }
                int members = 0;
                while (true) {
                    if (pos < end && s.charAt(pos) == ']' && members > 0) {
                        pos++;
                        break;
                    }
                    int next = classChar(s, pos, end);
                    if (next < 0) {
                        return classProblem(s, pos, end);
                    }
                    pos = next;
                    if (s.charAt(pos) == '-') {
                        next = classChar(s, pos + 1, end);
                        if (next < 0) {
                            return "character range " + (pos + 1 >= end || s.charAt(pos + 1) == ']'
                                    ? "has no upper bound" : "is malformed");
                        }
                        pos = next;
                    }
                    members++;
                }
            } else if (c == '\\') {
                if (pos + 1 >= end) {
                    return "trailing backslash escapes nothing";
                }
                pos += 1 + Character.charCount(s.codePointAt(pos + 1));
            } else {
                pos++;
            }
        }
        return null;
    }

    /**
     * Go's getEsc: one class member, possibly escaped. Returns the position after it, or -1 when it
     * is malformed, which includes being the last thing in the chunk (the class is then unclosed).
     */
    private static int classChar(String s, int pos, int end) {
        if (pos >= end || s.charAt(pos) == '-' || s.charAt(pos) == ']') {
            return -1;
        }
        if (s.charAt(pos) == '\\') {
            pos++;
            if (pos >= end) {
                return -1;
            }
        }
        pos += Character.charCount(s.codePointAt(pos));
        return pos >= end ? -1 : pos;
    }

    private static String classProblem(String s, int pos, int end) {
        if (pos >= end) {
            return "character class is not closed with ]";
        }
        char c = s.charAt(pos);
        if (c == ']') {
            return "empty character class (escape a literal ] as \\])";
        }
        if (c == '-') {
            return "character class member cannot start with - (escape it as \\-)";
        }
        return "character class is not closed with ]";
    }
}
