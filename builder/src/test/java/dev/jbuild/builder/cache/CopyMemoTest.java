package dev.jbuild.builder.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.LayerEntry;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A kept copy reads back as written, under its key only, with the files changed since; damage is a miss. */
class CopyMemoTest {
    private static final Digest BLOB = Digest.sha256(new byte[] {1});

    @TempDir
    Path tmp;
    private Path context;
    private Path memos;
    private List<LayerEntry> entries;

    @BeforeEach
    void setUp() throws IOException {
        context = Files.createDirectories(tmp.resolve("context/sub"));
        Files.writeString(context.resolve("a.txt"), "alpha");
        context = context.getParent();
        memos = CopyMemo.directory(tmp.resolve("cache"));
        TreeMap<String, byte[]> caps = new TreeMap<>();
        caps.put("security.capability", new byte[] {0, 0, 0, 2});
        entries = List.of(
                new LayerEntry("app", LayerEntry.Type.DIR, 0755, 0, 0, Instant.ofEpochSecond(1_600_000_000, 5), 0, "",
                        0, 0, null, null),
                new LayerEntry("app/sub/a.txt", LayerEntry.Type.FILE, 04750, 7, 8, Instant.ofEpochSecond(1_600_000_001),
                        5, "", 0, 0, caps, LayerEntry.Content.EMPTY),
                LayerEntry.symlink("app/link", "sub/a.txt"),
                LayerEntry.hardlink("app/again", "app/sub/a.txt"));
    }

    @Test
    void keptEntriesReadBackWithTheChangedFiles() throws IOException {
        ContextListing before = listing();
        CopyMemo.save(memos, "origin", "key", before, BLOB, entries, Arrays.asList(null, "sub/a.txt", null, null));
        Files.writeString(context.resolve("sub/a.txt"), "ALPHA!");
        CopyMemo.Kept kept = CopyMemo.load(memos, "origin", "key", listing(), source -> LayerEntry.Content.EMPTY)
                .orElseThrow();
        assertEquals(List.of("sub/a.txt"), kept.changedFiles());
        assertEquals(Arrays.asList(null, "sub/a.txt", null, null), kept.sources());
        assertEquals(entries.size(), kept.entries().size());
        for (int i = 0; i < entries.size(); i++) {
            LayerEntry e = entries.get(i);
            LayerEntry k = kept.entries().get(i);
            assertEquals(List.of(e.path(), e.type(), e.mode(), e.uid(), e.gid(), e.mtime(), e.size(), e.linkTarget()),
                    List.of(k.path(), k.type(), k.mode(), k.uid(), k.gid(), k.mtime(), k.size(), k.linkTarget()));
            assertEquals(e.xattrs().keySet(), k.xattrs().keySet());
        }
        assertTrue(Arrays.equals(new byte[] {0, 0, 0, 2}, kept.entries().get(1).xattrs().get("security.capability")));
    }

    @Test
    void textsOutsideAsciiReadBackAsWritten() throws IOException {
        // Modified UTF-8 (writeUTF) differs from UTF-8 outside the BMP (and for U+0000, never in a path).
        List<LayerEntry> named = List.of(
                LayerEntry.symlink("app/\u00e9t\u00e9-\uD83D\uDE00", "se\u00f1or/\uD83D\uDE00.txt"),
                LayerEntry.symlink("app/plain", "a/b"),
                new LayerEntry("app/\u4e2d\u6587.txt", LayerEntry.Type.FILE, 0644, 0, 0, Instant.EPOCH, 5, "", 0, 0,
                        null, LayerEntry.Content.EMPTY));
        CopyMemo.save(memos, "origin", "key", listing(), BLOB, named, Arrays.asList(null, null, "sub/\u00e4.txt"));
        List<String> sources = new java.util.ArrayList<>();
        CopyMemo.Kept kept = CopyMemo.load(memos, "origin", "key", listing(), source -> {
            sources.add(source);
            return LayerEntry.Content.EMPTY;
        }).orElseThrow();
        assertEquals(named.stream().map(e -> e.path() + " -> " + e.linkTarget()).toList(),
                kept.entries().stream().map(e -> e.path() + " -> " + e.linkTarget()).toList());
        assertEquals(List.of("sub/\u00e4.txt"), sources);
    }

    @Test
    void anotherKeyAStructuralChangeOrDamageIsAMiss() throws IOException {
        CopyMemo.save(memos, "origin", "key", listing(), BLOB, entries, Arrays.asList(null, "sub/a.txt", null, null));
        assertEquals(Optional.empty(), load("other key"));
        assertEquals(Optional.empty(), CopyMemo.load(memos, "other origin", "key", listing(), s -> LayerEntry.Content.EMPTY));
        Path file = memos.resolve("origin");
        byte[] whole = Files.readAllBytes(file);
        for (int cut : new int[] {whole.length - 1, whole.length / 2, 10}) {
            Files.write(file, Arrays.copyOf(whole, cut));
            assertEquals(Optional.empty(), load("key"), "cut at " + cut);
        }
        Files.write(file, whole);
        assertTrue(load("key").isPresent());
        Files.writeString(context.resolve("new.txt"), "new");
        assertEquals(Optional.empty(), load("key"), "a name added");
    }

    @Test
    void pruneDropsTheMemosOfGoneBlobsAndDamagedOnes() throws IOException {
        BlobStore blobs = new BlobStore(Files.createDirectories(tmp.resolve("store/blobs")));
        Digest kept = blobs.write("kept".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<String> sources = Arrays.asList(null, "sub/a.txt", null, null);
        CopyMemo.save(memos, "kept", "key", listing(), kept, entries, sources);
        CopyMemo.save(memos, "gone", "key", listing(), BLOB, entries, sources);
        Files.writeString(memos.resolve("damaged"), "not a memo");
        assertEquals(2, CopyMemo.prune(memos, blobs));
        try (var files = Files.list(memos)) {
            assertEquals(List.of(memos.resolve("kept")), files.toList());
        }
    }

    private Optional<CopyMemo.Kept> load(String key) throws IOException {
        return CopyMemo.load(memos, "origin", key, listing(), source -> LayerEntry.Content.EMPTY);
    }

    private ContextListing listing() throws IOException {
        return ContextListing.take(context, ContextListingTest.LATER).orElseThrow();
    }
}
