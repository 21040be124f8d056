package dev.jbuild.layer;

import static dev.jbuild.layer.LayerWriterFixtures.javaBinary;
import static dev.jbuild.layer.LayerWriterFixtures.run;
import static dev.jbuild.layer.LayerWriterFixtures.testClasspath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Memory does not grow with the layer: a 1 GiB layer, generated while it is written (no disk),
 * goes through gzip and through no compression in a JVM whose heap is capped at 40 MiB, far less
 * than the layer. A writer that buffered the tar, a compressed blob or an unbounded queue of
 * blocks would fail with OutOfMemoryError. (Timing is the bench's business, not asserted here.)
 */
class LayerWriterMemoryTest {
    private static final long HEAP_LIMIT = 40L << 20;

    private static String[] writeInSmallHeap(String compression, String threads, String level) throws Exception {
        String out = run(null, javaBinary().toString(), "-Xmx" + (HEAP_LIMIT >> 20) + "m", "-XX:+UseSerialGC",
                "-cp", testClasspath(), LayerWriterMain.class.getName(), "synthetic", "1024", compression, threads,
                level).trim();
        String[] lines = out.split("\n");
        return lines[lines.length - 1].split(" ");
    }

    @Test
    void aOneGigabyteLayerFitsIn40MegabytesOfHeap() throws Exception {
        String[] gzip = writeInSmallHeap("gzip", "2", "1");
        String[] none = writeInSmallHeap("none", "1", "-1");
        assertEquals(none[1], gzip[1], "same tar, same diffID, whatever the compression");
        assertEquals(none[0], none[1]);
        assertTrue(Long.parseLong(none[2]) > (1L << 30), "the layer really is over 1 GiB: " + none[2]);
        assertTrue(Long.parseLong(gzip[3]) < HEAP_LIMIT, "peak heap " + gzip[3]);
    }
}
