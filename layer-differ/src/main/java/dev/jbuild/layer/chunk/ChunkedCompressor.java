package dev.jbuild.layer.chunk;

import dev.jbuild.layer.chunk.MemberCache.Member;
import dev.jbuild.layer.compress.DaemonPool;
import dev.jbuild.layer.compress.DigestingOutputStream;
import dev.jbuild.layer.compress.Sha256State;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Compresses a stream as a sequence of independent members, one per chunk, reusing members an
 * earlier build made from the same chunk bytes. The caller marks where chunks end
 * ({@link #cutAt}, as offsets into the uncompressed stream, registered before those bytes are
 * written); a chunk that reaches {@value #HARD_MAX} bytes without a mark is cut there.
 *
 * <p>Each finished chunk goes to a pool thread, which computes its key, takes the cached member
 * when there is one that {@linkplain ChunkCodec#fits fits}, and compresses the chunk otherwise.
 * Members are written in chunk order by a thread of their own, so that hashing and writing the
 * blob does not hold up the thread that feeds this stream (which hashes the uncompressed stream for
 * the diffID): two sequential hashes then run side by side. At most twice as many chunks as
 * threads are in flight, so memory stays a few chunks' worth. {@link #finish} returns where each
 * member went.
 */
public final class ChunkedCompressor extends OutputStream {
    static final int HARD_MAX = 16 << 20;

    private final DigestingOutputStream out;
    private final ChunkCodec codec;
    private final MemberCache cache;
    private final ExecutorService pool;
    /** Writes the members, in the order chunks were sealed (one thread, tasks in order). */
    private final ExecutorService writer;
    /** Permits for chunks sealed but not yet written out: twice as many as threads. */
    private final Semaphore inFlight;
    /** Cut offsets from the thread producing entries, read by the thread writing bytes. */
    private final ConcurrentLinkedQueue<Long> cuts = new ConcurrentLinkedQueue<>();
    /** Keys of chunks known from what they hold ({@link EntryChunkKeys}), by where they start. */
    private final Map<Long, KnownKey> knownKeys = new ConcurrentHashMap<>();
    /** Written by the writer thread only; read once it is done. */
    private final List<Member> members = new ArrayList<>();
    /** Chunks written out, whose buffers the next chunks reuse. */
    private final ConcurrentLinkedQueue<Chunk> spare = new ConcurrentLinkedQueue<>();
    private Chunk current = new Chunk();
    private long position;
    /** Writer thread only. */
    private long written;
    private Future<?> lastWrite = CompletableFuture.completedFuture(null);
    /** The first failure of the writer thread; later writes are skipped. */
    private volatile Throwable failure;
    private boolean finished;

    /** @param out the blob, hashed: each member records the hash's state before it */
    public ChunkedCompressor(DigestingOutputStream out, ChunkCodec codec, MemberCache cache, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        this.out = out;
        this.codec = codec;
        this.cache = cache;
        this.inFlight = new Semaphore(2 * threads);
        this.pool = DaemonPool.of("chunk", threads);
        this.writer = DaemonPool.of("member-writer", 1);
    }

    /**
     * Starts after the members of an earlier blob that this one begins with, which the caller wrote
     * to the blob (hashed, so {@code out} already counts them) and which hold the tar up to
     * {@code position}; call before anything is written.
     */
    public void resumeAfter(long position, List<Member> prefix) {
        if (this.position != 0 || !members.isEmpty()) {
            throw new IllegalStateException("chunks were written already");
        }
        this.position = position;
        current.start = position;
        members.addAll(prefix);
        written = out.count();
    }

    /** Ends a chunk at this offset of the uncompressed stream; offsets must come in increasing order. */
    public void cutAt(long offset) {
        cuts.add(offset);
    }

    /**
     * The key of the chunk {@code [start, end)} from what it holds rather than from its bytes (see
     * {@link EntryChunkKeys}); give it before the chunk's last byte is written. Not used if the
     * chunk turns out to have other bounds.
     */
    public void knownKey(long start, long end, String key) {
        knownKeys.put(start, new KnownKey(end, key));
    }

    private record KnownKey(long end, String key) {
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("chunked stream already finished");
        }
        while (len > 0) {
            long next = nextCut();
            if (next == position) {
                cuts.poll();
                seal();
                continue;
            }
            int n = (int) Math.min(len, Math.min(next - position, HARD_MAX - current.length));
            current.append(b, off, n);
            position += n;
            off += n;
            len -= n;
            if (current.length == HARD_MAX) {
                seal();
            }
        }
    }

    /** The next cut not behind us; marks at or before the current chunk's start are spent. */
    private long nextCut() {
        Long c;
        while ((c = cuts.peek()) != null && (c < position || c == position && current.length == 0)) {
            cuts.poll();
        }
        return c == null ? Long.MAX_VALUE : c;
    }

    /** Compresses or fetches what is left, writes every member and stops the threads. */
    public List<Member> finish() throws IOException {
        if (finished) {
            return members;
        }
        try {
            if (current.length > 0 || position == 0) {
                seal();
            }
            await(lastWrite);
            failIfWriterFailed();
            finished = true;
            return members;
        } finally {
            pool.shutdownNow();
            writer.shutdownNow();
        }
    }

    /** Drops everything not yet written and stops the threads. */
    public void abort() {
        finished = true;
        pool.shutdownNow();
        writer.shutdownNow();
    }

    @Override
    public void flush() throws IOException {
        // Never a cut (chunks must depend on the marks only); after the members sealed so far.
        failIfWriterFailed();
        lastWrite = writer.submit(() -> {
            if (failure == null) {
                try {
                    out.flush();
                } catch (IOException | RuntimeException e) {
                    failure = e;
                }
            }
        });
    }

    @Override
    public void close() throws IOException {
        finish();
    }

    private void seal() throws IOException {
        failIfWriterFailed();
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing a layer chunk");
        }
        Chunk c = current;
        c.done = pool.submit(() -> settle(c));
        lastWrite = writer.submit(() -> writeOut(c));
        Chunk reusable = spare.poll();
        current = reusable == null ? new Chunk() : reusable.reset();
        current.start = position;
    }

    /**
     * On a pool thread: the chunk's key and its member, from the cache when one fits. A key known
     * from the chunk's entries spares hashing its bytes, unless a member found under it does not
     * fit (a digest was wrong): then the chunk is keyed by its bytes.
     */
    private Void settle(Chunk c) throws IOException {
        KnownKey known = knownKeys.remove(c.start);
        if (known == null || known.end() != c.start + c.length || !settleUnder(known.key(), c, false)) {
            settleUnder(codec.key(c.data, c.length), c, true);
        }
        return null;
    }

    /**
     * Settles the chunk under {@code key}: with the member found there if it fits, else compressed;
     * but a member that does not fit under a key that is not of the bytes ({@code ofBytes} false)
     * leaves the chunk unsettled (false), to be keyed by its bytes.
     */
    private boolean settleUnder(String key, Chunk c, boolean ofBytes) throws IOException {
        boolean found = cache.find(key, c.member);
        if (found && codec.fits(c.member, c.data, c.length)) {
            c.reused = true;
        } else if (found && !ofBytes) {
            return false;
        } else {
            codec.compress(c.data, c.length, c.member);
        }
        c.key = key;
        return true;
    }

    /** On the writer thread: waits for the chunk's member and writes it. */
    private void writeOut(Chunk c) {
        try {
            if (failure != null) {
                return;
            }
            await(c.done);
            int size = c.member.size();
            Optional<Sha256State> before = Sha256State.supported() ? Optional.of(out.state()) : Optional.empty();
            out.write(c.member.array(), 0, size);
            members.add(new Member(c.key, c.start, written, size, c.reused, before));
            written += size;
            spare.add(c);
        } catch (IOException | RuntimeException e) {
            failure = e;
        } finally {
            inFlight.release();
        }
    }

    private static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing a layer chunk");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException("layer chunk compression failed: " + cause, cause);
        }
    }

    private void failIfWriterFailed() throws IOException {
        Throwable f = failure;
        if (f != null) {
            throw f instanceof IOException io ? io : new IOException("writing a layer member failed: " + f, f);
        }
    }

    /**
     * The bytes of one chunk and, once settled, its key and its {@link #member}: one found in the
     * cache, or else one compressed. Reused for later chunks.
     */
    private static final class Chunk {
        /** Sized for the usual chunk of small files (about a MiB), so that few grow by copying. */
        byte[] data = new byte[(int) (2 * ChunkBoundaries.TARGET)];
        /** Where the chunk starts in the uncompressed stream. */
        long start;
        int length;
        String key;
        final MemberBytes member = new MemberBytes();
        /** Whether {@link #member} was found in the cache rather than compressed. */
        boolean reused;
        Future<Void> done;

        Chunk reset() {
            length = 0;
            key = null;
            member.reset();
            reused = false;
            done = null;
            return this;
        }

        void append(byte[] b, int off, int n) {
            if (length + n > data.length) {
                data = Arrays.copyOf(data, Math.min(HARD_MAX, Math.max(length + n, 2 * data.length)));
            }
            System.arraycopy(b, off, data, length, n);
            length += n;
        }
    }
}
