package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prune} and the builder's layer snapshots ({@code STORE/snapshots/sha256/<diffID>}): once
 * an image's name is gone, prune removes the snapshots only it used and keeps those of images
 * still named, the shared base layer included.
 */
class BuildPruneIT {
    @TempDir
    Path work;

    @AfterEach
    void tearDown() throws Exception {
        BuildFixture.empty(work);
    }

    @Test
    void pruneRemovesSnapshotsOfUnnamedImagesOnly() throws Exception {
        BuildFixture fx = new BuildFixture(work);
        String kept = fx.build("-t", "kept:1", fx.context("kept", "FROM busybox:local\nRUN echo kept > /kept\n").toString());
        String gone = fx.build("-t", "gone:1", fx.context("gone", "FROM busybox:local\nRUN echo gone > /gone\n"
                + "RUN echo more > /more\n").toString());
        List<String> keptLayers = diffIds(fx, kept);
        List<String> goneLayers = diffIds(fx, gone);
        assertEquals(keptLayers.get(0), goneLayers.get(0), "both build on the base layer");
        Set<String> before = snapshots(fx);
        assertTrue(before.containsAll(keptLayers) && before.containsAll(goneLayers),
                "every layer built or used has a snapshot: " + before);

        BuildFixture.Run rmi = fx.jbuild("rmi", "gone:1");
        assertEquals(0, rmi.status(), rmi.describe());
        BuildFixture.Run prune = fx.jbuild("prune");
        assertEquals(0, prune.status(), prune.describe());
        assertTrue(prune.out().contains(" and 2 layer snapshots,"), "the two RUN layers of gone:1: " + prune.describe());

        Set<String> after = snapshots(fx);
        Set<String> expected = new HashSet<>(before);
        expected.removeAll(goneLayers.subList(1, goneLayers.size()));
        assertEquals(expected, after, "only gone:1's own layers went");
        assertTrue(after.containsAll(keptLayers), "kept:1 and the base keep theirs");

        // What is left still builds: the base's snapshot is reused, the pruned ones made again.
        String rebuilt = fx.build("-t", "gone:1", work.resolve("gone").toString());
        assertTrue(snapshots(fx).containsAll(diffIds(fx, rebuilt)));
    }

    /** The image's diffIDs (hex only, as the snapshot directories are named), bottom layer first. */
    private static List<String> diffIds(BuildFixture fx, String manifestDigest) throws Exception {
        JsonNode config = fx.blobJson(fx.blobJson(manifestDigest).path("config").path("digest").asText());
        List<String> out = new ArrayList<>();
        config.path("rootfs").path("diff_ids").forEach(d -> out.add(d.asText().substring("sha256:".length())));
        return out;
    }

    private static Set<String> snapshots(BuildFixture fx) throws Exception {
        try (Stream<Path> s = Files.list(fx.store.resolve("snapshots/sha256"))) {
            return new HashSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
