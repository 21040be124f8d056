package dev.jbuild.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as docker's {@code --filter until=} takes them (Go's syntax: {@code 24h}, {@code 1h30m}, {@code 90s}). */
final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|m|s)");

    private GoDuration() {
    }

    static Duration parse(String text) {
        Matcher m = PART.matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            double n = Double.parseDouble(m.group(1));
            long nanosPerUnit = switch (m.group(2)) {
                case "h" -> 3_600_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "s" -> 1_000_000_000L;
                default -> 1_000_000L; // ms
            };
            total = total.plusNanos((long) (n * nanosPerUnit));
            end = m.end();
        }
        if (end == 0 || end != text.length()) {
            throw new UserError("invalid duration \"" + text + "\": expected e.g. 24h, 1h30m or 90s");
        }
        return total;
    }
}
