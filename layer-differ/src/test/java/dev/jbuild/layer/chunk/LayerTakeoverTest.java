package dev.jbuild.layer.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerResult;
import dev.jbuild.layer.LayerWriter;
import dev.jbuild.layer.compress.Sha256State;
import dev.jbuild.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A layer that starts as an earlier one takes that part over from the earlier blob's recipe, and
 * is still byte for byte the layer a write from nothing gives, with the diffID of its tar.
 */
class LayerTakeoverTest {
    private static final Instant MTIME = Instant.parse("2024-05-01T10:00:00Z");
    private static final LayerOptions OPTIONS = LayerOptions.defaults().withThreads(2);

    @BeforeAll
    static void statesWork() {
        assertTrue(Sha256State.supported(), "the tests open java.base's SHA-2 provider (see the parent pom)");
    }

    /** Keeps members, recipes and blobs in memory, as a build's chunk index does on disk. */
    static final class Store implements MemberCache {
        final Map<String, byte[]> members = new HashMap<>();
        final Map<String, LayerRecipe> recipes = new HashMap<>();
        final Map<Digest, byte[]> blobs = new HashMap<>();
        ByteArrayOutputStream writing;
        int kept;

        @Override
        public boolean find(String key, MemberBytes into) {
            return ChunkedLayerTest.copy(members.get(key), into);
        }

        @Override
        public void written(Digest blob, List<Member> written) {
            byte[] bytes = writing.toByteArray();
            blobs.put(blob, bytes);
            for (Member m : written) {
                members.put(m.key(), Arrays.copyOfRange(bytes, (int) m.offset(), (int) m.offset() + m.length()));
            }
        }

        @Override
        public Optional<LayerRecipe> recipe(String firstKey) {
            return Optional.ofNullable(recipes.get(firstKey));
        }

