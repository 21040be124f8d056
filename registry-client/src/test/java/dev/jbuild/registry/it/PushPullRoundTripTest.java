package dev.jbuild.registry.it;

import static dev.jbuild.registry.TransferListener.Outcome.DOWNLOADED;
import static dev.jbuild.registry.TransferListener.Outcome.EXISTS;
import static dev.jbuild.registry.TransferListener.Outcome.MOUNTED;
import static dev.jbuild.registry.TransferListener.Outcome.PRESENT;
import static dev.jbuild.registry.TransferListener.Outcome.UPLOADED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.ImagePuller;
import dev.jbuild.registry.ImagePusher;
import dev.jbuild.registry.RegistryClients;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.registry.it.RegistryServer.AccessLogEntry;
import dev.jbuild.registry.it.TestImages.Image;
import dev.jbuild.testkit.Required;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push and pull against a real {@code docker-registry} without auth: an image with a gzip, a
 * zstd and a large uncompressed layer goes up (the large one in PATCH chunks) and comes back into an
 * empty store byte for byte; a re-push sends nothing, a push under another tag finds every blob
 * there, a push to another repository mounts every blob; a missing tag is a 404 naming the image.
 * The registry's access log is the witness for what was really sent.
 */
class PushPullRoundTripTest {
    private static final int MIB = 1 << 20;
    private static final Platform AMD64 = Platform.of("linux", "amd64");

    @TempDir
    Path tmp;

