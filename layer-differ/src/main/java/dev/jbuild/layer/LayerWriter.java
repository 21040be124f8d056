package dev.jbuild.layer;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.jbuild.layer.chunk.ChunkBoundaries;
import dev.jbuild.layer.chunk.ChunkCodec;
import dev.jbuild.layer.chunk.ChunkedCompressor;
import dev.jbuild.layer.chunk.EntryChunkKeys;
import dev.jbuild.layer.chunk.LayerRecipe;
import dev.jbuild.layer.chunk.MemberCache;
import dev.jbuild.layer.chunk.RecipeChain;
import dev.jbuild.layer.compress.DigestingOutputStream;
import dev.jbuild.layer.compress.ParallelGzipOutputStream;
import dev.jbuild.layer.compress.Sha256State;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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
    private ChunkBoundaries boundaries;
    private final MemberCache cache;
    /** Keys of the checkpoints of a chunked layer, when hash states can be kept (else null). */
    private RecipeChain chain;
    /** Keys of chunks from the entries they hold, for a codec whose members can be checked (else null). */
    private final EntryChunkKeys chunkKeys;
    /** Checkpoints whose states are still to be collected, and those taken over from an earlier layer. */
    private final List<Pending> checkpoints = new ArrayList<>();
    private List<LayerRecipe.Checkpoint> carried = List.of();
    /** How many tar bytes were taken over from an earlier layer. */
    private long takenOver;
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
        ChunkCodec codec = chunked ? ChunkCodec.of(compression, level) : null;
        this.boundaries = chunked ? new ChunkBoundaries() : null;
        this.cache = chunked ? cache : null;
        this.chunks = chunked ? new ChunkedCompressor(compressed, codec, cache, options.threads()) : null;
        this.compressor = chunked ? chunks : singleStream(compression, level, options.threads());
        this.uncompressed = compression == Compression.NONE ? compressed : new DigestingOutputStream(compressor);
        this.tar = new TarWriter(uncompressed);
        this.chain = chunked && Sha256State.supported() ? new RecipeChain(codec) : null;
        this.chunkKeys = chunked && codec.checksContent() ? new EntryChunkKeys(codec) : null;
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
        List<EntryOrder.Keyed<LayerEntry>> sorted = EntryOrder.sorted(entries, LayerEntry::path);
        List<LayerEntry> items = sorted.stream().map(EntryOrder.Keyed::item).toList();
        try (LayerWriter w = new LayerWriter(out, compression, options, cache); FilesAhead ahead = new FilesAhead(items)) {
            int first = w.takeOverEarlierLayer(items);
            for (int i = first; i < sorted.size(); i++) {
                w.add(items.get(i), sorted.get(i).key());
                if (items.get(i).type() == LayerEntry.Type.FILE && items.get(i).size() > 0) {
                    ahead.read(i, w.tar.firstReadNanos());
                }
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
        byte[][] headers = TarWriter.headers(entry, mtimeOf(entry));
        try {
            if (chunks != null) {
                long start = tar.position();
                long[] cuts = boundaries.before(start, entry.path(), contentSize(entry));
                for (long cut : cuts) {
                    chunks.cutAt(cut);
                }
                if (chunkKeys != null) {
                    keyChunks(entry, headers, start, cuts);
                }
                if (chain != null) {
                    Optional<String> checkpoint = startsChunk(cuts, start) ? chain.key() : Optional.empty();
                    if (checkpoint.isPresent()) {
                        uncompressed.keepStateAt(start);
                        checkpoints.add(new Pending(checkpoint.get(), start));
                    }
                    chain.add(entry, headers);
                }
            }
            tar.write(entry, headers);
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    /**
     * Hands the compressor the key of the chunk that ends where this entry starts, when it holds
     * whole entries of known content (see {@link EntryChunkKeys}), and adds the entry to the next.
     */
    private void keyChunks(LayerEntry entry, byte[][] headers, long start, long[] cuts) {
        boolean cutBefore = cuts.length > 0 && cuts[0] == start;
        if (cutBefore && start > chunkKeys.start()) {
            long chunkStart = chunkKeys.start();
            chunkKeys.key().ifPresent(key -> chunks.knownKey(chunkStart, start, key));
            chunkKeys.startAt(start);
        }
        if (cuts.length > (cutBefore ? 1 : 0)) {
            chunkKeys.partOfAnEntry(); // cut inside it: its chunks hold parts of it
        } else {
            chunkKeys.add(entry, headers);
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
                if (chain != null) {
                    keepRecipe(digest, members);
                }
            }
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
        done = true;
        return new LayerResult(digest, diffId, compressed.count(), uncompressed.count(),
                compression.ociMediaType(), takenOver);
    }

    /** A checkpoint of this layer: its key and tar offset; its states are collected at the end. */
    private record Pending(String key, long start) {
    }

    private long mtimeOf(LayerEntry entry) {
        return Math.min(entry.mtime().getEpochSecond(), clampSeconds);
    }

    private static long contentSize(LayerEntry entry) {
        return entry.type() == LayerEntry.Type.FILE ? entry.size() : 0;
    }

    /** Whether the rule cut right before the entry (a point a later layer may take over from). */
    private static boolean startsChunk(long[] cuts, long start) {
        return cuts.length > 0 && cuts[0] == start && start > 0;
    }

    /**
     * Takes over the first part of an earlier layer whose recipe the cache kept, when these
     * entries (in order) begin as that layer's did: its blob's bytes up to the last checkpoint both
     * share are copied, the hashes resumed from their states there, and writing goes on from the
     * entry at that checkpoint. Only the planning of cuts and keys runs over the entries before it;
     * their files are not opened. Call before {@link #add}; returns the index of the first entry
     * still to add (0 when nothing was taken over).
     */
    private int takeOverEarlierLayer(List<LayerEntry> entries) throws IOException {
        if (chain == null) {
            return 0;
        }
        record Point(int entry, LayerRecipe.Checkpoint checkpoint, ChunkBoundaries boundaries, RecipeChain chain) {
        }
        ChunkBoundaries plannedCuts = new ChunkBoundaries();
        RecipeChain plannedKeys = chain.copy();
        LayerRecipe recipe = null;
        Map<Long, LayerRecipe.Checkpoint> byStart = new HashMap<>();
        Point last = null;
        long position = 0;
        for (int i = 0; i < entries.size() && plannedKeys.known(); i++) {
            LayerEntry e = entries.get(i);
            byte[][] headers = TarWriter.headers(e, mtimeOf(e));
            ChunkBoundaries before = plannedCuts.copy();
            if (startsChunk(plannedCuts.before(position, e.path(), contentSize(e)), position)) {
                String key = plannedKeys.key().orElseThrow();
                if (recipe == null) {
                    recipe = cache.recipe(key).orElse(null);
                    if (recipe == null) {
                        return 0;
                    }
                    for (LayerRecipe.Checkpoint c : recipe.checkpoints()) {
                        byStart.put(recipe.members().get(c.member()).start(), c);
                    }
                }
                LayerRecipe.Checkpoint c = byStart.get(position);
                if (c == null || !c.key().equals(key)) {
                    break;
                }
                last = new Point(i, c, before, plannedKeys.copy());
            }
            plannedKeys.add(e, headers);
            position += TarWriter.length(headers, contentSize(e));
        }
        if (last == null) {
            return 0;
        }
        MemberCache.Member member = recipe.members().get(last.checkpoint().member());
        if (!cache.copyPrefix(recipe.blob(), member.offset(), destination)) {
            return 0;
        }
        compressed.resumeFrom(member.blobState().orElseThrow());
        chunks.resumeAfter(member.start(), recipe.members().subList(0, last.checkpoint().member()));
        uncompressed.resumeFrom(last.checkpoint().tarState());
        tar.startAt(member.start());
        if (chunkKeys != null) {
            chunkKeys.startAt(member.start());
        }
        boundaries = last.boundaries();
        chain = last.chain();
        int before = last.checkpoint().member();
        carried = recipe.checkpoints().stream().filter(c -> c.member() < before).toList();
        takenOver = member.start();
        if (last.entry() > 0) {
            LayerEntry previous = entries.get(last.entry() - 1);
            previousKey = EntryOrder.sortKey(previous.path());
            previousPath = previous.path();
        }
        return last.entry();
    }

    /** Keeps the finished blob's recipe: the checkpoints taken over and those this writer passed. */
    private void keepRecipe(Digest digest, List<MemberCache.Member> members) throws IOException {
        Map<Long, Integer> memberAt = new HashMap<>();
        for (int i = 0; i < members.size(); i++) {
            memberAt.put(members.get(i).start(), i);
        }
        List<LayerRecipe.Checkpoint> all = new ArrayList<>(carried);
        for (Pending p : checkpoints) {
            Integer member = memberAt.get(p.start());
            Optional<Sha256State> state = uncompressed.stateAt(p.start());
            if (member != null && state.isPresent()) {
                all.add(new LayerRecipe.Checkpoint(p.key(), member, state.get()));
            }
        }
        if (!all.isEmpty()) {
            cache.keep(new LayerRecipe(digest, members, all));
        }
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
