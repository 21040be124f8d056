package dev.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What COPY keeps or sets on what it writes: owners, modes, times, links, attributes, special files. */
class CopierMetadataTest {
    private static final Instant T1 = Instant.parse("2001-01-01T01:01:01.123456789Z");
    private static final Instant T2 = Instant.parse("2002-02-02T02:02:02Z");

    @TempDir
    Path tmp;
    CopierFixture fx;

    @BeforeEach
    void setUp() throws IOException {
        Required.root("COPY sets owners and makes device nodes");
        fx = new CopierFixture(tmp);
    }

    @Test
    void fromTheContextEverythingBelongsToRoot() throws IOException {
        CopierFixture.setOwner(fx.file("d/f", "F"), 1000, 1001);
        CopierFixture.setOwner(fx.context.resolve("d"), 1000, 1001);
        Files.createSymbolicLink(fx.context.resolve("d/l"), Path.of("f"));
        CopierFixture.setOwner(fx.context.resolve("d/l"), 1000, 1001);

        fx.copy("d", "/x/").run();

        for (String p : new String[] {"/x", "/x/f", "/x/l"}) {
            assertEquals(0, fx.uid(p), p);
            assertEquals(0, fx.gid(p), p);
        }
    }

    @Test
    void fromAStageOwnersAreKept() throws IOException {
        CopierFixture.setOwner(fx.stageFile("app/bin/tool", "T"), 1000, 1001);
        CopierFixture.setOwner(fx.stage().resolve("app/bin"), 33, 34);
        Files.createSymbolicLink(fx.stage().resolve("app/bin/alias"), Path.of("tool"));
        CopierFixture.setOwner(fx.stage().resolve("app/bin/alias"), 55, 56);

        fx.copyFromStage("/app", "/opt/app").run();

        assertEquals(1000, fx.uid("/opt/app/bin/tool"));
        assertEquals(1001, fx.gid("/opt/app/bin/tool"));
        assertEquals(33, fx.uid("/opt/app/bin"));
        assertEquals(34, fx.gid("/opt/app/bin"));
        assertEquals(55, fx.uid("/opt/app/bin/alias"), "symlinks get their owner too (lchown)");
        assertEquals(0, fx.uid("/opt"), "parents the copy creates are root's");
    }

    @Test
    void chownAppliesToEverythingCopiedAndToCreatedParents() throws IOException {
        CopierFixture.setOwner(fx.stageFile("d/f", "F"), 1000, 1001);
        Files.createSymbolicLink(fx.stage().resolve("d/l"), Path.of("f"));
        Files.createDirectories(fx.host("/existing"));

        fx.copyFromStage("d", "/existing/new/dir").chown(123, 456).run();

        for (String p : new String[] {"/existing/new", "/existing/new/dir", "/existing/new/dir/f",
            "/existing/new/dir/l"}) {
            assertEquals(123, fx.uid(p), p);
            assertEquals(456, fx.gid(p), p);
        }
        assertEquals(0, fx.uid("/existing"), "an existing parent keeps its owner");
    }

    @Test
    void modesAreKeptIncludingSetIdAndSticky() throws IOException {
        CopierFixture.setMode(fx.file("d/suid", "S"), 04755);
        CopierFixture.setMode(fx.file("d/private", "P"), 0600);
        Files.createDirectories(fx.context.resolve("d/shared"));
        CopierFixture.setMode(fx.context.resolve("d/shared"), 02775);
        Files.createDirectories(fx.context.resolve("d/tmp"));
        CopierFixture.setMode(fx.context.resolve("d/tmp"), 01777);

        fx.copy("d", "/x").run();

        assertEquals(04755, fx.mode("/x/suid"));
        assertEquals(0600, fx.mode("/x/private"));
        assertEquals(02775, fx.mode("/x/shared"));
        assertEquals(01777, fx.mode("/x/tmp"));
    }

    @Test
    void octalChmodAppliesToFilesAndDirectoriesButNotCreatedParents() throws Exception {
        CopierFixture.setMode(fx.file("d/f", "F"), 0644);
        CopierFixture.setMode(fx.file("d/sub/g", "G"), 0755);

        fx.copy("d", "/p/q/").chmod("0740").run();

        assertEquals(0740, fx.mode("/p/q/f"));
        assertEquals(0740, fx.mode("/p/q/sub"));
        assertEquals(0740, fx.mode("/p/q/sub/g"));
        assertEquals(0755, fx.mode("/p"));
        assertEquals(0755, fx.mode("/p/q"), "the destination directory is not the copied one");
    }

    @Test
    void symbolicChmodWorksPerEntry() throws Exception {
        CopierFixture.setMode(fx.file("d/plain", "P"), 0600);
        CopierFixture.setMode(fx.file("d/script", "S"), 0700);
        Files.createDirectories(fx.context.resolve("d/sub"));
        CopierFixture.setMode(fx.context.resolve("d/sub"), 0700);

        fx.copy("d", "/x").chmod("u=rwX,go=rX").run();

        assertEquals(0644, fx.mode("/x/plain"));
        assertEquals(0755, fx.mode("/x/script"));
        assertEquals(0755, fx.mode("/x/sub"));
    }

    @Test
    void modificationTimesAreKeptDirectoriesIncluded() throws IOException {
        CopierFixture.setMtime(fx.file("d/sub/f", "F"), T1);
        CopierFixture.setMtime(fx.context.resolve("d/sub"), T2);
        Files.createSymbolicLink(fx.context.resolve("d/l"), Path.of("sub"));
        Syscalls.setTimesNoFollow(fx.context.resolve("d/l"), T1);

        fx.copy("d", "/x").run();

        assertEquals(T1, fx.mtime("/x/sub/f"));
        assertEquals(T2, fx.mtime("/x/sub"), "set after its contents were written");
        assertEquals(T1, fx.mtime("/x/l"), "a link's own time, not its target's");
    }

