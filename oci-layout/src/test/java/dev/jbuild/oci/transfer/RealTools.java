package dev.jbuild.oci.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the interop oracles (skopeo, umoci, oci-image-tool). A missing tool skips the test, except
 * where {@code JBUILD_REQUIRE_PRIVILEGED=1} (as in CI), where it fails it: CI never skips these.
 */
final class RealTools {
    private RealTools() {
    }

    static void require(String... tools) {
        for (String tool : tools) {
            boolean present = List.of(System.getenv("PATH").split(":")).stream()
                    .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
            if (!present) {
                if ("1".equals(System.getenv("JBUILD_REQUIRE_PRIVILEGED"))) {
                    fail(tool + " is required (JBUILD_REQUIRE_PRIVILEGED=1) but not installed; .ci/run installs it");
                }
                Assumptions.abort(tool + " is not installed");
            }
        }
    }

    /** Runs a command and returns its standard output; a non-zero exit fails the test with its output. */
    static String run(Path dir, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tool", ".out");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + text);
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
