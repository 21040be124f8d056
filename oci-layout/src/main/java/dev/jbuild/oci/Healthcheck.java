package dev.jbuild.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The {@code HEALTHCHECK} of an image, the Docker extension of the config that BuildKit writes as
 * {@code config.Healthcheck}. Durations are Go {@code time.Duration} values, written as integer
 * nanoseconds; zero means "use the default" and is omitted, as Go omits it.
 *
 * @param test {@code ["NONE"]}, {@code ["CMD", args…]} or {@code ["CMD-SHELL", command]}; empty
 *     inherits the base image's test
 * @param interval time between checks
 * @param timeout time after which one check counts as failed
 * @param startPeriod grace period during which failures do not count
 * @param startInterval time between checks during the start period
 * @param retries consecutive failures before the container is unhealthy
 * @param unknown other members
 */
public record Healthcheck(List<String> test, Duration interval, Duration timeout, Duration startPeriod,
        Duration startInterval, int retries, UnknownFields unknown) {
    static final List<String> FIELDS = List.of("Test", "Interval", "Timeout", "StartPeriod", "StartInterval",
            "Retries");

    public Healthcheck {
        test = List.copyOf(test);
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(startPeriod, "startPeriod");
        Objects.requireNonNull(startInterval, "startInterval");
        unknown = unknown.requireNoneOf(FIELDS, "Healthcheck");
    }

    /** A healthcheck with this test and every other setting at its default. */
    public static Healthcheck of(List<String> test) {
        return new Healthcheck(test, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0, UnknownFields.NONE);
    }

    public Healthcheck withTest(List<String> newTest) {
        return new Healthcheck(newTest, interval, timeout, startPeriod, startInterval, retries, unknown);
    }

    public Healthcheck withInterval(Duration newInterval) {
        return new Healthcheck(test, newInterval, timeout, startPeriod, startInterval, retries, unknown);
    }

    public Healthcheck withTimeout(Duration newTimeout) {
        return new Healthcheck(test, interval, newTimeout, startPeriod, startInterval, retries, unknown);
    }

    public Healthcheck withStartPeriod(Duration newStartPeriod) {
        return new Healthcheck(test, interval, timeout, newStartPeriod, startInterval, retries, unknown);
    }

    public Healthcheck withStartInterval(Duration newStartInterval) {
        return new Healthcheck(test, interval, timeout, startPeriod, newStartInterval, retries, unknown);
    }

    public Healthcheck withRetries(int newRetries) {
        return new Healthcheck(test, interval, timeout, startPeriod, startInterval, newRetries, unknown);
    }

    ObjectNode toJson() {
        return new JsonOut()
                .strings("Test", test, false)
                .nanos("Interval", interval)
                .nanos("Timeout", timeout)
                .nanos("StartPeriod", startPeriod)
                .nanos("StartInterval", startInterval)
                .numberIfNonZero("Retries", retries)
                .unknown(unknown)
                .done();
    }

    static Healthcheck fromJson(JsonFields in) {
        List<String> test = in.strings("Test");
        Duration interval = in.nanos("Interval");
        Duration timeout = in.nanos("Timeout");
        Duration startPeriod = in.nanos("StartPeriod");
        Duration startInterval = in.nanos("StartInterval");
        int retries = in.integer("Retries", 0);
        UnknownFields unknown = in.unknown();
        return in.build(() -> new Healthcheck(test, interval, timeout, startPeriod, startInterval, retries, unknown));
    }
}
