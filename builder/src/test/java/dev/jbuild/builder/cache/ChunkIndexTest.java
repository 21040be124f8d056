package dev.jbuild.builder.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerResult;
import dev.jbuild.layer.LayerWriter;
import dev.jbuild.layer.chunk.MemberBytes;
import dev.jbuild.layer.chunk.MemberCache;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chunk index finds members in the store's blobs, and forgets those whose blob is gone. */
class ChunkIndexTest {
    @TempDir
    Path tmp;
    BlobStore blobs;
    Path dir;

    @BeforeEach
    void setUp() throws IOException {
        blobs = new BlobStore(Files.createDirectories(tmp.resolve("store/blobs")));
        dir = tmp.resolve("chunks");
    }

    /** Counts what the writer took from the index. */
    private static final class Counting implements MemberCache {
        final MemberCache inner;
        long reused;
        long members;

        Counting(MemberCache inner) {
            this.inner = inner;
        }

        @Override
        public boolean find(String key, MemberBytes into) throws IOException {
            return inner.find(key, into);
        }

        @Override
        public void written(Digest blob, List<Member> written) throws IOException {
            members = written.size();
            reused = written.stream().filter(Member::reused).count();
            inner.written(blob, written);
        }
    }

    /** 400 files of 4 to 16 KiB, of which {@code changed} gets other content. */
    private static List<LayerEntry> files(int changed) {
        Random random = new Random(3);
        List<LayerEntry> entries = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            byte[] data = new byte[4096 + random.nextInt(12288)];
            random.nextBytes(data);
            if (i == changed) {
                data[0] ^= 1;
            }
            entries.add(LayerEntry.file(String.format("f%03d", i), data).withMtime(Instant.EPOCH));
        }
        return entries;
    }

    private Digest write(List<LayerEntry> entries, MemberCache cache) throws IOException {
        try (BlobStore.Writer out = blobs.newWriter("sha256")) {
            LayerResult r = LayerWriter.write(entries, out, Compression.GZIP, LayerOptions.defaults(), cache);
            out.commit(Optional.of(r.digest()), OptionalLong.of(r.size()));
            return r.digest();
        }
    }

    @Test
    void aSecondLayerTakesTheUnchangedMembersFromTheFirstBlob() throws IOException {
        Counting first = new Counting(new ChunkIndex(dir, blobs, true));
        Digest a = write(files(-1), first);
        assertTrue(first.members >= 4, "chunks: " + first.members);
        assertEquals(0, first.reused);

        Counting second = new Counting(new ChunkIndex(dir, blobs, true));
        Digest b = write(files(200), second);
        assertEquals(first.members, second.members);
        assertEquals(first.members - 1, second.reused);

        // The same layer without the index: the same blob.
        Files.delete(blobs.path(b));
        assertEquals(b, write(files(200), MemberCache.NONE));
        assertTrue(blobs.has(a));
    }

    @Test
    void withoutLookupsEverythingIsCompressedAndStillRecorded() throws IOException {
        write(files(-1), new ChunkIndex(dir, blobs, true));
        Counting noCache = new Counting(new ChunkIndex(dir, blobs, false));
        write(files(-1), noCache);
        assertEquals(0, noCache.reused);
        Counting later = new Counting(new ChunkIndex(dir, blobs, true));
        write(files(-1), later);
        assertEquals(later.members, later.reused);
    }

    @Test
    void entriesOfAPrunedBlobAreMissesAndPruneRemovesThem() throws IOException {
        Digest a = write(files(-1), new ChunkIndex(dir, blobs, true));
        long entries = count();
        Files.delete(blobs.path(a));
        assertEquals(entries, ChunkIndex.prune(dir, blobs));
        assertEquals(0, count());

        write(files(-1), new ChunkIndex(dir, blobs, true));
        Path one;
        try (Stream<Path> s = Files.list(dir)) {
            one = s.findFirst().orElseThrow();
        }
        Files.writeString(one, "torn");
        Counting again = new Counting(new ChunkIndex(dir, blobs, true));
        write(files(-1), again);
        assertEquals(again.members - 1, again.reused, "a damaged entry is a miss, the others still hit");
    }

    @Test
    void entriesAreRewrittenInPlaceWithOneLengthAndALongerOldOneIsCut() throws IOException {
        write(files(-1), new ChunkIndex(dir, blobs, true));
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir).filter(Files::isRegularFile)) {
            entries = s.sorted().toList();
        }
        Set<Long> sizes = new HashSet<>();
        for (Path e : entries) {
            sizes.add(Files.size(e));
        }
        assertEquals(1, sizes.size(), "every location has one length");
        Path old = entries.get(0);
        String location = Files.readString(old);
        String[] f = location.split(" ");
        Files.writeString(old, f[0] + " 0000000000" + f[1] + " " + f[2]); // the same place, written longer
        Object inode = Files.readAttributes(old, BasicFileAttributes.class).fileKey();

        Counting again = new Counting(new ChunkIndex(dir, blobs, true));
        write(files(-1), again);
        assertEquals(again.members, again.reused);
        assertEquals(location, Files.readString(old), "written again, the rest cut");
        assertEquals(inode, Files.readAttributes(old, BasicFileAttributes.class).fileKey(), "the same file, written over");
    }

    private long count() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    /** 400 files whose content digests are known (as a build context's are), {@code changed} changed. */
    private static List<LayerEntry> known(int changed) {
        List<LayerEntry> entries = new ArrayList<>();
        for (LayerEntry e : files(changed)) {
            byte[] data;
            try (InputStream in = e.content().open()) {
                data = in.readAllBytes();
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
            Optional<String> sha256 = Optional.of(Digest.sha256(data).hex());
            entries.add(LayerEntry.file(e.path(), data.length, new LayerEntry.Content() {
                @Override
                public InputStream open() {
                    return new ByteArrayInputStream(data);
                }

                @Override
                public Optional<String> sha256() {
                    return sha256;
                }
            }).withMtime(Instant.EPOCH));
        }
        return entries;
    }

    private LayerResult writeSelfDigesting(List<LayerEntry> entries, MemberCache cache) throws IOException {
        try (BlobStore.Writer out = blobs.newSelfDigestingWriter()) {
            LayerResult r = LayerWriter.write(entries, out, Compression.GZIP, LayerOptions.defaults(), cache);
            out.commit(Optional.of(r.digest()), OptionalLong.of(r.size()));
            return r;
        }
    }

    @Test
    void aLayerStartingAsAnEarlierOneTakesItsFirstPartFromThatBlob() throws IOException {
        writeSelfDigesting(known(-1), new ChunkIndex(dir, blobs, true));
        Path recipes = tmp.resolve("recipes");
        assertEquals(1, count(recipes), "one recipe per first checkpoint");

        LayerResult changed = writeSelfDigesting(known(350), new ChunkIndex(dir, blobs, true));
        assertTrue(changed.takenOver() > 0);
        // Into a writer that hashes what it gets, the bytes are read through it: the same blob.
        Files.delete(blobs.path(changed.digest()));
        assertEquals(changed.digest(), write(known(350), new ChunkIndex(dir, blobs, true)));
        // And the same as written with no cache at all.
        Files.delete(blobs.path(changed.digest()));
        assertEquals(changed.digest(), write(known(350), MemberCache.NONE));
        assertEquals(0, writeSelfDigesting(known(350), new ChunkIndex(dir, blobs, false)).takenOver(),
                "--no-cache takes nothing over");
    }

    @Test
    void aRecipeOfAPrunedBlobOrDamagedIsAMissAndPruneRemovesIt() throws IOException {
        LayerResult first = writeSelfDigesting(known(-1), new ChunkIndex(dir, blobs, true));
        Path recipes = tmp.resolve("recipes");
        Path recipe;
        try (Stream<Path> s = Files.list(recipes)) {
            recipe = s.findFirst().orElseThrow();
        }
        Files.write(recipe, Arrays.copyOf(Files.readAllBytes(recipe), 100));
        assertEquals(0, writeSelfDigesting(known(350), new ChunkIndex(dir, blobs, true)).takenOver());
        assertTrue(Files.exists(recipe), "the torn recipe was replaced by the new layer's");

        Files.delete(blobs.path(first.digest()));
        LayerResult second = writeSelfDigesting(known(300), new ChunkIndex(dir, blobs, true));
        assertTrue(second.takenOver() > 0, "the recipe kept last names the blob still there");
        Files.delete(blobs.path(second.digest()));
        LayerResult third = writeSelfDigesting(known(200), new ChunkIndex(dir, blobs, true));
        assertEquals(0, third.takenOver(), "the recipe kept last names a pruned blob");

        Files.delete(blobs.path(third.digest()));
        ChunkIndex.prune(dir, blobs);
        assertEquals(0, count(recipes), "prune removes the recipe of a deleted blob");
    }

    @Test
    void anOriginsLastBlobIsFoundWhileInTheStore() throws IOException {
        ChunkIndex index = new ChunkIndex(dir, blobs, true);
        assertEquals(Optional.empty(), index.lastBlob("step"));
        Digest a = blobs.write("a".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Digest b = blobs.write("b".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        index.rememberBlob("step", a);
        index.rememberBlob("step", b);
        assertEquals(Optional.of(b), index.lastBlob("step"), "the newest");
        assertEquals(Optional.empty(), new ChunkIndex(dir, blobs, false).lastBlob("step"), "--no-cache guesses nothing");
        Files.writeString(tmp.resolve("origins/torn"), "sha256:12");
        assertEquals(Optional.empty(), index.lastBlob("torn"));
        Files.delete(blobs.path(b));
        assertEquals(Optional.empty(), index.lastBlob("step"));
        ChunkIndex.prune(dir, blobs);
        assertEquals(0, count(tmp.resolve("origins")), "prune drops origins of deleted blobs and torn ones");
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
