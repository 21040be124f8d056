package dev.jbuild.layer.bench;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerResult;
import dev.jbuild.layer.LayerWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times {@link LayerWriter} once warm: run by {@code bench/layer-write.sh}, not by the test suite
 * (timings are never asserted in tests). The layer goes to {@code /dev/null}, so only the writer is
 * measured. Throughput is over the uncompressed tar bytes.
 *
 * <pre>
 * LayerWriteBench tree &lt;root&gt; &lt;gzip|zstd|none&gt; &lt;runs&gt; [shell command…]
 * LayerWriteBench synthetic &lt;megabytes&gt; &lt;gzip|zstd|none&gt; &lt;runs&gt;
 * </pre>
 * Each shell command (say {@code tar -cf - -C tree . | pigz | wc -c}, which must print the byte
 * count of its output) is run in turn with every jbuild run, so that both see the same machine
 * load; the first round warms the JIT and the page cache and is not counted. The synthetic layer
 * is generated while it is written (text-like files of 64 MiB), to show memory staying flat on a
 * layer of any size without disk.
 */
public final class LayerWriteBench {
    private LayerWriteBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Compression compression = Compression.valueOf(args[2].toUpperCase(Locale.ROOT));
        int runs = Integer.parseInt(args[3]);
        List<String> commands = new ArrayList<>(List.of(args).subList(4, args.length));
        LayerOptions options = LayerOptions.defaults();
        double best = Double.MAX_VALUE;
        double[] bestTool = new double[commands.size()];
        long[] toolBytes = new long[commands.size()];
        java.util.Arrays.fill(bestTool, Double.MAX_VALUE);
        LayerResult result = null;
        for (int i = 0; i <= runs; i++) {
            long t0 = System.nanoTime();
            try (OutputStream out = new FileOutputStream("/dev/null")) {
                if (mode.equals("tree")) {
                    result = LayerWriter.writeTree(Path.of(args[1]), out, compression, options);
                } else {
                    result = LayerWriter.write(synthetic(Long.parseLong(args[1]) << 20), out, compression, options);
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            if (i > 0 || runs == 0) {
                best = Math.min(best, s);
            }
            for (int c = 0; c < commands.size(); c++) {
                long c0 = System.nanoTime();
                toolBytes[c] = shell(commands.get(c));
                double cs = (System.nanoTime() - c0) / 1e9;
                if (i > 0 || runs == 0) {
                    bestTool[c] = Math.min(bestTool[c], cs);
                }
            }
        }
        double mb = result.uncompressedSize() / 1e6;
        System.out.printf(Locale.ROOT, "%-28s %7.2f s %6.0f MB/s  blob %7.1f MB  ratio %.3f%n",
                "jbuild " + args[2] + " (" + mode + ")", best, mb / best, result.size() / 1e6,
                (double) result.size() / result.uncompressedSize());
        for (int c = 0; c < commands.size(); c++) {
            System.out.printf(Locale.ROOT, "%-28s %7.2f s %6.0f MB/s  blob %7.1f MB  ratio %.3f   jbuild is %.2fx%n",
                    label(commands.get(c)), bestTool[c], mb / bestTool[c], toolBytes[c] / 1e6,
                    (double) toolBytes[c] / result.uncompressedSize(), bestTool[c] / best);
        }
        System.out.println("  digest " + result.digest() + "  diffID " + result.diffId());
    }

    private static String label(String command) {
        String s = command.replaceAll("-C \\S+ \\. ", "").replace(" | wc -c", "");
        return s.length() > 28 ? s.substring(0, 28) : s;
    }

    /** Runs a pipeline with bash and returns the number it prints (its output size). */
    private static long shell(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-o", "pipefail", "-c", command)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (p.waitFor() != 0) {
            throw new IOException(command + " failed");
        }
        return Long.parseLong(out);
    }

    /** Files of 64 MiB of deterministic text-like bytes, generated as they are read. */
    public static List<LayerEntry> synthetic(long bytes) {
        List<LayerEntry> entries = new ArrayList<>();
        entries.add(LayerEntry.directory("data"));
        long fileSize = 64L << 20;
        for (int i = 0; bytes > 0; i++) {
            long size = Math.min(fileSize, bytes);
            int seed = i;
            entries.add(LayerEntry.file(String.format("data/f%05d", i), size, () -> new TextStream(size, seed)));
            bytes -= size;
        }
        return entries;
    }

    /** Pseudo-random words from a small vocabulary: compresses roughly like source code or logs. */
    public static final class TextStream extends InputStream {
        private static final byte[][] WORDS = new byte[4096][];

        static {
            long x = 42;
            for (int i = 0; i < WORDS.length; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
                int n = 2 + (int) ((x >>> 33) % 9);
                byte[] w = new byte[n + 1];
                for (int j = 0; j < n; j++) {
                    x = x * 6364136223846793005L + 1442695040888963407L;
                    w[j] = (byte) ('a' + (x >>> 33) % 26);
                }
                w[n] = (byte) ((i % 13 == 0) ? '\n' : ' ');
                WORDS[i] = w;
            }
        }

        private long remaining;
        private long state;
        private byte[] word = new byte[0];
        private int wordPos;

        public TextStream(long size, long seed) {
            this.remaining = size;
            this.state = seed * 0x9E3779B97F4A7C15L + 1;
        }

        @Override
        public int read() {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining == 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            for (int i = 0; i < n; i++) {
                if (wordPos == word.length) {
                    state = state * 6364136223846793005L + 1442695040888963407L;
                    word = WORDS[(int) ((state >>> 40) & 4095)];
                    wordPos = 0;
                }
                b[off + i] = word[wordPos++];
            }
            remaining -= n;
            return n;
        }
    }
}
