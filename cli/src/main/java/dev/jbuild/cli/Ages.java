package dev.jbuild.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** "2 hours ago", as docker shows creation times. */
final class Ages {
    private Ages() {
    }

    static String since(String rfc3339) {
        Instant then;
        try {
            then = OffsetDateTime.parse(rfc3339).toInstant();
        } catch (DateTimeParseException e) {
            return rfc3339;
        }
        return ago(Duration.between(then, Instant.now()));
    }

    static String ago(Duration d) {
        long s = d.getSeconds();
        if (s < 1) {
            return "Less than a second ago";
        }
        if (s < 60) {
            return plural(s, "second");
        }
        if (s < 3600) {
            return plural(s / 60, "minute");
        }
        if (s < 2 * 86400) {
            return plural(s / 3600, "hour");
        }
        if (s < 14 * 86400) {
            return plural(s / 86400, "day");
        }
        if (s < 60 * 86400) {
            return plural(s / (7 * 86400), "week");
        }
        if (s < 2 * 365 * 86400) {
            return plural(s / (30 * 86400), "month");
        }
        return plural(s / (365 * 86400), "year");
    }

    private static String plural(long n, String unit) {
        return (n == 1 ? (unit.equals("hour") ? "An" : "1") : String.valueOf(n)) + " " + unit + (n == 1 ? "" : "s")
                + " ago";
    }
}
