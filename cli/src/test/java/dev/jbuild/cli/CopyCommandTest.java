package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.store.LocalStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbuild copy} between the locations that need no registry (the store, OCI layouts,
 * oci-archives, docker archives), in process: the same image arrives everywhere, names are the
 * destination's, the store keeps only what it was asked to name, and staging leaves nothing.
 */
class CopyCommandTest {
    @TempDir
    Path work;

    private Path root;
    private Descriptor app;

    private CliTest.Result run(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--root";
        all[args.length + 1] = root.toString();
        return CliTest.run(all);
    }

    @BeforeEach
    void anImageInTheStore() throws Exception {
        root = work.resolve("store");
        Path rootfs = Files.createDirectories(work.resolve("rootfs/etc"));
        Files.writeString(rootfs.resolve("motd"), "copied around\n");
        CliTest.Result r = run("import", "--rootfs", work.resolve("rootfs").toString(), "app:1");
        assertEquals(0, r.status(), r.err());
        app = LocalStore.open(root).resolve(ImageReference.parse("app:1")).orElseThrow();
    }

    private List<String> storeNames() throws Exception {
        return LocalStore.open(root).images().stream().map(i -> i.reference().familiar()).sorted().toList();
    }

    @Test
    void storeToLayoutAndBackKeepsTheDigestAndTheNamesAsked() throws Exception {
        Path layout = work.resolve("layout");
        CliTest.Result out = run("copy", "store:app:1", "oci:" + layout + ":v1");
        assertEquals(0, out.status(), out.err());
        assertEquals(app.digest().toString(), out.out().trim());
        JsonNode index = new ObjectMapper().readTree(layout.resolve("index.json").toFile());
        assertEquals("v1", index.path("manifests").path(0).path("annotations")
                .path("org.opencontainers.image.ref.name").asText());
        assertEquals(List.of("app:1"), storeNames(), "the source store is not renamed");

        CliTest.Result back = run("copy", "oci:" + layout + ":v1", "store:copied:2");
        assertEquals(0, back.status(), back.err());
        assertEquals(app.digest(), LocalStore.open(root).resolve(ImageReference.parse("copied:2")).orElseThrow().digest());
        assertEquals(List.of("app:1", "copied:2"), storeNames());
    }

    @Test
    void archivesBothWays() throws Exception {
        Path archive = work.resolve("app.oci.tar");
        assertEquals(0, run("copy", "store:app:1", "oci-archive:" + archive + ":x").status());
        CliTest.Result in = run("copy", "oci-archive:" + archive + ":x", "store:from-archive:1");
        assertEquals(0, in.status(), in.err());
        assertEquals(app.digest(), LocalStore.open(root).resolve(ImageReference.parse("from-archive:1")).orElseThrow()
                .digest());

        Path docker = work.resolve("app.docker.tar");
        CliTest.Result save = run("copy", "store:app:1", "docker-archive:" + docker + ":team/app:9");
        assertEquals(0, save.status(), save.err());
        JsonNode manifest = new ObjectMapper().readTree(entry(docker, "manifest.json"));
        assertEquals("team/app:9", manifest.path(0).path("RepoTags").path(0).asText());
        assertEquals(List.of("app:1", "from-archive:1"), storeNames(), "naming the archive renames nothing here");

        CliTest.Result load = run("copy", "docker-archive:" + docker, "store:");
        assertEquals(0, load.status(), load.err());
        LocalStore store = LocalStore.open(root);
        Descriptor loaded = store.resolve(ImageReference.parse("team/app:9")).orElseThrow();
        Manifest original = Json.read(store.blobs().read(app.digest()), Manifest.class);
        Manifest fromDocker = Json.read(store.blobs().read(loaded.digest()), Manifest.class);
        assertEquals(original.config().digest(), fromDocker.config().digest(), "the same image ID");
    }

    @Test
    void copiesBetweenOutsideLocationsLeaveNoStagingBehind() throws Exception {
        Path layout = work.resolve("layout");
        assertEquals(0, run("copy", "store:app:1", "oci:" + layout + ":v1").status());
        Path archive = work.resolve("out.tar");
        CliTest.Result r = run("copy", "oci:" + layout + ":v1", "oci-archive:" + archive + ":v2");
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.size(archive) > 0);
        try (Stream<Path> left = Files.list(Files.createDirectories(root.resolve("tmp")))) {
            assertEquals(List.of(), left.toList(), "staging is deleted");
        }
        assertEquals(List.of("app:1"), storeNames(), "an outside-to-outside copy names nothing in the store");
    }

    @Test
    void unclearLocationsAreUsageErrorsThatSayWhatIsMeant() {
        CliTest.Result bare = run("copy", "app:1", "oci:x");
        assertEquals(1, bare.status());
        assertTrue(bare.err().contains("docker://REF, oci:DIR[:TAG]"), bare.err());
        CliTest.Result nameless = run("copy", "store:", "oci:" + work.resolve("x"));
        assertTrue(nameless.err().contains("store: needs an image name"), nameless.err());
        CliTest.Result missing = run("copy", "oci-archive:" + work.resolve("none.tar"), "store:x:1");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("no such file"), missing.err());
        assertFalse(missing.err().contains("Exception"), missing.err());
    }

    private static byte[] entry(Path tar, String name) throws Exception {
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = t.getNextEntry()) != null; ) {
                if (e.getName().equals(name)) {
                    return t.readAllBytes();
                }
            }
        }
        throw new AssertionError(name + " not in " + tar);
    }
}
