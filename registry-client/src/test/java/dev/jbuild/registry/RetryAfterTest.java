package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link HttpTransport#retryAfter}: seconds, HTTP dates, and whatever else a server sends. */
class RetryAfterTest {
    private static Optional<Duration> retryAfter(String... values) {
        return HttpTransport.retryAfter(HttpHeaders.of(values.length == 0 ? Map.of()
                : Map.of("Retry-After", List.of(values)), (k, v) -> true));
    }

    @Test
    void seconds() {
        assertEquals(Optional.of(Duration.ofSeconds(120)), retryAfter("120"));
        assertEquals(Optional.of(Duration.ofSeconds(7)), retryAfter(" 7 "));
        assertEquals(Optional.of(Duration.ZERO), retryAfter("0"));
        assertEquals(Optional.of(Duration.ZERO), retryAfter("-3"));
    }

    @Test
    void anHttpDate() {
        String in30 = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30));
        Duration d = retryAfter(in30).orElseThrow();
        assertTrue(d.toSeconds() >= 28 && d.toSeconds() <= 30, d.toString());
        assertEquals(Optional.of(Duration.ZERO), retryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), "a past date");
    }

    @Test
    void garbageAndAbsenceMeanNoAdvice() {
        assertEquals(Optional.empty(), retryAfter());
        assertEquals(Optional.empty(), retryAfter(""));
        assertEquals(Optional.empty(), retryAfter("soon"));
        assertEquals(Optional.empty(), retryAfter("1.5"));
        assertEquals(Optional.empty(), retryAfter("2015-10-21T07:28:00Z"));
    }
}
