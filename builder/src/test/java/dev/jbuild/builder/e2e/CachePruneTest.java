package dev.jbuild.builder.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.StorePrune;
import dev.jbuild.builder.StoreUsage;
import dev.jbuild.builder.cache.PrunePolicy;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.LocalStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code jbuild prune} of the build cache: by age ({@code --filter until=}), by size
 * ({@code --keep-storage}) or all of it, keeping the blobs of the results it keeps (which then
 * still hit), and {@code system df}'s account of it.
 */
class CachePruneTest {
    private BaseStore fx;
    private LocalStore store;

    @BeforeEach
    void setUp() throws Exception {
        fx = BaseStore.create("jbuild-prune-");
        store = fx.store;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void untilRemovesOnlyResultsNotUsedSince() throws Exception {
        Path old = fx.context("old", "FROM busybox:local\nRUN head -c 100000 /dev/urandom > /old.bin\n");
        Path recent = fx.context("recent", "FROM busybox:local\nRUN head -c 50000 /dev/urandom > /recent.bin\n");
        build(old);
        build(recent);
        Path oldResult = resultFiles().get(0); // the first build's only result
        Path recentResult = resultFiles().get(1);
        Digest oldLayer = layerOf(oldResult);
        Digest recentLayer = layerOf(recentResult);
        age(oldResult, Duration.ofDays(2));
        StorePrune.Result r = StorePrune.run(store, new PrunePolicy(Optional.of(Duration.ofHours(24)), OptionalLong.empty()));
        assertEquals(1, r.cacheResults());
        assertFalse(Files.exists(oldResult));
        assertFalse(store.blobs().has(oldLayer), "no name or result reaches the old layer");
        assertTrue(store.blobs().has(recentLayer), "the kept result's layer stays");
        assertEquals(Set.of(), build(recent), "the kept result still hits");
        assertEquals(Set.of(2), build(old), "the pruned one runs again");
    }

    @Test
    void keepStorageKeepsTheMostRecentlyUsedThatFit() throws Exception {
        Path first = fx.context("first", "FROM busybox:local\nRUN head -c 300000 /dev/urandom > /a.bin\n");
        Path second = fx.context("second", "FROM busybox:local\nRUN head -c 300000 /dev/urandom > /b.bin\n");
        build(first);
        build(second);
        age(resultFiles().get(0), Duration.ofMinutes(10));
        age(resultFiles().get(1), Duration.ofMinutes(5));
        // Each layer is ~300 kB of random bytes: room for one.
        StorePrune.Result r = StorePrune.run(store, new PrunePolicy(Optional.empty(), OptionalLong.of(400_000)));
        assertEquals(1, r.cacheResults());
        List<StoreUsage.Row> usage = StoreUsage.of(store);
        StoreUsage.Row cache = usage.get(1);
        assertEquals("Build cache", cache.type());
        assertEquals(1, cache.count());
        assertTrue(cache.bytes() > 300_000 && cache.bytes() < 400_000, "one random layer: " + cache);
        assertEquals(cache.bytes(), cache.reclaimable());
    }

    @Test
    void aPlainPruneEmptiesTheCache() throws Exception {
        Path ctx = fx.context("plain", "FROM busybox:local\nRUN echo x > /x\n");
        build(ctx);
        StorePrune.Result r = StorePrune.run(store, PrunePolicy.ALL);
        assertEquals(1, r.cacheResults());
        assertEquals(List.of(), resultFiles());
        assertEquals(Set.of(2), build(ctx));
    }

    /** Builds {@code dir} (unnamed); the steps that ran rather than coming from the cache. */
    private Set<Integer> build(Path dir) throws Exception {
        Set<Integer> ran = TestBuild.run(store, dir, Map.of(), false, 1, List.of()).steps().ran();
        ran.remove(1);
        return ran;
    }

    /** The layer blob a result file names (its second line: media type, digest, size, diffID). */
    private static Digest layerOf(Path result) throws Exception {
        return Digest.parse(Files.readAllLines(result).get(1).split(" ")[1]);
    }

    /** The result files, oldest first (by last use). */
    private List<Path> resultFiles() throws Exception {
        Path steps = store.root().resolve("build-cache/steps");
        if (!Files.isDirectory(steps)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(steps)) {
            return files.sorted((a, b) -> {
                try {
                    return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }

    private static void age(Path result, Duration by) throws Exception {
        Files.setLastModifiedTime(result, FileTime.from(Instant.now().minus(by)));
    }
}
