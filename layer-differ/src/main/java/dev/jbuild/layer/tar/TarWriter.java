package dev.jbuild.layer.tar;

import dev.jbuild.layer.LayerEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Writes a POSIX.1-2001 (PAX) tar, one {@link LayerEntry} at a time, with every header field
 * decided by the entry alone so that the same entries always give the same bytes. The rules, which
 * follow Go's {@code archive/tar} (what BuildKit and containerd write) wherever it makes a choice:
 * <ul>
 *   <li>A plain ustar header when everything fits; an extended header ({@code x}) only for what does
 *       not: names and link targets longer than ustar allows or not ASCII ({@code path},
 *       {@code linkpath}), numbers too large for the octal fields ({@code uid}, {@code gid},
 *       {@code size}, {@code mtime}, also negative mtimes) and extended attributes
 *       ({@code SCHILY.xattr.<name>}, raw bytes). Records are sorted by key bytes. The extended
 *       header is named {@code <dir>/PaxHeaders.0/<name>} with mode, owner and mtime 0.</li>
 *   <li>Names longer than 100 bytes use the ustar prefix field when they split at a {@code /} into
 *       at most 155 + 100 ASCII bytes, else a {@code path} record.</li>
 *   <li>mtime is whole seconds (the caller truncates); no atime or ctime; uname and gname empty;
 *       mode holds the permission bits only; device numbers are {@code 0000000} except for
 *       devices; directories end in {@code /}; checksum as six octal digits, NUL, space.</li>
 *   <li>The archive ends with two zero blocks and is not padded to a 10 KiB record.</li>
 * </ul>
 * Output goes to the stream in large chunks through two internal buffers; file content is read
 * straight into them. While one buffer is being filled (walking, reading files), the other is
 * written to the stream on a thread of the writer's own, so reading overlaps with whatever the
 * stream does (hashing, compressing): that is what lifts an uncompressed layer, where the reading
 * thread would otherwise also hash every byte, past 1 GB/s on two cores. At most one buffer is in
 * flight, so the stream sees the bytes in order, from one thread at a time. The writer never
 * flushes or closes the stream; a writer abandoned before {@link #finish} must be {@link #abort}ed
 * to stop its thread.
 */
public final class TarWriter {
    static final int BLOCK = 512;
    /** The ustar magic and version, {@code "ustar\0"} and {@code "00"}. */
    private static final byte[] USTAR = {'u', 's', 't', 'a', 'r', 0, '0', '0'};
    private static final byte[] NONE = new byte[0];
    private static final long MAX_OCTAL_7 = 07777777L;
    private static final long MAX_OCTAL_11 = 077777777777L;

    private final OutputStream out;
    private byte[] buf;
    private byte[] spare;
    private int pos;
    /** Bytes handed to the stream (or to the writing thread) so far. */
    private long handed;
    private long firstReadNanos;
    private boolean finished;
    /** Writes full buffers to {@link #out}; started by the first full buffer, so small tars need no thread. */
    private ExecutorService drainer;
    private volatile Thread drainerThread;
    private Future<?> inFlight;

    /** A writer with two 256 KiB buffers. */
    public TarWriter(OutputStream out) {
        this(out, 256 * 1024);
    }

    public TarWriter(OutputStream out, int bufferSize) {
        if (bufferSize < 4 * BLOCK || bufferSize % BLOCK != 0) {
            throw new IllegalArgumentException("buffer size must be a multiple of 512, at least 2048");
        }
        this.out = out;
        this.buf = new byte[bufferSize];
        this.spare = new byte[bufferSize];
    }

    /**
     * Appends one entry with the given mtime in seconds (already truncated and clamped by the
     * caller), then, for a regular file, exactly {@code entry.size()} bytes of its content.
     *
     * @throws IOException if the content is shorter or longer than the size, i.e. the file changed
     *     after it was listed, or if reading or writing fails
     */
    public void write(LayerEntry entry, long mtimeSeconds) throws IOException {
        write(entry, headers(entry, mtimeSeconds));
    }

    /** Appends one entry whose header blocks the caller made with {@link #headers}. */
    public void write(LayerEntry entry, byte[][] headers) throws IOException {
        if (finished) {
            throw new IllegalStateException("tar already finished");
        }
        for (byte[] h : headers) {
            put(h, 0, h.length);
        }
        if (entry.type() == LayerEntry.Type.FILE && entry.size() > 0) {
            copyContent(entry);
        }
    }

    /**
     * Continues a tar whose first {@code offset} bytes the caller had written to the stream by other
     * means (a layer taking an earlier layer's first part): positions count from there. Call before
     * the first entry.
     */
    public void startAt(long offset) {
        if (position() != 0 || offset % BLOCK != 0) {
            throw new IllegalStateException("a tar continues at a block boundary, before anything is written");
        }
        handed = offset;
    }

    /**
     * How long opening the last entry with content and its first read took: from memory
     * microseconds, from the disk milliseconds (see {@code FilesAhead}).
     */
    public long firstReadNanos() {
        return firstReadNanos;
    }

    /** How many tar bytes an entry with these header blocks and {@code size} bytes of content takes. */
    public static long length(byte[][] headers, long size) {
        long n = (size + BLOCK - 1) / BLOCK * BLOCK;
        for (byte[] h : headers) {
            n += h.length;
        }
        return n;
    }

    /** How many bytes of tar have been produced so far: the offset at which the next entry starts. */
    public long position() {
        return handed + pos;
    }

    /** Writes the end-of-archive marker and hands the remaining buffered bytes to the stream. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        byte[] zeros = new byte[2 * BLOCK];
        put(zeros, 0, zeros.length);
        try {
            awaitInFlight();
            if (pos > 0) {
                out.write(buf, 0, pos);
                handed += pos;
                pos = 0;
            }
            finished = true;
        } finally {
            stopDrainer();
        }
    }

    /**
     * Abandons the tar: interrupts the writing thread and waits (briefly) for it to leave the
     * stream, so the caller may then tear the stream down. What reached the stream is incomplete.
     */
    public void abort() {
        finished = true;
        inFlight = null;
        stopDrainer();
    }

    private void copyContent(LayerEntry entry) throws IOException {
        long remaining = entry.size();
        if (pos == buf.length) {
            drain();
        }
        long opened = System.nanoTime();
        try (InputStream in = entry.content().open()) {
            boolean first = true;
            while (remaining > 0) {
                if (pos == buf.length) {
                    drain();
                }
                int n = in.read(buf, pos, (int) Math.min(buf.length - pos, remaining));
                if (first) {
                    firstReadNanos = System.nanoTime() - opened;
                    first = false;
                }
                if (n < 0) {
                    throw new IOException(entry.path() + ": content ended " + remaining + " bytes short of its size "
                            + entry.size() + " (did the file change while the layer was written?)");
                }
                pos += n;
                remaining -= n;
            }
            if (in.read() >= 0) {
                throw new IOException(entry.path() + ": content is longer than its size " + entry.size()
                        + " (did the file change while the layer was written?)");
            }
        }
        int pad = (int) (-entry.size() & (BLOCK - 1));
        if (pad > 0) {
            if (buf.length - pos < pad) {
                drain();
            }
            Arrays.fill(buf, pos, pos + pad, (byte) 0);
            pos += pad;
        }
    }

    private void put(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (pos == buf.length) {
                drain();
            }
            int n = Math.min(len, buf.length - pos);
            System.arraycopy(b, off, buf, pos, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    /** Hands the full buffer to the writing thread once the previous one is written, and takes the other. */
    private void drain() throws IOException {
        if (pos == 0) {
            return;
        }
        awaitInFlight();
        if (drainer == null) {
            drainer = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "jbuild-tar-writer");
                t.setDaemon(true);
                drainerThread = t;
                return t;
            });
        }
        byte[] full = buf;
        int length = pos;
        inFlight = drainer.submit(() -> {
            out.write(full, 0, length);
            return null;
        });
        buf = spare;
        spare = full;
        handed += pos;
        pos = 0;
    }

    private void awaitInFlight() throws IOException {
        if (inFlight == null) {
            return;
        }
        Future<?> f = inFlight;
        inFlight = null;
        try {
            f.get();
        } catch (ExecutionException e) {
            abort();
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        } catch (InterruptedException e) {
            abort();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the layer");
        }
    }

    /** Interrupts the writing thread if it is busy, and waits (briefly) until it has left the stream. */
    private void stopDrainer() {
        if (drainer != null) {
            drainer.shutdownNow();
            try {
                drainer.awaitTermination(10, TimeUnit.SECONDS);
                // Termination means its task is over; the thread itself ends a moment later.
                if (drainerThread != null) {
                    drainerThread.join(10_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            drainer = null;
            drainerThread = null;
        }
    }

    /**
     * The header blocks of an entry: an optional extended header with its padded records, then the
     * ustar header, for the entry with this mtime in seconds (truncated and clamped by the caller).
     */
    public static byte[][] headers(LayerEntry e, long mtime) {
        String name = e.type() == LayerEntry.Type.DIR ? e.path() + "/" : e.path();
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        List<String> pax = new ArrayList<>();
        List<byte[]> paxValues = new ArrayList<>();

        byte[] header = new byte[BLOCK];
        // name and prefix
        String[] split;
        if (nameBytes.length <= 100 && isAscii(nameBytes)) {
            System.arraycopy(nameBytes, 0, header, 0, nameBytes.length); // the usual case, no prefix
        } else if ((split = splitUstar(name, nameBytes)) != null) {
            putString(header, 0, 100, split[1]);
            putString(header, 345, 155, split[0]);
        } else {
            putString(header, 0, 100, truncatedAscii(name, 100));
            addPax(pax, paxValues, "path", nameBytes);
        }
        // link target
        String link = e.linkTarget();
        byte[] linkBytes = link.isEmpty() ? NONE : link.getBytes(StandardCharsets.UTF_8);
        if (isAscii(linkBytes) && linkBytes.length <= 100) {
            System.arraycopy(linkBytes, 0, header, 157, linkBytes.length);
        } else {
            putString(header, 157, 100, truncatedAscii(link, 100));
            addPax(pax, paxValues, "linkpath", linkBytes);
        }
        putOctal(header, 100, 8, e.mode());
        numeric(header, 108, 8, e.uid(), MAX_OCTAL_7, "uid", pax, paxValues);
        numeric(header, 116, 8, e.gid(), MAX_OCTAL_7, "gid", pax, paxValues);
        numeric(header, 124, 12, e.size(), MAX_OCTAL_11, "size", pax, paxValues);
        numeric(header, 136, 12, mtime, MAX_OCTAL_11, "mtime", pax, paxValues);
        header[156] = typeFlag(e.type());
        System.arraycopy(USTAR, 0, header, 257, USTAR.length);
        putOctal(header, 329, 8, e.devMajor());
        putOctal(header, 337, 8, e.devMinor());
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            addPax(pax, paxValues, "SCHILY.xattr." + x.getKey(), x.getValue());
        }
        checksum(header);
        if (pax.isEmpty()) {
            return new byte[][] {header};
        }
        byte[] records = paxRecords(pax, paxValues);
        byte[] paxHeader = new byte[BLOCK];
        putString(paxHeader, 0, 100, paxHeaderName(name));
        putOctal(paxHeader, 100, 8, 0);
        putOctal(paxHeader, 108, 8, 0);
        putOctal(paxHeader, 116, 8, 0);
        putOctal(paxHeader, 124, 12, records.length);
        putOctal(paxHeader, 136, 12, 0);
        paxHeader[156] = 'x';
        System.arraycopy(USTAR, 0, paxHeader, 257, USTAR.length);
        putOctal(paxHeader, 329, 8, 0);
        putOctal(paxHeader, 337, 8, 0);
        checksum(paxHeader);
        byte[] paxData = Arrays.copyOf(records, (records.length + BLOCK - 1) / BLOCK * BLOCK);
        return new byte[][] {paxHeader, paxData, header};
    }

    private static byte typeFlag(LayerEntry.Type type) {
        return switch (type) {
            case FILE -> '0';
            case HARDLINK -> '1';
            case SYMLINK -> '2';
            case CHAR -> '3';
            case BLOCK -> '4';
            case DIR -> '5';
            case FIFO -> '6';
        };
    }

    private static void numeric(byte[] h, int off, int len, long value, long max, String key, List<String> pax,
            List<byte[]> values) {
        if (value >= 0 && value <= max) {
            putOctal(h, off, len, value);
        } else {
            putOctal(h, off, len, 0);
            addPax(pax, values, key, Long.toString(value).getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void addPax(List<String> keys, List<byte[]> values, String key, byte[] value) {
        keys.add(key);
        values.add(value);
    }

    /** {@code "<len> <key>=<value>\n"} records, sorted by the unsigned bytes of their keys. */
    private static byte[] paxRecords(List<String> keys, List<byte[]> values) {
        Integer[] order = new Integer[keys.size()];
        byte[][] keyBytes = new byte[keys.size()][];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            keyBytes[i] = keys.get(i).getBytes(StandardCharsets.UTF_8);
        }
        Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(keyBytes[a], keyBytes[b]));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i : order) {
            byte[] k = keyBytes[i];
            byte[] v = values.get(i);
            int base = k.length + v.length + 3;
            int digits = Integer.toString(base).length();
            while (Integer.toString(base + digits).length() != digits) {
                digits++;
            }
            out.writeBytes(Integer.toString(base + digits).getBytes(StandardCharsets.US_ASCII));
            out.write(' ');
            out.writeBytes(k);
            out.write('=');
            out.writeBytes(v);
            out.write('\n');
        }
        return out.toByteArray();
    }

    /**
     * Go's {@code splitUSTARPath}: {prefix, name} when an ASCII name over 100 bytes fits the two
     * fields (one of 100 bytes or less goes in the name field whole, see {@link #headers}).
     */
    private static String[] splitUstar(String name, byte[] bytes) {
        if (!isAscii(bytes) || bytes.length <= 100) {
            return null;
        }
        int length = bytes.length;
        if (length > 156) {
            length = 156;
        } else if (name.charAt(length - 1) == '/') {
            length--;
        }
        int i = name.lastIndexOf('/', length - 1);
        int suffix = name.length() - i - 1;
        if (i <= 0 || suffix > 100 || suffix == 0 || i > 155) {
            return null;
        }
        return new String[] {name.substring(0, i), name.substring(i + 1)};
    }

    /** Go's naming of an extended header: {@code path.Join(dir, "PaxHeaders.0", file)}, ASCII, at most 100 bytes. */
    private static String paxHeaderName(String name) {
        int slash = name.lastIndexOf('/');
        String dir = name.substring(0, slash + 1);
        String file = name.substring(slash + 1);
        String joined = dir + "PaxHeaders.0" + (file.isEmpty() ? "" : "/" + file);
        String ascii = truncatedAscii(joined, 100);
        int end = ascii.length();
        while (end > 0 && ascii.charAt(end - 1) == '/') {
            end--;
        }
        return ascii.substring(0, end);
    }

    /**
     * The best-effort ustar field for a value carried in full by a PAX record: non-ASCII characters
     * dropped, cut to the field, and a trailing slash removed after a cut (as Go does, because some
     * readers take a trailing slash in the name field for a directory).
     */
    private static String truncatedAscii(String s, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80 && c != 0) {
                b.append(c);
            }
        }
        if (b.length() > max) {
            b.setLength(max);
            int end = max;
            while (end > 0 && b.charAt(end - 1) == '/') {
                end--;
            }
            b.setLength(end);
        }
        return b.toString();
    }

    private static boolean isAscii(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }

    /** An ASCII string (every caller's is) into a field, cut to its length. */
    private static void putString(byte[] h, int off, int len, String s) {
        int n = Math.min(s.length(), len);
        for (int i = 0; i < n; i++) {
            h[off + i] = (byte) s.charAt(i);
        }
    }

    /**
     * Zero-padded octal in {@code len - 1} digits and a NUL, as Go and GNU tar write numbers; the
     * caller keeps the value within the digits. Written digit by digit: 20,000 headers of a
     * rebuild made a string per number.
     */
    private static void putOctal(byte[] h, int off, int len, long value) {
        int last = off + len - 1;
        h[last] = 0;
        for (int i = last - 1; i >= off; i--) {
            h[i] = (byte) ('0' + (value & 7));
            value >>>= 3;
        }
    }

    private static void checksum(byte[] h) {
        Arrays.fill(h, 148, 156, (byte) ' ');
        // Four sums side by side: a quarter of the loop's steps (this runs once per entry).
        int a = 0;
        int b = 0;
        int c = 0;
        int d = 0;
        for (int i = 0; i < BLOCK; i += 4) {
            a += h[i] & 0xff;
            b += h[i + 1] & 0xff;
            c += h[i + 2] & 0xff;
            d += h[i + 3] & 0xff;
        }
        putOctal(h, 148, 7, a + b + c + d);
        h[155] = ' ';
    }
}
