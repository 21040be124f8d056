package dev.jbuild.dockerfile.ignore;

/**
 * Go's {@code path/filepath.Clean} on Unix, which is where {@code ./a}, {@code a/} and
 * {@code a/../b} in ignore patterns get their meaning. (White space is trimmed with
 * {@link dev.jbuild.dockerfile.ast.GoText}, Go's idea of it, shared with the parser.)
 */
final class GoPath {

    private GoPath() {
    }

    /**
     * Go's {@code path.Clean} (which is {@code filepath.Clean} on Unix): one slash between elements,
     * no {@code .} elements, {@code ..} eating the element before it, no trailing slash, and
     * {@code "."} for an empty result.
     */
    static String clean(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.charAt(0) == '/';
        int n = path.length();
        StringBuilder out = new StringBuilder(n);
        int r = 0;
        int dotdot = 0;
        if (rooted) {
            out.append('/');
            r = 1;
            dotdot = 1;
        }
        while (r < n) {
            char c = path.charAt(r);
            if (c == '/') {
                r++;
            } else if (c == '.' && (r + 1 == n || path.charAt(r + 1) == '/')) {
                r++;
            } else if (c == '.' && path.charAt(r + 1) == '.' && (r + 2 == n || path.charAt(r + 2) == '/')) {
                r += 2;
                if (out.length() > dotdot) {
                    int w = out.length() - 1;
                    while (w > dotdot && out.charAt(w) != '/') {
                        w--;
                    }
                    out.setLength(w);
                } else if (!rooted) {
                    if (out.length() > 0) {
                        out.append('/');
                    }
                    out.append("..");
                    dotdot = out.length();
                }
            } else {
                if (rooted && out.length() != 1 || !rooted && out.length() != 0) {
                    out.append('/');
                }
                while (r < n && path.charAt(r) != '/') {
                    out.append(path.charAt(r));
                    r++;
                }
            }
        }
        return out.length() == 0 ? "." : out.toString();
    }

    /**
     * A context-relative path as the walker produces it ({@code a/b}): cleaned, without a leading
     * slash, and empty for the context root itself. Most callers already pass clean paths, so the
     * check avoids allocating for them.
     */
    static String relative(String path) {
        if (isCleanRelative(path)) {
            return path;
        }
        String cleaned = clean(path);
        int start = 0;
        while (start < cleaned.length() && cleaned.charAt(start) == '/') {
            start++;
        }
        cleaned = cleaned.substring(start);
        return cleaned.equals(".") ? "" : cleaned;
    }

    private static boolean isCleanRelative(String path) {
        int n = path.length();
        if (n == 0) {
            return true;
        }
        int segStart = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || path.charAt(i) == '/') {
                int len = i - segStart;
                if (len == 0) {
                    return false;
                }
                if (path.charAt(segStart) == '.' && (len == 1 || len == 2 && path.charAt(segStart + 1) == '.')) {
                    return false;
                }
                segStart = i + 1;
            }
        }
        return true;
    }

    /** Go's {@code %q} for the pattern quoted in error messages. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (cp < 0x20 || cp == 0x7F) {
                        sb.append(String.format("\\x%02x", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                }
            }
        });
        return sb.append('"').toString();
    }
}
