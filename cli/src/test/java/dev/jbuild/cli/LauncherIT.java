package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code jbuild} launcher at the repository root, run from another working directory against
 * the jar this build just packaged — the way users run it.
 */
class LauncherIT {
    @TempDir
    Path workDir;

    record Run(int status, String out, String err) {
    }

    private Run launcher(String... args) throws IOException, InterruptedException {
        Path script = Path.of(System.getProperty("jbuild.repository")).resolve("jbuild");
        List<String> cmd = new ArrayList<>();
        cmd.add(script.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectOutput(workDir.resolve("out").toFile()).redirectError(workDir.resolve("err").toFile())
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher did not finish");
        return new Run(p.exitValue(), Files.readString(workDir.resolve("out"), StandardCharsets.UTF_8),
                Files.readString(workDir.resolve("err"), StandardCharsets.UTF_8));
    }

    @Test
    void runsFromAnyDirectoryWithCleanOutput() throws Exception {
        Run first = launcher("--version");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().startsWith("jbuild "), first.out());
        Run second = launcher("--version");
        assertEquals(first.out(), second.out());
        assertEquals("", second.err(), "the class-data archive must not make the JVM chatty");

        Files.writeString(workDir.resolve("Dockerfile"), "FROM busybox\nRUN echo hi\n");
        Run parse = launcher("debug", "parse", "Dockerfile");
        assertEquals(0, parse.status(), parse.err());
        assertEquals("(from \"busybox\")\n(run \"echo hi\")\n", parse.out());

        Run build = launcher("-t", "app:1", ".");
        assertEquals(1, build.status());
        assertTrue(build.err().startsWith("jbuild: building images is not implemented yet"), build.err());
    }
}
