package dev.jbuild.layer;

import dev.jbuild.layer.bench.LayerWriteBench;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A second JVM for the determinism and memory tests: writes a layer and prints
 * {@code <digest> <diffID> <size> <peak heap bytes>}.
 *
 * <pre>
 * LayerWriterMain tree &lt;root&gt; &lt;compression&gt; &lt;threads&gt;
 * LayerWriterMain synthetic &lt;megabytes&gt; &lt;compression&gt; &lt;threads&gt; &lt;level&gt;
 * </pre>
 */
public final class LayerWriterMain {
    private LayerWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        Compression compression = Compression.valueOf(args[2].toUpperCase(Locale.ROOT));
        LayerOptions options = LayerOptions.defaults().withThreads(Integer.parseInt(args[3]));
        if (args.length > 4) {
            options = options.withLevel(Integer.parseInt(args[4]));
        }
        HeapWatcher watcher = new HeapWatcher();
        watcher.start();
        LayerResult r;
        if (args[0].equals("tree")) {
            r = LayerWriter.writeTree(Path.of(args[1]), OutputStream.nullOutputStream(), compression, options);
        } else {
            r = LayerWriter.write(LayerWriteBench.synthetic(Long.parseLong(args[1]) << 20),
                    OutputStream.nullOutputStream(), compression, options);
        }
        watcher.interrupt();
        watcher.join();
        System.out.println(r.digest() + " " + r.diffId() + " " + r.size() + " " + watcher.peak);
    }

    /** Samples used heap every few milliseconds (after GC has had its say, this is live data plus garbage). */
    static final class HeapWatcher extends Thread {
        volatile long peak;

        HeapWatcher() {
            setDaemon(true);
        }

        @Override
        public void run() {
            Runtime rt = Runtime.getRuntime();
            while (!isInterrupted()) {
                peak = Math.max(peak, rt.totalMemory() - rt.freeMemory());
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
