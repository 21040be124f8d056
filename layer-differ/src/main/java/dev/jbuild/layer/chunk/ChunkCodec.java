package dev.jbuild.layer.chunk;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.jbuild.layer.Compression;
import dev.jbuild.layer.compress.ParallelGzipOutputStream;
import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * Compresses one chunk of a layer's tar into a self-contained member — a whole gzip member or a
 * whole zstd frame — so that members can be concatenated in any combination and still form one
 * valid stream (RFC 1952 §2.2 allows several gzip members; a zstd stream is a sequence of frames).
 * Every member depends only on the chunk's bytes and the codec's settings, which is what lets a
 * member compressed in an earlier build stand in for a fresh one.
 */
public abstract class ChunkCodec {
    /** What every key starts with: the format version and the codec with its settings. */
    private final byte[] keyPrefix;

    private ChunkCodec(String id) {
        this.keyPrefix = ("jbuild layer chunk 1\n" + id + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** What names the codec and its settings, which every member depends on. */
    byte[] identity() {
        return keyPrefix.clone();
    }

    /** The codec for a compression and level; there is none for uncompressed layers. */
    public static ChunkCodec of(Compression compression, int level) {
        return switch (compression) {
            case GZIP -> new Gzip(level);
            case ZSTD -> new Zstandard(level);
            case NONE -> throw new IllegalArgumentException("uncompressed layers have no chunk members");
        };
    }

    /**
     * The key of a chunk: sha256 of the format version, the codec and its settings, and the bytes.
     * Equal keys mean equal members, so the key must name everything the member depends on.
     */
    public final String key(byte[] data, int length) {
        MessageDigest sha = Digest.sha256();
        sha.update(keyPrefix);
        sha.update(data, 0, length);
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The member for {@code data[0, length)}, into {@code out} (emptied first). */
    abstract void compress(byte[] data, int length, MemberBytes out) throws IOException;

    /**
     * Whether a member found in a cache decompresses to this chunk, as far as its frame tells
     * without decompressing it: the gzip trailer's CRC-32 and length, or the zstd frame's
     * content size.
     */
    public abstract boolean fits(MemberBytes member, byte[] data, int length);

    /**
     * Whether {@link #fits} checks the chunk's bytes, not only its length: only then may a member
     * be found by a key that names the chunk without hashing its bytes ({@link EntryChunkKeys}),
     * since a digest vouched for wrongly (a file changed meanwhile) would otherwise put the old
     * bytes in the layer under a diffID of the new.
     */
    public abstract boolean checksContent();

    /** gzip members made by {@link ParallelGzipOutputStream} on one thread: the same bytes as a one-chunk layer. */
    private static final class Gzip extends ChunkCodec {
        private final int level;

        Gzip(int level) {
            super("gzip level " + level);
            this.level = level;
        }

        @Override
        void compress(byte[] data, int length, MemberBytes out) throws IOException {
            out.reset();
            ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out, level, 1);
            gz.write(data, 0, length);
            gz.finish();
        }

        @Override
        public boolean fits(MemberBytes found, byte[] data, int length) {
            byte[] member = found.array();
            int n = found.size();
            if (n < 18 || (member[0] & 0xff) != 0x1f || (member[1] & 0xff) != 0x8b || member[2] != 8) {
                return false;
            }
            CRC32 crc = new CRC32();
            crc.update(data, 0, length);
            return le32(member, n - 8) == (int) crc.getValue() && le32(member, n - 4) == length;
        }

        @Override
        public boolean checksContent() {
            return true; // the trailer's CRC-32
        }

        private static int le32(byte[] b, int at) {
            return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
        }
    }

    /**
     * zstd frames from one single-threaded compression with the content size and a checksum in
     * the frame, so every zstd reader can check each member on its own.
     */
    private static final class Zstandard extends ChunkCodec {
        private final int level;

        Zstandard(int level) {
            super("zstd level " + level + " checksum");
            this.level = level;
        }

        @Override
        void compress(byte[] data, int length, MemberBytes out) {
            try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
                ctx.setLevel(level);
                ctx.setChecksum(true);
                ctx.setContentSize(true);
                int bound = (int) Zstd.compressBound(length);
                out.ensureCapacity(bound);
                out.setSize(ctx.compressByteArray(out.array(), 0, bound, data, 0, length));
            }
        }

        @Override
        public boolean fits(MemberBytes found, byte[] data, int length) {
            byte[] member = found.array();
            return found.size() >= 4 && (member[0] & 0xff) == 0x28 && (member[1] & 0xff) == 0xb5
                    && (member[2] & 0xff) == 0x2f && (member[3] & 0xff) == 0xfd
                    && Zstd.getFrameContentSize(member, 0, found.size()) == length;
        }

        @Override
        public boolean checksContent() {
            return false; // the frame's checksum is XXH64, which zstd-jni does not offer
        }
    }
}
