package dev.jbuild.builder.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.apply.Trees;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real overlay mounts, including chains of lower dirs too long for one page of mount options. */
class OverlayMountTest {
    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        Required.root("overlay mounts need root");
        dir = Files.createTempDirectory("jbuild-overlay-");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (dir != null) {
            assertTrue(Workspace.mountsBelow(dir).isEmpty(), "nothing may stay mounted");
            Trees.deleteRecursively(dir);
        }
    }

    /** {@code count} lower dirs with long paths, each holding its own file and overriding {@code top.txt}. */
    private List<Path> lowers(int count) throws IOException {
        List<Path> out = new ArrayList<>();
        String longName = "snapshot-with-a-deliberately-long-directory-name-".repeat(2);
        for (int i = count - 1; i >= 0; i--) { // top first
            Path d = Files.createDirectories(dir.resolve("layers").resolve(longName + i));
            Files.writeString(d.resolve("file-" + i), "layer " + i);
            Files.writeString(d.resolve("top.txt"), "layer " + i);
            out.add(d);
        }
        return out;
    }

    @Test
    void shortChainMountsWritableAndUnmounts() throws IOException {
        List<Path> lowers = lowers(3);
        Path upper = Files.createDirectories(dir.resolve("upper"));
        Path work = Files.createDirectories(dir.resolve("work"));
        Path merged = dir.resolve("merged");
        try (OverlayMount m = OverlayMount.mount(lowers, Optional.of(upper), Optional.of(work), merged,
                dir.resolve("links"))) {
            assertEquals("layer 2", Files.readString(merged.resolve("top.txt")), "the first lower dir is the top");
            assertEquals("layer 0", Files.readString(merged.resolve("file-0")));
            Files.writeString(merged.resolve("new.txt"), "written");
        }
        assertEquals("written", Files.readString(upper.resolve("new.txt")), "writes land in the upper dir");
        assertFalse(Files.exists(merged.resolve("top.txt")), "unmounted");
    }

    @Test
    void chainBeyondOnePageOfOptionsMountsThroughShortLinks() throws IOException {
        List<Path> lowers = lowers(120);
        int optionLength = String.join(":", lowers.stream().map(Path::toString).toList()).length();
        assertTrue(optionLength > 4096, "the chain must not fit in one page: " + optionLength);
        Path merged = dir.resolve("merged");
        try (OverlayMount m = OverlayMount.mount(lowers, Optional.empty(), Optional.empty(), merged,
                dir.resolve("links"))) {
            assertEquals("layer 119", Files.readString(merged.resolve("top.txt")));
            for (int i = 0; i < 120; i++) {
                assertEquals("layer " + i, Files.readString(merged.resolve("file-" + i)));
            }
        }
        assertFalse(Files.exists(merged.resolve("top.txt")));
    }
}
