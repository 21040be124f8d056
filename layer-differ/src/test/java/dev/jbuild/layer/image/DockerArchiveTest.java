package dev.jbuild.layer.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.transfer.LayoutTransfer;
import dev.jbuild.testkit.Required;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docker save archives: what jbuild writes skopeo reads; what skopeo writes jbuild imports, same image ID. */
class DockerArchiveTest {
    @TempDir
    Path dir;

    private String run(String... cmd) throws Exception {
        Required.tools(cmd[0]);
        Path out = dir.resolve("cmd.out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + text);
        return text;
    }

    private Descriptor baseImage(LocalStore store) throws Exception {
        Path rootfs = dir.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/motd"), "docker archive test\n");
        return RootfsImage.create(store, rootfs, ImageReference.parse("localhost:5000/base:1"),
                Platform.of("linux", "amd64"), Instant.parse("2026-01-01T00:00:00Z"), LayerOptions.defaults());
    }

    private static Manifest manifest(LocalStore store, ImageReference ref) throws Exception {
        Descriptor d = store.resolve(ref).orElseThrow();
        return Json.read(store.blobs().read(d.digest()), Manifest.class);
    }

    @Test
    void writtenArchivesAreReadBySkopeoAndRoundTrip() throws Exception {
        LocalStore store = LocalStore.open(dir.resolve("store"));
        baseImage(store);
        Path archive = dir.resolve("base.tar");
        ImageReference ref = ImageReference.parse("localhost:5000/base:1");
        try (var out = Files.newOutputStream(archive)) {
            DockerArchive.write(store, ref, out);
        }
        byte[] first = Files.readAllBytes(archive);
        try (var out = Files.newOutputStream(archive)) {
            DockerArchive.write(store, ref, out);
        }
        assertArrayEquals(first, Files.readAllBytes(archive), "the same image gives the same archive");

        JsonNode inspect = new ObjectMapper().readTree(run("skopeo", "inspect", "docker-archive:" + archive));
        assertEquals("amd64", inspect.get("Architecture").asText());
        JsonNode manifestJson = new ObjectMapper().readTree(run("tar", "-xOf", archive.toString(), "manifest.json"));
        assertEquals("localhost:5000/base:1", manifestJson.get(0).get("RepoTags").get(0).asText());

        LocalStore other = LocalStore.open(dir.resolve("other"));
        assertEquals(List.of(ref), DockerArchive.read(other, archive, Optional.empty()));
        Manifest original = manifest(store, ref);
        Manifest imported = manifest(other, ref);
        assertEquals(original.config().digest(), imported.config().digest(), "the image ID survives");
        ImageConfig config = Json.read(other.blobs().read(imported.config().digest()), ImageConfig.class);
        assertEquals(imported.layers().get(0).digest(), config.rootfs().diffIds().get(0), "layers stored uncompressed");
    }

    @Test
    void archivesWrittenBySkopeoImportWithTheSameImageId() throws Exception {
        LocalStore store = LocalStore.open(dir.resolve("store"));
        baseImage(store);
        ImageReference ref = ImageReference.parse("localhost:5000/base:1");
        LayoutTransfer.export(store, ref, dir.resolve("layout"));
        Path archive = dir.resolve("skopeo.tar");
        run("skopeo", "copy", "oci:" + dir.resolve("layout") + ":1", "docker-archive:" + archive + ":team/app:7");
        assertTrue(DockerArchive.isDockerArchive(archive));
        LocalStore other = LocalStore.open(dir.resolve("other"));
        assertEquals(List.of(ImageReference.parse("team/app:7")), DockerArchive.read(other, archive, Optional.empty()));
        assertEquals(manifest(store, ref).config().digest(),
                manifest(other, ImageReference.parse("team/app:7")).config().digest());
    }
}
