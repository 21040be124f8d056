package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Durations written as String.format's %.2f and %.1f write them. */
class SecondsTest {
    @Test
    void millisecondsAsPercentPointTwoF() {
        for (long ms = 0; ms <= 200_000; ms++) {
            assertEquals(String.format(Locale.ROOT, "%.2fs", ms / 1000.0), Seconds.of(ms * 1_000_000, 2), ms + " ms");
        }
    }

    @Test
    void nanosecondsAsPercentPointOneF() {
        Random random = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            long nanos = i < 1000 ? i * 50_000_000L : (long) (random.nextDouble() * 3_600e9);
            assertEquals(String.format(Locale.ROOT, "%.1fs", nanos / 1e9), Seconds.of(nanos, 1), nanos + " ns");
        }
        assertEquals("0.0s", Seconds.of(-5, 1), "a clock that went back shows zero");
        assertThrows(IllegalArgumentException.class, () -> Seconds.of(1, 4));
    }
}
