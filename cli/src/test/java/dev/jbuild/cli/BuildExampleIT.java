package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.testkit.Required;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main job, {@code examples/hello/run.sh}, exactly as shipped. The script works in
 * {@code examples/out} of the tree it sits in, so it runs from a copy of the tree in a temporary
 * directory: the example copied, the launcher and {@code testdata} linked (the launcher resolves
 * its link and runs the packaged jar). The repository's own {@code examples/out} is never touched.
 */
class BuildExampleIT {
    @TempDir
    Path tree;

    @AfterEach
    void tearDown() throws Exception {
        BuildFixture.empty(tree);
    }

    @Test
    void runShBuildsListsAndRunsTheImage() throws Exception {
        Required.root("run.sh mounts overlays and runs runc");
        Required.tools("runc", "umoci", "busybox");
        Path repo = BuildFixture.repository();
        Files.createSymbolicLink(tree.resolve("jbuild"), repo.resolve("jbuild"));
        Files.createSymbolicLink(tree.resolve("testdata"), repo.resolve("testdata"));
        Path hello = Files.createDirectories(tree.resolve("examples/hello"));
        for (String f : List.of("Dockerfile", "greet.sh", "run.sh")) {
            BuildFixture.tool("cp", "-p", repo.resolve("examples/hello").resolve(f).toString(), hello.toString());
        }

        ProcessBuilder pb = new ProcessBuilder("bash", hello.resolve("run.sh").toString()).directory(tree.toFile());
        pb.environment().put("JAVA", BuildFixture.java());
        pb.environment().remove("JBUILD_ROOT");
        pb.environment().remove("SOURCE_DATE_EPOCH");
        BuildFixture.Run r = BuildFixture.run(pb, null, 180);

        assertEquals(0, r.status(), r.describe());
        // The image's command ran in the container: as USER app, in WORKDIR /app, with the ENV from the ARG.
        assertTrue(r.out().contains("hello from app in /app\n"), r.describe());
        String arch = BuildFixture.tool("uname", "-m").trim();
        assertTrue(r.out().contains("built by jbuild on " + arch + "\n"), "the RUN step's file: " + r.describe());
        // `jbuild images` listed the built image with its image ID.
        Matcher row = Pattern.compile("(?m)^hello\\s+1\\s+([0-9a-f]{12})\\s").matcher(r.out());
        assertTrue(row.find(), "images lists hello:1: " + r.describe());
        // Everything went to the copy's examples/out, the store included.
        assertTrue(Files.isDirectory(tree.resolve("examples/out/store/blobs/sha256")));
        assertTrue(Files.isRegularFile(tree.resolve("examples/out/bundle/rootfs/app/greet.sh")));
    }
}
