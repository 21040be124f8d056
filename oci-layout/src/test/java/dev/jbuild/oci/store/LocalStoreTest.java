package dev.jbuild.oci.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names in index.json: kept consistent under concurrency, and prune keeps what names reach. */
class LocalStoreTest {
    @TempDir
    Path root;

    @TempDir
    Path elsewhere;

    /** Writes a config, one layer and a manifest; the seed makes them distinct. */
    static Descriptor writeImage(LocalStore store, String seed) throws Exception {
        byte[] layer = ("layer " + seed).getBytes(StandardCharsets.UTF_8);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"" + seed + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        Descriptor layerDesc = Descriptor.of(MediaTypes.OCI_LAYER, store.blobs().write(layer), layer.length);
        Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.blobs().write(config), config.length);
        byte[] manifest = Json.write(Manifest.oci(configDesc, List.of(layerDesc)));
        return Descriptor.of(MediaTypes.OCI_MANIFEST, store.blobs().write(manifest), manifest.length);
    }

    @Test
    void anEmptyStoreIsAValidLayout() throws Exception {
        LocalStore.open(root);
        assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(root.resolve("oci-layout")));
        Index index = Json.read(Files.readAllBytes(root.resolve("index.json")), Index.class);
        assertEquals(List.of(), index.manifests());
        assertTrue(Files.isDirectory(root.resolve("blobs/sha256")));
    }

    @Test
    void tagResolveRetagAndUntag() throws Exception {
        LocalStore store = LocalStore.open(root);
        Descriptor a = writeImage(store, "a");
        Descriptor b = writeImage(store, "b");
        store.tag(ImageReference.parse("app"), a);
        store.tag(ImageReference.parse("app:2"), a);
        Descriptor entry = store.resolve(ImageReference.parse("docker.io/library/app:latest")).orElseThrow();
        assertEquals(a.digest(), entry.digest());
        assertEquals("docker.io/library/app:latest", entry.annotations().get(LocalStore.IMAGE_NAME));
        assertEquals("latest", entry.annotations().get(LocalStore.REF_NAME));

        store.tag(ImageReference.parse("app"), b);
        assertEquals(b.digest(), store.resolve(ImageReference.parse("app")).orElseThrow().digest());
        assertEquals(List.of("app:2", "app:latest"),
                store.images().stream().map(i -> i.reference().familiar()).sorted().toList());

        assertEquals(a.digest(), store.resolve(ImageReference.parse("app@" + a.digest())).orElseThrow().digest());
        assertTrue(store.untag(ImageReference.parse("app:2")));
        assertFalse(store.untag(ImageReference.parse("app:2")));
        assertEquals(Optional.empty(), store.resolve(ImageReference.parse("app:2")));
    }

    @Test
    void parallelThreadsAndProcessesLoseNoNameEvenWritingTheSameImages() throws Exception {
        LocalStore store = LocalStore.open(root);
        List<Process> processes = new ArrayList<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int p = 0; p < 3; p++) {
            processes.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    TagWorker.class.getName(), root.toString(), "proc" + p, "15").inheritIO().start());
        }
        for (int p = 0; p < 2; p++) {
            // Two processes writing the very same images and names at once.
            processes.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    TagWorker.class.getName(), root.toString(), "same", "15").inheritIO().start());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                String prefix = "thread" + t;
                threads.add(pool.submit(() -> {
                    TagWorker.main(new String[] {root.toString(), prefix, "15"});
                    return null;
                }));
            }
            for (Future<?> f : threads) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        for (Process p : processes) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        }
        Set<String> names = store.images().stream().map(i -> i.reference().toString()).collect(Collectors.toSet());
        assertEquals(8 * 15, names.size(), "every name written by 5 processes and 4 threads is there");
        LocalStore reference = LocalStore.open(elsewhere);
        for (int i = 0; i < 15; i++) {
            assertEquals(writeImage(reference, "same-" + i).digest(),
                    store.resolve(ImageReference.parse("localhost/same:" + i)).orElseThrow().digest());
        }
        for (LocalStore.NamedImage image : store.images()) {
            assertTrue(store.blobs().has(image.target().digest()));
        }
    }

    @Test
    void pruneKeepsWhatNamesReachAndRemovesTheRest() throws Exception {
        LocalStore store = LocalStore.open(root);
        Descriptor kept = writeImage(store, "kept");
        Descriptor viaIndex = writeImage(store, "via-index");
        Descriptor dropped = writeImage(store, "dropped");
        byte[] index = Json.write(Index.oci(List.of(viaIndex)));
        Descriptor indexDesc = Descriptor.of(MediaTypes.OCI_INDEX, store.blobs().write(index), index.length);
        store.tag(ImageReference.parse("kept"), kept);
        store.tag(ImageReference.parse("multi"), indexDesc);
        store.tag(ImageReference.parse("dropped"), dropped);
        store.untag(ImageReference.parse("dropped"));
        Manifest droppedManifest = Json.read(store.blobs().read(dropped.digest()), Manifest.class);

        LocalStore.PruneResult result = store.prune();
        assertEquals(3, result.blobs(), "the dropped image's manifest, config and layer");
        assertTrue(result.bytes() > 0);
        for (Digest gone : List.of(dropped.digest(), droppedManifest.config().digest(),
                droppedManifest.layers().get(0).digest())) {
            assertFalse(store.blobs().has(gone));
        }
        for (Descriptor image : List.of(kept, viaIndex)) {
            Manifest m = Json.read(store.blobs().read(image.digest()), Manifest.class);
            assertTrue(store.blobs().has(m.config().digest()) && store.blobs().has(m.layers().get(0).digest()));
        }
        assertTrue(store.blobs().has(indexDesc.digest()));
        assertEquals(0, store.prune().blobs(), "nothing more to remove");
    }

    @Test
    void pruneWaitsForWritersStillNamingTheirBlobs() throws Exception {
        LocalStore store = LocalStore.open(root);
        CountDownLatch written = new CountDownLatch(1);
        CountDownLatch pruneStarted = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Descriptor> writer = pool.submit(() -> {
                try (Hold session = store.writeSession()) {
                    Descriptor image = writeImage(store, "slow");
                    written.countDown();
                    pruneStarted.await();
                    Thread.sleep(300); // prune is now waiting; had it not, it would delete these blobs
                    store.tag(ImageReference.parse("slow"), image);
                    return image;
                }
            });
            written.await();
            Future<LocalStore.PruneResult> prune = pool.submit(() -> {
                pruneStarted.countDown();
                return store.prune();
            });
            Descriptor image = writer.get();
            assertEquals(0, prune.get().blobs());
            assertTrue(store.blobs().has(image.digest()));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void noTemporaryFilesAreLeftBehind() throws Exception {
        LocalStore store = LocalStore.open(root);
        store.tag(ImageReference.parse("x"), writeImage(store, "x"));
        try (var files = Files.list(root)) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList());
        }
        assertTrue(new File(root.toFile(), ".lock").exists());
    }
}
