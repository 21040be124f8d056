package dev.jbuild.builder.copy;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The compressions ADD unpacks a tar archive from, as BuildKit does (its {@code archiveutil}
 * {@code DecompressStream}): none, gzip, bzip2, xz and zstd. Which one a file uses is told by its
 * first bytes ({@link #sniff}), never by its name. Every decoder reads concatenated streams to the
 * end, as {@code gzip -d}, {@code bzip2 -d}, {@code xz -d} and {@code zstd -d} do.
 */
public enum ArchiveFormat {
    TAR,
    GZIP,
    BZIP2,
    XZ,
    ZSTD;

    /** How many leading bytes {@link #sniff} looks at at most. */
    static final int SNIFF_LENGTH = 10;

    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b, 0x08};
    private static final byte[] BZIP2_MAGIC = {'B', 'Z', 'h'};
    private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0x00};
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};
    /** Zstandard skippable frames use the magic numbers 0x184D2A50 to 0x184D2A5F (RFC 8878, 3.1.2). */
    private static final int ZSTD_SKIPPABLE = 0x184D2A50;

    /**
     * The compression the stream starting with {@code head[0..length)} uses; {@link #TAR} when no
     * compression magic matches, which only says the content is not compressed, not that it is a tar.
     */
    static ArchiveFormat sniff(byte[] head, int length) {
        if (startsWith(head, length, BZIP2_MAGIC)) {
            return BZIP2;
        }
        if (startsWith(head, length, XZ_MAGIC)) {
            return XZ;
        }
        if (startsWith(head, length, GZIP_MAGIC)) {
            return GZIP;
        }
        boolean skippable = length >= 8 && (littleEndianInt(head) & 0xFFFFFFF0) == ZSTD_SKIPPABLE;
        if (startsWith(head, length, ZSTD_MAGIC) || skippable) {
            return ZSTD;
        }
        return TAR;
    }

    /** The uncompressed content of {@code in}, which must be compressed this way. */
    InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case TAR -> in;
            case GZIP -> GzipCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(true).get();
            case BZIP2 -> new BZip2CompressorInputStream(in, true);
            case XZ -> XZCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(true).get();
            case ZSTD -> new ZstdInputStreamNoFinalizer(in);
        };
    }

    private static boolean startsWith(byte[] head, int length, byte[] magic) {
        if (length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static int littleEndianInt(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }
}
