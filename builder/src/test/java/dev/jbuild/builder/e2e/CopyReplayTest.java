package dev.jbuild.builder.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.LocalStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A COPY that only makes a layer is replayed from the last build of the step when the context
 * changed only in regular files (see {@code copy.CopyReplay}), and recorded again after any other
 * change; either way the image is the one a {@code --no-cache} build of the same context gives.
 * Every time in the context is set before the builds' SOURCE_DATE_EPOCH, so that a stale
 * modification time would show in the layer rather than be clamped away.
 */
class CopyReplayTest {
    private static final String DOCKERFILE = "FROM busybox:local\nCOPY --chmod=u+w,o-r . /app\n";
    /** A version 2 file capability granting cap_net_raw, effective. */
    private static final byte[] CAP_NET_RAW = {0, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    private static final long OLD = 1_600_000_000L;

    private BaseStore fx;
    private LocalStore store;
    private Path context;
    private long clock = OLD;

    private record Built(Digest image, boolean replayed) {
    }

    @BeforeEach
    void setUp() throws Exception {
        fx = BaseStore.create("jbuild-replay-");
        store = fx.store;
        context = fx.context("context", DOCKERFILE);
        write("a.txt", "alpha\n");
        write("sub/b.txt", "beta\n");
        write("sub/deep/c.txt", "gamma\n");
        write("tool", "#!/bin/sh\n");
        write("build.log", "ignored\n");
        write(".dockerignore", "*.log\n");
        Files.createSymbolicLink(context.resolve("link"), Path.of("a.txt"));
        ageAll();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void changedFilesAreReplayedAndGiveTheNoCacheImage() throws Exception {
        assertFalse(build(false).replayed(), "nothing kept yet");
        assertReplayed(() -> write("a.txt", "ALPHA, longer now\n"));
        assertReplayed(() -> write("sub/deep/c.txt", "GAMMA\n")); // same size
        assertReplayed(() -> Files.setAttribute(context.resolve("sub/b.txt"), "unix:mode", 0751));
        assertReplayed(() -> Files.setAttribute(context.resolve("tool"), "unix:mode", 04755));
        assertReplayed(() -> Syscalls.setXattr(context.resolve("tool"), "security.capability", CAP_NET_RAW));
        assertReplayed(() -> {
            write("a.txt", "one\n");
            write("sub/b.txt", "two\n");
            write("build.log", "ignored, changed\n");
        });
    }

    @Test
    void anyOtherChangeIsRecordedAgain() throws Exception {
        build(false);
        // No change returns the context to an earlier state: that would be a cache hit, whose
        // layer keeps the directory times of the build it came from (times are not in the key).
        assertRecorded(() -> write("sub/new.txt", "new\n"));
        assertRecorded(() -> Files.delete(context.resolve("sub/deep/c.txt")));
        assertRecorded(() -> Files.move(context.resolve("sub/b.txt"), context.resolve("sub/b2.txt")));
        assertRecorded(() -> {
            Files.delete(context.resolve("a.txt"));
            Files.createSymbolicLink(context.resolve("a.txt"), Path.of("tool"));
        });
        assertRecorded(() -> Files.setAttribute(context.resolve("sub"), "unix:mode", 0700));
        assertRecorded(() -> Files.createLink(context.resolve("sub/deep/hard"), context.resolve("sub/new.txt")));
        // A file with two links is recorded again even when only its content changed.
        assertRecorded(() -> write("sub/new.txt", "linked\n"));
        assertRecorded(() -> write(".dockerignore", "*.log\ntool\n"));
    }

    @Test
    void aBlobStartedEarlyForACopyThatTurnsOutCachedLeavesNothing() throws Exception {
        Digest first = build(false).image();
        // The listing changes (the memo cannot answer, so the layer's blob is opened before the
        // key is known) but the content does not: the step is a hit.
        Syscalls.setTimesNoFollow(context.resolve("a.txt"), Instant.ofEpochSecond(clock++));
        StepRecorder recorder = new StepRecorder();
        assertEquals(first, TestBuild.run(store, context, Map.of(), false, 2, List.of(), recorder).image());
        java.util.Set<Integer> ran = recorder.ran();
        ran.remove(1); // FROM
        assertEquals(java.util.Set.of(), ran, "the COPY cached");
        Path ingest = store.root().resolve("ingest");
        try (Stream<Path> left = Files.isDirectory(ingest) ? Files.list(ingest) : Stream.empty()) {
            assertEquals(List.of(), left.toList(), "nothing left being written");
        }
    }

    private interface Change {
        void apply() throws Exception;
    }

    private void assertReplayed(Change change) throws Exception {
        assertRebuild(change, true);
    }

    private void assertRecorded(Change change) throws Exception {
        assertRebuild(change, false);
    }

    private void assertRebuild(Change change, boolean replayed) throws Exception {
        Digest before = build(false).image();
        change.apply();
        Built rebuilt = build(false);
        assertEquals(replayed, rebuilt.replayed(), replayed ? "replayed" : "recorded again");
        Built fresh = build(true);
        assertFalse(fresh.replayed(), "--no-cache never replays");
        assertEquals(fresh.image(), rebuilt.image(), "the rebuild's image is the --no-cache build's");
        assertNotEquals(before, rebuilt.image(), "the change shows in the image");
    }

    private Built build(boolean noCache) throws Exception {
        StepRecorder recorder = new StepRecorder();
        TestBuild b = TestBuild.run(store, context, Map.of(), noCache, 2, List.of(), recorder);
        return new Built(b.image(), recorder.notes.stream().anyMatch(n -> n.startsWith("copy replayed")));
    }

    /**
     * Gives every entry of the context a distinct time before the builds' SOURCE_DATE_EPOCH (once:
     * a directory's time set again would be a change of the directory).
     */
    private void ageAll() throws Exception {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(context)) {
            all = walk.sorted(java.util.Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            Syscalls.setTimesNoFollow(p, Instant.ofEpochSecond(clock++));
        }
    }

    private void write(String rel, String content) throws Exception {
        Path f = context.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content, StandardCharsets.UTF_8);
        Syscalls.setTimesNoFollow(f, Instant.ofEpochSecond(clock++));
    }
}
