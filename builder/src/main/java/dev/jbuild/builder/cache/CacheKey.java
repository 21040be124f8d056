package dev.jbuild.builder.cache;

import dev.jbuild.oci.Digest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A content-based cache key: the sha256 of named fields, each written with its length so that no
 * two different sets of fields give the same bytes. Every field that changes a step's result goes
 * in; nothing else does (never mtimes, line numbers or the executor).
 */
public final class CacheKey {
    /** Changes every key when what the keys cover changes. */
    private static final String VERSION = "jbuild step cache v1";

    private final MessageDigest sha = Digest.sha256();

    private CacheKey(String kind) {
        add("version", VERSION);
        add("kind", kind);
    }

    /** A key for a step of this kind (RUN, COPY, ...). */
    public static CacheKey of(String kind) {
        return new CacheKey(kind);
    }

    public CacheKey add(String name, String value) {
        field(name);
        field(value);
        return this;
    }

    public CacheKey add(String name, List<String> values) {
        field(name);
        sha.update(ByteBuffer.allocate(4).putInt(values.size()).array());
        // The same bytes as a field per value, gathered so that a list of 20,000 lines (a COPY's
        // sources) costs a few hundred digest updates rather than 40,000.
        byte[] batch = new byte[64 << 10];
        int n = 0;
        for (String value : values) {
            byte[] b = value.getBytes(StandardCharsets.UTF_8);
            if (n + 4 + b.length > batch.length) {
                sha.update(batch, 0, n);
                n = 0;
            }
            putLength(batch, n, b.length);
            n += 4;
            if (b.length > batch.length - n) {
                sha.update(batch, 0, n);
                sha.update(b);
                n = 0;
            } else {
                System.arraycopy(b, 0, batch, n, b.length);
                n += b.length;
            }
        }
        sha.update(batch, 0, n);
        return this;
    }

    /** A map's entries in key order, so the order they were set in does not matter. */
    public CacheKey add(String name, Map<String, String> values) {
        field(name);
        Map<String, String> sorted = new TreeMap<>(values);
        sha.update(ByteBuffer.allocate(4).putInt(sorted.size()).array());
        sorted.forEach((k, v) -> {
            field(k);
            field(v);
        });
        return this;
    }

    /** The key, as 64 hex digits. */
    public String hex() {
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void putLength(byte[] into, int at, int length) {
        into[at] = (byte) (length >>> 24);
        into[at + 1] = (byte) (length >>> 16);
        into[at + 2] = (byte) (length >>> 8);
        into[at + 3] = (byte) length;
    }

    private void field(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(4).putInt(b.length).array());
        sha.update(b);
    }
}
