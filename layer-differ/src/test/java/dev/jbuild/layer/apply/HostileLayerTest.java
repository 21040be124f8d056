package dev.jbuild.layer.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of hostile and broken layers. Each must be refused with a message naming the entry, must
 * write nothing outside the target (a sentinel directory beside it stays identical), and must leave
 * the target exactly as it was: absent for a fresh extraction, unchanged (down to directory mtimes)
 * for a FLAT apply onto an existing tree. Before the hostile entry every layer makes benign changes
 * (creates, replaces, whites out, updates a directory), so the rollback is exercised too.
 */
class HostileLayerTest {
    enum Setup {
        FLAT_ONTO_EXISTING, FLAT_FRESH, OVERLAY_FRESH
    }

    /** A hostile layer: built from the sentinel's absolute path; the entry the message must name (null: any). */
    record Case(String label, Function<String, byte[]> layer, Function<String, String> entry, boolean needsLower) {
        @Override
        public String toString() {
            return label;
        }
    }

    @TempDir
    Path work;

    static Tars benign() {
        return Tars.layer().dir("new").file("new/file", "new").whiteout(".wh.lowerfile").dir("lowerdir", 0700)
                .file("etc/passwd", "replaced").whiteout("lowerdir/.wh.gone");
    }

    static RawTar benignRaw() {
        return new RawTar().entry("new/", '5', new byte[0], 0755, "").file("new/file", "new")
                .entry(".wh.lowerfile", '0', new byte[0], 0, "").entry("lowerdir/", '5', new byte[0], 0700, "")
                .file("etc/passwd", "replaced").entry("lowerdir/.wh.gone", '0', new byte[0], 0, "");
    }

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("dotdot", s -> benign().file("../x", "x").tar(), s -> "../x", false));
        c.add(new Case("dotdot in the middle", s -> benign().file("a/../../x", "x").tar(), s -> "a/../../x", false));
        c.add(new Case("absolute", s -> benign().file("/etc/x", "x").tar(), s -> "/etc/x", false));
        c.add(new Case("absolute into the sentinel", s -> benign().file(s + "/pwned", "x").tar(), s -> s + "/pwned", false));
        c.add(new Case("symlink to / then through it",
                s -> benign().symlink("link", "/").file("link" + s + "/pwned", "x").tar(), s -> "link" + s + "/pwned", false));
        c.add(new Case("symlink to .. then through it",
                s -> benign().symlink("l", "..").file("l/sentinel/pwned", "x").tar(), s -> "l/sentinel/pwned", false));
        c.add(new Case("symlink then a directory through it",
                s -> benign().symlink("sd", s).dir("sd/sub").tar(), s -> "sd/sub/", false));
        c.add(new Case("hardlink to ../", s -> benign().hardlink("h", "../sentinel/secret").tar(), s -> "h", false));
        c.add(new Case("hardlink to an absolute path", s -> benign().hardlink("h", s + "/secret").tar(), s -> "h", false));
        c.add(new Case("hardlink through a symlink",
                s -> benign().symlink("s", s).hardlink("h", "s/secret").tar(), s -> "h", false));
        c.add(new Case("hardlink to a missing file", s -> benign().hardlink("h", "nothing/here").tar(), s -> "h", false));
        c.add(new Case("entry named . as a file", s -> benignRaw().file(".", "x").finish(), s -> ".", false));
        c.add(new Case("entry named ./ as a symlink",
                s -> benignRaw().entry("./", '2', new byte[0], 0777, s).finish(), s -> "./", false));
        c.add(new Case("empty name", s -> benignRaw().file("", "x").finish(), s -> "", false));
        c.add(new Case("file replacing a directory that holds an escaping symlink",
                s -> benign().dir("d").symlink("d/esc", s).file("d", "now a file").file("d/esc/pwned", "x").tar(),
                s -> "d/esc/pwned", false));
        c.add(new Case("PAX path ../x",
                s -> benignRaw().pax(Map.of("path", b("../x"))).file("innocent", "x").finish(), s -> "../x", false));
        c.add(new Case("PAX path absolute",
                s -> benignRaw().pax(Map.of("path", b(s + "/pwned"))).file("innocent", "x").finish(),
                s -> s + "/pwned", false));
        c.add(new Case("PAX linkpath ../",
                s -> benignRaw().pax(Map.of("linkpath", b("../sentinel/secret"))).entry("h", '1', new byte[0], 0644, "ok")
                        .finish(), s -> "h", false));
        c.add(new Case("GNU long name ../x",
                s -> benignRaw().gnuLongName("../" + "x".repeat(150)).file("short", "x").finish(),
                s -> "../" + "x".repeat(150), false));
        c.add(new Case("commons-compress PAX long name ../x",
                s -> benign().file("../" + "y".repeat(150), "x").tar(), s -> "../" + "y".repeat(150), false));
        c.add(new Case("whiteout through a symlink",
                s -> benign().symlink("link", s).whiteout("link/.wh.secret").tar(), s -> "link/.wh.secret", false));
        c.add(new Case("opaque whiteout through a symlink",
                s -> benign().symlink("link", s).whiteout("link/.wh..wh..opq").tar(), s -> "link/.wh..wh..opq", false));
        c.add(new Case("whiteout of ..", s -> benign().whiteout("new/.wh..").tar(), s -> "new/.wh..", false));
        c.add(new Case("through a symlink from a lower layer",
                s -> benign().file("lowerlink/pwned", "x").tar(), s -> "lowerlink/pwned", true));
        c.add(new Case("whiteout through a symlink from a lower layer",
                s -> benign().whiteout("lowerlink/.wh.secret").tar(), s -> "lowerlink/.wh.secret", true));
        c.add(new Case("sparse file", s -> benignRaw().entry("sparse", 'S', new byte[0], 0644, "").finish(),
                s -> "sparse", false));
        c.add(new Case("truncated in the middle of a file",
                s -> {
                    byte[] t = benign().file("big", new byte[100_000], 0644).tar();
                    return java.util.Arrays.copyOf(t, t.length - 60_000);
                }, s -> "big", false));
        c.add(new Case("corrupt header checksum",
                s -> {
                    byte[] t = benign().file("later", "x").tar();
                    int header = indexOf(t, b("later\0"));
                    t[header + 10] ^= 0x55;
                    return t;
                }, s -> null, false));
        return c.stream();
    }

    static Stream<Arguments> corpus() {
        return cases().flatMap(c -> Stream.of(Setup.values()).filter(s -> !c.needsLower() || s == Setup.FLAT_ONTO_EXISTING)
                .map(s -> Arguments.of(c, s)));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Path sentinel;
    private Path target;

    private void prepare(Setup setup) throws IOException {
        sentinel = work.resolve("sentinel");
        Files.createDirectories(sentinel.resolve("sub"));
        Files.writeString(sentinel.resolve("secret"), "secret");
        Files.writeString(sentinel.resolve("sub/file"), "file");
        target = work.resolve("target");
        if (setup == Setup.FLAT_ONTO_EXISTING) {
            byte[] lower = Tars.layer().dir("etc").file("etc/passwd", "root:x:0:0").dir("lowerdir")
                    .file("lowerdir/file", "lower").file("lowerdir/gone", "gone").dir("lowerdir/sub").file("lowerdir/sub/deep", "deep")
                    .file("lowerfile", "lower").symlink("lowerlink", sentinel.toString()).tar();
            Tars.apply(lower, target, ApplyMode.FLAT);
        }
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("corpus")
    void refusedAndNothingChanged(Case c, Setup setup) throws IOException {
        if (setup == Setup.OVERLAY_FRESH) {
            Required.root("overlay whiteouts");
        }
        prepare(setup);
        Map<String, String> sentinelBefore = Listing.of(sentinel);
        Map<String, String> workBefore = Listing.of(work, false);
        Map<String, String> targetBefore = Listing.of(target);
        byte[] layer = c.layer().apply(sentinel.toString());
        ApplyMode mode = setup == Setup.OVERLAY_FRESH ? ApplyMode.OVERLAY : ApplyMode.FLAT;

        LayerApplyException e = assertThrows(LayerApplyException.class, () -> Tars.apply(layer, target, mode));

        String name = c.entry().apply(sentinel.toString());
        if (name != null) {
            assertTrue(e.getMessage().startsWith("layer entry \"" + name + "\": "), e.getMessage());
            assertEquals(name, e.entry().orElseThrow());
        }
        assertTrue(e.getMessage().endsWith(target + " was left as it was"), e.getMessage());
        assertEquals(sentinelBefore, Listing.of(sentinel), "sentinel beside the target changed");
        assertEquals(workBefore, Listing.of(work, false), "something was left beside the target");
        assertEquals(targetBefore, Listing.of(target), "target changed");
        assertFalse(Files.exists(work.resolve("x"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void wrongDiffIdRollsBackAFullyAppliedLayerOntoAnExistingTree() throws IOException {
        prepare(Setup.FLAT_ONTO_EXISTING);
        Map<String, String> before = Listing.of(target);
        Map<String, String> workBefore = Listing.of(work, false);
        byte[] layer = benign().whiteout(".wh.etc").dir("etc", 0700).file("etc/new", "n").tar();
        Digest wrong = Digest.sha256(b("not this layer"));

        LayerApplyException e = assertThrows(LayerApplyException.class,
                () -> Tars.apply(layer, target, ApplyMode.FLAT, ApplyOptions.defaults().withExpectedDiffId(wrong)));

        assertTrue(e.getMessage().contains("diffID is " + Digest.sha256(layer)), e.getMessage());
        assertTrue(e.getMessage().contains(wrong + " was expected"), e.getMessage());
        assertEquals(before, Listing.of(target));
        assertEquals(workBefore, Listing.of(work, false));
    }

    @Test
    void wrongDiffIdLeavesNoFreshTarget() throws IOException {
        prepare(Setup.FLAT_FRESH);
        byte[] layer = benign().tar();
        Digest wrong = Digest.sha256(b("not this layer"));
        assertThrows(LayerApplyException.class,
                () -> Tars.apply(Tars.gzip(layer), target, ApplyMode.FLAT, ApplyOptions.defaults().withExpectedDiffId(wrong)));
        assertFalse(Files.exists(target));
        assertEquals(List.of("sentinel"), names(work));
    }

    @Test
    void rightDiffIdIsAccepted() throws IOException {
        prepare(Setup.FLAT_ONTO_EXISTING);
        byte[] layer = benign().tar();
        ApplyResult r = Tars.apply(Tars.zstd(layer), target, ApplyMode.FLAT,
                ApplyOptions.defaults().withExpectedDiffId(Digest.sha256(layer)));
        assertEquals(Digest.sha256(layer), r.diffId());
        assertEquals("replaced", Files.readString(target.resolve("etc/passwd")));
        assertFalse(Files.exists(target.resolve("lowerfile")));
        assertFalse(Files.exists(target.resolve("lowerdir/gone")));
        assertEquals("lower", Files.readString(target.resolve("lowerdir/file")));
        assertEquals(List.of("sentinel", "target"), names(work), "the undo directory is gone after success");
    }

    @Test
    void deletingADirectoryWithAnEscapingSymlinkDoesNotFollowIt() throws IOException {
        prepare(Setup.FLAT_ONTO_EXISTING);
        Map<String, String> sentinelBefore = Listing.of(sentinel);
        // Lower: a directory holding a link to the sentinel; this layer whites it out, then replaces another by a file.
        Tars.apply(Tars.layer().dir("trap").symlink("trap/esc", sentinel.toString()).symlink("trap/esc2", "/").tar(),
                work.resolve("l0"), ApplyMode.FLAT);
        Path l0 = work.resolve("l0");
        Tars.apply(Tars.layer().whiteout(".wh.trap").tar(), l0, ApplyMode.FLAT);
        assertFalse(Files.exists(l0.resolve("trap"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(sentinelBefore, Listing.of(sentinel));
        Tars.apply(Tars.layer().dir("trap2").symlink("trap2/esc", sentinel.toString()).file("trap2", "file").tar(),
                work.resolve("l1"), ApplyMode.FLAT);
        assertEquals("file", Files.readString(work.resolve("l1/trap2")));
        assertEquals(sentinelBefore, Listing.of(sentinel));
    }

    @Test
    void overlayModeRefusesANonEmptyTarget() throws IOException {
        prepare(Setup.FLAT_ONTO_EXISTING);
        Map<String, String> before = Listing.of(target);
        LayerApplyException e = assertThrows(LayerApplyException.class,
                () -> Tars.apply(benign().tar(), target, ApplyMode.OVERLAY, ApplyOptions.defaults().withPrivileged(true)));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        assertEquals(before, Listing.of(target));
    }

    @Test
    void aTargetThatIsAFileOrASymlinkIsRefused() throws IOException {
        prepare(Setup.FLAT_FRESH);
        Path file = work.resolve("file");
        Files.writeString(file, "x");
        Path link = work.resolve("link");
        Files.createSymbolicLink(link, sentinel);
        Map<String, String> before = Listing.of(work);
        assertThrows(LayerApplyException.class, () -> Tars.apply(benign().tar(), file, ApplyMode.FLAT));
        LayerApplyException e = assertThrows(LayerApplyException.class,
                () -> Tars.apply(benign().tar(), link, ApplyMode.FLAT));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
        assertEquals(before, Listing.of(work));
    }

    @Test
    void notATar() throws IOException {
        prepare(Setup.FLAT_FRESH);
        LayerApplyException e = assertThrows(LayerApplyException.class,
                () -> Tars.apply(b("{\"this\": \"is json, not a layer\"}" + " ".repeat(600)), target, ApplyMode.FLAT));
        assertTrue(e.getMessage().contains("not a tar archive"), e.getMessage());
        assertFalse(Files.exists(target));
        LayerApplyException xz = assertThrows(LayerApplyException.class,
                () -> Tars.apply(new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 1, 2}, target, ApplyMode.FLAT));
        assertTrue(xz.getMessage().contains("xz"), xz.getMessage());
        byte[] gz = Tars.gzip(benign().tar());
        LayerApplyException cut = assertThrows(LayerApplyException.class,
                () -> Tars.apply(java.util.Arrays.copyOf(gz, gz.length / 2), target, ApplyMode.FLAT));
        assertTrue(cut.getMessage().contains("gzip"), cut.getMessage());
        assertEquals(List.of("sentinel"), names(work));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i += 512) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("no header named " + new String(needle, StandardCharsets.UTF_8));
    }
}
