package dev.jbuild.layer.diff;

import static dev.jbuild.layer.diff.DiffFixtures.applyFlat;
import static dev.jbuild.layer.diff.DiffFixtures.listing;
import static dev.jbuild.layer.diff.DiffFixtures.mountedUnder;
import static dev.jbuild.layer.diff.DiffFixtures.names;
import static dev.jbuild.layer.diff.DiffFixtures.run;
import static dev.jbuild.layer.diff.DiffFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerWriter;
import dev.jbuild.layer.apply.ApplyOptions.OverlayXattrs;
import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.testkit.Required;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OverlayDifferTest {
    private static final LayerOptions OPTIONS = LayerOptions.defaults().withThreads(1);
    private static final byte[] Y = "y".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    /** Mounts lowerdir=l2:l1 on merged, runs the changes, captures the merged listing, unmounts. */
    private Map<String, String> throughOverlay(Path l1, Path l2, Path upper, String extraOptions, Changes changes)
            throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path merged = Files.createDirectories(tmp.resolve("merged"));
        Files.createDirectories(upper);
        run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + l2 + ":" + l1 + ",upperdir=" + upper
                + ",workdir=" + work + "," + extraOptions, merged.toString());
        try {
            changes.apply(merged);
            return listing(merged);
        } finally {
            try {
                run("umount", merged.toString());
            } finally {
                if (mountedUnder(tmp)) {
                    run("umount", "-l", merged.toString());
                }
                assertFalse(mountedUnder(tmp), "something is still mounted under " + tmp);
            }
        }
    }

    interface Changes {
        void apply(Path merged) throws Exception;
    }

    static void lowerTrees(Path l1, Path l2) throws IOException {
        write(l1.resolve("f1"), "one");
        write(l1.resolve("f2"), "two");
        write(l1.resolve("f3"), "three");
        write(l1.resolve("d1/a"), "a");
        write(l1.resolve("d1/b/c"), "c");
        write(l1.resolve("d2/x"), "x");
        write(l1.resolve("d3/y"), "y");
        write(l1.resolve("keep/file"), "k");
        write(l1.resolve("keep2/z"), "z");
        write(l1.resolve("odir/a"), "a");
        write(l1.resolve("odir/b"), "b");
        write(l1.resolve("gone"), "g");
        Files.createSymbolicLink(l1.resolve("link"), Path.of("f1"));
        write(l2.resolve("d2/w"), "w");
        write(l2.resolve("odir/c"), "c");
        write(l2.resolve("f4"), "four");
    }

    static void changes(Path m) throws IOException, InterruptedException {
        Files.delete(m.resolve("f1"));
        Files.delete(m.resolve("f3"));
        run("rm", "-rf", m.resolve("d1").toString());
        run("rm", "-rf", m.resolve("d2").toString());
        Files.createDirectory(m.resolve("d2"));
        write(m.resolve("d2/new"), "new");
        Files.delete(m.resolve("f2"));
        Files.createDirectory(m.resolve("f2"));
        write(m.resolve("f2/x"), "x in dir");
        run("rm", "-rf", m.resolve("d3").toString());
        write(m.resolve("d3"), "file now");
        Files.createDirectory(m.resolve("newdir"));
        write(m.resolve("newdir/y"), "y");
        write(m.resolve("tmp"), "t");
        Files.delete(m.resolve("tmp"));
        write(m.resolve("keep/tmp"), "t");
        Files.delete(m.resolve("keep/tmp"));
        write(m.resolve("keep/file"), "changed");
        Files.setPosixFilePermissions(m.resolve("keep2"), PosixFilePermissions.fromString("rwx------"));
        Files.delete(m.resolve("odir/c"));
        Files.createSymbolicLink(m.resolve("newlink"), Path.of("keep/file"));
        Files.createLink(m.resolve("keep/hl"), m.resolve("keep/file"));
        Files.createLink(m.resolve("newhl"), m.resolve("keep2/z"));
    }

    @Test
    void realOverlayUpperDirBecomesALayerThatReproducesTheMergedView() throws Exception {
        Required.root("mounts overlayfs");
        Path l1 = Files.createDirectories(tmp.resolve("l1"));
        Path l2 = Files.createDirectories(tmp.resolve("l2"));
        lowerTrees(l1, l2);
        Syscalls.mknod(l2.resolve("gone"), Syscalls.S_IFCHR, 0, 0);
        Syscalls.setXattr(l2.resolve("odir"), "trusted.overlay.opaque", Y);
        Path upper = tmp.resolve("upper");
        Map<String, String> merged = throughOverlay(l1, l2, upper, "redirect_dir=off,metacopy=off,index=off",
                OverlayDifferTest::changes);

        ByteArrayOutputStream layer1 = new ByteArrayOutputStream();
        LayerWriter.writeTree(l1, layer1, Compression.NONE, OPTIONS);
        ByteArrayOutputStream layer2 = new ByteArrayOutputStream();
        OverlayDiffer.write(l2, List.of(l1), layer2, Compression.NONE, OPTIONS);
        assertEquals(List.of(".wh.gone", "d2/", "d2/w", "f4", "odir/", "odir/.wh..wh..opq", "odir/c"),
                names(layer2.toByteArray()));
        ByteArrayOutputStream diff = new ByteArrayOutputStream();
        OverlayDiffer.write(upper, List.of(l2, l1), diff, Compression.NONE, OPTIONS);

        assertEquals(List.of(".wh.d1", ".wh.f1", ".wh.f3",
                "d2/", "d2/.wh..wh..opq", "d2/new", "d3", "f2/", "f2/x",
                "keep/", "keep/file", "keep/hl", "keep2/", "keep2/z",
                "newdir/", "newdir/y", "newhl", "newlink", "odir/", "odir/.wh.c"), names(diff.toByteArray()));

        Path rootfs = tmp.resolve("rootfs");
        applyFlat(rootfs, layer1.toByteArray(), layer2.toByteArray(), diff.toByteArray());
        assertEquals(merged, listing(rootfs));
        assertTrue(merged.containsKey("odir/a") == false && merged.containsKey("d2/new"));

        // The same upper dir with explicit whiteouts (as BuildKit writes): d2's old children are
        // each whited out instead of the opaque marker, and the layers give the same tree.
        ByteArrayOutputStream explicit = new ByteArrayOutputStream();
        LayerWriter.write(OverlayDiffer.entries(upper, List.of(l2, l1), OPTIONS, OverlayXattrs.TRUSTED,
                OverlayDiffer.OpaqueDirs.EXPLICIT), explicit, Compression.NONE, OPTIONS);
        List<String> names = names(explicit.toByteArray());
        assertFalse(names.contains("d2/.wh..wh..opq"), names.toString());
        assertTrue(names.contains("d2/.wh.w"), names.toString());
        Path rootfs2 = tmp.resolve("rootfs2");
        applyFlat(rootfs2, layer1.toByteArray(), layer2.toByteArray(), explicit.toByteArray());
        assertEquals(merged, listing(rootfs2));
    }

    @Test
    void redirectDirIsRefusedWithAMessageSayingHowToMount() throws Exception {
        Required.root("mounts overlayfs");
        Path l1 = Files.createDirectories(tmp.resolve("l1"));
        Path l2 = Files.createDirectories(tmp.resolve("l2"));
        write(l1.resolve("dir/a"), "a");
        Path upper = tmp.resolve("upper");
        throughOverlay(l1, l2, upper, "redirect_dir=on,index=off",
                m -> Files.move(m.resolve("dir"), m.resolve("moved")));
        OverlayDiffException e = assertThrows(OverlayDiffException.class, () -> OverlayDiffer.write(upper,
                List.of(l2, l1), new ByteArrayOutputStream(), Compression.NONE, OPTIONS));
        assertTrue(e.getMessage().contains("redirect_dir=off,metacopy=off"), e.getMessage());
        assertTrue(e.getMessage().contains("moved"), e.getMessage());
    }

    @Test
    void metacopyIsRefused() throws Exception {
        Required.root("mounts overlayfs");
        Path l1 = Files.createDirectories(tmp.resolve("l1"));
        Path l2 = Files.createDirectories(tmp.resolve("l2"));
        write(l1.resolve("file"), "content");
        Path upper = tmp.resolve("upper");
        throughOverlay(l1, l2, upper, "redirect_dir=on,metacopy=on,index=off",
                m -> Files.setPosixFilePermissions(m.resolve("file"), PosixFilePermissions.fromString("rwx------")));
        OverlayDiffException e = assertThrows(OverlayDiffException.class, () -> OverlayDiffer.write(upper,
                List.of(l2, l1), new ByteArrayOutputStream(), Compression.NONE, OPTIONS));
        assertTrue(e.getMessage().contains("metacopy"), e.getMessage());
    }

    @Test
    void lowerViewDecidesWhichWhiteoutsAndOpaqueDirsAreKept() throws Exception {
        Required.root("creates whiteout devices and trusted.* xattrs");
        Path l1 = Files.createDirectories(tmp.resolve("l1"));
        Path l2 = Files.createDirectories(tmp.resolve("l2"));
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        write(l1.resolve("hidden/a"), "a");      // hidden by an opaque dir in l2
        write(l1.resolve("wiped"), "w");         // whited out in l2
        write(l1.resolve("file/x"), "x");        // a dir in l1, a file in l2
        write(l1.resolve("real"), "r");
        Files.createDirectories(l2.resolve("hidden"));
        Syscalls.setXattr(l2.resolve("hidden"), "trusted.overlay.opaque", Y);
        Syscalls.mknod(l2.resolve("wiped"), Syscalls.S_IFCHR, 0, 0);
        write(l2.resolve("file"), "now a file");
        Files.createDirectories(upper.resolve("hidden"));
        Syscalls.mknod(upper.resolve("hidden/a"), Syscalls.S_IFCHR, 0, 0);
        Syscalls.mknod(upper.resolve("wiped"), Syscalls.S_IFCHR, 0, 0);
        Files.createDirectories(upper.resolve("file"));
        Syscalls.mknod(upper.resolve("file/x"), Syscalls.S_IFCHR, 0, 0);
        Syscalls.mknod(upper.resolve("real"), Syscalls.S_IFCHR, 0, 0);
        Files.createDirectories(upper.resolve("fresh"));
        Syscalls.setXattr(upper.resolve("fresh"), "trusted.overlay.opaque", Y);
        Files.createDirectories(upper.resolve("newer"));
        Syscalls.setXattr(upper.resolve("newer"), "user.overlay.opaque", Y);
        Files.createDirectories(l1.resolve("newer"));

        ByteArrayOutputStream diff = new ByteArrayOutputStream();
        OverlayDiffer.write(upper, List.of(l2, l1), diff, Compression.NONE, OPTIONS);
        assertEquals(List.of(".wh.real", "file/", "fresh/", "hidden/", "newer/"), names(diff.toByteArray()));

        ByteArrayOutputStream user = new ByteArrayOutputStream();
        OverlayDiffer.write(upper, List.of(l2, l1), user, Compression.NONE, OPTIONS, OverlayXattrs.USER);
        // l2/hidden carries the trusted.* opaque xattr, which a userxattr mount does not read
        assertEquals(List.of(".wh.real", "file/", "fresh/", "hidden/", "hidden/.wh.a", "newer/",
                "newer/.wh..wh..opq"),
                names(user.toByteArray()));
    }
}
