package dev.jbuild.oci.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.RootFs;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.testkit.Required;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What jbuild writes, skopeo, umoci and oci-image-tool read; what skopeo writes, jbuild imports. */
class LayoutInteropTest {
    @TempDir
    Path dir;

    /** A one-layer image holding /hello.txt, named {@code ref} in {@code store}. */
    static Descriptor image(LocalStore store, String ref, String text) throws Exception {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(tar)) {
            byte[] content = text.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry("hello.txt");
            e.setSize(content.length);
            e.setMode(0100644);
            t.putArchiveEntry(e);
            t.write(content);
            t.closeArchiveEntry();
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream g = new GZIPOutputStream(gz)) {
            g.write(tar.toByteArray());
        }
        Digest diffId = Digest.sha256(tar.toByteArray());
        Descriptor layer = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, store.blobs().write(gz.toByteArray()),
                gz.size());
        byte[] config = Json.write(ImageConfig.of(Platform.of("linux", "amd64"))
                .withRootfs(RootFs.of(List.of(diffId))));
        Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.blobs().write(config), config.length);
        byte[] manifest = Json.write(Manifest.oci(configDesc, List.of(layer)));
        Descriptor m = Descriptor.of(MediaTypes.OCI_MANIFEST, store.blobs().write(manifest), manifest.length);
        store.tag(ImageReference.parse(ref), m);
        return m;
    }

    @Test
    void exportedLayoutsAreReadByTheRealTools() throws Exception {
        Required.tools("skopeo", "umoci", "oci-image-tool");
        LocalStore store = LocalStore.open(dir.resolve("store"));
        Descriptor app = image(store, "app:1", "hello from jbuild\n");
        image(store, "other:2", "another image\n");
        Path out = dir.resolve("out");
        LayoutTransfer.export(store, ImageReference.parse("app:1"), out);
        LayoutTransfer.export(store, ImageReference.parse("other:2"), out);

        RealTools.run(dir, "oci-image-tool", "validate", "--type", "image", "--ref", "name=1", out.toString());
        JsonNode inspect = new ObjectMapper().readTree(RealTools.run(dir, "skopeo", "inspect", "--raw",
                "oci:" + out + ":1"));
        assertEquals(MediaTypes.OCI_MANIFEST, inspect.get("mediaType").asText());
        RealTools.run(dir, "umoci", "unpack", "--image", out + ":2", dir.resolve("bundle").toString());
        assertEquals("another image\n", Files.readString(dir.resolve("bundle/rootfs/hello.txt")));
        RealTools.run(dir, "skopeo", "copy", "oci:" + out + ":1", "docker-archive:" + dir.resolve("d.tar") + ":app:1");
        assertTrue(Files.size(dir.resolve("d.tar")) > 0);

        // Adding to the layout kept the first image.
        assertEquals(2, LayoutTransfer.entries(out).size());
        assertEquals(app.digest(), LayoutTransfer.entries(out).get(0).descriptor().digest());
    }

    @Test
    void layoutsWrittenBySkopeoImportWithTheSameDigests() throws Exception {
        Required.tools("skopeo");
        LocalStore store = LocalStore.open(dir.resolve("store"));
        Descriptor app = image(store, "app:1", "round trip\n");
        Path out = dir.resolve("out");
        LayoutTransfer.export(store, ImageReference.parse("app:1"), out);
        Path copied = dir.resolve("copied");
        RealTools.run(dir, "skopeo", "copy", "oci:" + out + ":1", "oci:" + copied + ":latest");

        LocalStore other = LocalStore.open(dir.resolve("other"));
        List<ImageReference> named = LayoutTransfer.importLayout(other, copied, Optional.empty(),
                Optional.of(ImageReference.parse("imported:1")));
        assertEquals(List.of(ImageReference.parse("imported:1")), named);
        assertEquals(app.digest(), other.resolve(ImageReference.parse("imported:1")).orElseThrow().digest());

        // A bare tag is not a name: jbuild asks for one instead of inventing docker.io/library/latest.
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> LayoutTransfer.importLayout(other, copied, Optional.empty(), Optional.empty()));
        assertTrue(e.getMessage().contains("has no full name (only latest)"), e.getMessage());
    }

    @Test
    void ociArchivesRoundTripAndSkopeoReadsThem() throws Exception {
        Required.tools("skopeo");
        LocalStore store = LocalStore.open(dir.resolve("store"));
        Descriptor app = image(store, "localhost:5000/team/app:3", "archived\n");
        Path archive = dir.resolve("app.tar");
        try (OutputStream o = Files.newOutputStream(archive)) {
            LayoutArchive.write(store, ImageReference.parse("localhost:5000/team/app:3"), o);
        }
        byte[] first = Files.readAllBytes(archive);
        try (OutputStream o = Files.newOutputStream(archive)) {
            LayoutArchive.write(store, ImageReference.parse("localhost:5000/team/app:3"), o);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(first, Files.readAllBytes(archive), "reproducible");
        RealTools.run(dir, "skopeo", "inspect", "--raw", "oci-archive:" + archive);

        LocalStore other = LocalStore.open(dir.resolve("other"));
        try (InputStream in = Files.newInputStream(archive)) {
            assertEquals(List.of(ImageReference.parse("localhost:5000/team/app:3")),
                    LayoutArchive.read(other, in, archive.toString(), Optional.empty(), Optional.empty()));
        }
        assertEquals(app.digest(), other.resolve(ImageReference.parse("localhost:5000/team/app:3")).orElseThrow().digest());

        Path skopeoArchive = dir.resolve("skopeo.tar");
        RealTools.run(dir, "skopeo", "copy", "oci-archive:" + archive, "oci-archive:" + skopeoArchive + ":x/y:z");
        LocalStore third = LocalStore.open(dir.resolve("third"));
        try (InputStream in = Files.newInputStream(skopeoArchive)) {
            LayoutArchive.read(third, in, skopeoArchive.toString(), Optional.empty(), Optional.empty());
        }
        assertEquals(app.digest(), third.resolve(ImageReference.parse("x/y:z")).orElseThrow().digest());
    }
}
