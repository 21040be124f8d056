package dev.jbuild.layer.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerResult;
import dev.jbuild.layer.LayerWriter;
import dev.jbuild.layer.chunk.MemberCache.Member;
import dev.jbuild.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Chunked layers: valid single streams with the right diffID, the same bytes whether members were
 * compressed or reused, and a change to one file recompressing one chunk.
 */
class ChunkedLayerTest {
    private static final Instant MTIME = Instant.parse("2024-05-01T10:00:00Z");
    private static final LayerOptions OPTIONS = LayerOptions.defaults().withThreads(2);

    @TempDir
    Path tmp;

    /** Keeps members the way a build's cache does: by key, cut out of the blobs that hold them. */
    static final class RecordingCache implements MemberCache {
        final Map<String, byte[]> members = new HashMap<>();
        final Map<Digest, byte[]> blobs = new HashMap<>();
        byte[] lastBlob;
        List<Member> last;

        @Override
        public boolean find(String key, MemberBytes into) {
            return copy(members.get(key), into);
        }

        @Override
        public void written(Digest blob, List<Member> written) {
            last = written;
            for (Member m : written) {
                members.put(m.key(), Arrays.copyOfRange(lastBlob, (int) m.offset(), (int) m.offset() + m.length()));
            }
        }
    }

    /** Puts a member kept in memory into the writer's buffer, as a cache on disk reads it in. */
    static boolean copy(byte[] member, MemberBytes into) {
        if (member == null) {
            return false;
        }
        into.reset();
        into.writeBytes(member);
        return true;
    }

    /** 600 small files of mixed text and noise (~4 MiB) and one 9 MiB file, as a COPY of a project gives. */
    private static List<LayerEntry> tree(Map<String, byte[]> changes) {
        Random random = new Random(42);
        List<LayerEntry> entries = new ArrayList<>();
        entries.add(dir("app"));
        entries.add(dir("app/src"));
        for (int i = 0; i < 600; i++) {
            String path = String.format("app/src/file-%04d.txt", i);
            byte[] data = new byte[2000 + random.nextInt(10000)];
            for (int j = 0; j < data.length; j++) {
                data[j] = (byte) (j % 7 == 0 ? random.nextInt(256) : 'a' + (i + j) % 26);
            }
            entries.add(file(path, changes.getOrDefault(path, data)));
        }
        byte[] big = new byte[9 << 20];
        random.nextBytes(big);
        Arrays.fill(big, 1 << 20, 3 << 20, (byte) 'z');
        entries.add(file("app/data.bin", changes.getOrDefault("app/data.bin", big)));
        return entries;
    }

    private static LayerEntry dir(String path) {
        return LayerEntry.directory(path).withMtime(MTIME);
    }

    private static LayerEntry file(String path, byte[] data) {
        return LayerEntry.file(path, data).withMtime(MTIME);
    }

    private record Written(byte[] blob, LayerResult result) {
    }