    @Test
    void pushThenPullGivesTheSameDigestsAndBytes() throws Exception {
        try (RegistryServer registry = RegistryServer.startWithAccessLog(tmp)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/app:1");
            int bigSize = 17 * MIB + 12345; // above the 16 MiB single-PUT threshold set below
            Image image = TestImages.write(source, ref, AMD64, List.of(
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "etc/motd", "hello from a gzip layer\n"),
                    TestImages.layer(MediaTypes.OCI_LAYER, "data/big.bin", TestImages.random(1, bigSize)),
                    TestImages.layer(MediaTypes.OCI_LAYER_ZSTD, "etc/zstd.txt", TestImages.random(2, 300_000))));
            Descriptor big = image.layers().get(1);
            assertTrue(big.size() > 16L * MIB);

            CountingListener pushed = new CountingListener();
            RegistryClients clients = new RegistryClients(TestImages.localOptions()
                    .withChunking(16L * MIB, RegistryOptions.MAX_CHUNK));
            ImagePusher.Result push = new ImagePusher(source, clients, pushed).push(image.manifest(), ref);

            assertFalse(push.upToDate());
            assertEquals(image.manifest().digest(), push.target().digest());
            assertEquals(4, push.uploaded(), pushed.toString());
            assertEquals(0, push.mounted());
            assertEquals(0, push.existing());
            long total = image.blobs().stream().mapToLong(Descriptor::size).sum();
            assertEquals(total, push.bytes());
            assertEquals(Set.copyOf(image.blobDigests()), Set.copyOf(pushed.digests(UPLOADED)));
            assertEquals(4, pushed.count(UPLOADED));
            assertEquals(total, pushed.progressBytes(), "progress reports every uploaded byte once");

            List<AccessLogEntry> log = registry.accessLog();
            Map<Digest, Integer> uploads = AccessLogs.finishedUploads(log);
            assertEquals(Set.copyOf(image.blobDigests()), uploads.keySet(), log.toString());
            uploads.values().forEach(n -> assertEquals(1, n));
            Map<Digest, Integer> patches = AccessLogs.patchesPerBlob(log);
            int chunk = RegistryOptions.MAX_CHUNK;
            assertEquals((int) ((big.size() + chunk - 1) / chunk), patches.get(big.digest()),
                    "the large layer goes in 4 MiB PATCH chunks: " + patches);
            for (Descriptor small : List.of(image.config(), image.layers().get(0), image.layers().get(2))) {
                assertEquals(0, patches.get(small.digest()), "one PUT for " + small.digest());
            }
            assertEquals(1, AccessLogs.count(log, "PUT", "/v2/t/app/manifests/1"));

            LocalStore target = LocalStore.open(tmp.resolve("target"));
            CountingListener pulled = new CountingListener();
            ImagePuller.Result pull = new ImagePuller(target, new RegistryClients(TestImages.localOptions()), pulled)
                    .pull(ref, Optional.empty(), false);

            assertPulledIdentically(source, target, ref, image);
            assertEquals(image.manifest().digest(), pull.target().digest());
            assertEquals(MediaTypes.OCI_MANIFEST, pull.target().mediaType());
            assertEquals(4, pull.downloaded());
            assertEquals(0, pull.present());
            assertEquals(total, pull.bytes());
            assertEquals(Set.copyOf(image.blobDigests()), Set.copyOf(pulled.digests(DOWNLOADED)));
            assertEquals(total, pulled.progressBytes());

            Manifest manifest = Json.read(target.blobs().read(pull.target().digest()), Manifest.class);
            assertEquals(List.of(MediaTypes.OCI_LAYER_GZIP, MediaTypes.OCI_LAYER, MediaTypes.OCI_LAYER_ZSTD),
                    manifest.layers().stream().map(Descriptor::mediaType).toList());

            assertZstdDecodesToItsDiffId(target, manifest.layers().get(2),
                    Json.read(target.blobs().read(manifest.config().digest()), ImageConfig.class).rootfs().diffIds().get(2));

            List<AccessLogEntry> after = registry.accessLog();
            for (Digest d : image.blobDigests()) {
                assertEquals(1, AccessLogs.blobGets(after, d), "one GET of " + d);
            }
        }
    }

    @Test
    void smallChunksCarryEveryByte() throws Exception {
        // Everything above 64 KiB is chunked, 256 KiB at a time: many PATCHes, including a short last one.
        RegistryOptions options = TestImages.localOptions().withChunking(64 << 10, 256 << 10);
        try (RegistryServer registry = RegistryServer.startWithAccessLog(tmp)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/chunks:v1");
            Image image = TestImages.write(source, ref, AMD64, List.of(
                    TestImages.layer(MediaTypes.OCI_LAYER, "a.bin", TestImages.random(3, MIB + 777)),
                    TestImages.layer(MediaTypes.OCI_LAYER_ZSTD, "b.bin", TestImages.random(4, 300_001)),
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "c.txt", "small\n")));

            ImagePusher.Result push = new ImagePusher(source, new RegistryClients(options), new CountingListener())
                    .push(image.manifest(), ref);
            assertEquals(4, push.uploaded());

            Map<Digest, Integer> patches = AccessLogs.patchesPerBlob(registry.accessLog());
            for (Descriptor blob : image.blobs()) {
                int expected = blob.size() <= (64 << 10) ? 0 : (int) ((blob.size() + (256 << 10) - 1) / (256 << 10));
                assertEquals(expected, patches.get(blob.digest()), blob + " in " + patches);
            }
            assertTrue(patches.get(image.layers().get(0).digest()) >= 5);

            LocalStore target = LocalStore.open(tmp.resolve("target"));
            new ImagePuller(target, new RegistryClients(options), new CountingListener())
                    .pull(ref, Optional.empty(), false);
            assertPulledIdentically(source, target, ref, image);
        }
    }

    @Test
    void rePushSendsNothingAnotherTagFindsEveryBlobAnotherRepositoryMountsThem() throws Exception {
        try (RegistryServer registry = RegistryServer.startWithAccessLog(tmp)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/app:1");
            Image image = TestImages.write(source, ref, AMD64, List.of(
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "one", "1"),
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "two", "2"),
                    TestImages.layer(MediaTypes.OCI_LAYER_ZSTD, "three", "3")));
            RegistryClients clients = new RegistryClients(TestImages.localOptions());
            ImagePusher.Result first = new ImagePusher(source, clients, new CountingListener()).push(image.manifest(), ref);
            assertEquals(4, first.uploaded());
            long uploadsAfterFirst = AccessLogs.uploadRequests(registry.accessLog());
            assertEquals(8, uploadsAfterFirst, "a POST and a PUT per blob");

            // The same image to the same tag: nothing at all.
            CountingListener again = new CountingListener();
            ImagePusher.Result repush = new ImagePusher(source, clients, again).push(image.manifest(), ref);
            assertTrue(repush.upToDate());
            assertEquals(0, repush.uploaded() + repush.mounted() + repush.existing());
            assertEquals(0, repush.bytes());
            assertTrue(again.events().isEmpty(), again.toString());
            List<AccessLogEntry> log = registry.accessLog();
            assertEquals(uploadsAfterFirst, AccessLogs.uploadRequests(log));
            assertEquals(1, AccessLogs.count(log, "PUT", "/v2/t/app/manifests/"), "no second manifest PUT");

            // Another tag of the same repository: every blob is there already.
            ImageReference tag2 = ref.withTag("2");
            CountingListener otherTag = new CountingListener();
            ImagePusher.Result second = new ImagePusher(source, clients, otherTag).push(image.manifest(), tag2);
            assertFalse(second.upToDate());
            assertEquals(0, second.uploaded());
            assertEquals(0, second.mounted());
            assertEquals(4, second.existing());
            assertEquals(Set.copyOf(image.blobDigests()), Set.copyOf(otherTag.digests(EXISTS)));
            assertEquals(4, otherTag.events().size(), otherTag.toString());
            log = registry.accessLog();
            assertEquals(uploadsAfterFirst, AccessLogs.uploadRequests(log));
            assertEquals(1, AccessLogs.count(log, "PUT", "/v2/t/app/manifests/2"));

            // Another repository: the store's name says where the blobs are, so they are mounted.
            ImageReference other = ImageReference.parse(registry.host() + "/t/other:1");
            CountingListener otherRepo = new CountingListener();
            ImagePusher.Result third = new ImagePusher(source, clients, otherRepo).push(image.manifest(), other);
            assertEquals(0, third.uploaded());
            assertEquals(4, third.mounted());
            assertEquals(0, third.existing());
            assertEquals(Set.copyOf(image.blobDigests()), Set.copyOf(otherRepo.digests(MOUNTED)));
            log = registry.accessLog();
            assertEquals(4, AccessLogs.mounts(log));
            assertTrue(log.stream().filter(e -> e.path().contains("mount=")).allMatch(e -> e.path().contains("from=t%2Fapp")),
                    log.toString());
            assertEquals(uploadsAfterFirst + 4, AccessLogs.uploadRequests(log), "the 4 mount POSTs, no upload");
            assertEquals(0, AccessLogs.count(log, "PATCH", "/v2/t/other/"));
            assertEquals(0, AccessLogs.count(log, "PUT", "/v2/t/other/blobs/"));

            // And the mounted image is whole.
            LocalStore target = LocalStore.open(tmp.resolve("target"));
            CountingListener pulled = new CountingListener();
            ImagePuller.Result pull = new ImagePuller(target, clients, pulled).pull(other, Optional.empty(), false);
            assertEquals(image.manifest().digest(), pull.target().digest());
            assertEquals(4, pulled.count(DOWNLOADED));
            assertEquals(0, pulled.count(PRESENT));
            assertPulledIdentically(source, target, other, image);
        }
    }

    @Test
    void aLayerTwiceInOneImageMovesOnceEachWay() throws Exception {
        try (RegistryServer registry = RegistryServer.startWithAccessLog(tmp)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/twice:1");
            TestImages.Layer same = TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "same", TestImages.random(7, 500_000));
            Image image = TestImages.write(source, ref, AMD64, List.of(same,
                    TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "other", "other"), same, same));
            Digest twice = same.descriptor().digest();

            CountingListener pushed = new CountingListener();
            ImagePusher.Result push = new ImagePusher(source, new RegistryClients(TestImages.localOptions()), pushed)
                    .push(image.manifest(), ref);
            assertEquals(3, push.uploaded(), pushed.toString());
            assertEquals(2, push.existing(), pushed.toString());
            assertEquals(1, pushed.count(UPLOADED, twice));
            assertEquals(1, AccessLogs.finishedUploads(registry.accessLog()).get(twice), "one upload of " + twice);

            LocalStore target = LocalStore.open(tmp.resolve("target"));
            CountingListener pulled = new CountingListener();
            ImagePuller.Result pull = new ImagePuller(target, new RegistryClients(TestImages.localOptions()), pulled)
                    .pull(ref, Optional.empty(), false);
            assertEquals(3, pull.downloaded(), pulled.toString());
            assertEquals(2, pull.present(), pulled.toString());
            assertEquals(1, AccessLogs.blobGets(registry.accessLog(), twice));
            assertPulledIdentically(source, target, ref, image);
        }
    }

    @Test
    void pullOfAMissingTagIsA404NamingTheImage() throws Exception {
        try (RegistryServer registry = RegistryServer.start(tmp)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/app:1");
            Image image = TestImages.write(source, ref, AMD64,
                    List.of(TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "f", "x")));
            RegistryClients clients = new RegistryClients(TestImages.localOptions());
            new ImagePusher(source, clients, new CountingListener()).push(image.manifest(), ref);

            LocalStore target = LocalStore.open(tmp.resolve("target"));
            for (String missing : List.of("/t/app:nope", "/t/nothing-here:1")) {
                ImageReference wrong = ImageReference.parse(registry.host() + missing);
                RegistryException e = assertThrows(RegistryException.class,
                        () -> new ImagePuller(target, clients, new CountingListener()).pull(wrong, Optional.empty(), false));
                assertEquals(404, e.status(), e.getMessage());
                assertTrue(e.isNotFound());
                assertTrue(e.getMessage().contains(registry.host() + missing), e.getMessage());
            }
            assertTrue(target.images().isEmpty());
            assertFalse(target.blobs().has(image.manifest().digest()));

            // By digest, too.
            ImageReference byDigest = ImageReference.parse(registry.host() + "/t/app@sha256:" + "0".repeat(64));
            RegistryException e = assertThrows(RegistryException.class,
                    () -> new ImagePuller(target, clients, new CountingListener()).pull(byDigest, Optional.empty(), false));
            assertEquals(404, e.status(), e.getMessage());
            assertTrue(e.getMessage().contains("sha256:" + "0".repeat(64)), e.getMessage());
        }
    }

    /** When the zstd tool is installed, the pulled zstd layer must decompress to the tar its diffID names. */
    private void assertZstdDecodesToItsDiffId(LocalStore store, Descriptor layer, Digest diffId) throws Exception {
        Optional<Path> zstd = Required.find("zstd");
        if (zstd.isEmpty()) {
            return; // the registry round trip is checked by digest above; this only adds a second opinion
        }
        Path out = tmp.resolve("layer.tar");
        RegistryServer.ProcessResult r = RegistryServer.run(List.of(zstd.get().toString(), "-q", "-d", "-f",
                store.blobs().path(layer.digest()).toString(), "-o", out.toString()), Duration.ofSeconds(30));
        assertEquals(0, r.exitCode, r.output);
        assertEquals(diffId, Digest.sha256(Files.readAllBytes(out)));
    }

    /** The target names the image and holds the manifest, config and layers with the source's bytes. */
    static void assertPulledIdentically(LocalStore source, LocalStore target, ImageReference ref, Image image)
            throws Exception {
        Descriptor named = target.resolve(ref).orElseThrow(() -> new AssertionError(ref + " not named in the target"));
        assertEquals(image.manifest().digest(), named.digest());
        assertEquals(image.manifest().size(), named.size());
        assertArrayEquals(source.blobs().read(image.manifest().digest()), target.blobs().read(named.digest()));
        Manifest m = Json.read(target.blobs().read(named.digest()), Manifest.class);
        assertEquals(image.config().digest(), m.config().digest());
        assertEquals(image.layers().stream().map(Descriptor::digest).toList(),
                m.layers().stream().map(Descriptor::digest).toList());
        Set<Digest> seen = new HashSet<>();
        for (Digest d : image.blobDigests()) {
            if (seen.add(d)) {
                assertTrue(TestImages.sameBlob(source, target, d), d + " differs or is missing");
            }
        }
    }
}
