package dev.jbuild.layer.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.bench.LayerWriteBench;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ParallelGzipOutputStream}: one valid gzip member, the same bytes for any thread count. */
class GzipParallelOutputTest {
    private static final int B = ParallelGzipOutputStream.BLOCK_SIZE;

    @TempDir
    Path tmp;

    static byte[] gzip(byte[] data, int level, int threads, int chunk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out, level, threads)) {
            for (int i = 0; i < data.length; i += chunk) {
                gz.write(data, i, Math.min(chunk, data.length - i));
            }
        }
        return out.toByteArray();
    }

    static byte[] text(int size, long seed) throws IOException {
        try (InputStream in = new LayerWriteBench.TextStream(size, seed)) {
            return in.readAllBytes();
        }
    }

    /** Text, with half-blocks of noise (deflated) and, past 1 MB, two and a half blocks of noise (stored). */
    static byte[] mixed(int size) throws IOException {
        byte[] b = text(size, 1);
        Random r = new Random(5);
        for (int i = 0; i < size; i += 3 * B) {
            byte[] noise = new byte[Math.min(B / 2, size - i)];
            r.nextBytes(noise);
            System.arraycopy(noise, 0, b, i, noise.length);
        }
        if (size > 1_000_000) {
            byte[] noise = new byte[5 * B / 2];
            r.nextBytes(noise);
            System.arraycopy(noise, 0, b, 1_000_000, noise.length);
        }
        return b;
    }

    @Test
    void blockEdgesRoundTripAndAreIdenticalForAnyThreadCountAndWriteSize() throws Exception {
        for (int size : new int[] {0, 1, 100, 32 * 1024, B - 1, B, B + 1, 2 * B, 3 * B + 17, 5_000_000}) {
            byte[] data = mixed(size);
            byte[] one = gzip(data, 6, 1, 1 << 20);
            for (int threads : new int[] {2, 3, 8}) {
                for (int chunk : new int[] {1000, 4096, 1 << 20}) {
                    if (size > B * 4 && chunk == 1000 && threads != 8) {
                        continue;
                    }
                    assertArrayEquals(one, gzip(data, 6, threads, chunk), size + " bytes, " + threads + " threads");
                }
            }
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(one))) {
                assertArrayEquals(data, in.readAllBytes(), "java.util.zip reads " + size);
            }
            try (InputStream in = new GzipCompressorInputStream(new ByteArrayInputStream(one))) {
                assertArrayEquals(data, in.readAllBytes(), "commons-compress reads " + size);
            }
        }
    }

    @Test
    void gnuGzipTestsAndDecompressesIt() throws Exception {
        byte[] data = mixed(3_000_000);
        Path gz = tmp.resolve("x.gz");
        Files.write(gz, gzip(data, 6, 2, 65536));
        Process t = new ProcessBuilder("gzip", "-t", gz.toString()).redirectErrorStream(true).start();
        String msg = new String(t.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(t.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, t.exitValue(), msg);
        Path plain = tmp.resolve("x");
        Process d = new ProcessBuilder("gzip", "-dc", gz.toString()).redirectOutput(plain.toFile()).start();
        assertTrue(d.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, d.exitValue());
        assertArrayEquals(data, Files.readAllBytes(plain), "gzip -dc | cmp");
    }

    @Test
    void headerIsFixedAndTrailerCoversTheWholeInput() throws IOException {
        byte[] data = text(3 * B + 5, 9);
        byte[] gz = gzip(data, 6, 2, 8192);
        assertArrayEquals(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff}, Arrays.copyOf(gz, 10),
                "deflate, no flags, mtime 0, XFL 0, OS unknown");
        assertEquals(4, gzip(data, 1, 1, B)[8], "XFL 4 at level 1");
        assertEquals(2, gzip(data, 9, 1, B)[8], "XFL 2 at level 9");
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(data);
        int n = gz.length;
        long storedCrc = (gz[n - 8] & 0xffL) | (gz[n - 7] & 0xffL) << 8 | (gz[n - 6] & 0xffL) << 16
                | (gz[n - 5] & 0xffL) << 24;
        long storedLen = (gz[n - 4] & 0xffL) | (gz[n - 3] & 0xffL) << 8 | (gz[n - 2] & 0xffL) << 16
                | (gz[n - 1] & 0xffL) << 24;
        assertEquals(crc.getValue(), storedCrc);
        assertEquals(data.length, storedLen);
    }

    @Test
    void ratioStaysWithinHalfAPercentOfPlainGzip() throws IOException {
        byte[] data = text(8_000_000, 3);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(plain)) {
            gz.write(data);
        }
        int ours = gzip(data, 6, 2, 1 << 16).length;
        assertTrue(ours < plain.size() * 1.005, ours + " vs " + plain.size());
    }

    @Test
    void incompressibleBlocksAreStoredAndRepetitiveNoiseIsStillDeflated() throws IOException {
        byte[] noise = new byte[20 * B + 12345];
        new Random(1).nextBytes(noise);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(plain)) {
            gz.write(noise);
        }
        byte[] ours = gzip(noise, 6, 2, 1 << 16);
        assertTrue(ours.length < plain.size(), "stored blocks are smaller than deflating noise: " + ours.length
                + " vs " + plain.size());
        assertTrue(ours.length < noise.length + noise.length / 10_000 + 64, "overhead of stored blocks: " + ours.length);
        assertArrayEquals(ours, gzip(noise, 6, 1, 7777));
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(ours))) {
            assertArrayEquals(noise, in.readAllBytes());
        }
        // Noise that repeats every 16 KiB has a flat byte histogram but is deflate-compressible.
        byte[] repeated = new byte[8 * B];
        for (int i = 0; i < repeated.length; i += 16 * 1024) {
            System.arraycopy(noise, 0, repeated, i, 16 * 1024);
        }
        assertTrue(gzip(repeated, 6, 2, B).length < repeated.length / 4);
        assertTrue(ParallelGzipOutputStream.looksIncompressible(noise, B, new int[1 << 14]));
        assertFalse(ParallelGzipOutputStream.looksIncompressible(repeated, B, new int[1 << 14]));
        assertFalse(ParallelGzipOutputStream.looksIncompressible(text(B, 2), B, new int[1 << 14]));
        byte[] counting = new byte[B];
        for (int i = 0; i < B; i++) {
            counting[i] = (byte) i;
        }
        assertFalse(ParallelGzipOutputStream.looksIncompressible(counting, B, new int[1 << 14]),
                "a flat histogram alone is not enough");
    }

    @Test
    void aFailingTargetFailsTheWriterAndStopsItsThreads() throws Exception {
        OutputStream broken = new OutputStream() {
            int n;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if ((n += len) > 100_000) {
                    throw new IOException("disk full");
                }
            }
        };
        byte[] data = mixed(4_000_000);
        ParallelGzipOutputStream gz = new ParallelGzipOutputStream(broken, 6, 2);
        IOException e = assertThrows(IOException.class, () -> {
            gz.write(data);
            gz.finish();
        });
        assertEquals("disk full", e.getMessage());
        gz.abort();
        for (int i = 0; i < 100 && gzipThreads() > 0; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, gzipThreads(), "compression threads stop");
    }

    private static long gzipThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("jbuild-gzip-"))
                .count();
    }
}