    private static Written write(List<LayerEntry> entries, Compression compression, MemberCache cache)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerResult r = cache == null ? LayerWriter.write(entries, out, compression, OPTIONS)
                : LayerWriter.write(entries, out, compression, OPTIONS, new MemberCache() {
                    @Override
                    public boolean find(String key, MemberBytes into) throws IOException {
                        return cache.find(key, into);
                    }

                    @Override
                    public void written(Digest blob, List<Member> members) throws IOException {
                        if (cache instanceof RecordingCache rc) {
                            rc.lastBlob = out.toByteArray();
                        }
                        cache.written(blob, members);
                    }
                });
        return new Written(out.toByteArray(), r);
    }

    private static byte[] uncompressed(byte[] blob) throws IOException {
        // A reader that never has anything buffered, as a pipe or socket may not: the gzip reader
        // must still go on past the first member.
        InputStream trickle = new InputStream() {
            final ByteArrayInputStream in = new ByteArrayInputStream(blob);

            @Override
            public int read() {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return in.read(b, off, Math.min(len, 1000));
            }

            @Override
            public int available() {
                return 0;
            }
        };
        try (InputStream in = Compression.decompressing(trickle)) {
            return in.readAllBytes();
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP", "ZSTD"})
    void aChunkedLayerIsOneValidStreamOfTheSameTar(Compression compression) throws Exception {
        Written plain = write(tree(Map.of()), compression, null);
        RecordingCache cache = new RecordingCache();
        Written chunked = write(tree(Map.of()), compression, cache);

        assertEquals(plain.result().diffId(), chunked.result().diffId());
        byte[] tar = uncompressed(chunked.blob());
        assertArrayEquals(uncompressed(plain.blob()), tar);
        assertEquals(chunked.result().diffId().toString(), sha256(tar));
        assertEquals(chunked.result().digest().toString(), sha256(chunked.blob()));
        assertEquals(chunked.blob().length, chunked.result().size());

        List<Member> members = cache.last;
        assertTrue(members.size() >= 6, "expected several chunks, got " + members.size());
        long offset = 0;
        for (Member m : members) {
            assertEquals(offset, m.offset());
            assertTrue(!m.reused());
            offset += m.length();
        }
        assertEquals(chunked.blob().length, offset);
        String tool = compression == Compression.GZIP ? "gzip" : "zstd";
        Path file = Files.write(tmp.resolve("layer"), chunked.blob());
        Process p = new ProcessBuilder(tool, "-t", file.toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), tool + " -t: " + said);
    }

    /** Content whose digest its producer claims, true or not, as a content index vouches for files. */
    private record Vouched(byte[] data, Optional<String> sha256) implements LayerEntry.Content {
        @Override
        public InputStream open() {
            return new ByteArrayInputStream(data);
        }
    }

    /** The tree with each file's content vouched for: its true digest, or the one {@code claims} gives. */
    private static List<LayerEntry> vouched(List<LayerEntry> tree, Map<String, byte[]> claims) throws IOException {
        List<LayerEntry> out = new ArrayList<>();
        for (LayerEntry e : tree) {
            if (e.type() != LayerEntry.Type.FILE) {
                out.add(e);
                continue;
            }
            byte[] data;
            try (InputStream in = e.content().open()) {
                data = in.readAllBytes();
            }
            byte[] claimed = claims.getOrDefault(e.path(), data);
            String sha = HexFormat.of().formatHex(Digest.sha256().digest(claimed));
            out.add(LayerEntry.file(e.path(), data.length, new Vouched(data, Optional.of(sha))).withMtime(MTIME));
        }
        return out;
    }

    @Test
    void zstdChunksAreAlwaysFoundByTheirBytes() throws Exception {
        // A zstd frame tells its length but no checksum zstd-jni can check: a key that does not
        // hash the bytes could not be trusted.
        RecordingCache cache = new RecordingCache();
        write(vouched(tree(Map.of()), Map.of()), Compression.ZSTD, cache);
        write(tree(Map.of()), Compression.ZSTD, cache);
        assertTrue(cache.last.stream().allMatch(Member::reused), "with digests or without, the same keys");
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP"})
    void chunksOfEntriesWithKnownDigestsAreFoundByWhatTheyHold(Compression compression) throws Exception {
        RecordingCache cache = new RecordingCache();
        write(vouched(tree(Map.of()), Map.of()), compression, cache);
        int chunks = cache.last.size();

        write(tree(Map.of()), compression, cache);
        // Without digests every chunk is keyed by its bytes, and misses the members kept under the
        // keys of their entries: all those of small files but the last (it holds the tar's end).
        long smallFilesFrom = 2 * 512 + (9 << 20); // after app/ and app/data.bin
        List<Member> small = cache.last.stream().filter(m -> m.start() >= smallFilesFrom).toList();
        assertTrue(small.size() >= 4, "chunks of small files: " + small.size());
        assertTrue(small.subList(0, small.size() - 1).stream().noneMatch(Member::reused),
                "a chunk of small files was found by its bytes");
        assertEquals(chunks, cache.last.size());

        Map<String, byte[]> change = Map.of("app/src/file-0300.txt", "changed\n".getBytes());
        Written again = write(vouched(tree(change), Map.of()), compression, cache);
        long recompressed = cache.last.stream().filter(m -> !m.reused()).count();
        assertEquals(1, recompressed, "members recompressed after one small change, of " + cache.last.size());
        Written fresh = write(tree(change), compression, MemberCache.NONE);
        assertArrayEquals(fresh.blob(), again.blob(), "the same bytes as a fresh write");
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP", "ZSTD"})
    void aWrongDigestCostsARecompressionNeverAWrongLayer(Compression compression) throws Exception {
        RecordingCache cache = new RecordingCache();
        write(vouched(tree(Map.of()), Map.of()), compression, cache);
        // The file changed, but its digest is claimed as before: its chunk's key is the old one.
        String path = "app/src/file-0300.txt";
        byte[] before;
        try (InputStream in = tree(Map.of()).stream().filter(e -> e.path().equals(path)).findFirst().orElseThrow()
                .content().open()) {
            before = in.readAllBytes();
        }
        byte[] after = before.clone();
        after[10] ^= 1; // same size: only the bytes tell
        Map<String, byte[]> change = Map.of(path, after);
        Written lied = write(vouched(tree(change), Map.of(path, before)), compression, cache);
        assertEquals(1, cache.last.stream().filter(m -> !m.reused()).count(), "the lied-about chunk was compressed");
        Written fresh = write(tree(change), compression, MemberCache.NONE);
        assertArrayEquals(fresh.blob(), lied.blob(), "the layer has the file's real bytes");
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP", "ZSTD"})
    void changingOneSmallFileRecompressesOneChunkAndGivesTheFreshBytes(Compression compression) throws Exception {
        RecordingCache cache = new RecordingCache();
        Written first = write(tree(Map.of()), compression, cache);
        int chunks = cache.last.size();

        Map<String, byte[]> change = Map.of("app/src/file-0300.txt", "changed\n".getBytes());
        Written again = write(tree(change), compression, cache);
        long recompressed = cache.last.stream().filter(m -> !m.reused()).count();
        assertEquals(1, recompressed, "members recompressed after one small change, of " + cache.last.size());
        assertNotEquals(first.result().digest(), again.result().digest());

        Written fresh = write(tree(change), compression, MemberCache.NONE);
        assertArrayEquals(fresh.blob(), again.blob(), "reusing members must give the bytes a fresh write gives");
        assertEquals(fresh.result(), again.result());
        assertEquals(chunks, cache.last.size());
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP", "ZSTD"})
    void aNewFileOrAChangeInsideABigFileLeavesTheOtherChunksAlone(Compression compression) throws Exception {
        RecordingCache cache = new RecordingCache();
        write(tree(Map.of()), compression, cache);

        List<LayerEntry> added = new ArrayList<>(tree(Map.of()));
        added.add(file("app/src/file-0123a.txt", new byte[5000]));
        write(added, compression, cache);
        assertTrue(cache.last.stream().filter(m -> !m.reused()).count() <= 2,
                "a new file should touch its chunk (and at most a neighbour)");

        byte[] big = tree(Map.of()).stream().filter(e -> e.path().equals("app/data.bin")).findFirst().orElseThrow()
                .content().open().readAllBytes();
        big[6 << 20] ^= 1;
        Written changed = write(tree(Map.of("app/data.bin", big)), compression, cache);
        assertEquals(1, cache.last.stream().filter(m -> !m.reused()).count(),
                "one byte changed in a big file: only its 4 MiB piece is compressed again");
        assertArrayEquals(write(tree(Map.of("app/data.bin", big)), compression, MemberCache.NONE).blob(),
                changed.blob());
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP", "ZSTD"})
    void aCachedMemberThatDoesNotFitItsChunkIsNotUsed(Compression compression) throws Exception {
        RecordingCache cache = new RecordingCache();
        Written first = write(tree(Map.of()), compression, cache);
        // Every key now answers with another chunk's member: none may be taken.
        byte[] wrong = cache.members.values().iterator().next();
        MemberCache lying = new MemberCache() {
            @Override
            public boolean find(String key, MemberBytes into) {
                return copy(wrong, into);
            }

            @Override
            public void written(Digest blob, List<Member> members) {
                assertTrue(members.stream().filter(Member::reused).count() <= 1);
            }
        };
        Written again = write(tree(Map.of()), compression, lying);
        assertArrayEquals(first.blob(), again.blob());
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP", "ZSTD"})
    void aLayerOfOneChunkIsOneMember(Compression compression) throws Exception {
        List<LayerEntry> small = List.of(dir("etc"), file("etc/hostname", "jbuild\n".getBytes()));
        RecordingCache cache = new RecordingCache();
        Written chunked = write(small, compression, cache);
        assertEquals(1, cache.last.size());
        if (compression == Compression.GZIP) {
            // One member is exactly what the unchunked writer gives.
            assertArrayEquals(write(small, compression, null).blob(), chunked.blob());
        }
        assertEquals(write(small, compression, null).result().diffId(), chunked.result().diffId());
    }

    @org.junit.jupiter.api.Test
    void boundariesDependOnEntriesNotOnWhatCameBefore() {
        ChunkBoundaries a = new ChunkBoundaries();
        ChunkBoundaries b = new ChunkBoundaries();
        // The same big entry at different offsets is cut at the same distances from its start.
        long[] cutsA = a.before(5_000, "big", 10 << 20);
        long[] cutsB = b.before(7_000_000, "big", 10 << 20);
        assertEquals(cutsA.length, cutsB.length);
        for (int i = 0; i < cutsA.length; i++) {
            assertEquals(cutsA[i] - 5_000, cutsB[i] - 7_000_000);
        }
        assertEquals(3, cutsA.length, "before it, at 4 MiB and at 8 MiB");
        // After a big entry the next one always starts a chunk.
        assertArrayEquals(new long[] {20_000_000}, a.before(20_000_000, "small", 10));
    }
}
