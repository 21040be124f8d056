package dev.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.fs.Ids;
import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.testkit.Required;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ADD's unpacking of local archives: what lands where, with which metadata, over what was there. */
class ArchivesExtractTest {
    private static final Instant FILE_TIME = Instant.parse("2020-01-02T03:04:05Z");
    private static final Instant DIR_TIME = Instant.parse("2019-05-06T07:08:09Z");

    @TempDir
    Path tmp;
    Path rootfs;

    @BeforeEach
    void setUp() throws IOException {
        Required.root("archives carry owners, devices and setuid bits");
        rootfs = Files.createDirectory(tmp.resolve("rootfs"));
    }

    /** A tree with every kind GNU tar archives from disk, owned by 1234:5678. */
    private Path sampleTree() throws IOException {
        Path src = Files.createDirectory(tmp.resolve("src"));
        Path app = Files.createDirectories(src.resolve("app/bin"));
        Files.writeString(app.resolve("tool"), "#!/bin/sh\necho hi\n");
        Files.writeString(src.resolve("app/data.txt"), "data\n");
        Files.setAttribute(src.resolve("app/data.txt"), "unix:mode", 0640);
        Files.createLink(src.resolve("app/data-link.txt"), src.resolve("app/data.txt"));
        Files.createSymbolicLink(src.resolve("app/current"), Path.of("bin/tool"));
        Syscalls.mknod(src.resolve("app/pipe"), Syscalls.S_IFIFO, 0620, 0);
        Files.setAttribute(src.resolve("app/pipe"), "unix:mode", 0620); // mknod applies the umask
        Path shared = Files.createDirectory(src.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 01777);
        try (var walk = Files.walk(src)) {
            for (Path p : walk.toList()) {
                Files.setAttribute(p, "unix:uid", 1234, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", 5678, LinkOption.NOFOLLOW_LINKS);
            }
        }
        Files.setAttribute(app.resolve("tool"), "unix:mode", 04755); // after the chown, which clears it
        try (var walk = Files.walk(src)) {
            for (Path p : walk.toList()) {
                Syscalls.setTimesNoFollow(p, Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? DIR_TIME : FILE_TIME);
            }
        }
        return src;
    }

    @ParameterizedTest
    @ValueSource(strings = {"-cf", "-czf", "-cjf", "-cJf", "--zstd -cf"})
    void everyFormatUnpacksModesOwnersTimesAndLinks(String flags) throws Exception {
        Required.tools("tar", "gzip", "bzip2", "xz", "zstd");
        Path src = sampleTree();
        Path archive = tmp.resolve("sample.bin");
        AddTars.gnuTar(tmp, (flags + " " + archive + " --numeric-owner -C " + src + " .").split(" "));
        assertTrue(Archives.detect(archive).isPresent());

        ExtractResult result = Archives.extract(archive, rootfs, "/opt", Optional.empty());

        Path opt = rootfs.resolve("opt");
        assertEquals("#!/bin/sh\necho hi\n", Files.readString(opt.resolve("app/bin/tool")));
        assertEquals(04755, mode(opt.resolve("app/bin/tool")), "setuid survives the chown");
        assertEquals(0640, mode(opt.resolve("app/data.txt")));
        assertEquals(01777, mode(opt.resolve("shared")));
        assertEquals(List.of(1234, 5678), owner(opt.resolve("app/bin/tool")));
        assertEquals(List.of(1234, 5678), owner(opt.resolve("app/current")));
        assertEquals(List.of(1234, 5678), owner(opt.resolve("app")));
        assertEquals(FILE_TIME, mtime(opt.resolve("app/bin/tool")));
        assertEquals(FILE_TIME, mtime(opt.resolve("app/current")), "symlink mtime, not its target's");
        assertEquals(DIR_TIME, mtime(opt.resolve("app")), "directory mtimes are set after their children");
        assertEquals(DIR_TIME, mtime(opt.resolve("app/bin")));
        assertEquals("bin/tool", Files.readSymbolicLink(opt.resolve("app/current")).toString());
        assertEquals(Files.getAttribute(opt.resolve("app/data.txt"), "unix:ino"),
                Files.getAttribute(opt.resolve("app/data-link.txt"), "unix:ino"), "hardlinks share the inode");
        assertTrue(Files.readAttributes(opt.resolve("app/pipe"), "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode")
                instanceof Integer m && (m & 0170000) == Syscalls.S_IFIFO);
        assertEquals(0620, mode(opt.resolve("app/pipe")));
        assertEquals(0755, mode(opt), "the destination made for the archive");
        assertEquals(List.of(0, 0), owner(opt));
        // app, app/bin, shared; tool, data.txt, data-link.txt; current; pipe. The ./ entry is not counted.
        assertEquals(List.of(3L, 3L, 1L, 1L), List.of(result.directories(), result.files(), result.symlinks(),
                result.specials()));
        assertEquals(Files.size(src.resolve("app/bin/tool")) + Files.size(src.resolve("app/data.txt")), result.bytes());
        assertEquals(List.of(), result.warnings());
    }

    @Test
    void chownOwnsEveryEntryAndTheCreatedDestinationButNotImpliedParents() throws Exception {
        Path archive = AddTars.tar()
                .file("deep/inside/file", "x")
                .dir("d", 0700)
                .symlink("d/link", "../deep")
                .writeTo(tmp.resolve("a.tar"));
        Archives.extract(archive, rootfs, "/srv/www", Optional.of(Ids.of(33, 44)));

        Path www = rootfs.resolve("srv/www");
        assertEquals(List.of(33, 44), owner(rootfs.resolve("srv")));
        assertEquals(List.of(33, 44), owner(www));
        assertEquals(List.of(33, 44), owner(www.resolve("deep/inside/file")));
        assertEquals(List.of(33, 44), owner(www.resolve("d")));
        assertEquals(List.of(33, 44), owner(www.resolve("d/link")));
        assertEquals(List.of(0, 0), owner(www.resolve("deep")), "implied parents are root's, as BuildKit");
        assertEquals(0755, mode(www.resolve("deep/inside")));
        assertEquals(0700, mode(www.resolve("d")));
    }

    @Test
    void existingContentIsMergedAndTheArchiveWinsEveryConflict() throws Exception {
        Path dest = Files.createDirectories(rootfs.resolve("dest"));
        Files.createDirectories(dest.resolve("keep/sub"));
        Files.writeString(dest.resolve("keep/old.txt"), "old");
        Files.writeString(dest.resolve("keep/replaced.txt"), "before");
        Files.writeString(dest.resolve("was-file"), "a file");
        Files.createDirectories(dest.resolve("was-dir/child"));
        Files.writeString(dest.resolve("was-dir/child/x"), "x");
        Path outside = Files.writeString(tmp.resolve("outside.txt"), "outside");
        Files.createSymbolicLink(dest.resolve("was-link"), outside);

        Path archive = AddTars.tar()
                .dir("keep", 0711)
                .file("keep/replaced.txt", "after")
                .file("keep/new.txt", "new")
                .dir("was-file", 0755)
                .file("was-dir", "now a file")
                .file("was-link", "replaces the link")
                .writeTo(tmp.resolve("a.tar"));
        Archives.extract(archive, rootfs, "/dest", Optional.empty());

        assertEquals("old", Files.readString(dest.resolve("keep/old.txt")), "a directory is merged");
        assertTrue(Files.isDirectory(dest.resolve("keep/sub")));
        assertEquals(0711, mode(dest.resolve("keep")), "the entry's mode applies to the merged directory");
        assertEquals("after", Files.readString(dest.resolve("keep/replaced.txt")));
        assertEquals("new", Files.readString(dest.resolve("keep/new.txt")));
        assertTrue(Files.isDirectory(dest.resolve("was-file"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("now a file", Files.readString(dest.resolve("was-dir")));
        assertFalse(Files.isSymbolicLink(dest.resolve("was-link")));
        assertEquals("replaces the link", Files.readString(dest.resolve("was-link")));
        assertEquals("outside", Files.readString(outside), "never written through the old link");
    }

    @Test
    void theDestinationEntryItselfAndAbsoluteNames() throws Exception {
        Path dest = Files.createDirectories(rootfs.resolve("dest"));
        Files.setAttribute(dest, "unix:mode", 0750);
        Path archive = AddTars.tar()
                .dir("./", 0777)
                .file("/etc/absolute.conf", "abs")
                .file("./dot/./slash//name", "clean")
                .file(".wh.hidden", "a whiteout name is just a name here")
                .writeTo(tmp.resolve("a.tar"));
        ExtractResult result = Archives.extract(archive, rootfs, "dest", Optional.empty());

        assertEquals(0750, mode(dest), "the ./ entry does not touch the destination, as BuildKit");
        assertEquals("abs", Files.readString(dest.resolve("etc/absolute.conf")), "absolute names land inside");
        assertFalse(Files.exists(rootfs.resolve("etc")));
        assertEquals("clean", Files.readString(dest.resolve("dot/slash/name")));
        assertEquals("a whiteout name is just a name here", Files.readString(dest.resolve(".wh.hidden")));
        assertEquals(List.of(0L, 3L), List.of(result.directories(), result.files()), "implied parents are not entries");
    }

    @Test
    void theDestinationIsFoundAsTheImageSeesIt() throws Exception {
        Files.createDirectories(rootfs.resolve("real/place"));
        Files.createSymbolicLink(rootfs.resolve("app"), Path.of("/real/place"));
        Path archive = AddTars.tar().file("f", "through the image's link").writeTo(tmp.resolve("a.tar"));
        Archives.extract(archive, rootfs, "/app", Optional.empty());
        assertEquals("through the image's link", Files.readString(rootfs.resolve("real/place/f")));
    }

    @Test
    void symlinksInsideTheArchiveAreFollowedWithinTheDestination() throws Exception {
        Path archive = AddTars.tar()
                .dir("real", 0755)
                .symlink("rel", "real")
                .symlink("abs", "/real")
                .file("rel/one", "1")
                .file("abs/two", "2")
                .dir("rel/sub", 0700)
                .writeTo(tmp.resolve("a.tar"));
        Archives.extract(archive, rootfs, "/d", Optional.empty());
        Path d = rootfs.resolve("d");
        assertEquals("1", Files.readString(d.resolve("real/one")));
        assertEquals("2", Files.readString(d.resolve("real/two")), "an absolute target starts at the destination");
        assertEquals(0700, mode(d.resolve("real/sub")));
        assertTrue(Files.isSymbolicLink(d.resolve("rel")));
    }

    @Test
    void specialFilesReadOnlyDirectoriesAndHardlinksToExistingFiles() throws Exception {
        Path dest = Files.createDirectories(rootfs.resolve("dest"));
        Files.writeString(dest.resolve("existing"), "already here");
        Path archive = AddTars.tar()
                .dir("ro", 0500)
                .file("ro/inside", "written before the directory is made read-only", 0400)
                .entry("null", TarConstants.LF_CHR, 0666, e -> {
                    e.setDevMajor(1);
                    e.setDevMinor(3);
                }, null)
                .entry("fifo", TarConstants.LF_FIFO, 0600, e -> { }, null)
                .entry("again", TarConstants.LF_LINK, 0600, e -> e.setLinkName("existing"), null)
                .writeTo(tmp.resolve("a.tar"));
        ExtractResult result = Archives.extract(archive, rootfs, "/dest", Optional.empty());

        assertEquals(0500, mode(dest.resolve("ro")));
        assertEquals("written before the directory is made read-only", Files.readString(dest.resolve("ro/inside")));
        int nullMode = (Integer) Files.getAttribute(dest.resolve("null"), "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if (result.warnings().isEmpty()) {
            assertEquals(Syscalls.S_IFCHR, nullMode & 0170000);
            assertEquals(Syscalls.makedev(1, 3), (long) (Long) Files.getAttribute(dest.resolve("null"), "unix:rdev"));
        }
        assertEquals(Files.getAttribute(dest.resolve("existing"), "unix:ino"),
                Files.getAttribute(dest.resolve("again"), "unix:ino"));
        assertEquals(0600, mode(dest.resolve("existing")), "the shared inode takes the hardlink entry's mode");
    }

    @Test
    void longNamesPaxTimesAndLargeFilesStream() throws Exception {
        String longName = "a".repeat(120) + "/" + "b".repeat(120) + "/file.txt";
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new Random(1).nextBytes(big);
        Path archive = AddTars.tar()
                .file(longName, "long")
                .entry("big.bin", TarConstants.LF_NORMAL, 0644, e -> e.setModTime(FileTime.from(Instant.parse(
                        "2021-03-04T05:06:07.1234567Z"))), big)
                .writeTo(tmp.resolve("a.tar"));
        Archives.extract(archive, rootfs, "/x", Optional.empty());
        assertEquals("long", Files.readString(rootfs.resolve("x").resolve(longName)));
        assertTrue(Arrays.equals(big, Files.readAllBytes(rootfs.resolve("x/big.bin"))));
        assertEquals(Instant.parse("2021-03-04T05:06:07.1234567Z"), mtime(rootfs.resolve("x/big.bin")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gnu", "posix"})
    void sparseFilesAreExpanded(String format) throws Exception {
        Path src = Files.createDirectory(tmp.resolve("src"));
        try (var f = FileChannel.open(src.resolve("sparse"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap("start".getBytes(StandardCharsets.UTF_8)));
            f.write(ByteBuffer.wrap("end".getBytes(StandardCharsets.UTF_8)), 4 * 1024 * 1024);
        }
        AddTars.gnuTar(tmp, "-S", "--format=" + format, "-cf", "sparse.tar", "-C", src.toString(), "sparse");
        Archives.extract(tmp.resolve("sparse.tar"), rootfs, "/s", Optional.empty());
        assertTrue(Arrays.equals(Files.readAllBytes(src.resolve("sparse")),
                Files.readAllBytes(rootfs.resolve("s/sparse"))));
    }

    @Test
    void aTarSplitOverConcatenatedGzipMembersIsReadToTheEnd() throws Exception {
        Path src = sampleTree();
        AddTars.gnuTar(tmp, "-cf", "whole.tar", "-C", src.toString(), ".");
        byte[] tar = Files.readAllBytes(tmp.resolve("whole.tar"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int[] range : new int[][] {{0, 700}, {700, tar.length}}) {
            try (var gz = new GZIPOutputStream(out) {
                @Override
                public void close() throws IOException {
                    finish(); // end this member, keep the stream open for the next
                }
            }) {
                gz.write(tar, range[0], range[1] - range[0]);
            }
        }
        Path archive = Files.write(tmp.resolve("two-members.tar.gz"), out.toByteArray());
        assertEquals(Optional.of(ArchiveFormat.GZIP), Archives.detect(archive));
        Archives.extract(archive, rootfs, "/m", Optional.empty());
        assertEquals("data\n", Files.readString(rootfs.resolve("m/app/data.txt")));
    }

    @Test
    void userXattrsAreRestoredAndOverlayOnesNever() throws Exception {
        Path probe = Files.writeString(Files.createDirectories(rootfs.resolve("probe")).resolve("p"), "p");
        try {
            Syscalls.setXattr(probe, "user.probe", new byte[] {1});
        } catch (IOException e) {
            Required.skipOrFail("user xattrs unsupported on " + tmp + ": " + e.getMessage());
        }
        Path archive = AddTars.tar()
                .entry("f", TarConstants.LF_NORMAL, 0644, e -> {
                    e.addPaxHeader("SCHILY.xattr.user.note", "hello");
                    e.addPaxHeader("SCHILY.xattr.trusted.overlay.opaque", "y");
                }, "f".getBytes(StandardCharsets.UTF_8))
                .writeTo(tmp.resolve("a.tar"));
        ExtractResult result = Archives.extract(archive, rootfs, "/x", Optional.empty());
        Path f = rootfs.resolve("x/f");
        assertEquals("hello", new String(Syscalls.getXattr(f, "user.note").orElseThrow(), StandardCharsets.UTF_8));
        assertEquals(Optional.empty(), Syscalls.getXattr(f, "trusted.overlay.opaque"));
        assertEquals(1, result.warnings().size(), result.warnings().toString());
        assertTrue(result.warnings().get(0).contains("trusted.overlay.opaque"));
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static List<Integer> owner(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
        return List.of((Integer) a.get("uid"), (Integer) a.get("gid"));
    }

    private static Instant mtime(Path p) throws IOException {
        return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant();
    }
}
