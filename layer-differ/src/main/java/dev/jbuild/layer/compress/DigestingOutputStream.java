package dev.jbuild.layer.compress;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Passes bytes through unchanged while hashing them with SHA-256 and counting them, so a digest
 * and a size come out of the same pass that writes the bytes. Hashing runs on the writing thread:
 * handing chunks to a hashing thread of its own was measured to cost more CPU (copies, wake-ups)
 * than it saved on two cores. {@link #close()} flushes but does not close the target: whoever
 * opened the target closes it.
 */
public final class DigestingOutputStream extends OutputStream {
    private final OutputStream out;
    private MessageDigest sha256 = Digest.sha256();
    private long count;
    private Digest result;
    /** Offsets at which to keep the hash's state, in increasing order; see {@link #keepStateAt}. */
    private final ConcurrentLinkedQueue<Long> keepAt = new ConcurrentLinkedQueue<>();
    private final Map<Long, Sha256State> kept = new ConcurrentHashMap<>();

    public DigestingOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int hashed = 0;
        while (!keepAt.isEmpty() && hashed < len) {
            long next = keepAt.peek();
            if (next <= count) {
                keepAt.poll();
                if (next == count) {
                    kept.put(count, Sha256State.of(sha256));
                }
                continue;
            }
            int n = (int) Math.min(len - hashed, next - count);
            sha256.update(b, off + hashed, n);
            count += n;
            hashed += n;
        }
        sha256.update(b, off + hashed, len - hashed);
        count += len - hashed;
        out.write(b, off, len);
    }

    /**
     * Keeps the hash's state when {@code offset} bytes have been written (for {@link #stateAt}). May
     * be called from another thread than the writing one, in increasing order, before the bytes at
     * that offset are written; the state is taken by the first write at or after it, so an offset
     * at the very end is never reached. Needs {@link Sha256State#supported}.
     */
    public void keepStateAt(long offset) {
        keepAt.add(offset);
    }

    /** The state kept at {@code offset}, if it was asked for and reached. */
    public Optional<Sha256State> stateAt(long offset) {
        return Optional.ofNullable(kept.get(offset));
    }

    /** The hash's state now, for the writing thread. */
    public Sha256State state() {
        return Sha256State.of(sha256);
    }

    /**
     * Goes on from a state of an earlier stream whose first {@code state.count()} bytes this one
     * shares, written to the target by other means; call before anything is written.
     */
    public void resumeFrom(Sha256State state) {
        if (count != 0) {
            throw new IllegalStateException("bytes were written already");
        }
        sha256 = state.resume();
        count = state.count();
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
