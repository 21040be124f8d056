package dev.jbuild.registry.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.ImageCopier;
import dev.jbuild.registry.ImagePusher;
import dev.jbuild.registry.RegistryClient;
import dev.jbuild.registry.RegistryClients;
import dev.jbuild.registry.RegistryOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry to registry with no stop on disk, between two real registries: blobs stream from the
 * source's GET into the destination's upload (also in ranged chunks), manifests arrive byte for
 * byte, and within one registry everything is mounted.
 */
class ImageCopierTest {
    private static final Platform AMD64 = Platform.of("linux", "amd64");
    private static final Platform ARM64 = Platform.of("linux", "arm64");

    @TempDir
    Path tmp;

    @Test
    void anIndexStreamsAcrossRegistriesAndMountsWithinOne() throws Exception {
        try (RegistryServer a = RegistryServer.start(tmp.resolve("a"));
                RegistryServer b = RegistryServer.startWithAccessLog(tmp.resolve("b"))) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            TestImages.Image amd = TestImages.write(source, AMD64, List.of(
                    TestImages.layer(MediaTypes.OCI_LAYER, "data/big.bin", TestImages.random(1, 3_000_000))));
            TestImages.Image arm = TestImages.write(source, ARM64, List.of(
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "bin/app", "arm64 binary")));
            Descriptor index = TestImages.writeIndex(source, List.of(amd, arm), List.of(AMD64, ARM64));
            ImageReference original = ImageReference.parse(a.host() + "/t/app:1");
            new ImagePusher(source, new RegistryClients(TestImages.localOptions()), new CountingListener())
                    .push(index, original);

            // Small chunks: the 3 MB layer goes over in ranged GETs feeding PATCH chunks.
            RegistryOptions chunked = TestImages.localOptions().withChunking(1 << 20, 1 << 20);
            ImageReference copy = ImageReference.parse(b.host() + "/copied/app:2");
            ImageCopier.Result all = new ImageCopier(new RegistryClients(chunked), new CountingListener())
                    .copy(original, copy, Optional.empty(), true);
            assertEquals(index.digest(), all.target().digest());
            assertEquals(4, all.copied(), "two configs and two layers");
            RegistryClient there = new RegistryClients(TestImages.localOptions()).forRegistry(b.host());
            assertArrayEquals(source.blobs().read(index.digest()),
                    there.getManifest("copied/app", "2").orElseThrow().content(), "the index byte for byte");
            for (TestImages.Image child : List.of(amd, arm)) {
                assertArrayEquals(source.blobs().read(child.manifest().digest()),
                        there.getManifest("copied/app", child.manifest().digest().toString()).orElseThrow().content());
            }
            assertEquals(3, AccessLogs.patchesPerBlob(b.accessLog()).get(amd.layers().get(0).digest()),
                    "3 MB in 1 MiB chunks");

            ImageReference mounted = ImageReference.parse(b.host() + "/other/app:3");
            ImageCopier.Result within = new ImageCopier(new RegistryClients(TestImages.localOptions()),
                    new CountingListener()).copy(copy, mounted, Optional.of(ARM64), false);
            assertEquals(arm.manifest().digest(), within.target().digest(), "one platform from the index");
            assertEquals(2, within.mounted());
            assertEquals(0, within.copied());
        }
    }
}
