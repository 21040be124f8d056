package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing, normalising and matching platforms as containerd does. */
class PlatformTest {

    @ParameterizedTest
    @CsvSource({
        "linux/amd64, linux/amd64",
        "linux/x86_64, linux/amd64",
        "linux/x86-64, linux/amd64",
        "linux/amd64/v1, linux/amd64",
        "linux/amd64/v3, linux/amd64/v3",
        "linux/i386, linux/386",
        "linux/aarch64, linux/arm64",
        "linux/arm64/v8, linux/arm64",
        "linux/arm64/8, linux/arm64",
        "linux/arm64/v9.0, linux/arm64/v9",
        "linux/arm, linux/arm/v7",
        "linux/arm/7, linux/arm/v7",
        "linux/arm/6, linux/arm/v6",
        "linux/armhf, linux/arm/v7",
        "linux/armel, linux/arm/v6",
        "Linux/AMD64, linux/amd64",
        "macos/arm64, darwin/arm64",
        "arm64, linux/arm64",
        "windows(10.0.17763)/amd64, windows(10.0.17763)/amd64",
        "linux/ppc64le, linux/ppc64le",
    })
    void parsesAndNormalises(String text, String expected) {
        assertEquals(expected, Platform.parse(text).toString());
    }

    @Test
    void aBareOsTakesTheHostArchitecture() {
        assertEquals(Platform.host().architecture(), Platform.parse("linux").architecture());
    }

    @Test
    void refusesNonsense() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux/"));
        assertTrue(e.getMessage().contains("expected os/architecture"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Platform.parse("a/b/c/d"));
        assertThrows(IllegalArgumentException.class, () -> Platform.parse("banana"));
        assertThrows(IllegalArgumentException.class, () -> Platform.parse(""));
    }

    @Test
    void matchesAfterNormalisationOnVariantExactly() {
        assertTrue(Platform.parse("linux/arm64").matches(Platform.of("linux", "arm64", "v8")));
        assertTrue(Platform.parse("linux/arm64/v8").matches(Platform.of("linux", "aarch64")));
        assertTrue(Platform.parse("linux/arm").matches(Platform.of("linux", "arm", "v7")));
        assertTrue(Platform.parse("linux/arm").matches(Platform.of("linux", "arm")));
        assertFalse(Platform.parse("linux/arm/v7").matches(Platform.of("linux", "arm", "v6")));
        assertFalse(Platform.parse("linux/amd64").matches(Platform.of("windows", "amd64")));
        assertFalse(Platform.parse("linux/amd64").matches(Platform.of("unknown", "unknown")));
        Platform win = Platform.of("windows", "amd64").withOsVersion(Optional.of("10.0.17763.5329"));
        assertTrue(Platform.parse("windows(10.0.17763)/amd64").matches(win));
        assertTrue(Platform.parse("windows/amd64").matches(win));
        assertFalse(Platform.parse("windows(10.0.2)/amd64").matches(win));
    }

    @Test
    void writesTheSpecNamesInGoOrder() {
        Platform p = Platform.of("windows", "amd64", "v2").withOsVersion(Optional.of("10.0.17763"))
                .withOsFeatures(List.of("win32k"));
        String json = Json.writeString(p);
        assertEquals("{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0.17763\","
                + "\"os.features\":[\"win32k\"],\"variant\":\"v2\"}", json);
        assertEquals(p, Json.read(json.getBytes(StandardCharsets.UTF_8), Platform.class));
    }
}
