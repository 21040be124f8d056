package dev.jbuild.layer.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.oci.Digest;
import dev.jbuild.testkit.Required;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Formats, compression, diffIDs and metadata: what an applied layer must look like. */
class LayerApplierTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path work;

    private static byte[] sample() {
        byte[] big = new byte[1_000_003]; // spans several pipe chunks, not a multiple of 512
        new Random(42).nextBytes(big);
        return Tars.layer().dir("etc").file("etc/hosts", "127.0.0.1 localhost\n").file("big.bin", big, 0600)
                .symlink("etc/link", "hosts").hardlink("etc/hard", "etc/hosts").dir("empty").tar();
    }

    @Test
    void compressionIsDetectedFromTheBytesAndTheDiffIdIsThatOfTheTar() throws IOException {
        byte[] tar = sample();
        Digest diffId = Digest.sha256(tar);
        Map<String, String> first = null;
        for (Compression c : Compression.values()) {
            byte[] blob = switch (c) {
                case GZIP -> Tars.gzip(tar);
                case ZSTD -> Tars.zstd(tar);
                case NONE -> tar;
            };
            Path t = work.resolve(c.name());
            ApplyResult r = Tars.apply(blob, t, ApplyMode.FLAT);
            assertEquals(c, r.compression());
            assertEquals(diffId, r.diffId(), c.name());
            assertEquals(tar.length, r.tarSize());
            assertEquals(2, r.files());
            assertEquals(1, r.hardlinks());
            assertEquals(1, r.symlinks());
            Map<String, String> listing = Listing.of(t);
            listing.remove("."); // a fresh root without a "./" entry has the mtime of its creation
            if (first != null) {
                assertEquals(first, listing);
            }
            first = listing;
        }
        Path t = work.resolve("GZIP");
        assertEquals(Files.readString(t.resolve("etc/hosts")), Files.readString(t.resolve("etc/hard")));
        assertEquals(Files.getAttribute(t.resolve("etc/hosts"), "unix:ino"), Files.getAttribute(t.resolve("etc/hard"), "unix:ino"));
        assertEquals(Path.of("hosts"), Files.readSymbolicLink(t.resolve("etc/link")));
        byte[] big = new byte[1_000_003];
        new Random(42).nextBytes(big);
        assertArrayEquals(big, Files.readAllBytes(t.resolve("big.bin")));
    }

    @Test
    void theDiffIdCoversBytesAfterTheEndOfArchiveAndConcatenatedGzipMembers() throws IOException {
        byte[] tar = sample();
        byte[] padded = java.util.Arrays.copyOf(tar, tar.length + 20 * 512); // more zero records, as some writers pad
        ApplyResult r = Tars.apply(Tars.gzip(padded), work.resolve("a"), ApplyMode.FLAT);
        assertEquals(Digest.sha256(padded), r.diffId());
        ByteArrayOutputStream two = new ByteArrayOutputStream();
        two.writeBytes(Tars.gzip(java.util.Arrays.copyOf(tar, 4096)));
        two.writeBytes(Tars.gzip(java.util.Arrays.copyOfRange(tar, 4096, tar.length)));
        assertEquals(Digest.sha256(tar), Tars.apply(two.toByteArray(), work.resolve("b"), ApplyMode.FLAT).diffId());
    }

    @Test
    void anEmptyLayerIsFine() throws IOException {
        byte[] tar = Tars.layer().tar();
        ApplyResult r = Tars.apply(Tars.gzip(tar), work.resolve("e"), ApplyMode.OVERLAY,
                ApplyOptions.defaults().withPrivileged(true));
        assertEquals(Digest.sha256(tar), r.diffId());
        assertEquals(0, r.entries());
        assertEquals("dir 755", Listing.describe(work.resolve("e"), false).substring(0, 7));
    }

    @Test
    void anExistingEmptyTargetIsReplaced() throws IOException {
        Path t = work.resolve("t");
        Files.createDirectory(t);
        Tars.apply(sample(), t, ApplyMode.FLAT);
        assertTrue(Files.exists(t.resolve("etc/hosts")));
        assertEquals(List.of("t"), names(work));
    }

    @Test
    void longNamesInEveryFormat() throws IOException {
        String deep = "d".repeat(90) + "/" + "e".repeat(90) + "/" + "f".repeat(120);
        String ustarPrefix = "p".repeat(120) + "/file";
        byte[] ustar = RawTar.header("file".getBytes(StandardCharsets.US_ASCII), '0', 1, 0644, "", 0, 0, 0);
        System.arraycopy(ustarPrefix.substring(0, 120).getBytes(StandardCharsets.US_ASCII), 0, ustar, 345, 120);
        rechecksum(ustar);
        RawTar raw = new RawTar().gnuLongName("gnu/" + "g".repeat(200)).file("ignored", "gnu")
                .pax(Map.of("path", ("pax/" + "ü".repeat(100)).getBytes(StandardCharsets.UTF_8))).file("ignored2", "pax")
                .rawBytes(ustar).rawBytes(new byte[] {'u'}).rawBytes(new byte[511]);
        Path t = work.resolve("t");
        Tars.apply(raw.finish(), t, ApplyMode.FLAT);
        assertEquals("gnu", Files.readString(t.resolve("gnu/" + "g".repeat(200))));
        assertEquals("pax", Files.readString(t.resolve("pax/" + "ü".repeat(100))));
        assertEquals("u", Files.readString(t.resolve(ustarPrefix)));
        Path t2 = work.resolve("t2");
        Tars.apply(Tars.layer().file(deep, "deep").tar(), t2, ApplyMode.FLAT);
        assertEquals("deep", Files.readString(t2.resolve(deep)));
    }

    @Test
    void ownershipModesTimesAndXattrsAreKeptAsRoot() throws IOException {
        Required.root("chown, device nodes and security.* xattrs");
        byte[] capability = {1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80, 0, 0, 0, 0};
        Map<String, byte[]> pax = new LinkedHashMap<>();
        pax.put("SCHILY.xattr.security.capability", capability);
        pax.put("SCHILY.xattr.user.note", "hello".getBytes(StandardCharsets.UTF_8));
        pax.put("SCHILY.xattr.trusted.overlay.redirect", "/elsewhere".getBytes(StandardCharsets.UTF_8));
        pax.put("mtime", "1234567890.25".getBytes(StandardCharsets.US_ASCII));
        pax.put("uid", "3000000".getBytes(StandardCharsets.US_ASCII));
        byte[] caps = new RawTar().pax(pax).entry("bin/ping", '0', "ELF".getBytes(StandardCharsets.US_ASCII), 04755, "")
                .finish();
        // The raw layer has bin/ping without bin/; apply it after a commons-compress layer with the rest.
        Tars t = Tars.layer();
        t.put(entry("bin/", TarConstants.LF_DIR, 0755, 0, 0, 1_000_000), null);
        t.put(entry("tmp/", TarConstants.LF_DIR, 01777, 0, 0, 2_000_000), null);
        t.put(entry("shared/", TarConstants.LF_DIR, 02775, 1000, 1000, 3_000_000), null);
        t.put(entry("shared/file", TarConstants.LF_NORMAL, 0640, 1000, 1001, 4_000_000), new byte[] {1, 2, 3});
        t.put(entry("shared/sgid", TarConstants.LF_NORMAL, 02755, 0, 50, 4_000_000), new byte[] {1});
        TarArchiveEntry link = entry("shared/link", TarConstants.LF_SYMLINK, 0777, 1234, 5678, 5_000_000);
        link.setLinkName("/nowhere/at/all");
        t.put(link, null);
        TarArchiveEntry nul = entry("dev/null", TarConstants.LF_CHR, 0666, 0, 0, 6_000_000);
        nul.setDevMajor(1);
        nul.setDevMinor(3);
        t.put(nul, null);
        TarArchiveEntry blk = entry("dev/loop9", TarConstants.LF_BLK, 0660, 0, 6, 6_000_000);
        blk.setDevMajor(7);
        blk.setDevMinor(9);
        t.put(blk, null);
        t.put(entry("run/fifo", TarConstants.LF_FIFO, 0620, 7, 8, 7_000_000), null);
        t.put(entry("ro/", TarConstants.LF_DIR, 0555, 0, 0, 8_000_000), null);
        t.put(entry("ro/inside", TarConstants.LF_NORMAL, 0444, 0, 0, 8_000_000), new byte[0]);
        Path root = work.resolve("root");
        ApplyResult r = Tars.apply(t.tar(), root, ApplyMode.FLAT);
        assertEquals(3, r.specials());
        ApplyResult r2 = Tars.apply(caps, root, ApplyMode.FLAT);
        assertEquals(1, r2.warnings().size(), r2.warnings().toString());
        assertTrue(r2.warnings().get(0).contains("trusted.overlay.redirect"), r2.warnings().toString());

        assertEquals("dir 1777 0:0 mtime=1970-01-24T03:33:20Z", Listing.describe(root.resolve("tmp"), true));
        assertEquals("dir 2775 1000:1000 mtime=1970-02-04T17:20:00Z", Listing.describe(root.resolve("shared"), true),
                "directory mtimes are set after their contents");
        assertTrue(Listing.describe(root.resolve("shared/file"), true).startsWith("file 640 1000:1001 size=3"));
        assertTrue(Listing.describe(root.resolve("shared/sgid"), true).startsWith("file 2755 0:50"));
        assertEquals("symlink 777 1234:5678 -> /nowhere/at/all mtime=1970-02-27T20:53:20Z",
                Listing.describe(root.resolve("shared/link"), true));
        assertEquals("char 666 0:0 dev=1,3 mtime=1970-03-11T10:40:00Z", Listing.describe(root.resolve("dev/null"), false));
        assertEquals("block 660 0:6 dev=7,9 mtime=1970-03-11T10:40:00Z", Listing.describe(root.resolve("dev/loop9"), false));
        assertEquals("fifo 620 7:8 mtime=1970-03-23T00:26:40Z", Listing.describe(root.resolve("run/fifo"), false),
                "devices and fifos get their mtime without being opened");
        assertEquals("dir 555 0:0 mtime=1970-04-03T14:13:20Z", Listing.describe(root.resolve("ro"), true));

        Path ping = root.resolve("bin/ping");
        assertEquals(04755, (Integer) Files.getAttribute(ping, "unix:mode") & 07777,
                "setuid survives (chmod after chown)");
        assertEquals(3000000, Files.getAttribute(ping, "unix:uid"));
        assertEquals(FileTime.from(Instant.ofEpochSecond(1234567890, 250_000_000)), Files.getLastModifiedTime(ping));
        assertArrayEquals(capability, Syscalls.getXattr(ping, "security.capability").orElseThrow(),
                "binary xattr values are kept byte for byte");
        assertEquals(Optional.of("hello"), Syscalls.getXattr(ping, "user.note").map(String::new));
        assertEquals(Optional.empty(), Syscalls.getXattr(ping, "trusted.overlay.redirect"));
    }

    @Test
    void withoutPrivilegesOwnershipDevicesAndSystemXattrsAreSkipped() throws IOException {
        Tars t = Tars.layer();
        t.put(entry("owned", TarConstants.LF_NORMAL, 0644, 1234, 5678, 1_000_000), new byte[] {1});
        TarArchiveEntry nul = entry("dev/null", TarConstants.LF_CHR, 0666, 0, 0, 1_000_000);
        nul.setDevMajor(1);
        nul.setDevMinor(3);
        t.put(nul, null);
        t.put(entry("fifo", TarConstants.LF_FIFO, 0600, 0, 0, 1_000_000), null);
        TarArchiveEntry cap = entry("cap", TarConstants.LF_NORMAL, 0755, 0, 0, 1_000_000);
        cap.addPaxHeader("SCHILY.xattr.security.capability", "x");
        t.put(cap, new byte[0]);
        Path root = work.resolve("root");
        ApplyResult r = Tars.apply(t.tar(), root, ApplyMode.FLAT, ApplyOptions.defaults().withPrivileged(false));
        assertEquals(1, r.skipped());
        assertEquals(1, r.specials(), "a fifo needs no privilege");
        assertEquals(2, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().get(0).contains("dev/null") && r.warnings().get(0).contains("needs root"));
        assertTrue(r.warnings().get(1).contains("security.capability"));
        assertFalse(Files.exists(root.resolve("dev/null"), NOFOLLOW));
        int me = (Integer) Files.getAttribute(work, "unix:uid");
        assertEquals(me, Files.getAttribute(root.resolve("owned"), "unix:uid"));
        assertEquals(Optional.empty(), Syscalls.getXattr(root.resolve("cap"), "security.capability"));
    }

    @Test
    void gnuTarArchivesRoundTrip() throws Exception {
        Path src = work.resolve("src");
        Files.createDirectories(src.resolve("a/b"));
        Files.writeString(src.resolve("a/b/file"), "content");
        Files.createLink(src.resolve("a/hard"), src.resolve("a/b/file"));
        Files.createSymbolicLink(src.resolve("a/abs"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(src.resolve("a/rel"), Path.of("b/file"));
        Files.setAttribute(src.resolve("a/b/file"), "unix:mode", 0741);
        Files.setLastModifiedTime(src.resolve("a/b/file"), FileTime.fromMillis(1_000_000_000_000L));
        Files.setLastModifiedTime(src.resolve("a/b"), FileTime.fromMillis(1_100_000_000_000L));
        String longName = "x".repeat(150);
        Files.writeString(src.resolve("a/" + longName), "long");
        FileTime whole = FileTime.fromMillis(1_200_000_000_000L); // the gnu format keeps whole seconds only
        for (String name : List.of("a/abs", "a/rel", "a/" + longName)) {
            Files.getFileAttributeView(src.resolve(name), java.nio.file.attribute.BasicFileAttributeView.class, NOFOLLOW)
                    .setTimes(whole, whole, null);
        }
        for (String format : List.of("gnu", "posix")) {
            Path tgz = work.resolve(format + ".tar.gz");
            Process p = new ProcessBuilder("tar", "--format=" + format, "-C", src.toString(), "-czf", tgz.toString(), ".")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            Path dst = work.resolve(format);
            ApplyResult r = LayerApplier.apply(Files.newInputStream(tgz), dst, ApplyMode.FLAT, ApplyOptions.defaults());
            assertEquals(Compression.GZIP, r.compression());
            Map<String, String> expected = Listing.of(src, false);
            Map<String, String> actual = Listing.of(dst, false);
            expected.remove(".");
            actual.remove(".");
            assertEquals(expected, actual, format);
            assertEquals(Files.getLastModifiedTime(src.resolve("a/b")), Files.getLastModifiedTime(dst.resolve("a/b")));
            assertEquals(Files.getAttribute(dst.resolve("a/hard"), "unix:ino"),
                    Files.getAttribute(dst.resolve("a/b/file"), "unix:ino"));
        }
    }

    @Test
    void theRootEntrySetsTheRootDirectory() throws IOException {
        Path root = work.resolve("root");
        Tars t = Tars.layer();
        t.put(entry("./", TarConstants.LF_DIR, 0700, 0, 0, 9_000_000), null);
        t.file("./x", "x");
        Tars.apply(t.tar(), root, ApplyMode.FLAT);
        assertTrue(Listing.describe(root, true).startsWith("dir 700"), Listing.describe(root, true));
        assertEquals("x", Files.readString(root.resolve("x")));
    }

    @Test
    void duplicateEntriesLastOneWinsWithoutWritingThroughTheFirst() throws IOException {
        Path root = work.resolve("root");
        Path outside = work.resolve("outside");
        Files.writeString(outside, "untouched");
        Tars.apply(Tars.layer().symlink("f", outside.toString()).file("f", "file").hardlink("h", "f").file("h", "new")
                .tar(), root, ApplyMode.FLAT);
        assertEquals("untouched", Files.readString(outside));
        assertEquals("file", Files.readString(root.resolve("f")), "replacing a hardlink does not write into its inode");
        assertEquals("new", Files.readString(root.resolve("h")));
    }

    @Test
    void oldStyleDirectoriesAndSymlinkTargetsAsWritten() throws IOException {
        Path root = work.resolve("root");
        byte[] layer = new RawTar().entry("v7dir/", '\0', new byte[0], 0750, "").file("v7dir/f", "f")
                .entry("abs", '2', new byte[0], 0777, "/usr/bin/../lib").finish();
        ApplyResult r = Tars.apply(layer, root, ApplyMode.FLAT);
        assertEquals(1, r.directories());
        assertTrue(Listing.describe(root.resolve("v7dir"), false).startsWith("dir 750"));
        assertEquals(Path.of("/usr/bin/../lib"), Files.readSymbolicLink(root.resolve("abs")),
                "symlink targets are stored, never resolved");
    }

    @Test
    void base256NumbersAsGnuTarWritesThem() throws IOException {
        Required.root("chown to a large uid");
        byte[] h = RawTar.header("big-uid".getBytes(StandardCharsets.US_ASCII), '0', 0, 0644, "", 0, 0, 0);
        byte[] uid = {(byte) 0x80, 0, 0, 0, 0, 0x2d, (byte) 0xc6, (byte) 0xc0}; // 3,000,000
        System.arraycopy(uid, 0, h, 108, 8);
        byte[] mtime = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe}; // -2 s: before the epoch
        System.arraycopy(mtime, 0, h, 136, 12);
        rechecksum(h);
        Path root = work.resolve("root");
        Tars.apply(new RawTar().rawBytes(h).finish(), root, ApplyMode.FLAT);
        assertEquals(3_000_000, Files.getAttribute(root.resolve("big-uid"), "unix:uid"));
        assertEquals(FileTime.from(Instant.ofEpochSecond(-2)), Files.getLastModifiedTime(root.resolve("big-uid")));
    }

    private static TarArchiveEntry entry(String name, byte type, int mode, long uid, long gid, long mtimeSeconds) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(mode);
        e.setUserId(uid);
        e.setGroupId(gid);
        e.setModTime(mtimeSeconds * 1000);
        return e;
    }

    private static void rechecksum(byte[] h) {
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        byte[] s = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(s, 0, h, 148, 6);
        h[154] = 0;
    }

    private static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
