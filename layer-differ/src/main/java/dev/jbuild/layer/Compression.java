package dev.jbuild.layer;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.jbuild.oci.MediaTypes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.zip.GZIPInputStream;

/**
 * How a layer blob is compressed. Readers detect it from the first bytes, never from a media type
 * or a file name, because registries and archives are not always honest about either.
 */
public enum Compression {
    GZIP(MediaTypes.OCI_LAYER_GZIP),
    ZSTD(MediaTypes.OCI_LAYER_ZSTD),
    NONE(MediaTypes.OCI_LAYER);

    private final String ociMediaType;

    Compression(String ociMediaType) {
        this.ociMediaType = ociMediaType;
    }

    /** The OCI layer media type for blobs compressed this way. */
    public String ociMediaType() {
        return ociMediaType;
    }

    /** Recognises gzip ({@code 1f 8b}) and zstd ({@code 28 b5 2f fd}) magic; anything else is a plain tar. */
    public static Compression detect(byte[] head, int length) {
        if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        return NONE;
    }

    /** The uncompressed content of a stream that may be gzip, zstd or plain, detected from its first bytes. */
    public static InputStream decompressing(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 64 * 1024);
        buffered.mark(4);
        byte[] head = buffered.readNBytes(4);
        buffered.reset();
        return detect(head, head.length).decompress(buffered);
    }

    /** The uncompressed content of a stream compressed this way. */
    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case GZIP -> new GZIPInputStream(new LookaheadInputStream(in), 64 * 1024);
            case ZSTD -> new ZstdInputStreamNoFinalizer(in);
            case NONE -> in;
        };
    }

    /**
     * A stream whose {@code available()} is 0 only at its end. {@link GZIPInputStream} reads on
     * past a member's trailer only when {@code available()} is positive (JDK-7036144, fixed in
     * JDK 23), so over a pipe or a socket that momentarily has nothing buffered it would end a
     * stream of several members, such as a chunked layer or a pigz/bgzip file, after the first
     * one. Reading one byte ahead settles whether anything follows.
     */
    static final class LookaheadInputStream extends PushbackInputStream {
        LookaheadInputStream(InputStream in) {
            super(in, 1);
        }

        @Override
        public int available() throws IOException {
            int n = super.available();
            if (n > 0) {
                return n;
            }
            int b = read();
            if (b < 0) {
                return 0;
            }
            unread(b);
            return 1;
        }
    }
}
