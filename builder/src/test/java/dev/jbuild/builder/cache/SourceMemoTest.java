package dev.jbuild.builder.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memo of source digests: kept while the listing is equal, dropped otherwise, never saved racy. */
class SourceMemoTest {
    private static final Instant LONG_AFTER = Instant.parse("2100-01-01T00:00:00Z");

    @TempDir
    Path tmp;

    Path file() {
        return tmp.resolve("contexts/memo");
    }

    static ContextListing listing(String entries) {
        return new ContextListing(entries.getBytes(java.nio.charset.StandardCharsets.UTF_8), LONG_AFTER);
    }

    static final String A = "d 755 0 0 4096 1 2 2 1600000000.5 1600000000.5 \0\0f 644 0 0 5 3 2 1 1600000000.1 1600000000.2 a.txt\0\0";
    static final String B = A.replace("a.txt", "b.txt");

    @Test
    void entriesComeBackWhileTheListingIsEqual() throws IOException {
        SourceMemo memo = SourceMemo.load(file(), listing(A));
        memo.put("k", lines("d1"));
        memo.put("k2", lines("d2"));
        memo.save();
        SourceMemo again = SourceMemo.load(file(), listing(A));
        assertEquals(Optional.of(lines("d1").digest()), again.get("k"));
        assertEquals(Optional.of(lines("d2").digest()), again.get("k2"));
        assertEquals(Optional.empty(), SourceMemo.load(file(), listing(B)).get("k"), "another listing");
        assertEquals(Optional.empty(), SourceMemo.load(file(), listing(A + "x")).get("k"), "a longer listing");
    }

    static SourceLines lines(String file) {
        return new SourceLines(java.util.List.of("source .", file + " 644 0:0 file 00", "dir 755 0:0 dir"),
                java.util.Arrays.asList(null, file, null));
    }

    @Test
    void linesAreOfferedWhenOnlyRegularFilesChanged() throws IOException {
        SourceMemo memo = SourceMemo.load(file(), listing(A));
        memo.put("k", lines("a.txt"));
        memo.save();
        String contentChanged = A.replace(" 5 3 2 1 1600000000.1 1600000000.2 a.txt", " 6 3 2 1 1600000009.1 1600000009.2 a.txt");
        SourceMemo later = SourceMemo.load(file(), listing(contentChanged));
        assertEquals(Optional.empty(), later.get("k"), "no digest for another listing");
        SourceMemo.Earlier earlier = later.earlier("k").orElseThrow();
        assertEquals(lines("a.txt"), earlier.lines());
        assertEquals(java.util.List.of("a.txt"), earlier.changedFiles());
        assertEquals(Optional.empty(), later.earlier("other"));
        assertEquals(Optional.empty(), SourceMemo.load(file(), listing(B)).earlier("k"), "a renamed file");
        assertEquals(Optional.empty(), SourceMemo.load(file(), listing(A.replace("d 755", "d 700"))).earlier("k"),
                "a directory changed");
        assertEquals(Optional.empty(), SourceMemo.load(file(), listing(A)).earlier("k"), "nothing changed: get() answers");
    }

    static final String SHA_A = "a".repeat(64);
    static final String SHA_B = "b".repeat(64);

    @Test
    void savedLinesVouchForTheContentOfFilesUnchangedSince() throws IOException {
        String twoFiles = A + "f 600 0 0 7 4 2 1 1600000000.1 1600000000.2 dir/b c.txt\0\0";
        SourceMemo memo = SourceMemo.load(file(), listing(twoFiles));
        memo.put("k", new SourceLines(java.util.List.of("source .", "a.txt 644 0:0 file " + SHA_A,
                "dir/b c.txt 600 0:0 file " + SHA_B + " xattrs " + "c".repeat(64)),
                java.util.Arrays.asList(null, "a.txt", "dir/b c.txt")));
        assertEquals(Optional.empty(), memo.savedContent("a.txt"), "not from lines put since load: they may be racy");
        memo.save();

        SourceMemo same = SourceMemo.load(file(), listing(twoFiles));
        assertEquals(Optional.of(SHA_A), same.savedContent("a.txt"));
        assertEquals(Optional.of(SHA_B), same.savedContent("dir/b c.txt"), "a path with a space, a line with xattrs");
        assertEquals(Optional.empty(), same.savedContent("other.txt"));

        String aChanged = twoFiles.replace(" 5 3 2 1 1600000000.1 1600000000.2 a.txt", " 6 3 2 1 1600000009.1 1600000009.2 a.txt");
        SourceMemo later = SourceMemo.load(file(), listing(aChanged));
        assertEquals(Optional.empty(), later.savedContent("a.txt"), "a changed file's saved digest is stale");
        assertEquals(Optional.of(SHA_B), later.savedContent("dir/b c.txt"));
        assertEquals(Optional.empty(), SourceMemo.load(file(), listing(B)).savedContent("dir/b c.txt"),
                "a name changed: no saved line stands");
    }

    @Test
    void racyFilesAreReadFromTheListing() {
        ContextListing racy = new ContextListing(A.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Instant.ofEpochSecond(1600000001));
        assertTrue(racy.hasRacyFiles());
        assertEquals(java.util.List.of("a.txt"), racy.racyFiles(), "regular files only, not the directory");
        assertFalse(listing(A).hasRacyFiles());
    }

    @Test
    void aDamagedMemoIsIgnored() throws IOException {
        SourceMemo memo = SourceMemo.load(file(), listing(A));
        memo.put("k", lines("d1"));
        memo.save();
        byte[] whole = Files.readAllBytes(file());
        for (int cut : new int[] {0, 5, whole.length / 2, whole.length - 1}) {
            Files.write(file(), java.util.Arrays.copyOf(whole, cut));
            assertEquals(Optional.empty(), SourceMemo.load(file(), listing(A)).get("k"), "cut at " + cut);
            assertEquals(Optional.empty(), SourceMemo.load(file(), listing(A.replace(" 5 3", " 6 3"))).earlier("k"),
                    "no lines from a memo cut at " + cut);
        }
        Files.write(file(), java.util.Arrays.copyOf(whole, whole.length + 1));
        assertEquals(Optional.empty(), SourceMemo.load(file(), listing(A)).get("k"), "trailing byte");
        try (var files = Files.list(file().getParent())) {
            assertEquals(1, files.count(), "no temporary files left");
        }
    }
}
