package dev.jbuild.builder.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raw listing of a context: equal while nothing changes, different after any change, racy files. */
class ContextListingTest {
    /** A clock a minute ahead: files made by the test are not racy for it. */
    static final Clock LATER = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1));

    @TempDir
    Path dir;

    @BeforeEach
    void tree() throws IOException {
        Files.createDirectories(dir.resolve("src/sub"));
        Files.writeString(dir.resolve("src/a.txt"), "alpha");
        Files.writeString(dir.resolve("src/sub/b.txt"), "beta");
        Files.createSymbolicLink(dir.resolve("link"), Path.of("src/a.txt"));
    }

    @Test
    void unchangedTreeListsTheSameBytes() throws IOException {
        assertArrayEquals(list().bytes(), list().bytes());
        assertTrue(new String(list().bytes(), StandardCharsets.UTF_8).contains("src/sub/b.txt\0\0"));
        assertTrue(new String(list().bytes(), StandardCharsets.UTF_8).contains("link\0src/a.txt\0"), "link target");
    }

    @Test
    void sameSizeRewriteWithOldMtimeStillChangesTheListing() throws IOException {
        Path a = dir.resolve("src/a.txt");
        FileTime mtime = Files.getLastModifiedTime(a);
        byte[] before = list().bytes();
        Files.writeString(a, "ALPHA");
        Files.setLastModifiedTime(a, mtime); // the ctime still moves
        assertNotEquals(new String(before, StandardCharsets.UTF_8), new String(list().bytes(), StandardCharsets.UTF_8));
    }

    @Test
    void modeRenameAndRelinkChangeTheListing() throws IOException {
        byte[] before = list().bytes();
        Files.setPosixFilePermissions(dir.resolve("src/sub/b.txt"), PosixFilePermissions.fromString("rwx------"));
        byte[] chmodded = list().bytes();
        assertFalse(java.util.Arrays.equals(before, chmodded), "chmod");
        Files.move(dir.resolve("src/sub/b.txt"), dir.resolve("src/sub/c.txt"));
        byte[] renamed = list().bytes();
        assertFalse(java.util.Arrays.equals(chmodded, renamed), "rename");
        Files.delete(dir.resolve("link"));
        Files.createSymbolicLink(dir.resolve("link"), Path.of("src/sub/c.txt"));
        assertFalse(java.util.Arrays.equals(renamed, list().bytes()), "new link target");
    }

    @Test
    void freshFilesAreRacyUntilASecondHasPassed() throws IOException {
        assertTrue(ContextListing.take(dir, Clock.systemUTC()).orElseThrow().hasRacyFiles());
        assertFalse(list().hasRacyFiles());
        // Only regular files count: a fresh directory or link changes the listing itself when it changes.
        Path noFiles = Files.createDirectories(dir.resolve("no-files/sub"));
        Files.createSymbolicLink(noFiles.resolve("link"), Path.of("target"));
        assertFalse(ContextListing.take(noFiles.getParent(), Clock.systemUTC()).orElseThrow().hasRacyFiles());
    }

    @Test
    void racyFilesAreNamedAndASymlinkedRootIsListedThrough() throws IOException {
        Files.writeString(dir.resolve("src/sub/new file.txt"), "new");
        List<String> racy = ContextListing.take(dir, Clock.systemUTC()).orElseThrow().racyFiles();
        assertTrue(racy.containsAll(List.of("src/a.txt", "src/sub/b.txt", "src/sub/new file.txt")), racy.toString());
        assertFalse(racy.contains("link"), "only regular files");
        Path link = Files.createSymbolicLink(dir.resolveSibling(dir.getFileName() + "-link"), dir);
        try {
            byte[] before = ContextListing.take(link, LATER).orElseThrow().bytes();
            Files.writeString(dir.resolve("src/a.txt"), "changed");
            assertFalse(java.util.Arrays.equals(before, ContextListing.take(link, LATER).orElseThrow().bytes()));
        } finally {
            Files.delete(link);
        }
    }

    @Test
    void namesWithSpacesNewlinesAndNulLikeBytesParse() throws IOException {
        Files.writeString(dir.resolve("a name\nwith newline"), "x");
        ContextListing listing = list();
        assertFalse(listing.hasRacyFiles());
        Files.setLastModifiedTime(dir.resolve("a name\nwith newline"), FileTime.from(Instant.now().plusSeconds(600)));
        assertTrue(list().hasRacyFiles(), "an mtime in the future is racy");
    }

    @Test
    void changedFilesAreFoundOnlyWhenNothingElseChanged() throws IOException {
        byte[] before = list().bytes();
        assertEquals(Optional.of(List.of()), list().changedFilesSince(before));
        Files.writeString(dir.resolve("src/a.txt"), "alpha, longer");
        Files.setPosixFilePermissions(dir.resolve("src/sub/b.txt"), PosixFilePermissions.fromString("rwx------"));
        assertEquals(Optional.of(List.of("src/a.txt", "src/sub/b.txt")),
                list().changedFilesSince(before).map(l -> l.stream().sorted().toList()));
        for (Change structural : List.<Change>of(
                () -> Files.writeString(dir.resolve("src/new.txt"), "new"),
                () -> Files.delete(dir.resolve("src/a.txt")),
                () -> Files.setPosixFilePermissions(dir.resolve("src/sub"), PosixFilePermissions.fromString("rwx------")),
                () -> {
                    Files.delete(dir.resolve("link"));
                    Files.createSymbolicLink(dir.resolve("link"), Path.of("src/sub/b.txt"));
                },
                () -> Files.createLink(dir.resolve("src/hard"), dir.resolve("src/a.txt")))) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (!p.equals(dir)) {
                        Files.delete(p);
                    }
                }
            }
            tree();
            byte[] base = list().bytes();
            Files.writeString(dir.resolve("src/a.txt"), "alpha, longer");
            assertEquals(Optional.of(List.of("src/a.txt")), list().changedFilesSince(base), "a content change alone");
            structural.apply();
            assertEquals(Optional.empty(), list().changedFilesSince(base));
        }
    }

    @Test
    void oneListingComparedWithSeveralEarlierOnesAnswersForEach() throws IOException {
        byte[] first = list().bytes();
        Files.writeString(dir.resolve("src/a.txt"), "alpha, longer");
        byte[] second = list().bytes();
        Files.setPosixFilePermissions(dir.resolve("src/sub/b.txt"), PosixFilePermissions.fromString("rwx------"));
        ContextListing now = list();
        byte[] padded = new byte[second.length + 7];
        System.arraycopy(second, 0, padded, 3, second.length);
        for (int round = 0; round < 2; round++) { // the second round's answers are the kept ones
            assertEquals(Optional.of(List.of("src/sub/b.txt")), now.changedFilesSince(second));
            assertEquals(Optional.of(List.of("src/sub/b.txt")), now.changedFilesSince(padded, 3, 3 + second.length));
            assertEquals(Optional.of(List.of("src/a.txt", "src/sub/b.txt")),
                    now.changedFilesSince(first).map(l -> l.stream().sorted().toList()));
            assertEquals(Optional.of(List.of("src/a.txt", "src/sub/b.txt")),
                    now.changedFilesSince(first).map(l -> l.stream().sorted().toList()));
        }
    }

    private interface Change {
        void apply() throws IOException;
    }

    @Test
    void noFindOrAFailingFindGivesNoListing() throws IOException {
        assertEquals(Optional.empty(), ContextListing.take(dir, "/nonexistent/find", LATER));
        assertEquals(Optional.empty(), ContextListing.take(dir.resolve("missing"), "find", LATER));
    }

    private ContextListing list() throws IOException {
        return ContextListing.take(dir, LATER).orElseThrow();
    }
}
