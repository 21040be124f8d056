package dev.jbuild.layer.apply;

import dev.jbuild.layer.Compression;
import dev.jbuild.oci.Digest;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The uncompressed tar stream of a layer blob, produced by a second thread that reads the blob,
 * decompresses it and hashes the result (the diffID) while the caller's thread parses and writes
 * files. Decompression and file writing each take about one core, so the two overlap the way
 * {@code gzip -d | tar -x} does. Chunks travel through a small bounded queue and are recycled, so
 * memory stays flat whatever the layer size.
 *
 * <p>The producer reads the uncompressed stream to its end, and the raw blob to its end after that,
 * even past the tar end-of-archive blocks: the diffID covers every uncompressed byte, and a caller
 * that hashes the blob as it passes sees all of it.
 */
final class BlobPipe implements AutoCloseable {
    private static final int CHUNK = 256 * 1024;
    private static final int CHUNKS = 8;

    private static final class Chunk {
        final byte[] data;
        int length;
        boolean last;
        Throwable failure;

        Chunk(byte[] data) {
            this.data = data;
        }
    }

    private final Compression compression;
    private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(CHUNKS + 1);
    private final BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(CHUNKS);
    private final MessageDigest hasher = Digest.sha256();
    private final Thread producer;
    private volatile boolean cancelled;
    private volatile long total;

    private Chunk current;
    private int pos;
    private boolean ended;
    private long consumed;

    BlobPipe(InputStream blob) throws IOException {
        BufferedInputStream raw = new BufferedInputStream(blob, 64 * 1024);
        raw.mark(16);
        byte[] head = new byte[6];
        int n = 0;
        while (n < head.length) {
            int r = raw.read(head, n, head.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        raw.reset();
        rejectForeignCompression(head, n);
        this.compression = Compression.detect(head, n);
        for (int i = 0; i < CHUNKS; i++) {
            free.add(new Chunk(new byte[CHUNK]));
        }
        producer = new Thread(() -> produce(raw), "jbuild-layer-decompress");
        producer.setDaemon(true);
        producer.start();
    }

    private static void rejectForeignCompression(byte[] h, int n) throws LayerApplyException {
        if (n >= 6 && (h[0] & 0xff) == 0xfd && h[1] == '7' && h[2] == 'z' && h[3] == 'X' && h[4] == 'Z' && h[5] == 0) {
            throw new LayerApplyException("the layer is xz-compressed; OCI layers are plain tar, gzip or zstd");
        }
        if (n >= 3 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h') {
            throw new LayerApplyException("the layer is bzip2-compressed; OCI layers are plain tar, gzip or zstd");
        }
    }

    Compression compression() {
        return compression;
    }

    private void produce(BufferedInputStream raw) {
        Chunk chunk = null;
        try {
            InputStream in = compression.decompress(raw);
            try {
                boolean eof = false;
                while (!eof) {
                    chunk = free.take();
                    int n = 0;
                    while (n < chunk.data.length) {
                        int r = in.read(chunk.data, n, chunk.data.length - n);
                        if (r < 0) {
                            eof = true;
                            break;
                        }
                        n += r;
                    }
                    hasher.update(chunk.data, 0, n);
                    total += n;
                    chunk.length = n;
                    chunk.last = eof;
                    if (eof && in != raw) {
                        drain(raw);
                    }
                    full.put(chunk);
                    chunk = null;
                    if (cancelled) {
                        return;
                    }
                }
            } finally {
                if (in != raw) {
                    in.close(); // releases the inflater / zstd context; raw (the caller's stream) stays open
                }
            }
        } catch (Throwable e) {
            if (chunk == null) {
                chunk = new Chunk(new byte[0]);
            }
            chunk.length = 0;
            chunk.last = true;
            chunk.failure = e;
            full.offer(chunk);
        }
    }

    /** Reads what is left of the blob after the compressed stream ends (padding, or a second frame we do not read). */
    private static void drain(InputStream raw) throws IOException {
        byte[] skip = new byte[8192];
        while (raw.read(skip) >= 0) {
            // discard
        }
    }

    private boolean advance() throws IOException {
        if (current != null) {
            if (current.last) {
                ended = true;
                return false;
            }
            free.add(current);
            current = null;
        }
        if (ended) {
            return false;
        }
        try {
            current = full.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while applying a layer");
        }
        pos = 0;
        if (current.failure != null) {
            Throwable f = current.failure;
            ended = true;
            String what = switch (compression) {
                case GZIP -> "gzip";
                case ZSTD -> "zstd";
                case NONE -> "tar";
            };
            if (f instanceof InterruptedException) {
                throw new InterruptedIOException("interrupted while reading the layer");
            }
            throw new LayerApplyException(null, "cannot read the layer (" + what + "): " + f.getMessage(), f);
        }
        return true;
    }

    private boolean ensure() throws IOException {
        while (current == null || pos >= current.length) {
            if (!advance()) {
                return false;
            }
        }
        return true;
    }

    /** Reads exactly {@code len} bytes; false at a clean end of stream before the first byte. */
    boolean readFully(byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            if (!ensure()) {
                if (done == 0) {
                    return false;
                }
                throw new EOFException("the layer ends in the middle of a tar block");
            }
            int n = Math.min(len - done, current.length - pos);
            System.arraycopy(current.data, pos, b, off + done, n);
            pos += n;
            done += n;
        }
        consumed += len;
        return true;
    }

    /** Skips exactly {@code n} bytes. */
    void skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            if (!ensure()) {
                throw new EOFException("the layer ends " + left + " bytes early");
            }
            int k = (int) Math.min(left, current.length - pos);
            pos += k;
            left -= k;
        }
        consumed += n;
    }

    /** Copies exactly {@code n} bytes into a file. */
    void copyTo(FileChannel out, long n) throws IOException {
        long left = n;
        while (left > 0) {
            if (!ensure()) {
                throw new EOFException("the layer ends " + left + " bytes early");
            }
            int k = (int) Math.min(left, current.length - pos);
            ByteBuffer buf = ByteBuffer.wrap(current.data, pos, k);
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            pos += k;
            left -= k;
        }
        consumed += n;
    }

    /** Bytes handed to the tar reader so far. */
    long consumed() {
        return consumed;
    }

    /** Consumes the rest of the stream (after the tar end-of-archive), then returns the diffID. */
    Digest finish() throws IOException {
        while (ensure()) {
            pos = current.length;
        }
        try {
            producer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while applying a layer");
        }
        return Digest.fromHash("sha256", hasher.digest());
    }

    /** Uncompressed bytes read so far; after {@link #finish()} the size of the tar. */
    long total() {
        return total;
    }

    /** Stops the producer after a failure; waits for it so nothing reads the caller's stream after we return. */
    @Override
    public void close() {
        if (!producer.isAlive()) {
            return;
        }
        cancelled = true;
        producer.interrupt();
        boolean interrupted = false;
        while (producer.isAlive()) {
            full.clear();
            try {
                producer.join(100);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
