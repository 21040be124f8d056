package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a failed build reads: a non-zero status and one message that says where (FILE:LINE, FILE
 * as the user named it, here the context's absolute path), what, and why, with the failing
 * command's last output; never a stack trace (that takes --debug).
 */
class BuildErrorsIT {
    @TempDir
    static Path work;
    static BuildFixture fx;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new BuildFixture(work);
    }

    @AfterAll
    static void tearDown() throws Exception {
        BuildFixture.empty(work);
    }

    @Test
    void failingRunNamesLineCommandStatusAndOutput() throws Exception {
        Path ctx = fx.context("run", """
                FROM busybox:local
                RUN echo fine
                RUN echo first line; echo to stderr >&2; exit 3
                RUN echo never
                """);
        BuildFixture.Run r = fx.jbuild("build", "-t", "failed:1", ctx.toString());
        assertEquals(1, r.status(), r.describe());
        String message = r.err().substring(r.err().indexOf("jbuild: "));
        assertTrue(message.startsWith("jbuild: " + ctx.resolve("Dockerfile")
                + ":3: RUN echo first line; echo to stderr >&2; exit 3: "
                + "process \"/bin/sh -c echo first line; echo to stderr >&2; exit 3\" did not complete successfully: "
                + "exit code: 3\n"), r.describe());
        // stdout and stderr come through separate pipes, so their lines may interleave either way.
        String tail = message.substring(message.indexOf("exit code: 3\n") + "exit code: 3\n".length());
        assertTrue(tail.startsWith("last lines of its output:\n"), r.describe());
        assertEquals(Set.of("  first line", "  to stderr"), Set.copyOf(tail.lines().skip(1).toList()), r.describe());
        assertTrue(!r.err().contains("# [4/4]") && !r.err().contains("never"), "the build stopped at the failure");
        assertEquals("", r.out());
        assertEquals("", fx.storedDigest("failed:1"), "a failed build names nothing");
        BuildFixture.assertNoStackTrace(r);
    }

    @Test
    void syntaxErrorNamesTheLine() throws Exception {
        Path ctx = fx.context("syntax", "FROM busybox:local\nRUN true\n\nFROBNICATE everything\n");
        BuildFixture.Run r = fx.jbuild("build", ctx.toString());
        assertNotEquals(0, r.status());
        assertEquals("jbuild: " + ctx.resolve("Dockerfile") + ":4: unknown instruction \"FROBNICATE\"\n", r.err(),
                "refused before anything runs");
    }

    @Test
    void missingCopySource() throws Exception {
        Path ctx = fx.context("copy", "FROM busybox:local\nCOPY present.txt /\nCOPY absent.txt /app/\n",
                "present.txt", "here\n");
        BuildFixture.Run r = fx.jbuild("build", ctx.toString());
        assertNotEquals(0, r.status());
        assertTrue(r.err().endsWith("jbuild: " + ctx.resolve("Dockerfile")
                + ":3: COPY absent.txt /app/: COPY failed: \"absent.txt\" not found "
                + "in build context\n"), r.describe());
        BuildFixture.assertNoStackTrace(r);
    }
}
