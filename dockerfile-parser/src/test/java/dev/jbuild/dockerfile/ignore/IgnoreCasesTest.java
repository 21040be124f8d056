package dev.jbuild.dockerfile.ignore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every expectation in {@code testdata/dockerignore/cases.txt} (its header documents the
 * format) as one test.
 */
class IgnoreCasesTest {

    /** One case of the data file: a title, the ignore file text and its expectation lines. */
    record Case(String title, int line, String ignoreFile, List<String> expectations) {
    }

    static Path testdata() {
        String prop = System.getProperty("jbuild.testdata");
        if (prop != null && Files.isDirectory(Paths.get(prop, "dockerignore"))) {
            return Paths.get(prop);
        }
        for (Path dir = Paths.get(System.getProperty("user.dir")).toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("testdata").resolve("dockerignore"))) {
                return dir.resolve("testdata");
            }
        }
        throw new IllegalStateException("testdata/dockerignore not found; set -Djbuild.testdata");
    }

    static String unescape(String s) {
        return s.replace('␠', ' ').replace('␉', '\t').replace('␍', '\r').replace('␊', '\n');
    }

    static List<Case> cases() throws IOException {
        List<String> lines = Files.readAllLines(testdata().resolve("dockerignore/cases.txt"), StandardCharsets.UTF_8);
        List<Case> cases = new ArrayList<>();
        int i = 0;
        while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
            i++;
        }
        while (i < lines.size()) {
            String title = lines.get(i).substring(4);
            int titleLine = i + 1;
            i++;
            StringBuilder file = new StringBuilder();
            while (i < lines.size() && !lines.get(i).equals("---")) {
                file.append(unescape(lines.get(i))).append('\n');
                i++;
            }
            if (i >= lines.size()) {
                throw new IllegalStateException("cases.txt:" + titleLine + ": case has no --- line");
            }
            i++;
            List<String> expectations = new ArrayList<>();
            while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
                String l = lines.get(i);
                if (!l.isBlank() && !l.startsWith("//")) {
                    expectations.add((i + 1) + "\u0000" + l);
                }
                i++;
            }
            cases.add(new Case(title, titleLine, file.toString(), expectations));
        }
        return cases;
    }

    static Stream<Arguments> expectations() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (Case c : cases()) {
            for (String e : c.expectations()) {
                int sep = e.indexOf('\u0000');
                out.add(Arguments.of(c.title(), Integer.parseInt(e.substring(0, sep)), e.substring(sep + 1), c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "[{index}] {0} :: {2}")
    @MethodSource("expectations")
    void expectation(String title, int line, String expectation, Case c) throws Exception {
        int arrow = expectation.lastIndexOf(" -> ");
        if (arrow < 0) {
            fail("cases.txt:" + line + ": no ' -> ' in expectation");
        }
        String subject = unescape(expectation.substring(0, arrow));
        String expected = expectation.substring(arrow + 4).trim();
        String where = "cases.txt:" + line + " (" + title + ")";

        if (subject.equals("error")) {
            InvalidIgnorePatternException ex = assertThrows(InvalidIgnorePatternException.class,
                    () -> IgnorePatterns.parse(c.ignoreFile(), ".dockerignore"), where);
            assertEquals(expected, "line " + ex.line(), where + ": " + ex.getMessage());
            return;
        }
        IgnorePatterns patterns = IgnorePatterns.parse(c.ignoreFile(), ".dockerignore");
        if (subject.equals("patterns")) {
            List<String> want = expected.equals("(none)") ? List.of() : Arrays.asList(unescape(expected).split(" \\| "));
            assertEquals(want, patterns.patterns(), where);
        } else if (subject.startsWith("walk ")) {
            String dir = subject.substring(5);
            assertEquals(expected, patterns.mayReincludeUnder(dir) ? "descend" : "skip", where);
        } else {
            assertEquals(expected, patterns.isExcluded(subject) ? "excluded" : "included", where + ": " + subject);
        }
    }

    @Test
    void theDataFileHoldsEnoughCases() throws IOException {
        long n = cases().stream().mapToLong(c -> c.expectations().size()).sum();
        if (n < 70) {
            fail("only " + n + " expectations in cases.txt");
        }
    }
}
