package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.testkit.Required;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lazy base layers against real docker-registry processes. A two-layer base image is pushed to a
 * registry from the fixture's store; each build then runs in a store of its own that has never
 * seen it, as a CI runner's would. A build whose steps never read the base's files pushes without
 * downloading its layers (the registry's log has no GET of them, the store has no blob of them):
 * they are mounted within one registry and streamed from the other registry across two. A RUN or
 * a plain COPY needs the files, so downloads them. The image that comes out is whole either way
 * (skopeo copies it, umoci unpacks the base's files and the app's), and an export of a push-only
 * result fetches what the store lacks, or says which blob is missing and where it was left.
 */
class BuildLazyBaseIT {
    @TempDir
    Path work;
    BuildFixture fx;
    BuildRegistry registry;
    BuildRegistry other;
    String base;
    List<String> baseLayers;
    List<String> baseDiffIds;

    @BeforeEach
    void setUp() throws Exception {
        Required.tools("skopeo", "umoci");
        fx = new BuildFixture(work);
        fx.env("SOURCE_DATE_EPOCH", "1700000000");
        registry = BuildRegistry.start(work.resolve("registry"));
        base = registry.host + "/team/base:1";
        Path baseContext = fx.context("base-ctx", "FROM busybox:local\nRUN echo base > /base.txt\n");
        String digest = fx.build("-t", base, "--push", baseContext.toString());
        JsonNode manifest = fx.blobJson(digest);
        baseLayers = new ArrayList<>();
        manifest.path("layers").forEach(l -> baseLayers.add(l.path("digest").asText()));
        baseDiffIds = new ArrayList<>();
        fx.blobJson(manifest.path("config").path("digest").asText()).path("rootfs").path("diff_ids")
                .forEach(d -> baseDiffIds.add(d.asText()));
        assertEquals(2, baseLayers.size(), "busybox and the RUN");
    }

    @AfterEach
    void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (other != null) {
            other.close();
        }
        BuildFixture.empty(work);
    }

    /** A store that has never seen the base: what a fresh CI runner starts with. */
    private Path freshStore(String name) {
        return work.resolve(name);
    }

    private Path appContext(String name, String steps) throws Exception {
        return fx.context(name, "FROM " + base + "\n" + steps, "app.txt", "the app\n", "lib/util.txt", "a util\n");
    }

    private long baseGets(BuildRegistry r) throws Exception {
        long n = 0;
        for (String l : baseLayers) {
            n += r.blobGets(l);
        }
        return n;
    }

    private void assertBaseBlobs(Path store, boolean present) {
        for (String l : baseLayers) {
            assertEquals(present, Files.exists(store.resolve("blobs").resolve(l.replace(':', '/'))),
                    l + (present ? " should" : " should not") + " be in " + store);
        }
    }

    /** Copies the image out with skopeo and unpacks it with umoci: the base's files and the app's are there. */
    private Path pullAndUnpack(String image, String name) throws Exception {
        Path layout = work.resolve(name + "-layout");
        BuildFixture.tool("skopeo", "copy", "--src-tls-verify=false", "docker://" + image, "oci:" + layout + ":1");
        JsonNode index = BuildFixture.readJson(layout.resolve("index.json"));
        JsonNode manifest = BuildFixture.readJson(layout.resolve("blobs")
                .resolve(index.path("manifests").path(0).path("digest").asText().replace(':', '/')));
        JsonNode config = BuildFixture.readJson(layout.resolve("blobs")
                .resolve(manifest.path("config").path("digest").asText().replace(':', '/')));
        for (int i = 0; i < baseLayers.size(); i++) {
            assertEquals(baseLayers.get(i), manifest.path("layers").path(i).path("digest").asText());
            assertEquals(baseDiffIds.get(i), config.path("rootfs").path("diff_ids").path(i).asText());
        }
        assertEquals(manifest.path("layers").size(), config.path("rootfs").path("diff_ids").size());
        Path bundle = work.resolve(name + "-bundle");
        BuildFixture.tool("umoci", "unpack", "--image", layout + ":1", bundle.toString());
        Path rootfs = bundle.resolve("rootfs");
        assertEquals("base\n", Files.readString(rootfs.resolve("base.txt")));
        assertTrue(Files.isRegularFile(rootfs.resolve("bin/busybox")));
        assertEquals("the app\n", Files.readString(rootfs.resolve("app/app.txt")));
        assertEquals("a util\n", Files.readString(rootfs.resolve("app/lib/util.txt")));
        return rootfs;
    }

    @Test
    void aPushToTheBaseRegistryMountsTheBaseLayersWithoutDownloadingThem() throws Exception {
        Path store = freshStore("lazy-store");
        Path context = appContext("ctx", "COPY --link . /app\nENV APP=1\nLABEL stage=lazy\n");
        String image = registry.host + "/team/app:1";
        long getsBefore = baseGets(registry);
        long mountsBefore = registry.mounts();

        BuildFixture.Run r = fx.jbuild("build", "--root", store.toString(), "-t", image, "--push", context.toString());

        assertEquals(0, r.status(), r.describe());
        assertTrue(r.err().contains("# base layers of " + base + " not needed locally (2 of 2 not downloaded"),
                r.describe());
        assertTrue(r.err().contains("# pushed " + image + ": 2 blobs pushed, 2 mounted, 0 already present"),
                r.describe());
        assertEquals(getsBefore, baseGets(registry), "no GET of a base layer:\n" + registry.log());
        assertEquals(mountsBefore + 2, registry.mounts());
        assertBaseBlobs(store, false);

        // The store names the image and says where the blobs it lacks are.
        String inspect = fx.jbuild("inspect", "--root", store.toString(), image).out();
        for (String l : baseLayers) {
            assertTrue(inspect.contains("\"Digest\" : \"" + l + "\""), inspect);
        }
        assertTrue(inspect.contains("\"Source\" : \"" + registry.host + "/team/base\""), inspect);

        pullAndUnpack(image, "pushed");

        // A later push of the stored image to another repository mounts them again, still without a GET.
        BuildFixture.Run push = fx.jbuild("push", "--root", store.toString(), image, registry.host + "/team/copy:1");
        assertEquals(0, push.status(), push.describe());
        assertTrue(push.err().contains("0 blobs pushed, 4 mounted"), push.describe());
        assertEquals(getsBefore, baseGets(registry) - 2, "only skopeo's two GETs:\n" + registry.log());
        assertBaseBlobs(store, false);
    }

    @Test
    void aRunOrAPlainCopyDownloadsTheBaseLayers() throws Exception {
        for (String steps : List.of("RUN echo run > /run.txt\nCOPY --link . /app\n", "COPY . /app\n")) {
            Path store = freshStore("store-" + steps.length());
            Path context = appContext("ctx-" + steps.length(), steps);
            String image = registry.host + "/team/eager:" + steps.length();
            long getsBefore = baseGets(registry);

            BuildFixture.Run r = fx.jbuild("build", "--root", store.toString(), "-t", image, "--push",
                    context.toString());

            assertEquals(0, r.status(), r.describe());
            assertTrue(r.err().contains("# fetching 2 layers of " + base + ": a step reads its files"), r.describe());
            assertFalse(r.err().contains("not needed locally"), r.describe());
            assertEquals(getsBefore + 2, baseGets(registry), "each base layer downloaded once");
            assertBaseBlobs(store, true);
            pullAndUnpack(image, "eager-" + steps.length());
        }
    }

    @Test
    void aPushToAnotherRegistryStreamsTheBaseLayersFromTheirs() throws Exception {
        other = BuildRegistry.start(work.resolve("other-registry"));
        Path store = freshStore("lazy-store");
        Path context = appContext("ctx", "COPY --link . /app\n");
        String image = other.host + "/app:2";
        long getsBefore = baseGets(registry);

        BuildFixture.Run r = fx.jbuild("build", "--root", store.toString(), "-t", image, "--push", context.toString());

        assertEquals(0, r.status(), r.describe());
        assertTrue(r.err().contains("# base layers of " + base + " not needed locally"), r.describe());
        assertTrue(r.err().contains("# pushed " + image + ": 4 blobs pushed, 0 mounted, 0 already present"),
                r.describe());
        assertEquals(getsBefore + 2, baseGets(registry), "each base layer streamed from its registry once");
        assertEquals(0, other.mounts());
        assertBaseBlobs(store, false);
        pullAndUnpack(image, "other");
    }

    @Test
    void anExportFetchesWhatThePushOnlyBuildLeftInTheRegistryOrSaysWhereItIs() throws Exception {
        Path context = appContext("ctx", "COPY --link . /app\n");
        String image = registry.host + "/team/app:3";
        Path store = freshStore("lazy-store");
        assertEquals(0, fx.jbuild("build", "--root", store.toString(), "-t", image, "--push", context.toString())
                .status());
        assertBaseBlobs(store, false);

        Path out = work.resolve("exported");
        BuildFixture.Run export = fx.jbuild("export", "--root", store.toString(), image, out.toString());
        assertEquals(0, export.status(), export.describe());
        assertTrue(export.err().contains("# fetching 2 layers of " + image + " for the export that the store never "
                + "downloaded (from " + registry.host + "/team/base)"), export.describe());
        assertBaseBlobs(store, true);
        assertBaseBlobs(out, true);
        Path bundle = work.resolve("exported-bundle");
        BuildFixture.tool("umoci", "unpack", "--image", out + ":3", bundle.toString());
        assertEquals("base\n", Files.readString(bundle.resolve("rootfs/base.txt")));
        assertEquals("the app\n", Files.readString(bundle.resolve("rootfs/app/app.txt")));

        // With the registry gone, the export cannot complete the image and says what is missing and where.
        Path second = freshStore("second-store");
        assertEquals(0, fx.jbuild("build", "--root", second.toString(), "-t", image, "--push", context.toString())
                .status());
        registry.close();
        BuildFixture.Run failed = fx.jbuild("export", "--root", second.toString(), "--format", "docker", image,
                work.resolve("app.tar").toString());
        assertNotEquals(0, failed.status(), failed.describe());
        assertTrue(failed.err().contains("jbuild: " + image + " for the export: the store lacks 2 of its blobs"),
                failed.describe());
        assertTrue(failed.err().contains(baseLayers.get(0)) || failed.err().contains(baseLayers.get(1)),
                failed.describe());
        assertTrue(failed.err().contains("from " + registry.host + "/team/base"), failed.describe());
        assertFalse(Files.exists(work.resolve("app.tar")), "no half-written archive");
    }
}
