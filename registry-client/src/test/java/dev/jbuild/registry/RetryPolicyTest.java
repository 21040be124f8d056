package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static final RetryPolicy P =
            new RetryPolicy(6, Duration.ofMillis(500), Duration.ofSeconds(20), Duration.ofSeconds(60));

    @Test
    void backoffDoublesWithJitterWithinHalfToAllOfItsCeiling() {
        for (int next = 2; next <= 40; next++) {
            long ceiling = Math.min(20_000, 500L << Math.min(20, next - 2));
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                long ms = P.backoff(next).toMillis();
                assertTrue(ms >= ceiling / 2 && ms <= ceiling, "try " + next + ": " + ms + " ms");
                seen.add(ms);
            }
            assertTrue(seen.size() > 1, "no jitter at try " + next);
        }
    }

    @Test
    void lateTriesStayWithinTheCap() {
        RetryPolicy tiny = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(3), Duration.ofSeconds(1));
        for (int next = 2; next < 100; next++) {
            long ms = tiny.backoff(next).toMillis();
            assertTrue(ms >= 0 && ms <= 3, ms + " ms");
        }
        assertTrue(P.backoff(2).toMillis() >= 250);
    }

    @Test
    void retryAfterIsCappedAndNeverNegative() {
        assertEquals(Duration.ofSeconds(5), P.retryAfter(Duration.ofSeconds(5)));
        assertEquals(Duration.ofSeconds(60), P.retryAfter(Duration.ofHours(3)));
        assertEquals(Duration.ZERO, P.retryAfter(Duration.ofSeconds(-5)));
    }

    @Test
    void whatIsRetried() {
        for (int s : new int[] {408, 429, 500, 502, 503, 504}) {
            assertTrue(RetryPolicy.retryableStatus(s), Integer.toString(s));
        }
        for (int s : new int[] {200, 201, 202, 301, 307, 400, 401, 403, 404, 405, 416, 501, 505}) {
            assertFalse(RetryPolicy.retryableStatus(s), Integer.toString(s));
        }
    }

    @Test
    void atLeastOneAttempt() {
        assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, Duration.ZERO));
    }
}