    @Test
    void theDestinationDirectoryKeepsOwnerAndModeAndTakesTheSourceTime() throws IOException {
        fx.file("d/f", "F");
        CopierFixture.setMode(fx.context.resolve("d"), 0700);
        CopierFixture.setOwner(fx.context.resolve("d"), 9, 9);
        CopierFixture.setMtime(fx.context.resolve("d"), T2);
        Files.createDirectories(fx.host("/dest"));
        CopierFixture.setMode(fx.host("/dest"), 0751);

        fx.copy("d", "/dest").run();

        assertEquals(0751, fx.mode("/dest"));
        assertEquals(0, fx.uid("/dest"));
        assertEquals(T2, fx.mtime("/dest"));
    }

    @Test
    void anExistingDirectoryInsideTheCopyTakesTheSourceMetadata() throws IOException {
        CopierFixture.setOwner(fx.stageFile("d/etc/conf", "C"), 5, 5);
        CopierFixture.setMode(fx.stage().resolve("d/etc"), 0750);
        CopierFixture.setOwner(fx.stage().resolve("d/etc"), 5, 6);
        Files.createDirectories(fx.host("/etc"));
        CopierFixture.setMode(fx.host("/etc"), 0755);

        fx.copyFromStage("d", "/").run();

        assertEquals(0750, fx.mode("/etc"));
        assertEquals(5, fx.uid("/etc"));
        assertEquals(6, fx.gid("/etc"));
    }

    @Test
    void hardLinksStayHardLinks() throws IOException {
        Path a = fx.file("d/a", "same inode");
        Files.createLink(fx.context.resolve("d/b"), a);
        Files.createLink(fx.context.resolve("other"), a);
        fx.file("d/c", "same inode");

        CopyResult result = fx.copy("d", "other", "/x/").run();

        Object inode = Files.getAttribute(fx.host("/x/a"), "unix:ino");
        assertEquals(inode, Files.getAttribute(fx.host("/x/b"), "unix:ino"));
        assertEquals(inode, Files.getAttribute(fx.host("/x/other"), "unix:ino"), "across sources of one COPY too");
        assertNotEquals(inode, Files.getAttribute(fx.host("/x/c"), "unix:ino"), "equal content is not a link");
        assertEquals(3, Files.getAttribute(fx.host("/x/a"), "unix:nlink"));
        assertEquals(4, result.files());
        assertEquals(20, result.bytes(), "linked content is counted once");
    }

    @Test
    void fileCapabilitiesAndUserAttributesAreKept() throws IOException {
        Path ping = fx.stageFile("bin/ping", "ELF");
        byte[] capability = capNetRaw();
        Syscalls.setXattr(ping, "security.capability", capability);
        Syscalls.setXattr(ping, "user.note", "hello".getBytes(StandardCharsets.UTF_8));

        fx.copyFromStage("bin", "/usr/bin").chown(0, 0).run();

        Optional<byte[]> copied = Syscalls.getXattr(fx.host("/usr/bin/ping"), "security.capability");
        assertTrue(copied.isPresent(), "capability survives the chown");
        assertArrayEquals(capability, copied.get());
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8),
                Syscalls.getXattr(fx.host("/usr/bin/ping"), "user.note").orElseThrow());
    }

    @Test
    void devicesAndFifosAreRecreatedAndSocketsSkipped() throws IOException {
        Files.createDirectories(fx.stage().resolve("dev"));
        Syscalls.mknod(fx.stage().resolve("dev/null"), Syscalls.S_IFCHR, 0666, Syscalls.makedev(1, 3));
        Syscalls.mknod(fx.stage().resolve("dev/loop9"), Syscalls.S_IFBLK, 0660, Syscalls.makedev(7, 9));
        Syscalls.mknod(fx.stage().resolve("dev/pipe"), Syscalls.S_IFIFO, 0620, 0);
        // mknod is subject to the umask; set the modes the test expects explicitly.
        CopierFixture.setMode(fx.stage().resolve("dev/null"), 0666);
        CopierFixture.setMode(fx.stage().resolve("dev/loop9"), 0660);
        CopierFixture.setMode(fx.stage().resolve("dev/pipe"), 0620);
        Path socket = fx.stage().resolve("dev/sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));

            CopyResult result = fx.copyFromStage("dev", "/dev").run();

            assertEquals(3, result.specials());
        }
        assertEquals(020000 | 0666, mode("/dev/null"));
        assertEquals(Syscalls.makedev(1, 3), rdev("/dev/null"));
        assertEquals(060000 | 0660, mode("/dev/loop9"));
        assertEquals(Syscalls.makedev(7, 9), rdev("/dev/loop9"));
        assertEquals(010000 | 0620, mode("/dev/pipe"));
        assertFalse(Files.exists(fx.host("/dev/sock"), LinkOption.NOFOLLOW_LINKS));
    }

    private int mode(String containerPath) throws IOException {
        return (Integer) Files.getAttribute(fx.host(containerPath), "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    private long rdev(String containerPath) throws IOException {
        return (Long) Files.getAttribute(fx.host(containerPath), "unix:rdev", LinkOption.NOFOLLOW_LINKS);
    }

    /** A version-2 {@code vfs_cap_data} granting cap_net_raw (13), permitted and effective. */
    private static byte[] capNetRaw() {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x02000000 | 0x1); // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE
        b.putInt(1 << 13).putInt(0); // permitted, inheritable (low word)
        b.putInt(0).putInt(0); // high word
        return b.array();
    }
}
