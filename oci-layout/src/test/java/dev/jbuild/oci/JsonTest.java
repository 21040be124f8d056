package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The canonical form and the reading rules of {@link Json}. */
class JsonTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void escapesStringsAsGoDoes() {
        ContainerConfig config = ContainerConfig.EMPTY.withLabels(Map.of(
                "html", "<a href=\"x\">&</a>",
                "ctl", "tab\there\u0001\u001f\b\f\n\r\\",
                "wide", "h\u00e9llo \u2713 \uD83D\uDE80 \u2028\u2029 \u007f /"));
        String text = Json.writeString(config);
        assertEquals("{\"Labels\":{"
                + "\"ctl\":\"tab\\there\\u0001\\u001f\\b\\f\\n\\r\\\\\","
                + "\"html\":\"\\u003ca href=\\\"x\\\"\\u003e\\u0026\\u003c/a\\u003e\","
                + "\"wide\":\"h\u00e9llo \u2713 \uD83D\uDE80 \\u2028\\u2029 \u007f /\"}}", text);
        // Raw UTF-8 for non-ASCII, including the 4-byte form outside the BMP.
        byte[] bytes = Json.write(config);
        assertTrue(new String(bytes, StandardCharsets.ISO_8859_1).contains("\u00f0\u009f\u009a\u0080"));
        // And it reads back to the same strings.
        assertEquals(config, Json.read(utf8("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
                + "\"layers\",\"diff_ids\":[]},\"config\":" + text + "}"), ImageConfig.class).config());
    }

    @Test
    void mapsAreSortedWhateverTheInsertionOrder() {
        Map<String, String> forward = new LinkedHashMap<>();
        Map<String, String> backward = new LinkedHashMap<>();
        List<String> keys = List.of("b", "a", "org.opencontainers.image.title", "Z", "\uD83D\uDE80", "\uFF21", "a.b");
        keys.forEach(k -> forward.put(k, "v" + k));
        for (int i = keys.size() - 1; i >= 0; i--) {
            backward.put(keys.get(i), "v" + keys.get(i));
        }
        byte[] one = Json.write(ContainerConfig.EMPTY.withLabels(forward));
        byte[] two = Json.write(ContainerConfig.EMPTY.withLabels(backward));
        assertArrayEquals(one, two);
        // Code point order, as Go sorts UTF-8 map keys: U+FF21 before U+1F680 (Java's compareTo says otherwise).
        String text = new String(one, StandardCharsets.UTF_8);
        assertTrue(text.indexOf("\uFF21") < text.indexOf("\uD83D\uDE80"), text);
        assertTrue(text.startsWith("{\"Labels\":{\"Z\":\"vZ\",\"a\":\"va\",\"a.b\":"), text);
    }

    @Test
    void unknownMembersAreSortedWhateverTheirOrderInTheDocument() {
        String a = "{\"schemaVersion\":2,\"manifests\":[],\"x-b\":{\"k2\":[{\"y\":1,\"x\":2}],\"k1\":0.10},\"x-a\":null}";
        String b = "{\"x-a\":null,\"x-b\":{\"k1\":0.10,\"k2\":[{\"x\":2,\"y\":1}]},\"manifests\":[],\"schemaVersion\":2}";
        byte[] one = Json.write(Json.read(utf8(a), Index.class));
        assertArrayEquals(one, Json.write(Json.read(utf8(b), Index.class)));
        assertEquals("{\"schemaVersion\":2,\"manifests\":[],\"x-a\":null,\"x-b\":{\"k1\":0.10,\"k2\":[{\"x\":2,\"y\":1}]}}",
                new String(one, StandardCharsets.UTF_8));
    }

    @Test
    void writtenDocumentsAreNamedByTheirSha256() throws Exception {
        Manifest manifest = Json.read(Fixtures.bytes("oci-manifest.json"), Manifest.class);
        byte[] bytes = Json.write(manifest);
        Descriptor d = Descriptor.of(MediaTypes.OCI_MANIFEST, bytes);
        assertEquals(bytes.length, d.size());
        assertEquals("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)),
                d.digest().toString());
        assertEquals(Json.digestOf(bytes), d.digest());
        // The same model always gives the same digest.
        assertEquals(d, Descriptor.of(MediaTypes.OCI_MANIFEST,
                Json.write(Json.read(Fixtures.bytes("oci-manifest.json"), Manifest.class))));
        // The digest of a document read is that of the bytes read, not of our re-written form.
        byte[] original = Fixtures.bytes("oci-manifest.json");
        assertTrue(!Json.digestOf(original).equals(d.digest()));
        // The OCI empty descriptor, a fixed point of the spec.
        assertEquals("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                Json.digestOf(Json.write(Map.of())).toString());
    }

    @Test
    void plainValuesAreWrittenSortedWithoutNulls() {
        Map<String, Object> layout = new LinkedHashMap<>();
        layout.put("imageLayoutVersion", "1.0.0");
        assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Json.writeString(layout));
        record Entry(String Config, List<String> RepoTags, List<String> Layers, String Parent) {
        }
        assertEquals("[{\"Config\":\"c.json\",\"Layers\":[\"l.tar\"],\"RepoTags\":[\"a:1\"]}]",
                Json.writeString(List.of(new Entry("c.json", List.of("a:1"), List.of("l.tar"), null))));
    }

    @Test
    void readingIsStrict() {
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class,
                () -> Json.read(utf8("{\"schemaVersion\":2,\"manifests\":[],\"manifests\":[]}"), Index.class));
        assertTrue(e.getMessage().contains("Duplicate field 'manifests'"), e.getMessage());
        e = assertThrows(InvalidDocumentException.class,
                () -> Json.read(utf8("{\"schemaVersion\":2,\"manifests\":[]} {}"), Index.class, "index.json"));
        assertTrue(e.getMessage().startsWith("index.json: not valid JSON"), e.getMessage());
        e = assertThrows(InvalidDocumentException.class, () -> Json.read(new byte[0], ImageConfig.class));
        assertEquals("image config: the document is empty", e.getMessage());
        e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8("{\"schemaVersion\":2,"), Index.class));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void numbersInUnknownMembersSurviveExactly() {
        byte[] doc = utf8("{\"schemaVersion\":2,\"manifests\":[],\"n\":[0.1,1.50,1e3,-0,12345678901234567890123,"
                + "1.7976931348623157e309]}");
        Index index = Json.read(doc, Index.class);
        assertEquals(Json.read(doc, JsonNode.class), Json.read(Json.write(index), JsonNode.class));
        assertTrue(Json.writeString(index).contains("0.1,1.50,"), Json.writeString(index));
    }

    @Test
    void timestampsAreWrittenAsGoWritesRfc3339Nano() {
        assertEquals("2024-05-01T10:00:00Z", Json.timestamp(Instant.parse("2024-05-01T10:00:00Z")));
        assertEquals("2024-05-01T10:00:00.5Z", Json.timestamp(Instant.parse("2024-05-01T10:00:00.500Z")));
        assertEquals("2024-05-01T10:00:00.000000001Z", Json.timestamp(Instant.parse("2024-05-01T10:00:00.000000001Z")));
        assertEquals("1970-01-01T00:00:00Z", Json.timestamp(Instant.EPOCH));
    }
}
