package dev.jbuild.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.jbuild.builder.cache.ContentIndex;
import dev.jbuild.builder.copy.CopySource;
import dev.jbuild.builder.copy.SourceDigest;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Context digests through the memo: an unchanged context is not digested again, any change is, and
 * the answer is always what {@link SourceDigest} computes from scratch.
 */
class ContextSourcesTest {
    static final Clock LATER = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1));

    @TempDir
    Path tmp;
    Path context;
    Path cache;

    @BeforeEach
    void setUp() throws IOException {
        context = Files.createDirectories(tmp.resolve("ctx"));
        cache = tmp.resolve("cache");
        Files.createDirectories(context.resolve("app"));
        Files.writeString(context.resolve("app/main.txt"), "main");
        Files.writeString(context.resolve("notes.md"), "notes");
    }

    @Test
    void anUnchangedContextIsNotDigestedAgain() throws IOException {
        String first = build(IgnorePatterns.none(), LATER, List.of("."), List.of("app"));
        ContextSources again = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        assertEquals(first, again.digest(List.of(".")));
        assertEquals(0, again.computed());
        assertEquals(fresh(IgnorePatterns.none(), List.of("app")), again.digest(List.of("app")));
        assertEquals(0, again.computed(), "both keys were remembered");
    }

    @Test
    void everyKindOfChangeIsSeen() throws IOException {
        String before = build(IgnorePatterns.none(), LATER, List.of("."));
        Path main = context.resolve("app/main.txt");
        FileTime mtime = Files.getLastModifiedTime(main);
        Files.writeString(main, "MAIN");
        Files.setLastModifiedTime(main, mtime); // same size and mtime: only the ctime tells
        assertChangedTo(fresh(IgnorePatterns.none(), List.of(".")), before);
        Files.delete(context.resolve("notes.md"));
        assertChangedTo(fresh(IgnorePatterns.none(), List.of(".")), before);
    }

    @Test
    void whenOnlyFilesChangedOnlyTheirLinesAreMadeAgain() throws IOException {
        Files.createSymbolicLink(context.resolve("link"), Path.of("app/main.txt"));
        List<List<String>> sources = List.of(List.of("."), List.of("app"), List.of("*.md", "link"),
                List.of("app/main.txt", "notes.md"));
        build(IgnorePatterns.none(), LATER, sources.toArray(List[]::new));
        Files.writeString(context.resolve("app/main.txt"), "main, longer now");
        Files.setPosixFilePermissions(context.resolve("notes.md"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        ContextSources next = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        for (List<String> list : sources) {
            assertEquals(fresh(IgnorePatterns.none(), list), next.digest(list), list.toString());
        }
        assertEquals(sources.size(), next.patched(), "every key patched, none walked");
        next.save();

        Files.writeString(context.resolve("app/main.txt"), "main");
        ContextSources third = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        assertEquals(fresh(IgnorePatterns.none(), List.of(".")), third.digest(List.of(".")));
        assertEquals(1, third.patched(), "patched from the lines the patched build saved");
    }

    @Test
    void aPatchedDigestKeepsTheIndexEntriesOfTheFilesItDidNotLookAt() throws Exception {
        build(IgnorePatterns.none(), LATER, List.of("."));
        Files.writeString(context.resolve("app/main.txt"), "main, longer now");
        ContextSources patched = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        patched.digest(List.of("."));
        assertEquals(1, patched.patched());
        patched.save();

        ContentIndex index = ContentIndex.load(cache.resolve("contexts").resolve(
                dev.jbuild.oci.Digest.sha256(context.toRealPath().toString().getBytes()).hex()));
        index.sha256(context.resolve("notes.md").toRealPath());
        assertEquals(0, index.hashed(), "the file the patch did not look at is still in the index");
    }

    @Test
    void aNameAddedOrRemovedWalksTheSourcesAgain() throws IOException {
        build(IgnorePatterns.none(), LATER, List.of("."));
        Files.writeString(context.resolve("app/new.txt"), "new");
        ContextSources next = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        assertEquals(fresh(IgnorePatterns.none(), List.of(".")), next.digest(List.of(".")));
        assertEquals(1, next.computed());
        assertEquals(0, next.patched());
        next.save();
        Files.delete(context.resolve("notes.md"));
        ContextSources after = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        assertEquals(fresh(IgnorePatterns.none(), List.of(".")), after.digest(List.of(".")));
        assertEquals(0, after.patched());
    }

    @Test
    void otherIgnorePatternsOrSourcesAreOtherKeys() throws Exception {
        build(IgnorePatterns.none(), LATER, List.of("."));
        IgnorePatterns ignore = IgnorePatterns.of(List.of("*.md"));
        ContextSources next = new ContextSources(context, ignore, cache, LATER);
        assertEquals(fresh(ignore, List.of(".")), next.digest(List.of(".")));
        assertEquals(1, next.computed());
    }

    @Test
    void racyFilesAreDigestedAgainNextTime() throws IOException {
        build(IgnorePatterns.none(), Clock.systemUTC(), List.of("."));
        ContextSources next = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        next.digest(List.of("."));
        assertEquals(1, next.computed(), "the first listing had files of this very second: nothing was saved");
    }

    @Test
    void aBuildRightAfterAnEditSavesTheMemoOnceTheEditedFileSettled() throws IOException {
        MovableClock clock = new MovableClock(Instant.now()); // the files are racy: made just now
        ContextSources first = new ContextSources(context, IgnorePatterns.none(), cache, clock);
        String digest = first.digest(List.of("."));
        clock.now = clock.now.plusSeconds(5); // the build took a while
        first.save();
        ContextSources next = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        assertEquals(digest, next.digest(List.of(".")));
        assertEquals(0, next.computed(), "the racy files were checked at save and the memo kept");
    }

    @Test
    void aRacyFileChangedDuringTheBuildKeepsTheMemoOut() throws IOException {
        MovableClock clock = new MovableClock(Instant.now());
        ContextSources first = new ContextSources(context, IgnorePatterns.none(), cache, clock);
        first.digest(List.of("."));
        Files.writeString(context.resolve("app/main.txt"), "edited again while building");
        clock.now = clock.now.plusSeconds(5);
        first.save();
        ContextSources next = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        assertEquals(fresh(IgnorePatterns.none(), List.of(".")), next.digest(List.of(".")));
        assertEquals(1, next.computed());
    }

    @Test
    void aRacyFileChmodedDuringTheBuildKeepsTheMemoOut() throws IOException {
        MovableClock clock = new MovableClock(Instant.now());
        ContextSources first = new ContextSources(context, IgnorePatterns.none(), cache, clock);
        first.digest(List.of("."));
        Files.setPosixFilePermissions(context.resolve("app/main.txt"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        clock.now = clock.now.plusSeconds(5);
        first.save();
        ContextSources next = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        assertEquals(fresh(IgnorePatterns.none(), List.of(".")), next.digest(List.of(".")));
        assertEquals(1, next.computed(), "the memo was not saved under the listing the chmod made stale");
    }

    @Test
    void aFileAddedDuringTheBuildStillShowsNextTime() throws IOException {
        MovableClock clock = new MovableClock(Instant.now());
        ContextSources first = new ContextSources(context, IgnorePatterns.none(), cache, clock);
        String before = first.digest(List.of("."));
        Files.writeString(context.resolve("app/late.txt"), "added while building");
        clock.now = clock.now.plusSeconds(5);
        first.save();
        ContextSources next = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        String now = next.digest(List.of("."));
        assertEquals(fresh(IgnorePatterns.none(), List.of(".")), now);
        assertNotEquals(before, now);
    }

    /** A clock that stays where a test puts it. */
    static final class MovableClock extends Clock {
        Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private void assertChangedTo(String expected, String before) throws IOException {
        ContextSources next = new ContextSources(context, IgnorePatterns.none(), cache, LATER);
        String now = next.digest(List.of("."));
        assertEquals(1, next.computed());
        assertEquals(expected, now);
        assertNotEquals(before, now);
        next.save();
    }

    /** Digests each source list with a new instance, saves, and returns the first digest. */
    @SafeVarargs
    private String build(IgnorePatterns ignore, Clock clock, List<String>... sources) throws IOException {
        ContextSources s = new ContextSources(context, ignore, cache, clock);
        String first = null;
        for (List<String> list : sources) {
            String d = s.digest(list);
            first = first == null ? d : first;
        }
        assertEquals(sources.length, s.computed());
        s.save();
        return first;
    }

    private String fresh(IgnorePatterns ignore, List<String> sources) throws IOException {
        return SourceDigest.of(CopySource.context(context, ignore), sources,
                ContentIndex.load(tmp.resolve("scratch-index-" + System.nanoTime())));
    }
}
