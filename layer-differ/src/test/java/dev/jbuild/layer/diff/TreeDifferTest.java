package dev.jbuild.layer.diff;

import static dev.jbuild.layer.diff.DiffFixtures.applyFlat;
import static dev.jbuild.layer.diff.DiffFixtures.listing;
import static dev.jbuild.layer.diff.DiffFixtures.names;
import static dev.jbuild.layer.diff.DiffFixtures.run;
import static dev.jbuild.layer.diff.DiffFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeDifferTest {
    private static final LayerOptions OPTIONS = LayerOptions.defaults().withThreads(1);

    @TempDir
    Path tmp;

    private byte[] diff(Path lower, Path upper) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TreeDiffer.write(lower, upper, out, Compression.NONE, OPTIONS);
        return out.toByteArray();
    }

    private Path copy(Path from, String name) throws IOException, InterruptedException {
        Path to = tmp.resolve(name);
        run("cp", "-a", from.toString(), to.toString());
        return to;
    }

    @Test
    void sameChangesAsTheOverlayTestGiveExplicitWhiteoutsAndReproduceTheNewTree() throws Exception {
        Path old = Files.createDirectories(tmp.resolve("old"));
        OverlayDifferTest.lowerTrees(old, old);
        Path now = copy(old, "new");
        OverlayDifferTest.changes(now);

        byte[] diff = diff(old, now);
        assertEquals(List.of(".wh.d1", ".wh.f1", ".wh.f3",
                "d2/", "d2/.wh.w", "d2/.wh.x", "d2/new", "d3", "f2/", "f2/x",
                "keep/", "keep/file", "keep/hl", "keep2/", "keep2/z",
                "newdir/", "newdir/y", "newhl", "newlink", "odir/", "odir/.wh.c"), names(diff));

        ByteArrayOutputStream base = new ByteArrayOutputStream();
        LayerWriter.writeTree(old, base, Compression.NONE, OPTIONS);
        Path rootfs = tmp.resolve("rootfs");
        applyFlat(rootfs, base.toByteArray(), diff);
        assertEquals(listing(now), listing(rootfs));
    }

    @Test
    void identicalTreesGiveAnEmptyLayer() throws Exception {
        Path old = Files.createDirectories(tmp.resolve("old"));
        OverlayDifferTest.lowerTrees(old, old);
        assertEquals(List.of(), names(diff(old, copy(old, "new"))));
    }

    @Test
    void sameSizeAndMtimeCountsAsUnchangedWithoutReadingContent() throws Exception {
        Path old = Files.createDirectories(tmp.resolve("old"));
        write(old.resolve("f"), "abc");
        Path now = copy(old, "new");
        FileTime t = Files.getLastModifiedTime(now.resolve("f"));
        Files.writeString(now.resolve("f"), "xyz");
        Files.setLastModifiedTime(now.resolve("f"), t);
        assertEquals(List.of(), names(diff(old, now)));
        Files.setLastModifiedTime(now.resolve("f"), FileTime.fromMillis(t.toMillis() + 1));
        assertEquals(List.of("f"), names(diff(old, now)));
    }

    @Test
    void deepChangeBringsItsParentsAndADeletedTreeIsOneWhiteout() throws Exception {
        Path old = Files.createDirectories(tmp.resolve("old"));
        write(old.resolve("a/b/c"), "c");
        write(old.resolve("a/other"), "o");
        write(old.resolve("gone/deep/er/file"), "f");
        write(old.resolve("z"), "z");
        Path now = copy(old, "new");
        Path c = now.resolve("a/b/c");
        Files.setLastModifiedTime(c, FileTime.fromMillis(Files.getLastModifiedTime(c).toMillis() + 1000));
        run("rm", "-rf", now.resolve("gone").toString());
        Files.delete(now.resolve("z"));
        Files.createDirectories(now.resolve("z/sub"));

        byte[] diff = diff(old, now);
        assertEquals(List.of(".wh.gone", "a/", "a/b/", "a/b/c", "z/", "z/sub/"), names(diff));
        ByteArrayOutputStream base = new ByteArrayOutputStream();
        LayerWriter.writeTree(old, base, Compression.NONE, OPTIONS);
        Path rootfs = tmp.resolve("rootfs");
        applyFlat(rootfs, base.toByteArray(), diff);
        assertEquals(listing(now), listing(rootfs));
    }

    @Test
    void aMissingTreeIsAnError() throws Exception {
        Path now = Files.createDirectories(tmp.resolve("new"));
        assertThrows(NotDirectoryException.class, () -> diff(tmp.resolve("absent"), now));
    }
}
