package dev.jbuild.dockerfile.ignore;

import dev.jbuild.dockerfile.ast.GoText;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the text of an ignore file into patterns exactly as BuildKit's {@code ignorefile.ReadAll}
 * does. The order of its steps shows: a comment is a line whose very first character is {@code #}
 * (so {@code " #x"} is the pattern {@code #x}), white space is trimmed after that test, a leading
 * {@code !} is split off and the rest trimmed again, then the path is cleaned and one leading
 * {@code /} dropped. A UTF-8 byte order mark is removed from the first line, and a line ends at
 * {@code \n} with one {@code \r} before it removed, as Go's line scanner does.
 */
final class IgnoreFileReader {

    /** A pattern line: its 1-based number, its trimmed text for messages, and the pattern. */
    record Entry(int line, String trimmed, String pattern) {
    }

    private IgnoreFileReader() {
    }

    static List<Entry> read(String content) {
        List<Entry> entries = new ArrayList<>();
        int lineNo = 0;
        int pos = 0;
        int n = content.length();
        while (pos < n) {
            int nl = content.indexOf('\n', pos);
            int end = nl < 0 ? n : nl;
            int stop = end > pos && content.charAt(end - 1) == '\r' ? end - 1 : end;
            String line = content.substring(pos, stop);
            if (lineNo == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            lineNo++;
            Entry e = line.startsWith("#") ? null : entry(lineNo, line);
            if (e != null) {
                entries.add(e);
            }
            pos = nl < 0 ? n : nl + 1;
        }
        return entries;
    }

    /** One non-comment line, or null when it is blank. */
    static Entry entry(int lineNo, String line) {
        String pattern = GoText.trimSpace(line);
        if (pattern.isEmpty()) {
            return null;
        }
        String trimmed = pattern;
        boolean invert = pattern.charAt(0) == '!';
        if (invert) {
            pattern = GoText.trimSpace(pattern.substring(1));
        }
        if (!pattern.isEmpty()) {
            pattern = GoPath.clean(pattern);
            if (pattern.length() > 1 && pattern.charAt(0) == '/') {
                pattern = pattern.substring(1);
            }
        }
        if (invert) {
            pattern = "!" + pattern;
        }
        return new Entry(lineNo, trimmed, pattern);
    }
}