        @Override
        public void keep(LayerRecipe recipe) throws IOException {
            kept++;
            // Through the file format, as the index stores it.
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            recipe.write(new DataOutputStream(bytes));
            recipes.put(recipe.firstKey(), LayerRecipe.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))));
        }

        @Override
        public boolean copyPrefix(Digest blob, long length, OutputStream out) throws IOException {
            byte[] bytes = blobs.get(blob);
            if (bytes == null) {
                return false;
            }
            out.write(bytes, 0, (int) length);
            return true;
        }
    }

    /** Content that knows its digest, as a build context's files do. */
    private record Known(byte[] data, Optional<String> sha256) implements LayerEntry.Content {
        @Override
        public InputStream open() {
            return new ByteArrayInputStream(data);
        }
    }

    /** A 9 MiB file, then 400 small files: the big file's chunks come before any small file's. */
    private static List<LayerEntry> tree(Map<String, String> changes, boolean digestsKnown) {
        Random random = new Random(3);
        List<LayerEntry> entries = new ArrayList<>();
        entries.add(LayerEntry.directory("app").withMtime(MTIME));
        byte[] big = new byte[9 << 20];
        random.nextBytes(big);
        entries.add(file("app/big.bin", big, digestsKnown));
        entries.add(LayerEntry.directory("app/src").withMtime(MTIME));
        for (int i = 0; i < 400; i++) {
            String path = String.format("app/src/file-%03d.txt", i);
            StringBuilder text = new StringBuilder();
            int size = 3000 + random.nextInt(12000);
            while (text.length() < size) {
                text.append("line ").append(random.nextInt(100_000)).append(" of ").append(path).append('\n');
            }
            byte[] data = (text + changes.getOrDefault(path, "")).getBytes();
            entries.add(file(path, data, digestsKnown));
        }
        return entries;
    }

    private static LayerEntry file(String path, byte[] data, boolean digestKnown) {
        Optional<String> sha256 = digestKnown ? Optional.of(Digest.sha256(data).hex()) : Optional.empty();
        return LayerEntry.file(path, data.length, new Known(data, sha256)).withMtime(MTIME);
    }

    private record Written(byte[] blob, LayerResult result) {
    }

    private static Written write(List<LayerEntry> entries, Compression compression, Store store) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.writing = out;
        LayerResult r = LayerWriter.write(entries, out, compression, OPTIONS, store);
        return new Written(out.toByteArray(), r);
    }

    /** The layer as a write with nothing cached makes it. */
    private static Written fresh(List<LayerEntry> entries, Compression compression) throws IOException {
        return write(entries, compression, new Store());
    }

    private static void assertSameLayer(Written expected, Written actual, Compression compression) throws IOException {
        assertArrayEquals(expected.blob(), actual.blob(), "the blob a write from nothing gives");
        assertEquals(expected.result().digest(), actual.result().digest());
        assertEquals(expected.result().diffId(), actual.result().diffId());
        assertEquals(Digest.sha256(actual.blob()), actual.result().digest());
        try (InputStream in = compression.decompress(new ByteArrayInputStream(actual.blob()))) {
            assertEquals(Digest.sha256(in.readAllBytes()), actual.result().diffId(), "the diffID is the tar's");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP", "ZSTD"})
    void aChangeAfterTheBigFileTakesOverWhatComesBefore(Compression compression) throws IOException {
        Store store = new Store();
        Written first = write(tree(Map.of(), true), compression, store);
        assertEquals(0, first.result().takenOver());
        assertEquals(1, store.kept);

        List<LayerEntry> changed = tree(Map.of("app/src/file-200.txt", "one more line\n"), true);
        Written second = write(changed, compression, store);
        assertTrue(second.result().takenOver() > 9 << 20,
                "at least the big file is taken over, not " + second.result().takenOver());
        assertTrue(second.result().takenOver() < second.result().uncompressedSize());
        assertSameLayer(fresh(changed, compression), second, compression);

        // The new blob's recipe has the checkpoints taken over too: a change further on takes more.
        List<LayerEntry> again = tree(Map.of("app/src/file-200.txt", "one more line\n",
                "app/src/file-390.txt", "and another\n"), true);
        Written third = write(again, compression, store);
        assertTrue(third.result().takenOver() > second.result().takenOver());
        assertSameLayer(fresh(again, compression), third, compression);
    }

    @Test
    void anUnchangedLayerIsTakenOverUpToItsLastCheckpoint() throws IOException {
        Store store = new Store();
        List<LayerEntry> entries = tree(Map.of(), true);
        write(entries, Compression.GZIP, store);
        Written again = write(entries, Compression.GZIP, store);
        assertTrue(again.result().takenOver() > again.result().uncompressedSize() / 2);
        assertSameLayer(fresh(entries, Compression.GZIP), again, Compression.GZIP);
    }

    @Test
    void aChangeBeforeTheFirstCheckpointTakesNothingOver() throws IOException {
        Store store = new Store();
        write(tree(Map.of(), true), Compression.GZIP, store);
        List<LayerEntry> changed = new ArrayList<>(tree(Map.of(), true));
        changed.set(0, changed.get(0).withMode(0700));
        Written second = write(changed, Compression.GZIP, store);
        assertEquals(0, second.result().takenOver());
        assertSameLayer(fresh(changed, Compression.GZIP), second, Compression.GZIP);
    }

    @Test
    void contentOfUnknownDigestEndsTheCheckpoints() throws IOException {
        Store store = new Store();
        List<LayerEntry> unknown = tree(Map.of(), false);
        write(unknown, Compression.GZIP, store);
        assertEquals(1, store.kept, "the checkpoint before the big file has a key");
        LayerRecipe recipe = store.recipes.values().iterator().next();
        assertEquals(1, recipe.checkpoints().size(), "nothing after a file of unknown content has one");

        Written again = write(unknown, Compression.GZIP, store);
        assertTrue(again.result().takenOver() <= 1024, "only the directory before the big file: " + again.result().takenOver());
        assertSameLayer(fresh(unknown, Compression.GZIP), again, Compression.GZIP);
    }

    @Test
    void aRecipeWhoseBlobIsGoneIsWrittenInFull() throws IOException {
        Store store = new Store();
        write(tree(Map.of(), true), Compression.ZSTD, store);
        store.blobs.clear();
        List<LayerEntry> changed = tree(Map.of("app/src/file-300.txt", "x\n"), true);
        Written second = write(changed, Compression.ZSTD, store);
        assertEquals(0, second.result().takenOver());
        assertSameLayer(fresh(changed, Compression.ZSTD), second, Compression.ZSTD);
    }

    @Test
    void anUncompressedOrUnchunkedLayerKeepsNoRecipe() throws IOException {
        Store store = new Store();
        store.writing = new ByteArrayOutputStream();
        LayerWriter.write(tree(Map.of(), true), store.writing, Compression.NONE, OPTIONS, store);
        assertTrue(store.recipes.isEmpty());
        LayerWriter.write(tree(Map.of(), true), new ByteArrayOutputStream(), Compression.GZIP, OPTIONS);
        assertEquals(0, store.kept);
    }

    @Test
    void aRecipeRoundTripsAndADamagedOneIsRefused() throws IOException {
        Store store = new Store();
        write(tree(Map.of(), true), Compression.GZIP, store);
        LayerRecipe recipe = store.recipes.values().iterator().next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        recipe.write(new DataOutputStream(bytes));
        Function<byte[], LayerRecipe> read = b -> {
            try {
                return LayerRecipe.read(new DataInputStream(new ByteArrayInputStream(b)));
            } catch (IOException e) {
                return null;
            }
        };
        assertEquals(recipe, read.apply(bytes.toByteArray()));
        byte[] cut = Arrays.copyOf(bytes.toByteArray(), bytes.size() - 10);
        assertNull(read.apply(cut), "a torn recipe");
        byte[] moved = bytes.toByteArray();
        // The first member's offset (after the magic, the digest and the member count) made 1.
        int offsetAt = 2 + "jbuild layer recipe v1".length() + 2 + 71 + 4 + 2 + 64 + 8;
        moved[offsetAt + 7] = 1;
        assertNull(read.apply(moved), "a member that is not where the one before ends");
    }
}
