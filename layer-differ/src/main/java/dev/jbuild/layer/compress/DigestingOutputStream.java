package dev.jbuild.layer.compress;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Passes bytes through unchanged while hashing them with SHA-256 and counting them, so a digest
 * and a size come out of the same pass that writes the bytes. Hashing runs on the writing thread:
 * handing chunks to a hashing thread of its own was measured to cost more CPU (copies, wake-ups)
 * than it saved on two cores. {@link #close()} flushes but does not close the target: whoever
 * opened the target closes it.
 */
public final class DigestingOutputStream extends OutputStream {
    private final OutputStream out;
    private final MessageDigest sha256 = Digest.sha256();
    private long count;
    private Digest result;

    public DigestingOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        sha256.update((byte) b);
        count++;
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        sha256.update(b, off, len);
        count += len;
        out.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Only flushes: compressors close their target when they end their stream, and the target is not ours. */
    @Override
    public void close() throws IOException {
        out.flush();
    }

    /** Bytes written so far. */
    public long count() {
        return count;
    }

    /** The digest of everything written; call after the last write. */
    public Digest digest() {
        if (result == null) {
            result = Digest.fromHash("sha256", sha256.digest());
        }
        return result;
    }
}
