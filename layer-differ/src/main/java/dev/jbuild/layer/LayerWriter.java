package dev.jbuild.layer;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.jbuild.layer.chunk.ChunkBoundaries;
import dev.jbuild.layer.chunk.ChunkCodec;
import dev.jbuild.layer.chunk.ChunkedCompressor;
import dev.jbuild.layer.chunk.MemberCache;
import dev.jbuild.layer.compress.DigestingOutputStream;
import dev.jbuild.layer.compress.ParallelGzipOutputStream;
import dev.jbuild.layer.tar.TarWriter;
import dev.jbuild.oci.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Writes a layer blob — a tar, compressed with gzip, zstd or nothing — from a directory tree or
 * from entries, and measures it in the same single pass: the sha256 of the blob, the sha256 of the
 * tar (the diffID) and both lengths. Nothing is buffered beyond fixed-size blocks, so memory does
 * not grow with the layer.
 *
 * <p>The same entries give the same bytes on every run and machine: entries go out in
 * {@link EntryOrder}, tar headers are canonical ({@link TarWriter}: no user or group names, no
 * atime or ctime, no PID in extended header names), mtimes are whole seconds clamped to
 * {@code SOURCE_DATE_EPOCH} when it is set, gzip is {@link ParallelGzipOutputStream} (identical
 * bytes for any thread count), and zstd always runs in zstd's multi-threaded mode with at least one
 * worker, whose output is the same for any number of workers (single-threaded mode, zero workers,
 * gives different bytes and is never used). The tar and its diffID depend on nothing else; the
 * compressed bytes also depend on the compressor library: zstd on the libzstd that zstd-jni bundles
 * (so on the zstd-jni version), gzip on the zlib behind {@link java.util.zip.Deflater} (stock zlib
 * versus forks such as zlib-ng, which deflate differently).
 *
 * <p>Three ways to use it: {@link #writeTree} for a directory, {@link #write} for entries in any
 * order (they are sorted; only metadata is held), or {@link #open} and {@link #add} to stream
 * entries that the caller already produces in order (checked as they come). The destination stream
 * is flushed but never closed; a {@link Path} destination is created or truncated, and deleted
 * again if writing fails. A writer from {@link #open} holds compression threads until
 * {@link #finish} or {@link #close}; use it in try-with-resources.
 */
public final class LayerWriter implements Closeable {
    private final Compression compression;
    private final OutputStream destination;
    private final DigestingOutputStream compressed;
    private final OutputStream compressor;
    private final DigestingOutputStream uncompressed;
    private final TarWriter tar;
    private final long clampSeconds;
    /** Set for a chunked layer: its compressor, where to cut, and the cache members come from and go to. */
    private final ChunkedCompressor chunks;
    private final ChunkBoundaries boundaries;
    private final MemberCache cache;
    private byte[] previousKey;
    private String previousPath;
    private boolean done;

    private LayerWriter(OutputStream destination, Compression compression, LayerOptions options, MemberCache cache)
            throws IOException {
        this.compression = compression;
        this.destination = destination;
        this.compressed = new DigestingOutputStream(destination);
        int level = options.levelFor(compression);
        if (compression == Compression.GZIP && level > 9) {
            throw new IllegalArgumentException("gzip level must be 0 to 9, not " + level);
        }
        if (compression == Compression.ZSTD && level < 1) {
            throw new IllegalArgumentException("zstd level must be 1 to 22, not " + level);
        }
        boolean chunked = cache != null && compression != Compression.NONE;
        this.boundaries = chunked ? new ChunkBoundaries() : null;
        this.cache = chunked ? cache : null;
        this.chunks = chunked
                ? new ChunkedCompressor(compressed, ChunkCodec.of(compression, level), cache, options.threads())
                : null;
        this.compressor = chunked ? chunks : singleStream(compression, level, options.threads());
        this.uncompressed = compression == Compression.NONE ? compressed : new DigestingOutputStream(compressor);
        this.tar = new TarWriter(uncompressed);
        this.clampSeconds = options.sourceDateEpoch().map(i -> i.getEpochSecond()).orElse(Long.MAX_VALUE);
    }

    /** The compressor of an unchunked layer: one gzip member, one zstd frame, or the bytes as they are. */
    private OutputStream singleStream(Compression compression, int level, int threads) throws IOException {
        switch (compression) {
            case GZIP:
                return new ParallelGzipOutputStream(compressed, level, threads);
            case ZSTD:
                ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(compressed, level);
                try {
                    // Workers >= 1 always: zstd's multi-threaded format is the same for any worker
                    // count, but differs from the single-threaded one (facebook/zstd#2238, #2327).
                    z.setWorkers(threads);
                    z.setChecksum(true);
                } catch (IOException | RuntimeException e) {
                    z.close();
                    throw e;
                }
                return z;
            default:
                return compressed;
        }
    }

    /**
     * Starts a layer on {@code out}. Add entries in {@link EntryOrder} with {@link #add}, then call
     * {@link #finish}; {@link #close} without {@code finish} abandons the layer.
     */
    public static LayerWriter open(OutputStream out, Compression compression, LayerOptions options)
            throws IOException {
        return new LayerWriter(out, compression, options, null);
    }

    /**
     * Starts a chunked layer: the tar is cut into chunks where {@link ChunkBoundaries} says, and
     * each chunk is compressed as a member of its own (a gzip member, a zstd frame), or taken from
     * {@code cache} when an earlier layer had the same chunk. The blob is still one valid gzip or
     * zstd stream with the same diffID; it differs from an unchunked layer's bytes once the tar
     * has more than one chunk. An uncompressed layer is written as {@link #open} would.
     */
    public static LayerWriter open(OutputStream out, Compression compression, LayerOptions options,
            MemberCache cache) throws IOException {
        return new LayerWriter(out, compression, options, Objects.requireNonNull(cache, "cache"));
    }

    /** Writes the tree under {@code root} (not the root itself) as a layer. */
    public static LayerResult writeTree(Path root, OutputStream out, Compression compression, LayerOptions options)
            throws IOException {
        try (LayerWriter w = open(out, compression, options)) {
            WalkAhead.run(visitor -> TreeWalker.walk(root, options, visitor), w::add);
            return w.finish();
        }
    }

    /** Writes the tree under {@code root} into the file {@code dest}. */
    public static LayerResult writeTree(Path root, Path dest, Compression compression, LayerOptions options)
            throws IOException {
        return toFile(dest, out -> writeTree(root, out, compression, options));
    }

    /**
     * Writes entries given in any order: they are sorted into {@link EntryOrder} first (their
     * metadata is held for that; contents are still opened one at a time). Two entries with the
     * same path are an error, as the OCI image-spec forbids duplicates.
     */
    public static LayerResult write(Iterable<LayerEntry> entries, OutputStream out, Compression compression,
            LayerOptions options) throws IOException {
        return write(entries, out, compression, options, null);
    }

    /** Writes entries given in any order as a chunked layer (see {@link #open(OutputStream, Compression, LayerOptions, MemberCache)}). */
    public static LayerResult write(Iterable<LayerEntry> entries, OutputStream out, Compression compression,
            LayerOptions options, MemberCache cache) throws IOException {
        record Keyed(byte[] key, LayerEntry entry) {
        }
        List<Keyed> sorted = new ArrayList<>();
        for (LayerEntry e : entries) {
            sorted.add(new Keyed(EntryOrder.sortKey(e.path()), e));
        }
        sorted.sort((a, b) -> Arrays.compareUnsigned(a.key(), b.key()));
        try (LayerWriter w = new LayerWriter(out, compression, options, cache)) {
            for (Keyed k : sorted) {
                w.add(k.entry(), k.key());
            }
            return w.finish();
        }
    }

    /** Writes entries given in any order into the file {@code dest}. */
    public static LayerResult write(Iterable<LayerEntry> entries, Path dest, Compression compression,
            LayerOptions options) throws IOException {
        return toFile(dest, out -> write(entries, out, compression, options));
    }

    /**
     * Appends one entry. Entries must come in strictly increasing {@link EntryOrder}, which also
     * rules out duplicates; a hardlink must name an entry already added.
     *
     * @throws IllegalArgumentException if the entry is out of order or repeats a path
     */
    public void add(LayerEntry entry) throws IOException {
        add(entry, EntryOrder.sortKey(entry.path()));
    }

    private void add(LayerEntry entry, byte[] key) throws IOException {
        if (done) {
            throw new IllegalStateException("layer already finished or closed");
        }
        if (previousKey != null) {
            int c = Arrays.compareUnsigned(previousKey, key);
            if (c >= 0) {
                throw new IllegalArgumentException(c == 0 ? "duplicate layer path \"" + entry.path() + "\""
                        : "layer entries out of order: \"" + entry.path() + "\" after \"" + previousPath + "\"");
            }
        }
        previousKey = key;
        previousPath = entry.path();
        long mtime = Math.min(entry.mtime().getEpochSecond(), clampSeconds);
        try {
            if (chunks != null) {
                long size = entry.type() == LayerEntry.Type.FILE ? entry.size() : 0;
                for (long cut : boundaries.before(tar.position(), entry.path(), size)) {
                    chunks.cutAt(cut);
                }
            }
            tar.write(entry, mtime);
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    /** Ends the tar, finishes compression, flushes the destination and returns the digests and sizes. */
    public LayerResult finish() throws IOException {
        if (done) {
            throw new IllegalStateException("layer already finished or closed");
        }
        Digest digest;
        Digest diffId;
        try {
            tar.finish();
            List<MemberCache.Member> members = null;
            if (compressor instanceof ParallelGzipOutputStream gz) {
                gz.finish();
            } else if (compressor instanceof ZstdOutputStreamNoFinalizer z) {
                z.close(); // ends the frame; closing `compressed` only flushes the destination
            } else if (chunks != null) {
                members = chunks.finish();
            }
            destination.flush();
            digest = compressed.digest();
            diffId = uncompressed == compressed ? digest : uncompressed.digest();
            if (members != null) {
                cache.written(digest, members);
            }
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
        done = true;
        return new LayerResult(digest, diffId, compressed.count(), uncompressed.count(),
                compression.ociMediaType());
    }

    /** Abandons an unfinished layer (stopping compression threads); nothing if it was finished. */
    @Override
    public void close() {
        if (!done) {
            abort();
        }
    }

    private void abort() {
        done = true;
        tar.abort(); // first: its thread may be inside the compressor
        if (compressor instanceof ParallelGzipOutputStream gz) {
            gz.abort();
        } else if (chunks != null) {
            chunks.abort();
        } else if (compressor instanceof ZstdOutputStreamNoFinalizer z) {
            try {
                z.close(); // frees the native context; the blob is garbage anyway
            } catch (IOException | RuntimeException ignored) {
                // the original failure is what the caller needs to see
            }
        }
    }

    private interface Body {
        LayerResult write(OutputStream out) throws IOException;
    }

    private static LayerResult toFile(Path dest, Body body) throws IOException {
        boolean ok = false;
        try (OutputStream out = Files.newOutputStream(dest, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            LayerResult r = body.write(out);
            ok = true;
            return r;
        } finally {
            if (!ok) {
                Files.deleteIfExists(dest);
            }
        }
    }
}
