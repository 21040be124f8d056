package dev.jbuild.registry.it;

import static dev.jbuild.registry.TransferListener.Outcome.DOWNLOADED;
import static dev.jbuild.registry.TransferListener.Outcome.PRESENT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.ImagePuller;
import dev.jbuild.registry.ImagePusher;
import dev.jbuild.registry.RegistryClients;
import dev.jbuild.registry.it.RegistryServer.AccessLogEntry;
import dev.jbuild.registry.it.TestImages.Image;
import dev.jbuild.registry.it.TestImages.Layer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blob already in the store is never downloaded again, and pulls in flight at the same time,
 * threads of one process or two processes, download each blob once between them. Counted twice:
 * by the pullers' listeners, and by the registry's access log (successful blob {@code GET}s).
 */
class PullDedupeTest {
    private static final Platform AMD64 = Platform.of("linux", "amd64");

    @TempDir
    Path tmp;

    @Test
    void layersSharedWithAnImageInTheStoreAreNotDownloadedAgain() throws Exception {
        try (RegistryServer registry = RegistryServer.startWithAccessLog(tmp)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            Layer base1 = TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "base/1", TestImages.random(10, 200_000));
            Layer base2 = TestImages.layer(MediaTypes.OCI_LAYER_ZSTD, "base/2", TestImages.random(11, 100_000));
            Layer onlyBase = TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "base/3", "base only");
            Layer onlyApp = TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "app/bin", TestImages.random(12, 50_000));
            ImageReference baseRef = ImageReference.parse(registry.host() + "/lib/base:1");
            ImageReference appRef = ImageReference.parse(registry.host() + "/team/app:1");
            Image base = TestImages.write(source, baseRef, AMD64, List.of(base1, base2, onlyBase));
            Image app = TestImages.write(source, appRef, AMD64, List.of(base1, base2, onlyApp));
            RegistryClients pushClients = new RegistryClients(TestImages.localOptions());
            new ImagePusher(source, pushClients, new CountingListener()).push(base.manifest(), baseRef);
            new ImagePusher(source, pushClients, new CountingListener()).push(app.manifest(), appRef);

            LocalStore store = LocalStore.open(tmp.resolve("store"));
            RegistryClients clients = new RegistryClients(TestImages.localOptions());
            CountingListener first = new CountingListener();
            ImagePuller.Result pulledBase = new ImagePuller(store, clients, first).pull(baseRef, Optional.empty(), false);
            assertEquals(4, pulledBase.downloaded());
            assertEquals(0, pulledBase.present());

            CountingListener second = new CountingListener();
            ImagePuller.Result pulledApp = new ImagePuller(store, clients, second).pull(appRef, Optional.empty(), false);
            assertEquals(app.manifest().digest(), pulledApp.target().digest());
            assertEquals(Set.of(base1.descriptor().digest(), base2.descriptor().digest()), Set.copyOf(second.digests(PRESENT)));
            assertEquals(Set.of(app.config().digest(), onlyApp.descriptor().digest()), Set.copyOf(second.digests(DOWNLOADED)));
            assertEquals(2, pulledApp.present());
            assertEquals(2, pulledApp.downloaded());
            assertEquals(app.config().size() + onlyApp.descriptor().size(), pulledApp.bytes());
            assertEquals(List.of(app.config().digest(), onlyApp.descriptor().digest()).size(), second.started().size(),
                    "only downloads start a transfer: " + second.started());

            List<AccessLogEntry> log = registry.accessLog();
            for (Layer shared : List.of(base1, base2)) {
                Digest d = shared.descriptor().digest();
                assertEquals(1, AccessLogs.blobGets(log, d), "one GET in all of " + d);
                assertEquals(0, AccessLogs.count(log, "GET", "/v2/team/app/blobs/" + d), "no GET from team/app of " + d);
            }
            assertEquals(1, AccessLogs.blobGets(log, onlyApp.descriptor().digest()));
            assertEquals(6, AccessLogs.blobGets(log), "4 blobs of base, 2 of app");

            PushPullRoundTripTest.assertPulledIdentically(source, store, baseRef, base);
            PushPullRoundTripTest.assertPulledIdentically(source, store, appRef, app);

            // Pulling it once more downloads nothing: the tag has not moved, one HEAD says so.
            CountingListener third = new CountingListener();
            ImagePuller.Result again = new ImagePuller(store, clients, third).pull(appRef, Optional.empty(), false);
            assertTrue(again.upToDate());
            assertEquals(0, again.downloaded());
            assertEquals(6, AccessLogs.blobGets(registry.accessLog()));
        }
    }

    @Test
    void twoThreadsPullingTheSameImageDownloadEachBlobOnce() throws Exception {
        try (RegistryServer registry = RegistryServer.startWithAccessLog(tmp)) {
            ImageReference ref = ImageReference.parse(registry.host() + "/t/shared:1");
            Image image = pushSeveralLayers(registry, ref, 6);

            LocalStore store = LocalStore.open(tmp.resolve("store"));
            CountingListener listener = new CountingListener();
            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<ImagePuller.Result>> pulls = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    pulls.add(pool.submit(() -> {
                        // separate pullers and clients, as two commands would have
                        ImagePuller puller = new ImagePuller(LocalStore.open(store.root()),
                                new RegistryClients(TestImages.localOptions()), listener);
                        start.await(10, TimeUnit.SECONDS);
                        return puller.pull(ref, Optional.empty(), false);
                    }));
                }
                int downloaded = 0;
                int present = 0;
                for (Future<ImagePuller.Result> f : pulls) {
                    ImagePuller.Result r = f.get(60, TimeUnit.SECONDS);
                    assertEquals(image.manifest().digest(), r.target().digest());
                    downloaded += r.downloaded();
                    present += r.present();
                }
                int blobs = image.blobs().size();
                assertEquals(blobs, downloaded, listener.toString());
                assertEquals(blobs, present, listener.toString());
                assertEquals(blobs, listener.count(DOWNLOADED));
                for (Digest d : image.blobDigests()) {
                    assertEquals(1, listener.count(DOWNLOADED, d), "downloaded once: " + d + " " + listener);
                    assertEquals(1, listener.count(PRESENT, d), "the other pull found it: " + d + " " + listener);
                }
            } finally {
                pool.shutdownNow();
            }
            List<AccessLogEntry> log = registry.accessLog();
            for (Digest d : image.blobDigests()) {
                assertEquals(1, AccessLogs.blobGets(log, d), "GETs of " + d);
            }
            PushPullRoundTripTest.assertPulledIdentically(LocalStore.open(tmp.resolve("source")), store, ref, image);
        }
    }

    @Test
    void twoProcessesPullingTheSameImageDownloadEachBlobOnce() throws Exception {
        try (RegistryServer registry = RegistryServer.startWithAccessLog(tmp)) {
            ImageReference ref = ImageReference.parse(registry.host() + "/t/shared:2");
            Image image = pushSeveralLayers(registry, ref, 8);
            ImageReference warmup = ImageReference.parse(registry.host() + "/t/warmup:1");
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            Image warm = TestImages.write(source, warmup, AMD64,
                    List.of(TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "warm", "up")));
            new ImagePusher(source, new RegistryClients(TestImages.localOptions()), new CountingListener())
                    .push(warm.manifest(), warmup);
            Path storeDir = tmp.resolve("store");
            LocalStore store = LocalStore.open(storeDir);
            Path ready = tmp.resolve("worker.ready");
            Path go = tmp.resolve("go");
            Path out = tmp.resolve("worker.out");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process worker = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    PullWorker.class.getName(), storeDir.toString(), ref.toString(), ready.toString(), go.toString(),
                    warmup.toString(), tmp.resolve("worker-scratch").toString())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!Files.exists(ready)) {
                    assertTrue(worker.isAlive(), () -> "the worker died: " + read(out));
                    assertTrue(System.nanoTime() < deadline, "the worker never got ready");
                    Thread.sleep(5);
                }
                CountingListener listener = new CountingListener();
                RegistryClients clients = new RegistryClients(TestImages.localOptions());
                new ImagePuller(LocalStore.open(tmp.resolve("scratch")), clients, new CountingListener())
                        .pull(warmup, Optional.empty(), false);
                ImagePuller puller = new ImagePuller(store, clients, listener);
                Files.createFile(go);
                ImagePuller.Result mine = puller.pull(ref, Optional.empty(), false);
                assertTrue(worker.waitFor(60, TimeUnit.SECONDS), "the worker did not finish");
                String output = read(out);
                assertEquals(0, worker.exitValue(), output);

                Map<Digest, Integer> downloads = new HashMap<>();
                listener.digests(DOWNLOADED).forEach(d -> downloads.merge(d, 1, Integer::sum));
                int theirs = 0;
                for (String line : output.split("\n")) {
                    if (line.startsWith("RESULT ")) {
                        String[] f = line.split(" ");
                        assertEquals(image.manifest().digest().toString(), f[1]);
                        theirs = Integer.parseInt(f[3]);
                    } else if (line.startsWith("EVENT DOWNLOADED ")) {
                        downloads.merge(Digest.parse(line.substring("EVENT DOWNLOADED ".length())), 1, Integer::sum);
                    }
                }
                assertEquals(image.blobs().size(), mine.downloaded() + theirs, output + "\n" + listener);
                for (Digest d : image.blobDigests()) {
                    assertEquals(1, downloads.getOrDefault(d, 0), "downloads of " + d + " in both: " + output + listener);
                }
            } finally {
                if (worker.isAlive()) {
                    worker.destroyForcibly();
                    worker.waitFor(5, TimeUnit.SECONDS);
                }
            }
            List<AccessLogEntry> log = registry.accessLog();
            for (Digest d : image.blobDigests()) {
                assertEquals(1, AccessLogs.blobGets(log, d), "GETs of " + d);
            }
            PushPullRoundTripTest.assertPulledIdentically(LocalStore.open(tmp.resolve("source")), store, ref, image);
        }
    }

    @Test
    void twoThreadsPullingIntoOneStoreOpenedUnderTwoPathsDownloadEachBlobOnce() throws Exception {
        try (RegistryServer registry = RegistryServer.start(tmp)) {
            ImageReference ref = ImageReference.parse(registry.host() + "/t/shared:3");
            Image image = pushSeveralLayers(registry, ref, 8);
            Path real = tmp.resolve("store");
            LocalStore.open(real);
            Path link = Files.createSymbolicLink(tmp.resolve("store-link"), real);
            CountingListener listener = new CountingListener();
            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<ImagePuller.Result>> pulls = new ArrayList<>();
                for (Path root : List.of(real, link)) {
                    pulls.add(pool.submit(() -> {
                        ImagePuller puller = new ImagePuller(LocalStore.open(root),
                                new RegistryClients(TestImages.localOptions()), listener);
                        start.await(10, TimeUnit.SECONDS);
                        return puller.pull(ref, Optional.empty(), false);
                    }));
                }
                for (Future<ImagePuller.Result> f : pulls) {
                    assertEquals(image.manifest().digest(), f.get(60, TimeUnit.SECONDS).target().digest());
                }
            } finally {
                pool.shutdownNow();
            }
            for (Digest d : image.blobDigests()) {
                assertEquals(1, listener.count(DOWNLOADED, d), "downloaded once: " + d + " " + listener);
            }
        }
    }

    /** Writes an image of {@code layers} random 1 MiB layers into {@code tmp/source} and pushes it. */
    private Image pushSeveralLayers(RegistryServer registry, ImageReference ref, int layers) throws Exception {
        LocalStore source = LocalStore.open(tmp.resolve("source"));
        List<Layer> content = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            content.add(TestImages.layer(i % 2 == 0 ? MediaTypes.OCI_LAYER : MediaTypes.OCI_LAYER_ZSTD, "f" + i,
                    TestImages.random(100 + i, 1 << 20)));
        }
        Image image = TestImages.write(source, ref, AMD64, content);
        new ImagePusher(source, new RegistryClients(TestImages.localOptions()), new CountingListener())
                .push(image.manifest(), ref);
        return image;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, UTF_8) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
