package dev.jbuild.dockerfile.ignore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** API-level behaviour that the data-driven cases cannot express. */
class IgnorePatternsTest {

    @Test
    void errorNamesSourceLineAndPattern() {
        InvalidIgnorePatternException ex = assertThrows(InvalidIgnorePatternException.class,
                () -> IgnorePatterns.parse("ok\n# c\n  [  \n", ".dockerignore"));
        assertEquals(".dockerignore:3: invalid pattern \"[\": character class is not closed with ]", ex.getMessage());
        assertEquals(".dockerignore", ex.source());
        assertEquals(3, ex.line());
        assertEquals("[", ex.pattern());
    }

    @Test
    void errorQuotesBackslashesLikeGo() {
        InvalidIgnorePatternException ex = assertThrows(InvalidIgnorePatternException.class,
                () -> IgnorePatterns.parse("abc\\", "x.dockerignore"));
        assertTrue(ex.getMessage().startsWith("x.dockerignore:1: invalid pattern \"abc\\\\\": "), ex.getMessage());
    }

    @Test
    void ofReadsEachElementAsALine() throws Exception {
        IgnorePatterns p = IgnorePatterns.of(List.of("*.md", "", "#hash", " !/README.md "));
        assertEquals(List.of("*.md", "#hash", "!README.md"), p.patterns());
        assertTrue(p.isExcluded("#hash"));
        assertTrue(p.isExcluded("a.md"));
        assertFalse(p.isExcluded("README.md"));
        InvalidIgnorePatternException ex = assertThrows(InvalidIgnorePatternException.class,
                () -> IgnorePatterns.of(List.of("a", "b[")));
        assertEquals("patterns", ex.source());
        assertEquals(2, ex.line());
    }

    @Test
    void ofRebuildsWhatParseRead() throws Exception {
        IgnorePatterns parsed = IgnorePatterns.parse(" #x\n/a/\n! ./b\n/\n.\n", "f");
        assertEquals(parsed.patterns(), IgnorePatterns.of(parsed.patterns()).patterns());
    }

    @Test
    void noneExcludesNothing() {
        IgnorePatterns none = IgnorePatterns.none();
        assertFalse(none.isExcluded("a"));
        assertFalse(none.mayReincludeUnder("a"));
        assertEquals(List.of(), none.patterns());
    }

    @Test
    void byteOrderMarkIsDroppedFromTheFirstLineOnly() throws Exception {
        assertEquals(List.of("foo"), IgnorePatterns.parse("\uFEFFfoo\n", "f").patterns());
        // Go's TrimSpace does not count U+FEFF as space, so later it stays part of the pattern.
        assertEquals(List.of("a", "\uFEFFb"), IgnorePatterns.parse("a\n\uFEFFb", "f").patterns());
        // A BOM before a comment still makes it a comment.
        assertEquals(List.of("x"), IgnorePatterns.parse("\uFEFF# c\nx", "f").patterns());
    }

    @Test
    void crlfLineEndings() throws Exception {
        IgnorePatterns p = IgnorePatterns.parse("a\r\n!a/b\r\n\r\nc", "f");
        assertEquals(List.of("a", "!a/b", "c"), p.patterns());
        assertFalse(p.isExcluded("a/b"));
    }

    @Test
    void trimmingUsesGoWhiteSpace() throws Exception {
        // U+00A0 is white space to Go but not to Character.isWhitespace; U+001F is the reverse.
        assertEquals(List.of("foo"), IgnorePatterns.parse("\u00A0foo\u3000", "f").patterns());
        assertEquals(List.of("\u001Ffoo"), IgnorePatterns.parse("\u001Ffoo", "f").patterns());
    }

    @Test
    void pathsAreCleanedBeforeMatching() throws Exception {
        IgnorePatterns p = IgnorePatterns.parse("foo\n", "f");
        assertTrue(p.isExcluded("foo"));
        assertTrue(p.isExcluded("/foo"));
        assertTrue(p.isExcluded("./foo"));
        assertTrue(p.isExcluded("foo/"));
        assertTrue(p.isExcluded("foo//bar"));
        assertTrue(p.isExcluded("x/../foo/y"));
        assertFalse(p.isExcluded(""));
        assertFalse(p.isExcluded("."));
        assertFalse(p.isExcluded("/"));
    }

