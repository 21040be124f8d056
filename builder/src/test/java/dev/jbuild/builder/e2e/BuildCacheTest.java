package dev.jbuild.builder.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.store.LocalStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The build cache is correct: after each kind of change, a rebuild from the cache gives exactly the
 * image a {@code --no-cache} build of the same inputs gives (same manifest digest), and exactly the
 * steps that depend on the change run again; the others come from the cache.
 */
class BuildCacheTest {
    /** Steps 2 to 5 of the Dockerfile below: 1 is FROM, ARG makes no layer. */
    private static final String DOCKERFILE = """
            FROM %s
            RUN echo one > /one
            COPY app/ /app/
            ARG VERSION=1
            RUN echo "v$VERSION" > /version
            COPY other.txt /other.txt
            """;
    private static final int RUN_ONE = 2;
    private static final int COPY_APP = 3;
    private static final int RUN_VERSION = 5;
    private static final int COPY_OTHER = 6;
    private static final Set<Integer> ALL = Set.of(RUN_ONE, COPY_APP, RUN_VERSION, COPY_OTHER);

    private BaseStore fx;
    private LocalStore store;
    private Path context;

    /** What one build gave: the image, and the steps that ran (not taken from the cache). */
    private record Built(Digest image, Set<Integer> ran) {
    }

    @BeforeEach
    void setUp() throws Exception {
        fx = BaseStore.create("jbuild-cache-");
        store = fx.store;
        context = fx.context("context", DOCKERFILE.formatted("busybox:local"));
        write("app/a.txt", "a\n");
        write("app/b.txt", "b\n");
        write("app/sub/c.txt", "c\n");
        write("other.txt", "other\n");
        write("unrelated.txt", "not copied\n");
        write(".dockerignore", "*.md\n");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void anUnchangedRebuildRunsNothingAndGivesTheSameImage() throws Exception {
        Built first = build(Map.of(), false);
        assertEquals(ALL, first.ran());
        Built again = build(Map.of(), false);
        assertEquals(Set.of(), again.ran());
        assertEquals(first.image(), again.image());
    }

    @Test
    void noCacheRunsEverything() throws Exception {
        build(Map.of(), false);
        assertEquals(ALL, build(Map.of(), true).ran());
    }

    @Test
    void oneFileChangedInTheCopiedDirectory() throws Exception {
        build(Map.of(), false);
        write("app/a.txt", "A\n");
        assertRebuild(Map.of(), Set.of(COPY_APP, RUN_VERSION, COPY_OTHER));
    }

    @Test
    void aModeChanged() throws Exception {
        build(Map.of(), false);
        Files.setAttribute(context.resolve("app/sub/c.txt"), "unix:mode", 0600);
        assertRebuild(Map.of(), Set.of(COPY_APP, RUN_VERSION, COPY_OTHER));
    }

    @Test
    void aCapabilitySetOnAContextFile() throws Exception {
        build(Map.of(), false);
        // A version 2 file capability granting cap_net_raw, effective: in BuildKit's content hash too.
        byte[] capNetRaw = {0, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        Syscalls.setXattr(context.resolve("app/sub/c.txt"), "security.capability", capNetRaw);
        assertRebuild(Map.of(), Set.of(COPY_APP, RUN_VERSION, COPY_OTHER));
        // A user.* attribute is copied, so the COPY runs again, but layers keep none: the same
        // layer, so the steps after it stay cached.
        Syscalls.setXattr(context.resolve("app/sub"), "user.note", "dropped by layers".getBytes(StandardCharsets.UTF_8));
        assertRebuild(Map.of(), Set.of(COPY_APP));
    }

    @Test
    void aNewFileAndADeletedFile() throws Exception {
        build(Map.of(), false);
        write("app/new.txt", "new\n");
        assertRebuild(Map.of(), Set.of(COPY_APP, RUN_VERSION, COPY_OTHER));
        Files.delete(context.resolve("app/b.txt"));
        assertRebuild(Map.of(), Set.of(COPY_APP, RUN_VERSION, COPY_OTHER));
    }

    @Test
    void onlyTheTouchedFileTimeChanged() throws Exception {
        build(Map.of(), false);
        Files.setLastModifiedTime(context.resolve("app/a.txt"), FileTime.from(Instant.now().plusSeconds(60)));
        assertRebuild(Map.of(), Set.of());
    }

    @Test
    void aFileOutsideTheSourcesChanged() throws Exception {
        build(Map.of(), false);
        write("other.txt", "changed\n");
        assertRebuild(Map.of(), Set.of(COPY_OTHER));
        write("unrelated.txt", "changed too\n");
        assertRebuild(Map.of(), Set.of());
    }

    @Test
    void aChangedIgnoreFile() throws Exception {
        build(Map.of(), false);
        write(".dockerignore", "*.md\nunrelated.txt\n");
        assertRebuild(Map.of(), Set.of());
        write(".dockerignore", "*.md\napp/b.txt\n");
        assertRebuild(Map.of(), Set.of(COPY_APP, RUN_VERSION, COPY_OTHER));
    }

    @Test
    void aBuildArgTheStageDeclaresAndOneItDoesNot() throws Exception {
        build(Map.of(), false);
        assertRebuild(Map.of("VERSION", "2"), Set.of(RUN_VERSION, COPY_OTHER));
        assertRebuild(Map.of("VERSION", "2", "UNDECLARED", "x"), Set.of());
    }

    @Test
    void aChangedBaseImage() throws Exception {
        Path other = fx.context("base2", "FROM busybox:local\nRUN echo second > /base2\n");
        build(other, Map.of(), false, List.of(ImageReference.parse("base2:local")));
        build(Map.of(), false);
        write("Dockerfile", DOCKERFILE.formatted("base2:local"));
        assertRebuild(Map.of(), ALL);
    }

    /** A rebuild runs exactly {@code expected} and gives the image a --no-cache build gives. */
    private void assertRebuild(Map<String, String> args, Set<Integer> expected) throws Exception {
        Built cached = build(args, false);
        assertEquals(new TreeSet<>(expected), new TreeSet<>(cached.ran()), "steps that ran again");
        Built fresh = build(args, true);
        assertEquals(fresh.image(), cached.image(), "the cached build's image is the --no-cache build's");
        assertNotEquals(Set.of(), fresh.ran());
    }

    private Built build(Map<String, String> args, boolean noCache) throws Exception {
        return build(context, args, noCache, List.of());
    }

    private Built build(Path dir, Map<String, String> args, boolean noCache, List<ImageReference> tags)
            throws Exception {
        TestBuild b = TestBuild.run(store, dir, args, noCache, 2, tags);
        Set<Integer> ran = b.steps().ran();
        ran.remove(1); // FROM
        ran.remove(4); // ARG: config only, never cached
        return new Built(b.image(), ran);
    }

    private void write(String rel, String content) throws Exception {
        Path f = context.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content, StandardCharsets.UTF_8);
    }
}
