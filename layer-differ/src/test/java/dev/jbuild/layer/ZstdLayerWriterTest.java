package dev.jbuild.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.jbuild.layer.bench.LayerWriteBench;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * zstd layers: the same bytes for any worker count (zstd's multi-threaded streaming format does not
 * depend on it), which is why the writer never uses zero workers; valid for the zstd tool.
 */
class ZstdLayerWriterTest {
    @TempDir
    Path tmp;

    private static byte[] zstd(byte[] data, int workers, int chunk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, 3)) {
            z.setWorkers(workers);
            z.setChecksum(true);
            for (int i = 0; i < data.length; i += chunk) {
                z.write(data, i, Math.min(chunk, data.length - i));
            }
        }
        return out.toByteArray();
    }

    @Test
    void multiThreadedOutputDoesNotDependOnWorkersOrWriteSizes() throws IOException {
        // 40 MB spans several zstd jobs (job size at level 3 is 8 MiB), so workers really overlap.
        byte[] data;
        try (InputStream in = new LayerWriteBench.TextStream(40_000_000, 11)) {
            data = in.readAllBytes();
        }
        byte[] one = zstd(data, 1, 1 << 20);
        for (int workers : new int[] {2, 3, 8}) {
            assertArrayEquals(one, zstd(data, workers, 12_345), workers + " workers");
        }
        try (InputStream in = new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(one))) {
            assertArrayEquals(data, in.readAllBytes());
        }
    }

    @Test
    void layersWithManyWorkersAreIdenticalAndPassZstdTest() throws Exception {
        List<LayerEntry> entries = LayerWriteBench.synthetic(30);
        LayerResult a = LayerWriter.write(entries, tmp.resolve("a.zst"), Compression.ZSTD,
                LayerOptions.defaults().withThreads(1));
        LayerResult b = LayerWriter.write(entries, tmp.resolve("b.zst"), Compression.ZSTD,
                LayerOptions.defaults().withThreads(6));
        assertEquals(a, b);
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a.zst")), Files.readAllBytes(tmp.resolve("b.zst")));
        LayerWriterFixtures.run(null, "zstd", "-q", "-t", tmp.resolve("a.zst").toString());
        assertEquals(a.diffId(), LayerWriterFixtures.sha256(LayerWriterFixtures.decompress(tmp.resolve("a.zst"),
                Compression.ZSTD)));
    }
}
