package dev.jbuild.builder.cache;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The content index: reuse on unchanged stat data, re-reads on any change, racy entries, file format. */
class ContentIndexTest {
    @TempDir
    Path tmp;

    /** In a directory that does not exist yet: save() creates it. */
    Path indexFile;

    @BeforeEach
    void setUp() {
        indexFile = tmp.resolve("state/content-index");
    }

    @Test
    void unchangedFileIsReusedAfterReload() throws IOException {
        Path f = write("a.txt", "hello");
        ContentIndex first = loadLater();
        assertEquals(sha256("hello"), first.sha256(f));
        assertEquals(1, first.hashed());
        assertEquals(0, first.reused());
        first.save();
        try (Stream<Path> files = Files.list(indexFile.getParent())) {
            assertEquals(List.of(indexFile), files.toList(), "no temporary file left");
        }

        ContentIndex second = loadLater();
        assertEquals(sha256("hello"), second.sha256(f));
        assertEquals(0, second.hashed());
        assertEquals(1, second.reused());
    }

    @Test
    void attributesAreKeptBesideTheContentAndASetOneIsSeen() throws IOException {
        Path f = write("a.txt", "hello");
        ContentIndex first = loadLater();
        assertEquals("", first.stat(f).attributes(), "no attributes");
        first.save();
        dev.jbuild.layer.sys.Syscalls.setXattr(f, "user.note", "one".getBytes(UTF_8));
        ContentIndex second = loadLater();
        String one = second.stat(f).attributes();
        assertEquals(CopiedAttributes.digest(f), one);
        assertEquals(64, one.length());
        assertEquals(1, second.hashed(), "the ctime moved: read again");
        second.save();
        ContentIndex third = loadLater();
        assertEquals(one, third.stat(f).attributes(), "kept in the file");
        assertEquals(0, third.hashed());
        dev.jbuild.layer.sys.Syscalls.setXattr(f, "user.note", "two".getBytes(UTF_8));
        assertNotEquals(one, loadLater().stat(f).attributes());
    }

    @Test
    void sameSizeRewriteWithRestoredMtimeIsSeenThroughCtime() throws IOException, InterruptedException {
        Path f = write("a.txt", "aaaa");
        ContentIndex first = loadLater();
        first.sha256(f);
        first.save();

        FileTime mtime = Files.getLastModifiedTime(f);
        Object ctime = Files.getAttribute(f, "unix:ctime");
        // ctime comes from the kernel's clock, which may be coarse: rewrite until it has moved.
        do {
            Thread.sleep(5);
            Files.writeString(f, "bbbb");
            Files.setLastModifiedTime(f, mtime);
        } while (ctime.equals(Files.getAttribute(f, "unix:ctime")));

        ContentIndex second = loadLater();
        assertEquals(sha256("bbbb"), second.sha256(f));
        assertEquals(1, second.hashed());
    }

    @Test
    void entryIndexedInItsFilesGranuleIsReadAgain() throws IOException {
        Path f = write("a.txt", "same");
        Instant mtime = Files.getLastModifiedTime(f).toInstant();
        ContentIndex first = load(mtime);
        first.sha256(f);
        first.save();

        ContentIndex second = load(mtime);
        assertEquals(sha256("same"), second.sha256(f));
        assertEquals(1, second.hashed());
        assertEquals(0, second.reused());
    }

    /**
     * Where ctime comes from a coarse clock, the rewrite keeps all the stat data and only the racy
     * rule catches it; where ctime is fine-grained (Linux 6.13+ multigrain time stamps) it moves too.
     */
    @Test
    void racyRewriteKeepingSizeAndMtimeIsSeen() throws IOException {
        Path f = write("a.txt", "aaaa");
        FileTime mtime = Files.getLastModifiedTime(f);
        ContentIndex first = load(mtime.toInstant());
        assertEquals(sha256("aaaa"), first.sha256(f));
        first.save();

        Files.writeString(f, "bbbb");
        Files.setLastModifiedTime(f, mtime);
        ContentIndex second = load(mtime.toInstant());
        assertEquals(sha256("bbbb"), second.sha256(f));
    }

