package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user drives it: exit statuses, messages, and what each command prints. */
class CliTest {
    @TempDir
    Path dir;

    record Result(int status, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(status, out.toString(), err.toString());
    }

    static Result runWithInput(String input, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            return run(args);
        } finally {
            System.setIn(saved);
        }
    }

    private Path dockerfile(String text) throws Exception {
        Path f = dir.resolve("Dockerfile");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void versionAndHelpForEveryCommand() {
        Result v = run("--version");
        assertEquals(0, v.status());
        assertTrue(v.out().startsWith("jbuild "), v.out());
        for (List<String> cmd : List.<List<String>>of(List.of(), List.of("build"), List.of("debug"), List.of("debug", "parse"),
                List.of("debug", "expand"), List.of("debug", "plan"))) {
            String[] args = java.util.stream.Stream.concat(cmd.stream(), java.util.stream.Stream.of("--help"))
                    .toArray(String[]::new);
            Result h = run(args);
            assertEquals(0, h.status(), String.join(" ", args));
            assertTrue(h.out().contains("Usage: jbuild"), h.out());
        }
    }

    @Test
    void debugParsePrintsTheDump() throws Exception {
        Path f = dockerfile("FROM alpine AS build\nCOPY --chown=1:1 a b /dst/\nENV A=1 B=\"x y\"\nCMD [\"a\", \"b c\"]\n");
        Result r = run("debug", "parse", f.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("(from \"alpine\" \"AS\" \"build\")\n(copy [\"--chown=1:1\"] \"a\" \"b\" \"/dst/\")\n"
                + "(env \"A\" \"1\" \"=\" \"B\" \"\\\"x y\\\"\" \"=\")\n(cmd \"a\" \"b c\")\n", r.out());
    }

    @Test
    void errorsAreOneLineWithFileAndLine() throws Exception {
        Path f = dockerfile("FROM x\n\nCOPPY a b\n");
        Result r = run("debug", "parse", f.toString());
        assertEquals(1, r.status());
        assertEquals("jbuild: " + f + ":3: unknown instruction \"COPPY\" (did you mean COPY?)\n", r.err());
        Result debug = run("--debug", "debug", "parse", f.toString());
        assertTrue(debug.err().contains("at dev.jbuild."), "stack trace with --debug");
        Result empty = run("debug", "parse", dockerfile("# nothing\n").toString());
        assertEquals(1, empty.status());
        assertTrue(empty.err().contains("no instructions"), empty.err());
    }

    @Test
    void debugExpandOneWordAndBatch() {
        Result one = run("debug", "expand", "--env", "NAME=app", "${NAME:-x}-\"$NAME\"");
        assertEquals("app-app\n", one.out());
        Result batch = runWithInput("$A\n${B:?is required}\n'$A'\n", "debug", "expand", "--env", "A=1");
        assertEquals(0, batch.status());
        String[] lines = batch.out().split("\n");
        assertEquals("1", lines[0]);
        assertTrue(lines[1].startsWith("error"), lines[1]);
        assertEquals("$A", lines[2]);
        Result bad = run("debug", "expand", "${A:?unset}");
        assertEquals(1, bad.status());
        Result backtick = run("debug", "expand", "--escape", "`", "a`$b");
        assertEquals("a$b\n", backtick.out());
    }

    @Test
    void debugPlanHonoursTargetAndBuildArgs() throws Exception {
        Path f = dockerfile("ARG GO=1.21\nFROM golang:${GO} AS build\nFROM alpine AS unused\n"
                + "FROM build AS test\nRUN go test\n");
        Result r = run("debug", "plan", "-f", f.toString(), "--target", "test", "--build-arg", "GO=1.22");
        assertEquals(0, r.status(), r.err());
        assertEquals("target: 2 test\nstage 0 build\n  base: image golang:1.22\n  level: 0\n"
                + "stage 2 test\n  base: stage 0 build\n  needs: 0\n  level: 1\n", r.out());
        Result missing = run("debug", "plan", "-f", f.toString(), "--target", "tset");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("did you mean test?"), missing.err());
    }

    @Test
    void buildWithoutTheWordBuildIsABuild() throws Exception {
        dockerfile("FROM alpine\nRUN true\n");
        Result r = run("-t", "app:1", "--root", dir.resolve("store").toString(), "--pull=never", dir.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("alpine: no such image in the local store, and --pull=never forbids pulling it"),
                r.err());
        Files.writeString(dir.resolve("Dockerfile"), "FROM alpine\nRUN\n");
        Result bad = run("build", dir.toString());
        assertTrue(bad.err().contains(":2: RUN requires at least one argument"), bad.err());
        Result noContext = run("build", dir.resolve("missing").toString());
        assertTrue(noContext.err().contains("must be a directory"), noContext.err());
    }

    @Test
    void writtenOutCommandNamesAreTheAnnotatedOnes() {
        assertEquals(JbuildCommand.annotatedNames(), JbuildCommand.NAMES);
    }

    @Test
    void misspeltCommandIsNotTakenForAContext() {
        Result r = run("biuld", ".");
        assertEquals(2, r.status());
        assertEquals("jbuild: unknown command \"biuld\" (did you mean build?)\n", r.err());
    }

    @Test
    void optionsBeforeACommandAreShownWhereTheyGo() {
        Result r = run("--root", "/tmp/store", "images");
        assertEquals(2, r.status());
        assertEquals("jbuild: options go after the command: jbuild images --root /tmp/store\n", r.err());
    }

    @Test
    void unknownOptionsAreUsageErrors() {
        Result r = run("debug", "parse", "--bogus", "x");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Unknown option"), r.err());
    }
}
