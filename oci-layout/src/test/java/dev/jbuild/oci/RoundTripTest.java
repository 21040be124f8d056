package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every fixture read and written again is the same JSON value (unknown members included), and
 * writing is deterministic and idempotent.
 */
class RoundTripTest {

    @ParameterizedTest
    @CsvSource({
        "oci-manifest.json, dev.jbuild.oci.Manifest",
        "oci-artifact-manifest.json, dev.jbuild.oci.Manifest",
        "oci-index.json, dev.jbuild.oci.Index",
        "docker-manifest.json, dev.jbuild.oci.Manifest",
        "docker-manifest-list.json, dev.jbuild.oci.Index",
        "buildkit-config.json, dev.jbuild.oci.ImageConfig",
    })
    void readThenWriteKeepsTheValue(String fixture, Class<?> type) {
        byte[] original = Fixtures.bytes(fixture);
        Object model = Json.read(original, type, fixture);
        byte[] written = Json.write(model);

        assertEquals(Json.read(original, JsonNode.class), Json.read(written, JsonNode.class),
                fixture + " changed in value:\n" + new String(written, StandardCharsets.UTF_8));
        // Reading what we wrote gives the same model, and writing it again the same bytes.
        Object again = Json.read(written, type, fixture);
        assertEquals(model, again);
        assertArrayEquals(written, Json.write(again));
        assertArrayEquals(written, Json.write(model));
    }

    @ParameterizedTest
    @CsvSource({
        "oci-manifest.json", "oci-artifact-manifest.json", "oci-index.json", "docker-manifest.json",
        "docker-manifest-list.json", "buildkit-config.json",
    })
    void canonicalFormHasNoWhitespaceNoNullsAndEndsWithoutNewline(String fixture) {
        Object model = fixture.contains("config")
                ? Json.read(Fixtures.bytes(fixture), ImageConfig.class)
                : ManifestDocument.read(Fixtures.bytes(fixture));
        String text = Json.writeString(model);
        assertFalse(text.contains("\n"), text);
        assertFalse(text.contains("\": "), text);
        assertFalse(text.endsWith(" "), text);
        if (!fixture.equals("buildkit-config.json") && !fixture.equals("oci-index.json")) {
            // those two have nulls inside unknown members, which are kept verbatim
            assertFalse(text.contains("null"), text);
        }
    }
}
