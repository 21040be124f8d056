package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
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

    private static FileTime uncheckedTime(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void runsFromAnyDirectoryWithCleanOutput() throws Exception {
        Run first = launcher("--version");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().startsWith("jbuild "), first.out());
        // The first run made the start-up archive for this jar: an AOT cache on JDK 25+, else a CDS archive.
        Path target = Path.of(System.getProperty("jbuild.repository")).resolve("cli/target");
        FileTime jar = Files.getLastModifiedTime(target.resolve("jbuild.jar"));
        assertTrue(Stream.of("jbuild.aot", "jbuild.jsa").map(target::resolve).anyMatch(a -> Files.exists(a)
                && uncheckedTime(a).compareTo(jar) >= 0), "no start-up archive newer than the jar in " + target);
        Run second = launcher("--version");
        assertEquals(first.out(), second.out());
        assertEquals("", second.err(), "the class-data archive must not make the JVM chatty");

        Files.writeString(workDir.resolve("Dockerfile"), "FROM busybox\nRUN echo hi\n");
        Run parse = launcher("debug", "parse", "Dockerfile");
        assertEquals(0, parse.status(), parse.err());
        assertEquals("(from \"busybox\")\n(run \"echo hi\")\n", parse.out());

        // A build that needs no base image and no RUN: arguments that are no command go to build.
        Files.writeString(workDir.resolve("Dockerfile"), "FROM scratch\nCOPY Dockerfile /\n");
        Run build = launcher("--root", workDir.resolve("store").toString(), "-q", ".");
        assertEquals(0, build.status(), build.err());
        assertTrue(build.out().matches("sha256:[0-9a-f]{64}\n"), build.out());
    }
}
