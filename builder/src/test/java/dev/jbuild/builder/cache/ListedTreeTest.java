package dev.jbuild.builder.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.copy.CopySource;
import dev.jbuild.builder.copy.SourceDigest;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A context listing read into entries must say of every file what an {@code lstat} says, and
 * digests computed from it must equal those computed by stat'ing the files.
 */
class ListedTreeTest {
    @TempDir
    Path dir;

    @BeforeEach
    void tree() throws IOException {
        Files.createDirectories(dir.resolve("src/sub dir/ünï"));
        Files.writeString(dir.resolve("src/a.txt"), "alpha");
        Files.writeString(dir.resolve("src/B.txt"), "beta");
        Files.writeString(dir.resolve("src/sub dir/ünï/deep.txt"), "deep");
        Files.writeString(dir.resolve("src/build.log"), "noise");
        Files.writeString(dir.resolve("src/keep.log"), "kept by an exception");
        Files.setAttribute(dir.resolve("src/a.txt"), "unix:mode", 04755);
        Files.setAttribute(dir.resolve("src/B.txt"), "unix:uid", 1000);
        Files.createLink(dir.resolve("src/hard"), dir.resolve("src/a.txt"));
        Files.createSymbolicLink(dir.resolve("link"), Path.of("src/a.txt"));
        Files.createSymbolicLink(dir.resolve("src/sub dir/up"), Path.of("../../link"));
        Syscalls.mknod(dir.resolve("src/fifo"), Syscalls.S_IFIFO, 0640, 0);
        Files.setLastModifiedTime(dir.resolve("src/B.txt"), FileTime.from(Instant.ofEpochSecond(1_500_000_000, 123_456_789)));
        Files.createDirectories(dir.resolve("empty"));
    }

    @Test
    void everyEntryIsWhatLstatSays() throws IOException {
        ListedTree tree = listed();
        List<Path> all;
        try (Stream<Path> walk = Files.walk(dir)) {
            all = walk.toList();
        }
        for (Path p : all) {
            String rel = dir.relativize(p).toString();
            ListedTree.Entry e = tree.get(rel).orElseThrow(() -> new AssertionError("not listed: " + rel));
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,ino,dev,nlink,lastModifiedTime,ctime",
                    LinkOption.NOFOLLOW_LINKS);
            assertEquals(a.get("mode"), e.mode(), rel + " mode");
            assertEquals(a.get("uid"), e.uid(), rel + " uid");
            assertEquals(a.get("gid"), e.gid(), rel + " gid");
            assertEquals(a.get("size"), e.size(), rel + " size");
            assertEquals(a.get("ino"), e.inode(), rel + " inode");
            assertEquals(a.get("dev"), e.device(), rel + " device");
            assertEquals(a.get("nlink"), e.nlink(), rel + " links");
            assertEquals(((FileTime) a.get("lastModifiedTime")).toInstant(), e.mtime(), rel + " mtime");
            assertEquals(((FileTime) a.get("ctime")).toInstant(), e.ctime(), rel + " ctime");
            assertEquals(Files.isSymbolicLink(p) ? Files.readSymbolicLink(p).toString() : "", e.linkTarget(), rel);
        }
        assertEquals(all.size(), all.stream().filter(p -> tree.get(dir.relativize(p).toString()).isPresent()).count());
        assertEquals(Instant.ofEpochSecond(1_500_000_000, 123_456_789), tree.get("src/B.txt").orElseThrow().mtime());
    }

    @Test
    void namesAreSortedByCodePointAndOnlyDirectoriesHaveThem() throws IOException {
        ListedTree tree = listed();
        assertEquals(List.of("B.txt", "a.txt", "build.log", "fifo", "hard", "keep.log", "sub dir"),
                tree.names("src").orElseThrow());
        assertEquals(List.of("empty", "link", "src"), tree.names("").orElseThrow());
        assertEquals(List.of(), tree.names("empty").orElseThrow());
        assertEquals(Optional.empty(), tree.names("src/a.txt"));
        assertEquals(Optional.empty(), tree.names("missing"));
    }

    @Test
    void aListingThatDoesNotReadGivesNoTree() throws IOException {
        byte[] bytes = ContextListing.take(dir, ContextListingTest.LATER).orElseThrow().bytes();
        Instant now = Instant.now();
        assertTrue(ListedTree.of(bytes, now, String::compareTo).isPresent());
        assertEquals(Optional.empty(), ListedTree.of(java.util.Arrays.copyOf(bytes, bytes.length - 3), now,
                String::compareTo), "truncated");
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        for (String damaged : List.of(text.replaceFirst("^d ", "X "), text.replaceFirst(" [0-9]+\\.[0-9]+ ", " -5.0 "),
                text.replaceFirst("^d [0-7]+ ", "d 9z "), "")) {
            assertEquals(Optional.empty(), ListedTree.of(damaged.getBytes(StandardCharsets.ISO_8859_1), now,
                    String::compareTo), damaged.isEmpty() ? "empty" : damaged.substring(0, 20));
        }
    }

    @Test
    void digestsFromTheListingEqualDigestsFromStat() throws Exception {
        IgnorePatterns ignore = IgnorePatterns.of(List.of("**/*.log", "!src/keep.log", "empty"));
        List<List<String>> sourceLists = List.of(List.of("."), List.of("src"), List.of("src/*.txt", "link"),
                List.of("src/sub dir/up"), List.of("src/a.txt", "src/hard", "src/fifo"));
        for (List<String> sources : sourceLists) {
            String stat = SourceDigest.of(CopySource.context(dir, ignore), sources, index("stat"));
            String fromListing = SourceDigest.of(CopySource.context(dir, ignore, Optional.of(listed())), sources,
                    index("listed"));
            assertEquals(stat, fromListing, sources.toString());
        }
        String before = SourceDigest.of(CopySource.context(dir, ignore, Optional.of(listed())), List.of("."),
                index("listed"));
        Files.writeString(dir.resolve("src/sub dir/ünï/deep.txt"), "changed");
        assertNotEquals(before, SourceDigest.of(CopySource.context(dir, ignore, Optional.of(listed())), List.of("."),
                index("listed")));
    }

    private ContentIndex index(String name) throws IOException {
        return ContentIndex.load(dir.getParent().resolve(dir.getFileName() + "-" + name + ".index"));
    }

    private ListedTree listed() throws IOException {
        return ContextListing.take(dir, ContextListingTest.LATER).orElseThrow().tree().orElseThrow();
    }
}