    @Test
    void theContextRootIsNeverExcluded() throws Exception {
        assertFalse(IgnorePatterns.parse("*\n**\n", "f").isExcluded("."));
    }

    @Test
    void patternsListIsUnmodifiable() throws Exception {
        List<String> l = IgnorePatterns.parse("a", "f").patterns();
        assertThrows(UnsupportedOperationException.class, () -> l.add("b"));
    }

    @Test
    void longPatternsUseTheWideMatcher() throws Exception {
        // Over 63 instructions each, so the matcher's state no longer fits one long.
        String q = "?".repeat(80);
        IgnorePatterns p = IgnorePatterns.parse(q + "*\n!" + q + "/k*.txt", "f");
        String name = "x".repeat(80);
        assertTrue(p.isExcluded(name));
        assertTrue(p.isExcluded(name + "more"));
        assertFalse(p.isExcluded("x".repeat(79)));
        assertFalse(p.isExcluded(name + "/k1.txt"));
        assertTrue(p.isExcluded(name + "/other.txt"));
        assertTrue(p.mayReincludeUnder(name));
        assertFalse(p.mayReincludeUnder("short"));
        assertFalse(p.mayReincludeUnder(name + "/k"));
    }

    @Test
    void moreThanSixtyFourPatternsKeepTheirParentState() throws Exception {
        List<String> lines = new ArrayList<>();
        IntStream.range(0, 70).forEach(i -> lines.add("dir" + i));
        lines.add("!dir65/keep");
        IgnorePatterns p = IgnorePatterns.of(lines);
        assertTrue(p.isExcluded("dir65"));
        assertTrue(p.isExcluded("dir3/x"));
        assertFalse(p.isExcluded("dir65/keep"));
        // dir65/keep/x inherits the exception's match recorded for dir65/keep (pattern 71, second word).
        assertFalse(p.isExcluded("dir65/keep/x/y"));
        assertTrue(p.isExcluded("dir65/other"));
    }

    @Test
    void manyStarsStayLinear() throws Exception {
        IgnorePatterns p = IgnorePatterns.parse("*a*a*a*a*a*a*a*a*a*a*a*a*b\n**a**a**a**a**a**a**c", "f");
        String s = "a".repeat(20_000);
        assertFalse(p.isExcluded(s));
        assertFalse(p.isExcluded(("a".repeat(200) + "/").repeat(20) + "a"));
        assertTrue(p.isExcluded(s + "b"));
    }

    @Test
    void sharedBetweenThreads() throws Exception {
        IgnorePatterns p = IgnorePatterns.parse("**/*.log\n!keep/**\n*\n!src", "f");
        List<String> paths = IntStream.range(0, 2000).mapToObj(i -> (i % 3 == 0 ? "keep/" : i % 3 == 1 ? "src/" : "x/")
                + i + (i % 2 == 0 ? ".log" : ".txt")).toList();
        List<Boolean> serial = paths.stream().map(p::isExcluded).toList();
        List<Boolean> parallel = paths.parallelStream().map(p::isExcluded).toList();
        assertEquals(serial, parallel);
    }

    @Test
    void controlEscapesAndPerlClassesInBrackets() throws Exception {
        IgnorePatterns p = IgnorePatterns.parse("a\\tb\n[\\d_]x\n[^\\s]y\n[\\]\\-]z", "f");
        assertTrue(p.isExcluded("a\tb"));
        assertTrue(p.isExcluded("7x"));
        assertTrue(p.isExcluded("_x"));
        assertFalse(p.isExcluded("ax"));
        assertTrue(p.isExcluded("ky"));
        assertFalse(p.isExcluded(" y"));
        assertTrue(p.isExcluded("]z"));
        assertTrue(p.isExcluded("-z"));
    }
}
