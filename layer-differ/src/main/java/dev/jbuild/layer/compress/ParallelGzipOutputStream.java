package dev.jbuild.layer.compress;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gzip compression on several cores, the way pigz does it, producing one ordinary gzip member that
 * every gzip reader accepts. The input is cut into {@value #BLOCK_SIZE}-byte blocks at fixed
 * offsets; each block is deflated on its own, on any free thread, as a raw deflate segment primed
 * with the previous block's last 32 KiB as its dictionary (so matches still reach back across the
 * cut and the ratio stays within a fraction of a percent of plain gzip) and ended with a sync flush
 * (a byte-aligned empty stored block), except the last, which is finished. A block that
 * {@linkplain #looksIncompressible looks incompressible} is written as stored blocks instead of
 * being deflated, which is several times faster and a little smaller. Segments are written in
 * order between a fixed header and a trailer holding the CRC-32 and length of the whole input.
 *
 * <p>Deterministic: block boundaries depend on input offsets only, every block is compressed by
 * the same calls with the same dictionary, and the header is fixed (no name, mtime 0, XFL by level
 * as Go's {@code compress/gzip} sets it, OS 255 "unknown"). The output is therefore the same bytes
 * for any thread count and any timing. The deflated segments do depend on the deflate
 * implementation behind {@link java.util.zip.Deflater}: stock zlib (Debian's 1.2.13 is what the
 * golden digests in the tests were made with) versus forks such as zlib-ng, which give different,
 * equally valid streams. Stored segments, header and trailer depend on nothing.
 *
 * <p>Memory is bounded: at most twice as many blocks as threads are in flight, and the writer
 * waits for the oldest before starting another. {@link #close()} finishes and closes the target;
 * {@link #finish()} finishes without closing it.
 */
public final class ParallelGzipOutputStream extends OutputStream {
    /**
     * The block size. Part of the output format: changing it changes every gzip layer digest.
     * 128 KiB is pigz's default, small enough that two blocks per thread stay a few MiB.
     */
    public static final int BLOCK_SIZE = 128 * 1024;
    private static final int DICT_SIZE = 32 * 1024;
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final OutputStream out;
    private final int level;
    private final ExecutorService pool;
    private final ArrayBlockingQueue<Deflater> deflaters;
    private final int maxInFlight;
    private final ArrayDeque<Block> inFlight = new ArrayDeque<>();
    private final ArrayDeque<Block> free = new ArrayDeque<>();
    private final CRC32 crc = new CRC32();
    private long total;
    /**
     * Blocks and a deflater kept by each thread that compresses on its own (one thread), for its
     * next stream: a chunked layer starts a stream per chunk, hundreds per layer, and allocating
     * their buffers afresh each time made the heap, and so the process, twice as large.
     */
    private static final ThreadLocal<ArrayDeque<Block>> SPARE_BLOCKS = ThreadLocal.withInitial(ArrayDeque::new);
    private static final ThreadLocal<Deflater> SPARE_DEFLATER = new ThreadLocal<>();
    private static final int MAX_SPARE_BLOCKS = 3;
    private Block current;
    private boolean finished;
    private boolean failed;

    /**
     * @param out receives the gzip stream; the header is written at once
     * @param level deflate level 0–9
     * @param threads compressing threads; with 1 the blocks are compressed on the calling thread
     */
    public ParallelGzipOutputStream(OutputStream out, int level, int threads) throws IOException {
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("gzip level must be 0 to 9, not " + level);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        this.out = out;
        this.level = level;
        this.deflaters = new ArrayBlockingQueue<>(threads);
        this.maxInFlight = 2 * threads;
        byte xfl = (byte) (level == 9 ? 2 : level == 1 ? 4 : 0);
        out.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, xfl, (byte) 0xff});
        if (threads == 1) {
            this.pool = null;
            Deflater spare = SPARE_DEFLATER.get();
            if (spare != null) {
                SPARE_DEFLATER.remove();
                deflaters.offer(spare);
            }
        } else {
            this.pool = DaemonPool.of("gzip", threads);
        }
        this.current = newBlock();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("gzip stream already finished");
        }
        while (len > 0) {
            Block c = current;
            int n = Math.min(len, BLOCK_SIZE - c.len);
            System.arraycopy(b, off, c.in, c.len, n);
            c.len += n;
            off += n;
            len -= n;
            if (c.len == BLOCK_SIZE) {
                seal(false);
            }
        }
    }

    /** Compresses what is left, writes the trailer and stops the threads; the target stays open. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        try {
            seal(true);
            while (!inFlight.isEmpty()) {
                writeHead();
            }
            long c = crc.getValue();
            out.write(new byte[] {(byte) c, (byte) (c >>> 8), (byte) (c >>> 16), (byte) (c >>> 24),
                (byte) total, (byte) (total >>> 8), (byte) (total >>> 16), (byte) (total >>> 24)});
            finished = true;
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        } finally {
            if (finished || failed) {
                release();
            }
        }
    }

    /** Stops the threads and drops everything not yet written; the stream is unusable afterwards. */
    public void abort() {
        failed = true;
        finished = true;
        release();
    }

    @Override
    public void flush() throws IOException {
        // Deliberately not a deflate flush: block boundaries must depend on offsets only.
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            if (!failed) {
                finish();
            }
        } finally {
            release();
            out.close();
        }
    }

    private void seal(boolean last) throws IOException {
        Block b = current;
        b.last = last;
        crc.update(b.in, 0, b.len);
        total += b.len;
        Block next = null;
        if (!last) {
            // Make room first, while b is not yet in flight and so cannot be recycled under us.
            while (inFlight.size() >= maxInFlight) {
                writeHead();
            }
            next = free.isEmpty() ? newBlock() : free.poll();
            System.arraycopy(b.in, b.len - DICT_SIZE, next.dict, 0, DICT_SIZE);
            next.dictLen = DICT_SIZE;
        }
        submit(b);
        current = next;
        while (!inFlight.isEmpty() && inFlight.peek().isDone()) {
            writeHead();
        }
    }

    private void submit(Block b) {
        if (pool == null) {
            compress(b);
        } else {
            b.done = pool.submit(() -> compress(b));
        }
        inFlight.add(b);
    }

    private void writeHead() throws IOException {
        Block h = inFlight.poll();
        if (h.done != null) {
            try {
                h.done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed = true;
                throw new InterruptedIOException("interrupted while compressing a gzip block");
            } catch (ExecutionException e) {
                failed = true;
                throw new IOException("gzip block compression failed: " + e.getCause(), e.getCause());
            }
        }
        out.write(h.out, 0, h.outLen);
        h.reset();
        free.add(h);
    }

    /** Runs on a pool thread (or the caller's with one thread); touches only the block and a deflater. */
    private void compress(Block b) {
        if (level > 0 && looksIncompressible(b.in, b.len, b.probe)) {
            b.outLen = stored(b);
            return;
        }
        Deflater d = deflaters.poll();
        if (d == null) {
            d = new Deflater(level, true);
        } else {
            d.reset();
        }
        try {
            if (b.dictLen > 0) {
                d.setDictionary(b.dict, 0, b.dictLen);
            }
            d.setInput(b.in, 0, b.len);
            int pos = 0;
            if (b.last) {
                d.finish();
                while (!d.finished()) {
                    if (pos == b.out.length) {
                        b.out = Arrays.copyOf(b.out, b.out.length * 2);
                    }
                    pos += d.deflate(b.out, pos, b.out.length - pos, Deflater.NO_FLUSH);
                }
            } else {
                while (true) {
                    if (pos == b.out.length) {
                        b.out = Arrays.copyOf(b.out, b.out.length * 2);
                    }
                    int room = b.out.length - pos;
                    int n = d.deflate(b.out, pos, room, Deflater.SYNC_FLUSH);
                    pos += n;
                    if (n < room) {
                        break;
                    }
                }
            }
            b.outLen = pos;
        } finally {
            if (!deflaters.offer(d)) {
                d.end();
            }
        }
    }

    /**
     * Whether deflate would gain next to nothing on this block: bytes spread evenly over all 256
     * values (the sum of squared byte counts within 2% of what uniform data gives) and almost no
     * repeated 4-byte sequences (fewer than one per thousand positions). Compressed or encrypted
     * content (jars, archives, images, random) passes; text and code never reach the second test.
     * Deflating such blocks costs about a third of all gzip time on a typical mixed layer and
     * yields slightly more bytes than storing them. Integer arithmetic only, so every machine
     * decides alike.
     */
    static boolean looksIncompressible(byte[] in, int len, int[] table) {
        if (len < 16 * 1024) {
            return false;
        }
        // The first 8 KiB settle it for text and code at a fraction of the cost of the whole block.
        int[] counts = new int[256];
        int sample = 8 * 1024;
        if (!flat(in, 0, sample, sample, counts, 110) || !flat(in, sample, len, len, counts, 102)) {
            return false;
        }
        // Deflate only finds repeats within 32 KiB; a 16 Ki-entry table of the latest position per
        // hash of 4 bytes sees most of those and stays in cache. Cleared per block: stale entries
        // would make the decision depend on which block ran on this thread before.
        Arrays.fill(table, 0);
        int repeats = 0;
        int limit = len / 1000;
        for (int i = 0; i + 4 <= len; i++) {
            int v = (int) INT_LE.get(in, i);
            int h = (v * 0x9E3779B1) >>> (32 - 14);
            int prev = table[h] - 1;
            if (prev >= 0 && (int) INT_LE.get(in, prev) == v && ++repeats > limit) {
                return false;
            }
            table[h] = i + 1;
        }
        return true;
    }

    /**
     * Adds bytes {@code [from, to)} to the counts and tells whether the counts so far (over
     * {@code n} bytes) are within {@code percent} % of the sum of squares uniform bytes give.
     */
    private static boolean flat(byte[] in, int from, int to, int n, int[] counts, int percent) {
        for (int i = from; i < to; i++) {
            counts[in[i] & 0xff]++;
        }
        long squares = 0;
        for (int c : counts) {
            squares += (long) c * c;
        }
        long uniform = (long) n * n / 256 + n;
        return squares * 100 <= uniform * percent;
    }

    /**
     * The block as deflate stored blocks (RFC 1951 §3.2.4): a header byte (BFINAL on the very last
     * one, type 00, padding), LEN and its complement, the bytes. The segment starts and ends on a
     * byte boundary, as a sync-flushed deflate segment does, so it joins its neighbours as is.
     */
    private static int stored(Block b) {
        int need = b.len + 5 * (b.len / 65535 + 2);
        if (b.out.length < need) {
            b.out = new byte[need];
        }
        byte[] out = b.out;
        int pos = 0;
        int off = 0;
        do {
            int n = Math.min(65535, b.len - off);
            boolean finalBlock = b.last && off + n == b.len;
            out[pos++] = (byte) (finalBlock ? 1 : 0);
            out[pos++] = (byte) n;
            out[pos++] = (byte) (n >>> 8);
            out[pos++] = (byte) ~n;
            out[pos++] = (byte) (~n >>> 8);
            System.arraycopy(b.in, off, out, pos, n);
            pos += n;
            off += n;
        } while (off < b.len);
        return pos;
    }

    private Block newBlock() {
        Block b = pool == null ? SPARE_BLOCKS.get().poll() : null;
        return b != null ? b : new Block();
    }

    private void release() {
        if (pool != null) {
            pool.shutdownNow();
        } else if (!failed) {
            // This thread's next stream reuses what this one had.
            ArrayDeque<Block> spare = SPARE_BLOCKS.get();
            for (Block b : free) {
                if (spare.size() < MAX_SPARE_BLOCKS) {
                    b.reset();
                    spare.add(b);
                }
            }
            Deflater d = deflaters.poll();
            if (d != null && SPARE_DEFLATER.get() == null) {
                SPARE_DEFLATER.set(d);
            } else if (d != null) {
                d.end();
            }
        }
        Deflater d;
        while ((d = deflaters.poll()) != null) {
            d.end();
        }
        inFlight.clear();
        free.clear();
        current = null;
    }

    /** One block's input, the dictionary it starts from, and its compressed segment. */
    private static final class Block {
        final byte[] in = new byte[BLOCK_SIZE];
        final byte[] dict = new byte[DICT_SIZE];
        final int[] probe = new int[1 << 14];
        byte[] out = new byte[BLOCK_SIZE + (BLOCK_SIZE >> 3) + 64];
        int len;
        int dictLen;
        int outLen;
        boolean last;
        Future<?> done;

        boolean isDone() {
            return done == null || done.isDone();
        }

        void reset() {
            len = 0;
            dictLen = 0;
            outLen = 0;
            last = false;
            done = null;
        }
    }
}
