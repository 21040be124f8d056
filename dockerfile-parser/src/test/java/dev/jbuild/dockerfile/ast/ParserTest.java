package dev.jbuild.dockerfile.ast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.DockerfileException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Focused checks of the syntax layer; the corpus under testdata/dockerfiles covers the breadth. */
class ParserTest {

    private static String dump(String text) throws DockerfileException {
        return Dumper.dump(Dockerfile.parse("Dockerfile", text.getBytes(StandardCharsets.UTF_8)).tree());
    }

    @Test
    void examplesFromTheIssue() throws Exception {
        assertEquals("(from \"x\")\n(copy [\"--chown=1:1\"] \"a\" \"b\" \"/dst/\")\n",
                dump("FROM x\nCOPY --chown=1:1 a b /dst/\n"));
        assertEquals("(from \"x\")\n(env \"A\" \"1\" \"=\" \"B\" \"\\\"x y\\\"\" \"=\")\n",
                dump("FROM x\nENV A=1 B=\"x y\"\n"));
        assertEquals("(from \"x\")\n(cmd \"a\" \"b c\")\n", dump("FROM x\nCMD [\"a\", \"b c\"]\n"));
        assertEquals("(from \"x\")\n(onbuild (run \"make\"))\n", dump("FROM x\nONBUILD RUN make\n"));
        assertEquals("(from \"x\")\n(cmd)\n", dump("FROM x\nCMD []\n"));
    }

    @Test
    void linesAndContinuations() throws Exception {
        SyntaxTree t = Parser.parse("Dockerfile", "\uFEFFFROM x\r\n# c\r\nRUN a \\\r\n  # inside\r\n\r\n  b\r\nUSER u\n");
        assertEquals(3, t.nodes().size());
        Node run = t.nodes().get(1);
        assertEquals(List.of("a   b"), run.args());
        assertEquals(3, run.startLine());
        assertEquals(6, run.endLine());
        assertEquals(1, t.warnings().size());
        assertEquals(7, t.nodes().get(2).startLine());
    }

    @Test
    void escapeDirectiveAndBacktick() throws Exception {
        SyntaxTree t = Parser.parse("Dockerfile", "# escape=`\nFROM x\nRUN dir c:\\ `\n  /s\n");
        assertEquals('`', t.escapeToken());
        assertEquals(List.of("dir c:\\   /s"), t.nodes().get(1).args());
    }

    @Test
    void directivesOnlyAtTheTop() throws Exception {
        SyntaxTree t = Parser.parse("Dockerfile", "# Syntax = docker/dockerfile:1\n# CHECK=skip=all\n\n# escape=`\nFROM x\n");
        assertEquals("docker/dockerfile:1", t.directive("syntax").orElseThrow().value());
        assertTrue(t.directive("check").isPresent());
        assertFalse(t.directive("escape").isPresent());
        DockerfileException e = assertThrows(DockerfileException.class,
                () -> Parser.parse("Dockerfile", "# escape=\\\n# escape=`\nFROM x\n"));
        assertEquals(2, e.line());
    }

    @Test
    void heredocs() throws Exception {
        SyntaxTree t = Parser.parse("Dockerfile",
                "FROM x\nRUN <<EOF cat <<-'END'\necho $A\nEOF\n\tbody\n\tEND\nCOPY <<\"F1\" /f\nhi\nF1\n");
        Node run = t.nodes().get(1);
        assertEquals(2, run.heredocs().size());
        assertEquals(new Heredoc("EOF", 0, true, false, "echo $A\n"), run.heredocs().get(0));
        assertEquals(new Heredoc("END", 0, false, true, "\tbody\n"), run.heredocs().get(1));
        assertEquals("body\n", run.heredocs().get(1).effectiveContent());
        assertEquals(6, run.endLine());
        Node copy = t.nodes().get(2);
        assertFalse(copy.heredocs().get(0).expand());
        assertEquals("hi\n", copy.heredocs().get(0).content());
        DockerfileException e = assertThrows(DockerfileException.class,
                () -> Parser.parse("Dockerfile", "FROM x\nRUN <<EOF\necho\n"));
        assertEquals(2, e.line());
    }

    @Test
    void jsonIsStrict() throws Exception {
        assertEquals("(from \"x\")\n(cmd \"[\\\"a\\\",]\")\n", dump("FROM x\nCMD [\"a\",]\n"));
        assertEquals("(from \"x\")\n(cmd \"['a']\")\n", dump("FROM x\nCMD ['a']\n"));
        assertEquals("(from \"x\")\n(cmd \"é\\n\")\n", dump("FROM x\nCMD [\"\\u00e9\\n\"]\n"));
        DockerfileException e = assertThrows(DockerfileException.class, () -> dump("FROM x\nCMD [\"a\", 1]\n"));
        assertTrue(e.getMessage().contains("strings only"));
    }

    @Test
    void goQuoting() {
        assertEquals("\"a\\x01\\x7f\\u00a0é\\t\\\\\"", GoQuote.quote("a\u0001\u007f\u00a0é\t\\"));
        assertEquals("\"\\U000e0001\"", GoQuote.quote(new String(Character.toChars(0xE0001))));
    }

    @Test
    void flagsEndAtTheFirstWordWithoutDashes() throws Exception {
        assertEquals("(from \"x\")\n(copy [\"--from=a b\" \"--link\"] \"--x\" \"/\")\n",
                dump("FROM x\nCOPY --from=\"a b\" --link -- --x /\n"));
    }

    @Test
    void missingArgumentsAndEmptyFiles() {
        assertEquals(3, assertThrows(DockerfileException.class, () -> dump("FROM x\n\nRUN\n")).line());
        assertTrue(assertThrows(DockerfileException.class, () -> dump("# only\n\n")).getMessage()
                .contains("no instructions"));
        assertTrue(assertThrows(DockerfileException.class, () -> dump("FROM x\nCOPPY a b\n")).getMessage()
                .contains("did you mean COPY?"));
    }
}
