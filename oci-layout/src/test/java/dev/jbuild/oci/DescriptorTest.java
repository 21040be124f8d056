package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Descriptors: the member order, embedded data, and their copy methods. */
class DescriptorTest {

    @Test
    void writesEveryMemberInTheSpecOrder() {
        byte[] content = "{}".getBytes(StandardCharsets.UTF_8);
        Descriptor d = Descriptor.of("application/vnd.oci.empty.v1+json", content)
                .withArtifactType(Optional.of("application/x"))
                .withPlatform(Platform.parse("linux/amd64"))
                .withData(content)
                .withAnnotations(Map.of("z", "1", "a", "2"))
                .withUrls(List.of("https://example.com/blob"));
        assertEquals("{\"mediaType\":\"application/vnd.oci.empty.v1+json\","
                + "\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\","
                + "\"size\":2,\"urls\":[\"https://example.com/blob\"],\"annotations\":{\"a\":\"2\",\"z\":\"1\"},"
                + "\"data\":\"e30=\",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},"
                + "\"artifactType\":\"application/x\"}", Json.writeString(d));
        assertEquals(d, Json.read(Json.write(d), Descriptor.class));
        assertArrayEquals(content, d.verifiedData().orElseThrow());
    }

    @Test
    void embeddedDataMustMatchTheDigest() {
        Descriptor d = Descriptor.of("application/json", "{}".getBytes(StandardCharsets.UTF_8));
        assertThrows(IllegalStateException.class, () -> d.withData("[]".getBytes(StandardCharsets.UTF_8)));
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class, () -> Json.read(
                ("{\"mediaType\":\"a\",\"digest\":\"" + d.digest() + "\",\"size\":2,\"data\":\"%%%\"}")
                        .getBytes(StandardCharsets.UTF_8), Descriptor.class));
        assertEquals("data", e.field());
    }
}
