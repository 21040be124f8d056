package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {
    @Test
    void goSyntax() {
        assertEquals(Duration.ofHours(24), GoDuration.parse("24h"));
        assertEquals(Duration.ofMinutes(90), GoDuration.parse("1h30m"));
        assertEquals(Duration.ofMinutes(90), GoDuration.parse("1.5h"));
        assertEquals(Duration.ofSeconds(90), GoDuration.parse("90s"));
        assertEquals(Duration.ofMillis(1500), GoDuration.parse("1s500ms"));
    }

    @Test
    void anythingElseIsRefused() {
        for (String bad : new String[] {"", "24", "h", "1d", "1h 30m", "-1h", "1h30"}) {
            assertThrows(UserError.class, () -> GoDuration.parse(bad), bad);
        }
    }
}
