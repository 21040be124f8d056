package dev.jbuild.registry.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.ImagePuller;
import dev.jbuild.registry.ImagePusher;
import dev.jbuild.registry.RegistryClient;
import dev.jbuild.registry.RegistryClients;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.TransferListener;
import dev.jbuild.registry.it.RegistryServer.AccessLogEntry;
import dev.jbuild.registry.it.TestImages.Image;
import dev.jbuild.registry.it.TestImages.Layer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An OCI index of a linux/amd64 and a linux/arm64 image, pushed as one (manifests by digest, then
 * the index by tag) and pulled three ways: one platform (the store names that manifest), all
 * platforms (the store names the index and holds every child), and a platform the index lacks (an
 * error listing the platforms it has).
 */
class MultiPlatformTest {
    private static final Platform AMD64 = Platform.of("linux", "amd64");
    private static final Platform ARM64 = Platform.of("linux", "arm64");

    @TempDir
    Path tmp;

    @Test
    void anIndexGoesUpWholeAndComesDownByPlatformOrEntire() throws Exception {
        try (RegistryServer registry = RegistryServer.startWithAccessLog(tmp)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            Layer shared = TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "etc/os-release", "ID=test\n");
            Image amd = TestImages.write(source, AMD64, List.of(shared,
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "bin/app", "amd64 binary")));
            Image arm = TestImages.write(source, ARM64, List.of(shared,
                    TestImages.layer(MediaTypes.OCI_LAYER_ZSTD, "bin/app", "arm64 binary")));
            Descriptor index = TestImages.writeIndex(source, List.of(amd, arm), List.of(AMD64, ARM64));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/multi:1");
            source.tag(ref, index);

            CountingListener pushed = new CountingListener();
            ImagePusher.Result push = new ImagePusher(source, new RegistryClients(TestImages.localOptions()), pushed)
                    .push(index, ref);
            assertEquals(index.digest(), push.target().digest());
            // Two configs and three distinct layers go up once each; the shared layer is there for the second child.
            assertEquals(5, push.uploaded(), pushed.toString());
            assertEquals(1, push.existing(), pushed.toString());
            assertEquals(1, pushed.count(TransferListener.Outcome.EXISTS, shared.descriptor().digest()), pushed.toString());
            List<AccessLogEntry> log = registry.accessLog();
            Map<Digest, Integer> uploads = AccessLogs.finishedUploads(log);
            assertEquals(5, uploads.size(), uploads.toString());
            uploads.forEach((d, n) -> assertEquals(1, n, "uploads of " + d));
            List<String> manifestPuts = log.stream()
                    .filter(e -> e.method().equals("PUT") && e.path().startsWith("/v2/t/multi/manifests/"))
                    .map(AccessLogEntry::path).toList();
            assertEquals(3, manifestPuts.size(), manifestPuts.toString());
            assertEquals("/v2/t/multi/manifests/1", manifestPuts.get(2), "the index goes after its manifests");
            assertEquals(Set.of("/v2/t/multi/manifests/" + amd.manifest().digest(),
                    "/v2/t/multi/manifests/" + arm.manifest().digest()), Set.copyOf(manifestPuts.subList(0, 2)));

            RegistryClient client = new RegistryClients(TestImages.localOptions()).forRegistry(registry.host());
            RegistryClient.FetchedManifest there = client.getManifest("t/multi", "1").orElseThrow();
            assertEquals(index.digest(), there.digest());
            assertEquals(MediaTypes.OCI_INDEX, there.mediaType());
            assertArrayEquals(source.blobs().read(index.digest()), there.content());

            // One platform: the store names the arm64 manifest and holds nothing of amd64 but the shared layer.
            LocalStore armStore = LocalStore.open(tmp.resolve("arm"));
            CountingListener armListener = new CountingListener();
            ImagePuller.Result armPull = new ImagePuller(armStore, new RegistryClients(TestImages.localOptions()),
                    armListener).pull(ref, Optional.of(ARM64), false);
            assertEquals(arm.manifest().digest(), armPull.target().digest());
            assertEquals(MediaTypes.OCI_MANIFEST, armPull.target().mediaType());
            assertEquals(arm.manifest().digest(), armStore.resolve(ref).orElseThrow().digest());
            PushPullRoundTripTest.assertPulledIdentically(source, armStore,
                    ref, arm);
            ImageConfig config = Json.read(armStore.blobs().read(arm.config().digest()), ImageConfig.class);
            assertEquals("arm64", config.architecture());
            assertFalse(armStore.blobs().has(index.digest()), "one platform: the index is not kept");
            assertFalse(armStore.blobs().has(amd.manifest().digest()));
            assertFalse(armStore.blobs().has(amd.layers().get(1).digest()));
            assertEquals(3, armListener.count(TransferListener.Outcome.DOWNLOADED));
            assertTrue(armListener.notes().stream().anyMatch(n -> n.contains("linux/arm64")), armListener.notes().toString());

