package dev.jbuild.dockerfile;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jbuild.dockerfile.ast.Dumper;
import dev.jbuild.dockerfile.plan.PlanOptions;
import dev.jbuild.dockerfile.plan.Planner;
import dev.jbuild.dockerfile.plan.Platform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: whatever is done to a valid Dockerfile, reading and planning it either succeeds or
 * fails with a {@link DockerfileException} that names a line — never with any other exception.
 * Mutations are random but seeded, so a failure reproduces; the seed is in the message.
 */
class MutationFuzzTest {
    private static final String SPECIALS = "\\`\"'[]{}$<-#=:,/ \t\r\n\u00a0\u00e9*?!@0aZ";
    private static final int MUTANTS_PER_FILE = 60;
    /** The only errors that concern the file as a whole and so name no line. */
    private static final List<String> WHOLE_FILE = List.of("cannot be empty", "no instructions", "no stages");

    @Test
    void mutatedCorpusOnlyFailsWithLocatedSyntaxErrors() throws Exception {
        List<Path> files = new ArrayList<>();
        for (Path dir : DockerfileCorpusTest.cases().toList()) {
            files.add(dir.resolve("Dockerfile"));
        }
        assertTrue(files.size() >= 10, "needs the corpus");
        PlanOptions options = new PlanOptions(Optional.empty(), Map.of(), Platform.parse("linux/amd64"),
                Platform.parse("linux/amd64"));
        int failures = 0;
        int total = 0;
        for (int f = 0; f < files.size(); f++) {
            String original = new String(Files.readAllBytes(files.get(f)), StandardCharsets.UTF_8);
            for (int m = 0; m < MUTANTS_PER_FILE; m++) {
                long seed = f * 1_000_003L + m;
                String mutant = mutate(original, new Random(seed));
                total++;
                try {
                    Dockerfile df = Dockerfile.parse("Dockerfile", mutant.getBytes(StandardCharsets.UTF_8));
                    Dumper.dump(df.tree());
                    Planner.plan(df, options);
                } catch (DockerfileException e) {
                    failures++;
                    boolean located = e.line() >= 1 || WHOLE_FILE.stream().anyMatch(e.reason()::contains);
                    if (!located || !e.getMessage().startsWith("Dockerfile")) {
                        fail("seed " + seed + " (" + files.get(f) + "): error without a line: " + e.getMessage());
                    }
                } catch (RuntimeException | StackOverflowError e) {
                    throw new AssertionError("seed " + seed + " (" + files.get(f) + ") crashed the parser on:\n"
                            + mutant, e);
                }
            }
        }
        // The mutations must actually reach the error paths, or the property says nothing.
        assertTrue(failures > total / 20, "only " + failures + " of " + total + " mutants were rejected");
    }

    static String mutate(String s, Random r) {
        StringBuilder sb = new StringBuilder(s);
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits; i++) {
            int pos = sb.length() == 0 ? 0 : r.nextInt(sb.length());
            switch (r.nextInt(6)) {
                case 0 -> sb.insert(pos, SPECIALS.charAt(r.nextInt(SPECIALS.length())));
                case 1 -> {
                    if (sb.length() > 0) {
                        sb.deleteCharAt(pos);
                    }
                }
                case 2 -> sb.setLength(pos);
                case 3 -> {
                    int end = Math.min(sb.length(), pos + 1 + r.nextInt(20));
                    sb.insert(pos, sb.substring(pos, end));
                }
                case 4 -> sb.insert(pos, "\\\n");
                default -> sb.insert(pos, List.of("<<EOF", "--mount=", "[\"", "${", "ONBUILD ", "FROM a AS ",
                        "COPY --from=", "\nRUN ", "\"]", "EOF\n").get(r.nextInt(10)));
            }
        }
        return sb.toString();
    }
}
