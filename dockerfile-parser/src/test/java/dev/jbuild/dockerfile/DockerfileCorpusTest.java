package dev.jbuild.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.dockerfile.ast.Dumper;
import dev.jbuild.dockerfile.plan.PlanOptions;
import dev.jbuild.dockerfile.plan.PlanPrinter;
import dev.jbuild.dockerfile.plan.Planner;
import dev.jbuild.dockerfile.plan.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every case of {@code testdata/dockerfiles/}: the dump, the plan or the error each
 * Dockerfile must give (see the README there for the layout).
 */
class DockerfileCorpusTest {

    static Stream<Path> cases() throws IOException {
        try (Stream<Path> s = Files.list(TestData.root().resolve("dockerfiles"))) {
            return s.filter(Files::isDirectory).sorted().toList().stream();
        }
    }

    @Test
    void corpusIsLargeEnough() throws IOException {
        assertTrue(cases().count() >= 80, "the corpus must hold at least 80 Dockerfiles");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void caseBehavesAsExpected(Path dir) throws Exception {
        byte[] content = Files.readAllBytes(dir.resolve("Dockerfile"));
        if (Files.exists(dir.resolve("expected.dump"))) {
            Dockerfile df = Dockerfile.parse("Dockerfile", content);
            assertEquals(read(dir.resolve("expected.dump")), Dumper.dump(df.tree()));
        } else if (Files.exists(dir.resolve("expected.plan"))) {
            Dockerfile df = Dockerfile.parse("Dockerfile", content);
            PlanOptions options = options(planArgs(dir.resolve("plan.args")));
            assertEquals(read(dir.resolve("expected.plan")), PlanPrinter.print(Planner.plan(df, options)));
        } else {
            Expectation e = Expectation.read(dir.resolve("expected.error"));
            DockerfileException ex = assertThrows(DockerfileException.class, () -> {
                Dockerfile df = Dockerfile.parse("Dockerfile", content);
                Planner.plan(df, options(e.args()));
            });
            assertEquals(e.line(), ex.line(), "line of: " + ex.getMessage());
            for (String c : e.contains()) {
                assertTrue(ex.getMessage().toLowerCase(Locale.ROOT).contains(c.toLowerCase(Locale.ROOT)),
                        "\"" + ex.getMessage() + "\" should contain \"" + c + "\"");
            }
            assertTrue(ex.getMessage().startsWith("Dockerfile" + (ex.line() > 0 ? ":" + ex.line() + ": " : ": ")),
                    "message names the place: " + ex.getMessage());
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    private static List<String> planArgs(Path p) throws IOException {
        if (!Files.exists(p)) {
            return List.of();
        }
        return Files.readAllLines(p).stream().filter(l -> !l.isBlank()).toList();
    }

    /** Reads the CLI-style arguments of plan.args / error args: --target, --build-arg, --platform. */
    static PlanOptions options(List<String> args) {
        Optional<String> target = Optional.empty();
        Map<String, String> buildArgs = new LinkedHashMap<>();
        Platform platform = Platform.parse("linux/amd64");
        List<String> tokens = new ArrayList<>();
        for (String a : args) {
            // "--target x" on one line is two tokens; a build-arg value may hold spaces.
            int space = a.indexOf(' ');
            if (a.startsWith("--") && space > 0 && (a.indexOf('=') < 0 || a.indexOf('=') > space)) {
                tokens.add(a.substring(0, space));
                tokens.add(a.substring(space + 1).trim());
            } else {
                tokens.add(a);
            }
        }
        for (int i = 0; i < tokens.size(); i++) {
            String a = tokens.get(i);
            String value = a.contains("=") && a.startsWith("--") ? a.substring(a.indexOf('=') + 1) : null;
            String name = value != null ? a.substring(0, a.indexOf('=')) : a;
            if (value == null && i + 1 < tokens.size()) {
                value = tokens.get(++i);
            }
            switch (name) {
                case "--target" -> target = Optional.of(value);
                case "--platform" -> platform = Platform.parse(value);
                case "--build-arg" -> {
                    int eq = value.indexOf('=');
                    buildArgs.put(value.substring(0, eq), value.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown plan argument " + a);
            }
        }
        return new PlanOptions(target, buildArgs, Platform.parse("linux/amd64"), platform);
    }

    /** The contents of an expected.error file. */
    record Expectation(int line, List<String> contains, List<String> args) {
        static Expectation read(Path p) throws IOException {
            int line = -1;
            List<String> contains = new ArrayList<>();
            List<String> args = new ArrayList<>();
            for (String l : Files.readAllLines(p)) {
                if (l.startsWith("line:")) {
                    line = Integer.parseInt(l.substring(5).trim());
                } else if (l.startsWith("contains:")) {
                    contains.add(l.substring(9).trim());
                } else if (l.startsWith("args:")) {
                    args.add(l.substring(5).trim());
                }
            }
            if (line < 0 || contains.isEmpty()) {
                throw new IllegalStateException(p + " needs a line: and at least one contains: line");
            }
            return new Expectation(line, contains, args);
        }
    }
}