            // All platforms: the index is named and every child is whole.
            LocalStore allStore = LocalStore.open(tmp.resolve("all"));
            ImagePuller.Result all = new ImagePuller(allStore, new RegistryClients(TestImages.localOptions()),
                    new CountingListener()).pull(ref, Optional.empty(), true);
            assertEquals(index.digest(), all.target().digest());
            assertEquals(MediaTypes.OCI_INDEX, all.target().mediaType());
            Descriptor named = allStore.resolve(ref).orElseThrow();
            assertEquals(index.digest(), named.digest());
            assertArrayEquals(source.blobs().read(index.digest()), allStore.blobs().read(index.digest()));
            Index pulledIndex = Json.read(allStore.blobs().read(index.digest()), Index.class);
            assertEquals(List.of(amd.manifest().digest(), arm.manifest().digest()),
                    pulledIndex.manifests().stream().map(Descriptor::digest).toList());
            for (Image child : List.of(amd, arm)) {
                assertArrayEquals(source.blobs().read(child.manifest().digest()),
                        allStore.blobs().read(child.manifest().digest()));
                for (Digest d : child.blobDigests()) {
                    assertTrue(TestImages.sameBlob(source, allStore, d), d.toString());
                }
            }
            assertEquals(5, all.downloaded(), "2 configs, 3 distinct layers");
            assertEquals(1, all.present(), "the shared layer, the second time");

            // A platform the index does not have: nothing stored, and the error says what there is.
            LocalStore s390 = LocalStore.open(tmp.resolve("s390x"));
            RegistryException e = assertThrows(RegistryException.class, () -> new ImagePuller(s390,
                    new RegistryClients(TestImages.localOptions()), new CountingListener())
                    .pull(ref, Optional.of(Platform.of("linux", "s390x")), false));
            assertTrue(e.getMessage().contains("linux/s390x"), e.getMessage());
            assertTrue(e.getMessage().contains("linux/amd64"), e.getMessage());
            assertTrue(e.getMessage().contains("linux/arm64"), e.getMessage());
            assertTrue(e.getMessage().contains(ref.familiar()), e.getMessage());
            assertTrue(s390.images().isEmpty());
        }
    }

    @Test
    void aSecondPullOfAnUnchangedTagIsOneHead() throws Exception {
        try (RegistryServer registry = RegistryServer.startWithAccessLog(tmp)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            Image amd = TestImages.write(source, AMD64, List.of(
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "bin/app", "amd64 binary")));
            Image arm = TestImages.write(source, ARM64, List.of(
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "bin/app", "arm64 binary")));
            Descriptor index = TestImages.writeIndex(source, List.of(amd, arm), List.of(AMD64, ARM64));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/head:1");
            new ImagePusher(source, new RegistryClients(TestImages.localOptions()), new CountingListener()).push(index, ref);
            LocalStore store = LocalStore.open(tmp.resolve("store"));

            ImagePuller.Result first = pull(store, ref, Optional.of(ARM64), false);
            assertFalse(first.upToDate());
            int before = registry.accessLog().size();
            ImagePuller.Result again = pull(store, ref, Optional.of(ARM64), false);
            assertTrue(again.upToDate());
            assertEquals(arm.manifest().digest(), again.target().digest());
            List<AccessLogEntry> since = registry.accessLog().subList(before, registry.accessLog().size());
            assertEquals(List.of("HEAD /v2/t/head/manifests/1"),
                    since.stream().map(e -> e.method() + " " + e.path()).toList(), "one HEAD, no GET");

            // Another platform of the same tag is not "up to date"; nor is the whole index.
            ImagePuller.Result amdPull = pull(store, ref, Optional.of(AMD64), false);
            assertFalse(amdPull.upToDate());
            assertEquals(amd.manifest().digest(), amdPull.target().digest());
            assertFalse(pull(store, ref, Optional.empty(), true).upToDate());
            assertTrue(pull(store, ref, Optional.empty(), true).upToDate());

            // A missing blob in the store means a real pull again.
            Files.delete(store.blobs().path(amd.layers().get(0).digest()));
            assertFalse(pull(store, ref, Optional.of(AMD64), false).upToDate());
            assertTrue(store.blobs().has(amd.layers().get(0).digest()));

            // The tag moving on in the registry means a real pull too.
            Image newer = TestImages.write(source, AMD64, List.of(
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "bin/app", "amd64 binary, newer")));
            new ImagePusher(source, new RegistryClients(TestImages.localOptions()), new CountingListener())
                    .push(newer.manifest(), ref);
            ImagePuller.Result moved = pull(store, ref, Optional.of(AMD64), false);
            assertFalse(moved.upToDate());
            assertEquals(newer.manifest().digest(), moved.target().digest());
        }
    }

    private static ImagePuller.Result pull(LocalStore store, ImageReference ref, Optional<Platform> platform,
            boolean all) throws Exception {
        return new ImagePuller(store, new RegistryClients(TestImages.localOptions()), new CountingListener())
                .pull(ref, platform, all);
    }
}
