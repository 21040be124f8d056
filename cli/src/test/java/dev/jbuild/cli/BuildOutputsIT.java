package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.testkit.Required;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -q} and every {@code --output} type, each checked by the tool users would read it with:
 * oci-image-tool, umoci and runc for a layout, skopeo for the archives, tar for the root file
 * system, and the file system itself for {@code type=local}.
 */
class BuildOutputsIT {
    /**
     * Changes modes, owners and links, deletes a directory of the base (a whiteout) and replaces
     * another (an opaque directory), so the outputs have something to get wrong.
     */
    private static final String DOCKERFILE = """
            FROM busybox:local
            ARG GREETING=hello
            RUN mkdir -p /app/private && echo "built by jbuild" > /app/built.txt \\
             && echo conf > /app/private/app.conf && chmod 0640 /app/private/app.conf && chmod 0750 /app/private \\
             && chown -R 1000:1000 /app/private && ln -s built.txt /app/latest.txt && rm -r /root \\
             && rm -r /home && mkdir -p /home/new && echo new > /home/new/file
            COPY greet.sh /app/
            ENV GREETING=$GREETING
            WORKDIR /app
            USER app
            CMD ["/app/greet.sh"]
            """;

    @TempDir
    static Path work;
    static BuildFixture fx;
    static Path context;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new BuildFixture(work);
        context = fx.context("ctx", DOCKERFILE, "greet.sh", "#!/bin/sh\necho \"$GREETING from $(id -un) in $(pwd)\"\n");
        Files.setPosixFilePermissions(context.resolve("greet.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        BuildFixture.empty(work);
    }

    @Test
    void quietPrintsOnlyTheDigest() throws Exception {
        BuildFixture.Run r = fx.jbuild("build", "-q", "-t", "quiet:1", context.toString());
        assertEquals(0, r.status(), r.describe());
        assertTrue(r.out().matches("sha256:[0-9a-f]{64}\n"), "one line, the digest: " + r.describe());
        assertEquals("", r.err(), "-q prints no progress");
        assertEquals(fx.storedDigest("quiet:1"), r.out().trim(), "the digest is the named image's manifest");
    }

    @Test
    void everyOutputTypeInOneBuild() throws Exception {
        Required.tools("oci-image-tool", "umoci", "skopeo", "tar");
        Path out = Files.createDirectories(work.resolve("out"));
        String digest = fx.build("-t", "outputs:1",
                "-o", "type=oci,dest=" + out.resolve("layout"),
                "-o", "type=oci,dest=" + out.resolve("image.tar"),
                "-o", "type=docker,dest=" + out.resolve("docker.tar"),
                "-o", "type=tar,dest=" + out.resolve("rootfs.tar"),
                "-o", "type=local,dest=" + out.resolve("rootfs"),
                context.toString());
        assertEquals(fx.storedDigest("outputs:1"), digest);

        // OCI layout: valid by the spec's own tool, naming the image by its tag.
        Path layout = out.resolve("layout");
        String validated = BuildFixture.tool("oci-image-tool", "validate", "--type", "image", layout.toString());
        assertTrue(validated.contains("Validation succeeded"), validated);
        JsonNode index = BuildFixture.readJson(layout.resolve("index.json"));
        assertEquals(digest, index.path("manifests").path(0).path("digest").asText());
        assertEquals("1", index.path("manifests").path(0).path("annotations")
                .path("org.opencontainers.image.ref.name").asText());

        // ...which umoci unpacks into a bundle whose command runc runs as USER app in WORKDIR /app.
        Path bundle = out.resolve("bundle");
        BuildFixture.tool("umoci", "unpack", "--image", layout + ":1", bundle.toString());
        Path config = bundle.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"terminal\": true", "\"terminal\": false"));
        String ran = BuildFixture.tool("runc", "run", "--bundle", bundle.toString(),
                "it-outputs-" + ProcessHandle.current().pid());
        assertEquals("hello from app in /app\n", ran);

