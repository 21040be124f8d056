package dev.jbuild.builder.copy;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * HTTP dates as Go's {@code http.ParseTime} reads them (RFC 9110, 5.6.7): the IMF-fixdate
 * ({@code Sun, 06 Nov 1994 08:49:37 GMT}) and the two obsolete forms a server may still send, RFC 850
 * ({@code Sunday, 06-Nov-94 08:49:37 GMT}) and asctime ({@code Sun Nov  6 08:49:37 1994}).
 */
final class HttpDates {
    private static final List<DateTimeFormatter> FORMATS = List.of(
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US),
            // Two-digit years as Go reads them: 69-99 are 1969-1999, 00-68 are 2000-2068.
            new DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
                    .appendValueReduced(ChronoField.YEAR, 2, 2, 1969)
                    .appendPattern(" HH:mm:ss 'GMT'").toFormatter(Locale.US),
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US));

    private HttpDates() {
    }

    /** The instant a header value names, or empty when it is in none of the three forms. */
    static Optional<Instant> parse(String value) {
        for (DateTimeFormatter f : FORMATS) {
            try {
                return Optional.of(f.withZone(ZoneOffset.UTC).parse(value.trim(), Instant::from));
            } catch (DateTimeParseException e) {
                // try the next form
            }
        }
        return Optional.empty();
    }
}
