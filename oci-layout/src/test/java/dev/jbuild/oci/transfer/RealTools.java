package dev.jbuild.oci.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs the interop oracles (skopeo, umoci, oci-image-tool); tests first require them with
 * {@link dev.jbuild.testkit.Required#tools}.
 */
final class RealTools {
    private RealTools() {
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
