package dev.jbuild.registry.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.BlobStore;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.transfer.LayoutTransfer;
import dev.jbuild.registry.ImagePuller;
import dev.jbuild.registry.ImagePusher;
import dev.jbuild.registry.RegistryClients;
import dev.jbuild.registry.it.TestImages.Image;
import dev.jbuild.testkit.Required;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interop with {@code skopeo} through a real {@code docker-registry}, both ways: what jbuild pushes,
 * skopeo copies into an OCI layout with the same digests and bytes; what skopeo pushes (as it is,
 * and converted to Docker schema 2), jbuild pulls with the digests skopeo reports.
 */
class SkopeoInteropTest {
    private static final Platform AMD64 = Platform.of("linux", "amd64");

    @TempDir
    Path tmp;

    @Test
    void whatJbuildPushesSkopeoCopiesWithTheSameDigests() throws Exception {
        Path skopeo = Required.tool("skopeo");
        try (RegistryServer registry = RegistryServer.start(tmp)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/jbuild-pushed:1");
            Image image = sample(source, ref);
            new ImagePusher(source, new RegistryClients(TestImages.localOptions()), new CountingListener())
                    .push(image.manifest(), ref);

            Path layout = tmp.resolve("skopeo-layout");
            RegistryServer.ProcessResult r = RegistryServer.run(List.of(skopeo.toString(), "--insecure-policy", "copy",
                    "--quiet", "--src-tls-verify=false", "docker://" + registry.host() + "/t/jbuild-pushed:1",
                    "oci:" + layout + ":1"), Duration.ofSeconds(120));
            assertEquals(0, r.exitCode, r.output);

            Index index = Json.read(Files.readAllBytes(layout.resolve("index.json")), Index.class);
            assertEquals(1, index.manifests().size(), index.toString());
            Descriptor copied = index.manifests().get(0);
            assertEquals(image.manifest().digest(), copied.digest());
            assertEquals(MediaTypes.OCI_MANIFEST, copied.mediaType());
            assertEquals("1", copied.annotations().get(LocalStore.REF_NAME));
            BlobStore theirs = new BlobStore(layout);
            assertArrayEquals(source.blobs().read(image.manifest().digest()), theirs.read(copied.digest()));
            for (Descriptor blob : image.blobs()) {
                assertTrue(theirs.has(blob.digest()), blob.toString());
                assertEquals(-1, Files.mismatch(source.blobs().path(blob.digest()), theirs.path(blob.digest())),
                        blob.toString());
            }
        }
    }

    @Test
    void whatSkopeoPushesJbuildPulls() throws Exception {
        try (RegistryServer registry = RegistryServer.start(tmp)) {
            LocalStore built = LocalStore.open(tmp.resolve("built"));
            ImageReference local = ImageReference.parse("jbuild.test/interop/sample:v1");
            Image image = sample(built, local);
            Path layout = tmp.resolve("layout");
            LayoutTransfer.export(built, local, layout);

            String pushed = registry.seedWithSkopeo(layout, "v1", "t/skopeo-pushed:v1");
            assertEquals(image.manifest().digest().toString(), pushed, "skopeo keeps the manifest as it is");

            LocalStore target = LocalStore.open(tmp.resolve("target"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/skopeo-pushed:v1");
            ImagePuller.Result pull = new ImagePuller(target, new RegistryClients(TestImages.localOptions()),
                    new CountingListener()).pull(ref, Optional.empty(), false);
            assertEquals(pushed, pull.target().digest().toString());
            assertEquals(4, pull.downloaded());
            PushPullRoundTripTest.assertPulledIdentically(built, target, ref, image);
        }
    }

    @Test
    void whatSkopeoPushesAsDockerSchema2JbuildPulls() throws Exception {
        Path skopeo = Required.tool("skopeo");
        try (RegistryServer registry = RegistryServer.start(tmp)) {
            LocalStore built = LocalStore.open(tmp.resolve("built"));
            ImageReference local = ImageReference.parse("jbuild.test/interop/docker:v1");
            // gzip only: Docker schema 2 has no zstd layers
            Image image = TestImages.write(built, local, AMD64, List.of(
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "etc/a", TestImages.random(31, 70_000)),
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "etc/b", "b\n")));
            Path layout = tmp.resolve("layout");
            LayoutTransfer.export(built, local, layout);
            Path digestFile = tmp.resolve("digest");
            RegistryServer.ProcessResult r = RegistryServer.run(List.of(skopeo.toString(), "--insecure-policy", "copy",
                    "--quiet", "--dest-tls-verify=false", "--format", "v2s2", "--digestfile", digestFile.toString(),
                    "oci:" + layout + ":v1", "docker://" + registry.host() + "/t/docker-format:v1"),
                    Duration.ofSeconds(120));
            assertEquals(0, r.exitCode, r.output);
            Digest pushed = Digest.parse(Files.readString(digestFile, UTF_8).trim());

            LocalStore target = LocalStore.open(tmp.resolve("target"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/docker-format:v1");
            ImagePuller.Result pull = new ImagePuller(target, new RegistryClients(TestImages.localOptions()),
                    new CountingListener()).pull(ref, Optional.empty(), false);
            assertEquals(pushed, pull.target().digest());
            assertEquals(MediaTypes.DOCKER_MANIFEST, pull.target().mediaType());
            assertEquals(pushed, target.resolve(ref).orElseThrow().digest());
            Manifest manifest = Json.read(target.blobs().read(pushed), Manifest.class);
            assertEquals(MediaTypes.DOCKER_CONFIG, manifest.config().mediaType());
            assertTrue(target.blobs().has(manifest.config().digest()));
            // The layers' bytes travel unchanged; only the media types are Docker's.
            assertEquals(image.layers().stream().map(Descriptor::digest).toList(),
                    manifest.layers().stream().map(Descriptor::digest).toList());
            for (Descriptor layer : manifest.layers()) {
                assertEquals(MediaTypes.DOCKER_LAYER_GZIP, layer.mediaType());
                assertTrue(TestImages.sameBlob(built, target, layer.digest()), layer.toString());
            }
        }
    }

    /**
     * Two gzip layers and a zstd one. No uncompressed layer: skopeo compresses those on the way (to
     * a registry, and from one into a layout), which changes the manifest and is no fault of either.
     */
    private static Image sample(LocalStore store, ImageReference ref) throws Exception {
        return TestImages.write(store, ref, AMD64, List.of(
                TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "etc/hello", "hello\n"),
                TestImages.layer(MediaTypes.OCI_LAYER_ZSTD, "usr/lib/z", TestImages.random(41, 150_000)),
                TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "opt/raw", TestImages.random(42, 20_000))));
    }
}