        // oci-archive: the same manifest; docker archive: the same three layers and the ENV.
        JsonNode ociArchive = BuildFixture.readJsonText(
                BuildFixture.tool("skopeo", "inspect", "oci-archive:" + out.resolve("image.tar")));
        assertEquals(digest, ociArchive.path("Digest").asText());
        assertEquals(3, ociArchive.path("Layers").size(), "base, RUN and COPY: " + ociArchive);
        JsonNode docker = BuildFixture.readJsonText(
                BuildFixture.tool("skopeo", "inspect", "docker-archive:" + out.resolve("docker.tar")));
        assertEquals(3, docker.path("Layers").size(), docker.toString());
        assertTrue(docker.path("Env").toString().contains("GREETING=hello"), docker.toString());

        // type=tar: the flattened root file system, with no whiteout and without what RUN deleted.
        Set<String> entries = BuildFixture.tool("tar", "-tf", out.resolve("rootfs.tar").toString()).lines()
                .map(e -> e.replaceFirst("^\\./", "").replaceFirst("/$", "")).collect(Collectors.toSet());
        assertTrue(entries.containsAll(List.of("bin/busybox", "bin/sh", "etc/passwd", "app/greet.sh", "app/built.txt",
                "app/private/app.conf", "app/latest.txt")), entries.toString());
        assertFalse(entries.stream().anyMatch(e -> e.contains(".wh.")), "whiteouts: " + entries);
        assertFalse(entries.contains("root"), "/root was deleted by RUN");
        assertTrue(entries.contains("home/new/file") && !entries.contains("home/app"), "/home was replaced: " + entries);

        // type=local: the same tree with its modes, owners and links.
        Path rootfs = out.resolve("rootfs");
        assertEquals("755 0:0 regular file", stat(rootfs.resolve("app/greet.sh")));
        assertEquals("750 1000:1000 directory", stat(rootfs.resolve("app/private")));
        assertEquals("640 1000:1000 regular file", stat(rootfs.resolve("app/private/app.conf")));
        assertEquals("1777 0:0 directory", stat(rootfs.resolve("tmp")));
        assertEquals(Path.of("built.txt"), Files.readSymbolicLink(rootfs.resolve("app/latest.txt")));
        assertEquals("built by jbuild\n", Files.readString(rootfs.resolve("app/built.txt")));
        assertTrue(Files.isRegularFile(rootfs.resolve("bin/busybox")));
        assertFalse(Files.exists(rootfs.resolve("root")), "/root was deleted by RUN");
        assertEquals(List.of("new"), BuildFixture.tool("ls", rootfs.resolve("home").toString()).lines().toList(),
                "/home was replaced");
        assertTrue(BuildFixture.tool("find", rootfs.toString(), "-name", ".wh.*").isEmpty(), "no whiteout files");
    }

    /** An untagged build has no name for its image, yet every output of it must be written (as in buildx). */
    @Test
    void untaggedBuildWritesArchives() throws Exception {
        Required.tools("skopeo");
        Path oci = work.resolve("untagged-oci.tar");
        Path docker = work.resolve("untagged-docker.tar");
        String digest = fx.build("-o", "type=oci,dest=" + oci, "-o", "type=docker,dest=" + docker, context.toString());
        assertEquals(digest, BuildFixture.readJsonText(BuildFixture.tool("skopeo", "inspect", "oci-archive:" + oci))
                .path("Digest").asText());
        assertEquals(3, BuildFixture.readJsonText(BuildFixture.tool("skopeo", "inspect", "docker-archive:" + docker))
                .path("Layers").size());
    }

    @Test
    void untaggedBuildWritesOciLayout() throws Exception {
        Path layout = work.resolve("untagged-layout");
        String digest = fx.build("-o", "type=oci,dest=" + layout, context.toString());
        assertEquals(digest, BuildFixture.readJson(layout.resolve("index.json")).path("manifests").path(0)
                .path("digest").asText());
    }

    /** A usage error in an --output is the user's to fix before anything is built, as for every other option. */
    @Test
    void outputWithoutDestRefusedBeforeBuilding() throws Exception {
        BuildFixture.Run r = fx.jbuild("build", "-t", "nodest:1", "-o", "type=local", context.toString());
        assertEquals(1, r.status(), r.describe());
        assertEquals("jbuild: --output type=local needs dest=PATH\n", r.err(), "refused before any step ran");
        assertEquals("", fx.storedDigest("nodest:1"));
    }

    private static String stat(Path p) throws Exception {
        return BuildFixture.tool("stat", "-c", "%a %u:%g %F", p.toString()).trim();
    }
}
