package dev.jbuild.builder.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheKeyTest {
    /** The key's bytes written out by hand: each field its big-endian length, then its UTF-8. */
    private static final class Expected {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final DataOutputStream out = new DataOutputStream(bytes);

        Expected(String kind) throws IOException {
            field("version");
            field("jbuild step cache v1");
            field("kind");
            field(kind);
        }

        Expected field(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
            return this;
        }

        Expected list(String name, List<String> values) throws IOException {
            field(name);
            out.writeInt(values.size());
            for (String v : values) {
                field(v);
            }
            return this;
        }

        String hex() throws NoSuchAlgorithmException {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
        }
    }

    @Test
    void fieldsAreHashedWithTheirLengths() throws Exception {
        assertEquals(new Expected("COPY").field("a").field("bc").hex(), CacheKey.of("COPY").add("a", "bc").hex());
        assertNotEquals(CacheKey.of("COPY").add("a", "bc").hex(), CacheKey.of("COPY").add("ab", "c").hex());
    }

    @Test
    void aListGivesTheSameBytesAsAFieldPerValueAcrossBatchBoundaries() throws Exception {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            values.add("src/d" + i + "/f.txt 644 0:0 file " + "ab".repeat(32) + (i % 7 == 0 ? " été" : ""));
        }
        values.add(2500, "x".repeat(70_000)); // longer than a batch
        values.add(2501, "");
        values.add("y".repeat(65_532)); // exactly fills a batch with its length
        assertEquals(new Expected("sources").list("entries", values).hex(),
                CacheKey.of("sources").add("entries", values).hex());
        assertEquals(new Expected("sources").list("entries", List.of()).hex(),
                CacheKey.of("sources").add("entries", List.of()).hex());
    }

    @Test
    void aMapIsHashedInKeyOrder() throws Exception {
        assertEquals(CacheKey.of("RUN").add("args", Map.of("b", "2", "a", "1")).hex(),
                CacheKey.of("RUN").add("args", new java.util.TreeMap<>(Map.of("a", "1", "b", "2"))).hex());
    }
}
