package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.testkit.Required;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Incremental layers end to end: after one file of a large COPY changes, the rebuilt layer (whose
 * unchanged chunks come from the previous layer's members) is the layer a --no-cache build writes,
 * and gzip, zstd, skopeo and umoci all accept it.
 */
class IncrementalLayersIT {
    @TempDir
    static Path work;
    static BuildFixture fx;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new BuildFixture(work);
    }

    @AfterAll
    static void tearDown() throws Exception {
        BuildFixture.empty(work);
    }

    /** 300 text files of 8 to 24 KiB and a 9 MiB file: a layer of eight chunks or so. */
    private static Path context(String name) throws Exception {
        Path ctx = fx.context(name, "FROM busybox:local\nCOPY app/ /app/\n");
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            StringBuilder text = new StringBuilder();
            int size = 8192 + random.nextInt(16384);
            while (text.length() < size) {
                text.append("line ").append(random.nextInt(100_000)).append(" of file ").append(i).append('\n');
            }
            Path f = ctx.resolve(String.format("app/src/file-%03d.txt", i));
            Files.createDirectories(f.getParent());
            Files.writeString(f, text);
        }
        byte[] data = new byte[9 << 20];
        random.nextBytes(data);
        Files.write(ctx.resolve("app/data.bin"), data);
        return ctx;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "zstd"})
    void aRebuildAfterOneChangeIsTheNoCacheLayerAndEveryToolReadsIt(String compression) throws Exception {
        Required.tools("skopeo", "umoci", compression, "sha256sum");
        Path ctx = context("ctx-" + compression);
        // Files changed within a second are racy: their digests are not vouched for, and a layer
        // recipe's checkpoints stop before the first of them. A context edited a while ago is the
        // case to test.
        Thread.sleep(1100);
        String image = "inc-" + compression;
        // A fixed SOURCE_DATE_EPOCH: the --no-cache build below runs its COPY at another time.
        String epoch = "SOURCE_DATE_EPOCH=1700000000";
        fx.build("--build-arg", epoch, "--compression", compression, "-t", image + ":1", ctx.toString());
        long indexed;
        try (Stream<Path> chunks = Files.list(fx.store.resolve("build-cache/chunks"))) {
            indexed = chunks.count();
        }
        assertTrue(indexed >= 6, "the COPY layer should be cut into many chunks, the index has " + indexed);

        Path changed = ctx.resolve("app/src/file-150.txt");
        Files.writeString(changed, "one more line\n", StandardOpenOption.APPEND);
        Path layout = work.resolve("layout-" + compression);
        BuildFixture.Run rebuild = fx.jbuild("build", "--progress", "plain", "--build-arg", epoch,
                "--compression", compression, "-t", image + ":2", "-o", "type=oci,dest=" + layout, ctx.toString());
        assertEquals(0, rebuild.status(), rebuild.describe());
        String cached = rebuild.digest();
        // app/data.bin comes before app/src/ in the tar: taken over from the first build's blob.
        Matcher takenOver = Pattern.compile("the first (\\d+) MB of its \\d+ MB taken from an earlier layer, not read again")
                .matcher(rebuild.err());
        assertTrue(takenOver.find() && Integer.parseInt(takenOver.group(1)) >= 9, rebuild.describe());
        String fresh = fx.build("--build-arg", epoch, "--no-cache", "--compression", compression, "-t", image + ":3", ctx.toString());
        assertEquals(fresh, cached, "the rebuild that reused members is the image a --no-cache build writes");

        // The COPY layer is one valid stream of several members that decompresses to its diffID.
        JsonNode manifest = fx.blobJson(cached);
        JsonNode layers = manifest.path("layers");
        String layer = layers.path(layers.size() - 1).path("digest").asText();
        JsonNode config = fx.blobJson(manifest.path("config").path("digest").asText());
        JsonNode diffIds = config.path("rootfs").path("diff_ids");
        Path blob = fx.blob(layer);
        BuildFixture.tool(compression, "-t", blob.toString());
        String tarDigest = BuildFixture.tool("sh", "-c", compression + " -dc < '" + blob + "' | sha256sum").split(" ")[0];
        assertEquals(diffIds.path(diffIds.size() - 1).asText(), "sha256:" + tarDigest);

        // skopeo checks every digest as it copies; umoci unpacks the changed file (Debian's umoci
        // 0.4 knows no zstd layers, so those are unpacked by tar from zstd's output).
        BuildFixture.tool("skopeo", "copy", "oci:" + layout + ":2", "oci:" + work.resolve("copy-" + compression) + ":2");
        Path rootfs;
        if (compression.equals("gzip")) {
            Path bundle = work.resolve("bundle-" + compression);
            BuildFixture.tool("umoci", "unpack", "--image", layout + ":2", bundle.toString());
            rootfs = bundle.resolve("rootfs");
        } else {
            rootfs = Files.createDirectories(work.resolve("rootfs-" + compression));
            BuildFixture.tool("sh", "-c", "zstd -dc < '" + blob + "' | tar -x -C '" + rootfs + "'");
        }
        assertEquals(Files.readString(changed), Files.readString(rootfs.resolve("app/src/file-150.txt")));
        assertEquals(Files.size(ctx.resolve("app/data.bin")), Files.size(rootfs.resolve("app/data.bin")));
    }
}
