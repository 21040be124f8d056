package dev.jbuild.layer.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whiteouts in both modes. Each case is a stack of layers: applied FLAT one onto the other it must
 * give the expected tree; applied OVERLAY, each into its own lower dir and mounted read-only by the
 * kernel's overlayfs, the merged view must be the same tree as FLAT gives (the real oracle for what
 * the whiteouts mean), and no {@code .wh.} name may survive in either.
 */
class WhiteoutTest {
    record Case(String label, List<byte[]> layers, List<String> expected) {
        @Override
        public String toString() {
            return label;
        }
    }

    @TempDir
    Path work;

    static Case c(String label, List<String> expected, Tars... layers) {
        return new Case(label, Stream.of(layers).map(Tars::tar).toList(), expected);
    }

    static Stream<Case> cases() {
        return Stream.of(
                c("delete a file", List.of("a", "a/f2"),
                        Tars.layer().dir("a").file("a/f1", "1").file("a/f2", "2"),
                        Tars.layer().dir("a").whiteout("a/.wh.f1")),
                c("delete a directory", List.of("keep"),
                        Tars.layer().dir("d").dir("d/x").file("d/x/y", "y").file("keep", "k"),
                        Tars.layer().whiteout(".wh.d")),
                c("delete and recreate a directory in the same layer", List.of("d", "d/new"),
                        Tars.layer().dir("d").file("d/old", "o").dir("d/sub").file("d/sub/deep", "x"),
                        Tars.layer().whiteout(".wh.d").dir("d").file("d/new", "n")),
                c("recreate then delete, in that order, means the same", List.of("d", "d/new"),
                        Tars.layer().dir("d").file("d/old", "o"),
                        Tars.layer().dir("d").file("d/new", "n").whiteout(".wh.d")),
                c("delete, then recreate without a directory entry", List.of("d", "d/new"),
                        Tars.layer().dir("d").file("d/old", "o"),
                        Tars.layer().whiteout(".wh.d").file("d/new", "n")),
                c("opaque directory", List.of("o", "o/n", "other"),
                        Tars.layer().dir("o").file("o/a", "a").dir("o/b").file("o/b/c", "c").file("other", "x"),
                        Tars.layer().dir("o").whiteout("o/.wh..wh..opq").file("o/n", "n")),
                c("opaque marker after the directory's entries", List.of("o", "o/n"),
                        Tars.layer().dir("o").file("o/a", "a"),
                        Tars.layer().dir("o").file("o/n", "n").whiteout("o/.wh..wh..opq")),
                c("opaque keeps what this layer put below it", List.of("o", "o/b", "o/b/new"),
                        Tars.layer().dir("o").file("o/a", "a").dir("o/b").file("o/b/c", "c"),
                        Tars.layer().dir("o").dir("o/b").file("o/b/new", "n").whiteout("o/.wh..wh..opq")),
                c("opaque root", List.of("n"),
                        Tars.layer().dir("a").file("a/x", "x").file("f", "f"),
                        Tars.layer().whiteout(".wh..wh..opq").file("n", "n")),
                c("replace a file by a directory", List.of("p", "p/q"),
                        Tars.layer().file("p", "file"),
                        Tars.layer().dir("p").file("p/q", "q")),
                c("replace a directory by a file", List.of("r"),
                        Tars.layer().dir("r").file("r/s", "s"),
                        Tars.layer().file("r", "file")),
                c("replace a symlink by a directory", List.of("lnk", "lnk/f"),
                        Tars.layer().symlink("lnk", "/usr"),
                        Tars.layer().dir("lnk").file("lnk/f", "f")),
                c("whiteout then a file of the same name", List.of("w"),
                        Tars.layer().dir("w").file("w/x", "x"),
                        Tars.layer().whiteout(".wh.w").file("w", "now a file")),
                c("whiteout of something that is not there", List.of("a"),
                        Tars.layer().file("a", "a"),
                        Tars.layer().whiteout(".wh.nothing")),
                c("aufs metadata is skipped", List.of("a"),
                        Tars.layer().file("a", "a"),
                        Tars.layer().dir(".wh..wh.plnk").file(".wh..wh.plnk/1234.5678", "x").file(".wh..wh.aufs", "")),
                c("three layers: deleted, then recreated", List.of("a", "a/y"),
                        Tars.layer().dir("a").file("a/x", "x"),
                        Tars.layer().whiteout(".wh.a"),
                        Tars.layer().dir("a").file("a/y", "y")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void flatAndOverlayAgree(Case c) throws IOException {
        Path flat = work.resolve("flat");
        for (byte[] layer : c.layers()) {
            Tars.apply(layer, flat, ApplyMode.FLAT);
        }
        Map<String, String> flatListing = Listing.of(flat, false);
        List<String> expected = new ArrayList<>(c.expected());
        expected.add(".");
        assertEquals(new TreeSet<>(expected), flatListing.keySet());
        assertNoWhiteoutNames(flat);

        Required.root("overlay lower dirs need mknod 0/0 and trusted.* xattrs");
        List<Path> lowers = new ArrayList<>();
        for (int i = 0; i < c.layers().size(); i++) {
            Path l = work.resolve("l" + i);
            ApplyResult r = Tars.apply(c.layers().get(i), l, ApplyMode.OVERLAY);
            assertNoWhiteoutNames(l);
            if (r.hidesLowerLayers()) {
                lowers.clear(); // what the store does: overlayfs ignores an opaque lower root
            }
            lowers.add(0, l);
        }
        if (lowers.size() == 1) { // overlayfs wants two lower dirs when there is no upper; one needs no mount
            Map<String, String> lower = Listing.of(lowers.get(0), false);
            lower.replaceAll((k, v) -> v.replace(" xattrs={trusted.overlay.opaque=79}", "")); // hidden by a mount
            assertEquals(flatListing, lower);
            return;
        }
        Path merged = work.resolve("merged");
        Files.createDirectory(merged);
        mount(lowers, merged);
        try {
            assertEquals(flatListing, Listing.of(merged, false), "overlay view of the lower dirs differs from FLAT");
        } finally {
            Syscalls.umount(merged, 2);
        }
    }

    @Test
    void overlayWhiteoutsAreDevicesAndXattrs() throws IOException {
        Required.root("overlay lower dirs");
        Path l = work.resolve("l");
        ApplyResult r = Tars.apply(Tars.layer().dir("a").whiteout("a/.wh.f").dir("o").whiteout("o/.wh..wh..opq")
                .whiteout(".wh.d").dir("d").file("d/new", "n").tar(), l, ApplyMode.OVERLAY);
        assertEquals(2, r.whiteouts());
        assertEquals(1, r.opaqueDirs());
        assertTrue(Listing.describe(l.resolve("a/f"), false).startsWith("char 0 0:0 dev=0,0"),
                Listing.describe(l.resolve("a/f"), false));
        assertEquals(Optional.of("y"), Syscalls.getXattr(l.resolve("o"), "trusted.overlay.opaque")
                .map(v -> new String(v, StandardCharsets.UTF_8)));
        assertEquals(Optional.of("y"), Syscalls.getXattr(l.resolve("d"), "trusted.overlay.opaque")
                .map(v -> new String(v, StandardCharsets.UTF_8)), "a directory recreated after its whiteout is opaque");
        assertEquals(Optional.empty(), Syscalls.getXattr(l.resolve("a"), "trusted.overlay.opaque"));
    }

    @Test
    void userOverlayXattrs() throws IOException {
        Required.root("mknod of whiteouts (unprivileged only since Linux 5.8)");
        Path l = work.resolve("l");
        Tars.apply(Tars.layer().dir("o").whiteout("o/.wh..wh..opq").tar(), l, ApplyMode.OVERLAY,
                ApplyOptions.defaults().withOverlayXattrs(ApplyOptions.OverlayXattrs.USER));
        assertEquals(Optional.of("y"), Syscalls.getXattr(l.resolve("o"), "user.overlay.opaque")
                .map(v -> new String(v, StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), Syscalls.getXattr(l.resolve("o"), "trusted.overlay.opaque"));
    }

    @Test
    void overlayWithoutRootIsRefusedUpFront() {
        Path l = work.resolve("l");
        LayerApplyException e = org.junit.jupiter.api.Assertions.assertThrows(LayerApplyException.class,
                () -> Tars.apply(Tars.layer().file("a", "a").tar(), l, ApplyMode.OVERLAY,
                        ApplyOptions.defaults().withPrivileged(false)));
        assertTrue(e.getMessage().contains("without root"), e.getMessage());
        assertFalse(Files.exists(l));
    }

    @Test
    void whiteoutsAreCountedAndSameLayerContentSurvives() throws IOException {
        Path flat = work.resolve("flat");
        Tars.apply(Tars.layer().dir("a").file("a/x", "lower").tar(), flat, ApplyMode.FLAT);
        // A producer that puts a file before its own whiteout: the whiteout hides lower content only.
        ApplyResult r = Tars.apply(Tars.layer().dir("a").file("a/x", "upper").whiteout("a/.wh.x").tar(), flat,
                ApplyMode.FLAT);
        assertEquals("upper", Files.readString(flat.resolve("a/x")));
        assertEquals(1, r.whiteouts());
        ApplyResult missing = Tars.apply(Tars.layer().whiteout("missing/.wh.x").whiteout("a/x/.wh.y").tar(), flat,
                ApplyMode.FLAT);
        assertEquals(2, missing.whiteouts());
        assertFalse(Files.exists(flat.resolve("missing")), "a whiteout creates nothing in FLAT mode");
    }

    private static void mount(List<Path> lowersTopFirst, Path merged) throws IOException {
        String lowerdir = lowersTopFirst.stream().map(Path::toString).collect(Collectors.joining(":"));
        try {
            Syscalls.mount("overlay", merged, "overlay", 1 /* MS_RDONLY */, "lowerdir=" + lowerdir);
        } catch (IOException e) {
            Required.skipOrFail("cannot mount overlayfs here (" + e.getMessage() + ")");
        }
    }

    private static void assertNoWhiteoutNames(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            List<Path> wh = s.filter(p -> p.getFileName() != null && p.getFileName().toString().startsWith(".wh."))
                    .toList();
            assertEquals(List.of(), wh);
        }
    }
}
