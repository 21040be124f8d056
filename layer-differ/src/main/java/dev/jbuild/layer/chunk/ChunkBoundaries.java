package dev.jbuild.layer.chunk;

import java.nio.charset.StandardCharsets;

/**
 * Decides where a layer's tar is cut into chunks, so that a change to one file changes one chunk
 * and leaves the others, and so their compressed members, as they were.
 *
 * <p>Cuts fall only where the entries themselves put them, never at a count of bytes since the
 * layer's start, which would move every later cut when one file grows: before an entry with a
 * probability of its size over {@value #TARGET} bytes, decided by a hash of its path (so a run of
 * small files is cut about every {@value #TARGET} bytes, at the same files every time); before
 * and after every entry of {@value #BIG} bytes or more; and inside a large file every
 * {@value #SPLIT} bytes from its start, so changing one part of a big file recompresses that part.
 * A chunk is never cut shorter than {@value #MIN} bytes by the hash, and is always cut before an
 * entry that would take it past {@value #MAX} bytes. The rule is part of the layer format: the
 * same entries give the same chunks and so the same blob.
 */
public final class ChunkBoundaries {
    static final long TARGET = 1 << 20;
    static final long MIN = 256 << 10;
    static final long MAX = 8 << 20;
    static final long BIG = 1 << 20;
    static final long SPLIT = 4 << 20;
    private static final int TAR_HEADER = 512;

    private long lastCut;
    private boolean previousBig;

    /** A rule in the state this one is in now, to go on from here separately. */
    public ChunkBoundaries copy() {
        ChunkBoundaries c = new ChunkBoundaries();
        c.lastCut = lastCut;
        c.previousBig = previousBig;
        return c;
    }

    /** Where to cut for an entry starting at tar offset {@code start} with {@code size} bytes of content. */
    public long[] before(long start, String path, long size) {
        long weight = TAR_HEADER + size;
        long chunk = start - lastCut;
        boolean big = weight >= BIG;
        boolean cutBefore = chunk > 0 && (previousBig || big || chunk + weight > MAX
                || chunk >= MIN && (pathHash(path) & 0xffffffffL) * TARGET < weight << 32);
        int inside = weight > SPLIT ? (int) ((weight - 1) / SPLIT) : 0;
        long[] cuts = new long[(cutBefore ? 1 : 0) + inside];
        int n = 0;
        if (cutBefore) {
            cuts[n++] = start;
        }
        for (int k = 1; k <= inside; k++) {
            cuts[n++] = start + k * SPLIT;
        }
        if (n > 0) {
            lastCut = cuts[n - 1];
        }
        previousBig = big;
        return cuts;
    }

    /** FNV-1a over the path's UTF-8 bytes, mixed: the same on every JVM and machine. */
    static int pathHash(String path) {
        long h = 0xcbf29ce484222325L;
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 29;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 32;
        return (int) h;
    }
}
