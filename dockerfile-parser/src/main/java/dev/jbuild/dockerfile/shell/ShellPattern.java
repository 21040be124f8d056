package dev.jbuild.dockerfile.shell;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The patterns of {@code ${V#p}}, {@code ${V%p}} and {@code ${V/p/r}} as BuildKit reads them, which
 * is narrower than a shell's: {@code *} is any run of characters, {@code ?} one character, and
 * neither crosses a newline (BuildKit turns the pattern into a Go regular expression, where
 * {@code .} excludes {@code \n}). There are no bracket expressions; {@code [} is literal. A
 * backslash escapes only {@code *}, {@code ?} and {@code \}, and is dropped before {@code /} and
 * a closing brace; before anything else it is an error. Quoting a wildcard does not make it literal.
 *
 * <p>Matching follows the regular expression's leftmost-first preference (a lazy star for
 * {@code #} and {@code %}, a greedy one for {@code ##}, {@code %%} and {@code /}), and replacement
 * follows Go's {@code ReplaceAllString}, including its {@code $0} template in the replacement.
 */
final class ShellPattern {

    private static final int ANY = -2;
    private static final int STAR = -3;

    private final int[] tokens;
    private final boolean greedy;

    private ShellPattern(int[] tokens, boolean greedy) {
        this.tokens = tokens;
        this.greedy = greedy;
    }

    /** Parses {@code pattern}; the message of the exception is BuildKit's reason, such as {@code invalid escape '\x'}. */
    static ShellPattern compile(String pattern, boolean greedy) throws ExpansionException {
        RuneScanner in = new RuneScanner(pattern);
        int[] out = new int[pattern.length()];
        int n = 0;
        for (int tok = in.next(); tok != RuneScanner.EOF; tok = in.next()) {
            if (tok == '*') {
                out[n++] = STAR;
            } else if (tok == '?') {
                out[n++] = ANY;
            } else if (tok == '\\') {
                // \} and \/ were needed to get past the ${...} syntax; the pattern sees the bare char.
                if (in.peek() == '}' || in.peek() == '/') {
                    continue;
                }
                tok = in.next();
                if (tok != '*' && tok != '?' && tok != '\\') {
                    throw new ExpansionException("invalid escape '\\" + GoText.runeString(tok) + "'");
                }
                out[n++] = tok;
            } else {
                out[n++] = tok;
            }
        }
        return new ShellPattern(Arrays.copyOf(out, n), greedy);
    }

    /** {@code ${V#p}} and {@code ${V##p}}: drops the matching prefix, if any. */
    static String trimPrefix(String pattern, String value, boolean greedy) throws ExpansionException {
        ShellPattern p = compileFor(pattern, greedy);
        int[] text = value.codePoints().toArray();
        int[] m = p.find(text, 0, true);
        return m == null ? value : new String(text, m[1], text.length - m[1]);
    }

    /**
     * {@code ${V%p}} and {@code ${V%%p}}. A leftmost regular expression cannot find the shortest
     * suffix, so, like BuildKit, this reverses both value and pattern and trims a prefix; an error
     * therefore quotes the reversed pattern, as BuildKit's does.
     */
    static String trimSuffix(String pattern, String value, boolean greedy) throws ExpansionException {
        return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
    }

    /** {@code ${V/p/r}}: replaces the first match; the replacement is taken literally. */
    String replaceFirst(String value, String replacement) {
        int[] text = value.codePoints().toArray();
        int[] m = find(text, 0, false);
        if (m == null) {
            return value;
        }
        return new String(text, 0, m[0]) + replacement + new String(text, m[1], text.length - m[1]);
    }

    /**
     * {@code ${V//p/r}}: Go's {@code ReplaceAllString}. An empty match right after a match is not
     * replaced (so {@code *} replaces {@code ab} once, not twice), and {@code $0} or {@code ${0}} in
     * the replacement stands for the match.
     */
    String replaceAll(String value, String replacement) {
        int[] text = value.codePoints().toArray();
        StringBuilder out = new StringBuilder();
        int searchPos = 0;
        int lastMatchEnd = 0;
        while (searchPos <= text.length) {
            int[] m = find(text, searchPos, false);
            if (m == null) {
                break;
            }
            out.append(new String(text, lastMatchEnd, m[0] - lastMatchEnd));
            if (m[1] > lastMatchEnd || m[0] == 0) {
                expandTemplate(out, replacement, new String(text, m[0], m[1] - m[0]));
            }
            lastMatchEnd = m[1];
            // Always advance at least one character, past the match when it was not empty.
            searchPos = Math.max(searchPos + 1, m[1]);
        }
        out.append(new String(text, lastMatchEnd, text.length - lastMatchEnd));
        return out.toString();
    }

    /** The leftmost-first match starting at or after {@code from} as {start, end}, or null. */
    int[] find(int[] text, int from, boolean anchored) {
        // A state (token, position) that failed once fails again, whatever the start.
        BitSet failed = new BitSet();
        int lastStart = anchored ? from : text.length;
        for (int start = from; start <= lastStart; start++) {
            int end = match(text, 0, start, failed);
            if (end >= 0) {
                return new int[] {start, end};
            }
        }
        return null;
    }

    private int match(int[] text, int ti, int si, BitSet failed) {
        if (ti == tokens.length) {
            return si;
        }
        int key = ti * (text.length + 1) + si;
        if (failed.get(key)) {
            return -1;
        }
        int tok = tokens[ti];
        int end = -1;
        if (tok == STAR) {
            int max = si;
            while (max < text.length && text[max] != '\n') {
                max++;
            }
            if (greedy) {
                for (int j = max; j >= si && end < 0; j--) {
                    end = match(text, ti + 1, j, failed);
                }
            } else {
                for (int j = si; j <= max && end < 0; j++) {
                    end = match(text, ti + 1, j, failed);
                }
            }
        } else if (si < text.length && (tok == ANY ? text[si] != '\n' : text[si] == tok)) {
            end = match(text, ti + 1, si + 1, failed);
        }
        if (end < 0) {
            failed.set(key);
        }
        return end;
    }

    private static ShellPattern compileFor(String pattern, boolean greedy) throws ExpansionException {
        try {
            return compile(pattern, greedy);
        } catch (ExpansionException e) {
            throw new ExpansionException(
                    "invalid pattern (" + pattern + ") in substitution: " + e.getMessage());
        }
    }

    /** Reverses a pattern but keeps each backslash in front of the character it escapes. */
    static String reversePattern(String pattern) {
        int[] in = pattern.codePoints().toArray();
        int[] out = new int[in.length];
        int last = in.length - 1;
        for (int i = 0; i <= last; ) {
            int at = last - i;
            if (in[i] == '\\' && i != last) {
                out[at - 1] = '\\';
                out[at] = in[i + 1];
                i += 2;
            } else {
                out[at] = in[i];
                i++;
            }
        }
        return new String(out, 0, out.length);
    }

    private static String reverse(String s) {
        int[] cps = s.codePoints().toArray();
        for (int i = 0, j = cps.length - 1; i < j; i++, j--) {
            int t = cps[i];
            cps[i] = cps[j];
            cps[j] = t;
        }
        return new String(cps, 0, cps.length);
    }

    /**
     * Go's {@code Regexp.Expand} for a pattern without groups: {@code $$} is a dollar, {@code $0}
     * and {@code ${0}} the match, any other {@code $name} nothing, and a {@code $} not followed by
     * a name stays as it is.
     */
    private static void expandTemplate(StringBuilder out, String template, String match) {
        int i = 0;
        int n = template.length();
        while (i < n) {
            int dollar = template.indexOf('$', i);
            if (dollar < 0) {
                break;
            }
            out.append(template, i, dollar);
            i = dollar + 1;
            if (i < n && template.charAt(i) == '$') {
                out.append('$');
                i++;
                continue;
            }
            boolean brace = i < n && template.charAt(i) == '{';
            int nameStart = brace ? i + 1 : i;
            int j = nameStart;
            while (j < n && GoText.isNameChar(template.codePointAt(j))) {
                j += Character.charCount(template.codePointAt(j));
            }
            if (j == nameStart || (brace && (j >= n || template.charAt(j) != '}'))) {
                out.append('$');
                continue;
            }
            String name = template.substring(nameStart, j);
            i = brace ? j + 1 : j;
            if (name.equals("0")) {
                out.append(match);
            }
        }
        out.append(template, i, n);
    }
}
