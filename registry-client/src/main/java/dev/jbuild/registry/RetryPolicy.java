package dev.jbuild.registry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently a failed request is tried again: capped exponential backoff with
 * full jitter (so many clients hit by the same outage do not come back in step), and a cap on how
 * long a registry's {@code Retry-After} is obeyed.
 *
 * @param attempts tries in all, the first included
 * @param base the delay before the second try, doubled for each later one
 * @param cap the longest computed delay
 * @param retryAfterCap the longest {@code Retry-After} obeyed; longer ones are cut to this
 */
public record RetryPolicy(int attempts, Duration base, Duration cap, Duration retryAfterCap) {
    public static final RetryPolicy DEFAULT =
            new RetryPolicy(6, Duration.ofMillis(500), Duration.ofSeconds(20), Duration.ofSeconds(60));

    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
    }

    /** The delay before try {@code next} (2 for the first retry). */
    public Duration backoff(int next) {
        long ceiling = Math.min(cap.toMillis(), base.toMillis() << Math.min(20, next - 2));
        // Half fixed, half random: never zero, still spread out.
        return Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
    }

    /** A registry's requested wait, capped. */
    public Duration retryAfter(Duration asked) {
        return asked.compareTo(retryAfterCap) > 0 ? retryAfterCap : asked.isNegative() ? Duration.ZERO : asked;
    }

    /** Whether a response status is worth another try: timeouts, rate limits and server errors. */
    public static boolean retryableStatus(int status) {
        return status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
    }
}