    @Test
    void ctimeWithinOneSecondIsRacyAndOlderIsTrusted() throws IOException {
        Path f = write("a.txt", "old");
        // mtime well in the past, so that only ctime (now) is near the clock.
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().minusSeconds(10)));
        Instant ctime = ((FileTime) Files.getAttribute(f, "unix:ctime")).toInstant();

        assertEquals(1, lookupTwice(f, ctime.plusSeconds(1)).hashed(), "ctime == clock - 1 s is racy");
        ContentIndex trusted = lookupTwice(f, ctime.plusSeconds(1).plusNanos(1));
        assertEquals(0, trusted.hashed(), "ctime < clock - 1 s is trusted");
        assertEquals(1, trusted.reused());
    }

    @Test
    void mtimeWithinOneSecondIsRacyEvenWithAnOldCtime() throws IOException {
        Path f = write("a.txt", "future");
        // An mtime ahead of ctime (now), so that only mtime is near the clock.
        Instant mtime = Instant.now().plusSeconds(10);
        Files.setLastModifiedTime(f, FileTime.from(mtime));

        assertEquals(1, lookupTwice(f, mtime.plusMillis(500)).hashed());
    }

    @Test
    void deletedFilesDropOutOnSave() throws IOException {
        Path a = write("a.txt", "A");
        Path b = write("b.txt", "B");
        ContentIndex first = loadLater();
        first.sha256(a);
        first.sha256(b);
        first.save();

        Files.delete(b);
        ContentIndex second = loadLater();
        assertEquals(2, second.size());
        second.sha256(a);
        second.save();

        ContentIndex third = loadLater();
        assertEquals(1, third.size());
        assertEquals(sha256("A"), third.sha256(a));
        assertEquals(1, third.reused());
    }

    @Test
    void anIndexFoundUnchangedIsNotWrittenAgain() throws IOException {
        Path a = write("a.txt", "A");
        ContentIndex first = loadLater();
        first.sha256(a);
        first.save();
        Object written = Files.readAttributes(indexFile, BasicFileAttributes.class).fileKey();

        ContentIndex second = loadLater();
        second.sha256(a);
        second.save();
        assertEquals(written, Files.readAttributes(indexFile, BasicFileAttributes.class).fileKey(),
                "same inode: not replaced");

        ContentIndex third = loadLater();
        third.sha256(a);
        third.sha256(write("b.txt", "B"));
        third.save();
        Object rewritten = Files.readAttributes(indexFile, BasicFileAttributes.class).fileKey();
        assertNotEquals(written, rewritten, "a new entry: written again");

        Path c = write("c.txt", "C");
        ContentIndex fourth = load(Instant.now()); // c is racy: hashed, but no entry
        fourth.sha256(a);
        fourth.sha256(tmp.resolve("b.txt"));
        assertEquals(sha256("C"), fourth.sha256(c));
        fourth.save();
        assertEquals(rewritten, Files.readAttributes(indexFile, BasicFileAttributes.class).fileKey(),
                "only a racy file hashed: not replaced");

        write("a.txt", "A, edited"); // racy again, and its saved entry now stale
        ContentIndex fifth = load(Instant.now());
        assertEquals(sha256("A, edited"), fifth.sha256(a));
        fifth.sha256(tmp.resolve("b.txt"));
        fifth.save();
        assertEquals(rewritten, Files.readAttributes(indexFile, BasicFileAttributes.class).fileKey(),
                "an edited racy file: its stale entry stays, unused");
        ContentIndex sixth = loadLater();
        assertEquals(sha256("A, edited"), sixth.sha256(a), "the stale entry is not used");
        assertEquals(1, sixth.hashed());
    }

    @Test
    void corruptIndexLoadsAsEmpty() throws IOException {
        Files.createDirectories(indexFile.getParent());
        byte[] garbage = new byte[4096];
        new Random(42).nextBytes(garbage);
        Files.write(indexFile, garbage);
        Path f = write("a.txt", "A");

        ContentIndex index = loadLater();
        assertEquals(0, index.size());
        assertEquals(sha256("A"), index.sha256(f));
        assertEquals(1, index.hashed());
        index.save();
        assertEquals(1, loadLater().size(), "the corrupt index was replaced");
    }

    @Test
    void truncatedIndexLoadsAsEmpty() throws IOException {
        ContentIndex first = loadLater();
        first.sha256(write("a.txt", "A"));
        first.sha256(write("b.txt", "B"));
        first.save();
        assertEquals(2, loadLater().size());

        byte[] whole = Files.readAllBytes(indexFile);
        Files.write(indexFile, Arrays.copyOf(whole, whole.length - 10));
        assertEquals(0, loadLater().size());
    }

    @Test
    void oddNamesSurviveSaveAndLoad() throws IOException {
        List<String> names = List.of("with space", "new\nline", "cr\rtab\t", "ünïcødé 日本.txt", "100%+plus&=.txt");
        ContentIndex first = loadLater();
        for (String name : names) {
            first.sha256(write(name, "content of " + name));
        }
        first.save();

        ContentIndex second = loadLater();
        assertEquals(names.size(), second.size());
        for (String name : names) {
            assertEquals(sha256("content of " + name), second.sha256(tmp.resolve(name)), name);
        }
        assertEquals(names.size(), second.reused());
        assertEquals(0, second.hashed());
    }

    @Test
    void symlinksAndDirectoriesAreNotHashed() throws IOException {
        Path target = write("target.txt", "T");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        ContentIndex index = loadLater();
        assertThrows(IOException.class, () -> index.sha256(link));
        assertThrows(IOException.class, () -> index.sha256(tmp));
        assertEquals(0, index.hashed());
    }

    @Test
    void concurrentLookupsGiveCorrectDigests() throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            files.add(write("f" + i, "file number " + i));
        }
        ContentIndex first = loadLater();
        lookUpFromThreads(first, files, 8);
        assertTrue(first.hashed() >= files.size(), "every file was read at least once");
        assertEquals(8 * files.size(), first.hashed() + first.reused());
        first.save();

        ContentIndex second = loadLater();
        lookUpFromThreads(second, files, 8);
        assertEquals(0, second.hashed());
        assertEquals(8 * files.size(), second.reused());
    }

    /** Each thread looks up every file, in its own order, all starting at once; checks every digest. */
    private void lookUpFromThreads(ContentIndex index, List<Path> files, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Void>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<Path> order = new ArrayList<>(files);
                Collections.shuffle(order, new Random(t));
                Callable<Void> task = () -> {
                    start.await();
                    for (Path f : order) {
                        assertEquals(sha256(Files.readString(f)), index.sha256(f), f.toString());
                    }
                    return null;
                };
                done.add(pool.submit(task));
            }
            start.countDown();
            for (Future<Void> d : done) {
                d.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Indexes f with the clock at now, saves, reloads and looks it up again: the reloaded index. */
    private ContentIndex lookupTwice(Path f, Instant now) throws IOException {
        ContentIndex first = load(now);
        first.sha256(f);
        first.save();
        ContentIndex second = load(now);
        second.sha256(f);
        return second;
    }

    @Test
    void givenIsTheOneAnswerOrChangedWhenTheFileChangedBetweenLookupsAndOnlyTrustedOnesAreVouchedFor() throws IOException {
        Path f = write("g.txt", "one");
        Path other = write("other.txt", "x");
        // Clock at the files' own time: every lookup is racy, so nothing is recorded, yet given() knows.
        ContentIndex racy = load(Instant.now());
        assertEquals(sha256("one"), racy.sha256(f));
        assertEquals(java.util.Optional.of(sha256("one")), racy.given(f));
        assertEquals(java.util.Optional.empty(), racy.vouched(f), "racy: not vouched for");
        assertEquals(java.util.Optional.empty(), racy.given(other), "never looked up");
        write("g.txt", "two");
        racy.sha256(f);
        String answer = racy.given(f).orElseThrow();
        assertNotEquals(sha256("one"), answer);
        assertNotEquals(sha256("two"), answer);

        // A trusted answer (the clock an hour ahead), then a racy different one after the file changed.
        Instant[] now = {Instant.now().plus(Duration.ofHours(1))};
        ContentIndex moving = ContentIndex.load(indexFile, new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        });
        assertEquals(sha256("two"), moving.sha256(f));
        assertEquals(java.util.Optional.of(sha256("two")), moving.given(f));
        assertEquals(java.util.Optional.of(sha256("two")), moving.vouched(f), "trusted: vouched for");
        write("g.txt", "three");
        now[0] = Instant.now();
        assertEquals(sha256("three"), moving.sha256(f));
        String both = moving.given(f).orElseThrow();
        assertNotEquals(sha256("two"), both);
        assertNotEquals(sha256("three"), both);
        assertEquals(java.util.Optional.empty(), moving.vouched(f), "two answers: not vouched for");
    }

    private ContentIndex load(Instant now) throws IOException {
        return ContentIndex.load(indexFile, Clock.fixed(now, ZoneOffset.UTC));
    }

    /** An hour ahead, so that no file written by the test is racy. */
    private ContentIndex loadLater() throws IOException {
        return load(Instant.now().plus(Duration.ofHours(1)));
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(tmp.resolve(name), content);
    }

    private static String sha256(String content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
