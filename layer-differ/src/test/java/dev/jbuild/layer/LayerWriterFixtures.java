package dev.jbuild.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.oci.Digest;
import dev.jbuild.testkit.Required;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/** Shared helpers of the layer writer tests: a tree with every kind of entry, processes, digests. */
final class LayerWriterFixtures {
    /** A valid VFS_CAP_REVISION_2 security.capability value granting cap_net_bind_service (effective). */
    static final byte[] CAPABILITY = {
        0x01, 0x00, 0x00, 0x02, // magic_etc: revision 2, effective flag
        0x00, 0x04, 0x00, 0x00, // permitted[0]: bit 10 = CAP_NET_BIND_SERVICE
        0x00, 0x00, 0x00, 0x00, // inheritable[0]
        0x00, 0x00, 0x00, 0x00, // permitted[1]
        0x00, 0x00, 0x00, 0x00, // inheritable[1]
    };
    static final String LONG_100 = "d".repeat(60) + "/" + "e".repeat(60) + "/file-over-100-bytes.txt";
    static final String LONG_255 = ("segment-" + "x".repeat(50) + "/").repeat(5) + "f".repeat(40) + ".txt";
    static final Instant FUTURE = Instant.parse("2100-01-01T00:00:00.750Z");
    static final Instant PAST = Instant.parse("2001-02-03T04:05:06.999999999Z");

    private LayerWriterFixtures() {
    }

    /**
     * Builds a tree with every kind of entry under {@code root}: files of edge sizes, an empty dir,
     * symlinks (relative, absolute, dangling, long, unicode), a triple hardlink, long and unicode
     * names, a fifo, a socket (which layers skip), special modes, sub-second and future mtimes; as
     * root also owners (one too large for ustar), a char and a block device, security.capability.
     * Returns the still-open socket, which the caller closes.
     */
    static ServerSocketChannel buildTree(Path root) throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/hostname"), "jbuild\n");
        Files.createDirectories(root.resolve("empty"));
        Files.createDirectories(root.resolve("bin"));
        Path sizes = Files.createDirectories(root.resolve("sizes"));
        for (int n : new int[] {0, 1, 511, 512, 513, 100_000}) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) (i * 31 + n);
            }
            Files.write(sizes.resolve("s" + n), b);
        }
        Files.writeString(root.resolve("bin/tool"), "#!/bin/sh\necho hi\n");
        setMode(root.resolve("bin/tool"), 04755);
        Files.createDirectories(root.resolve("tmp"));
        setMode(root.resolve("tmp"), 01777);
        Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("busybox"));
        Files.createSymbolicLink(root.resolve("abs-link"), Path.of("/etc/hostname"));
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("no/such/file"));
        Files.createSymbolicLink(root.resolve("long-link"), Path.of("t".repeat(150)));
        Files.createSymbolicLink(root.resolve("unicode-link"), Path.of("ça/日本"));
        Files.writeString(root.resolve("bin/busybox"), "pretend busybox\n");
        Files.createDirectories(root.resolve("links/deeper"));
        Files.writeString(root.resolve("links/a-first"), "shared inode\n");
        Files.createLink(root.resolve("links/deeper/b-second"), root.resolve("links/a-first"));
        Files.createLink(root.resolve("links/c-third"), root.resolve("links/a-first"));
        Path long100 = root.resolve(LONG_100);
        Files.createDirectories(long100.getParent());
        Files.writeString(long100, "over 100\n");
        Path long255 = root.resolve(LONG_255);
        Files.createDirectories(long255.getParent());
        Files.writeString(long255, "over 255\n");
        Files.createDirectories(root.resolve("ünï/日本語"));
        Files.writeString(root.resolve("ünï/日本語/😀 smile.txt"), "unicode\n");
        Files.writeString(root.resolve("ünï/plain"), "x");
        Files.writeString(root.resolve("a-b"), "sorts between a and a/b by plain byte order\n");
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/b/c"), "c\n");
        Syscalls.mknod(root.resolve("fifo"), Syscalls.S_IFIFO, 0600, 0);
        setMode(root.resolve("fifo"), 0600);
        ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        socket.bind(UnixDomainSocketAddress.of(root.resolve("socket")));
        Files.setLastModifiedTime(root.resolve("etc/hostname"), FileTime.from(PAST));
        Files.setLastModifiedTime(root.resolve("sizes/s1"), FileTime.from(FUTURE));
        if (Required.isRoot()) {
            Syscalls.mknod(root.resolve("null"), Syscalls.S_IFCHR, 0666, Syscalls.makedev(1, 3));
            Syscalls.mknod(root.resolve("disk"), Syscalls.S_IFBLK, 0660, Syscalls.makedev(259, 1_000_000));
            setMode(root.resolve("null"), 0666); // mknod applies the umask
            setMode(root.resolve("disk"), 0660);
            Files.writeString(root.resolve("bin/ping"), "pretend ping\n");
            Syscalls.setXattr(root.resolve("bin/ping"), "security.capability", CAPABILITY);
            Syscalls.setXattr(root.resolve("bin/ping"), "user.comment", "not in layers by default"
                    .getBytes(StandardCharsets.UTF_8));
            Files.setAttribute(root.resolve("etc/hostname"), "unix:uid", 1000);
            Files.setAttribute(root.resolve("etc/hostname"), "unix:gid", 1001);
            Files.setAttribute(root.resolve("a-b"), "unix:uid", 3_000_000);
            Files.setAttribute(root.resolve("a-b"), "unix:gid", 3_000_001);
        }
        return socket;
    }

    static void setMode(Path p, int mode) throws IOException {
        Files.setAttribute(p, "unix:mode", mode);
    }

    /** Runs a command, fails the test with its output when it exits non-zero; returns stdout. */
    static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir == null ? null : dir.toFile())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed:\n" + text);
        return text;
    }

    /** The tar inside a blob, decompressed by the JDK or zstd-jni (not the writer's code). */
    static InputStream decompress(Path blob, Compression c) throws IOException {
        InputStream in = Files.newInputStream(blob);
        return switch (c) {
            case GZIP -> new GZIPInputStream(in, 1 << 16);
            case ZSTD -> new ZstdInputStreamNoFinalizer(in);
            case NONE -> in;
        };
    }

    static Digest sha256(InputStream in) throws IOException {
        MessageDigest md = Digest.sha256();
        byte[] buf = new byte[1 << 16];
        try (in) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return Digest.fromHash("sha256", md.digest());
    }

    static Digest sha256(Path file) throws IOException {
        return sha256(Files.newInputStream(file));
    }

    /** A line per path under root, in walk order: type, mode, owner, size, mtime seconds, link, xattrs. */
    static List<String> describe(Path root) throws IOException {
        List<String> lines = new ArrayList<>();
        TreeWalker.walk(root, LayerOptions.defaults(), e -> lines.add(describe(e)));
        return lines;
    }

    static String describe(LayerEntry e) {
        StringBuilder b = new StringBuilder();
        b.append(e.type()).append(' ').append(Integer.toOctalString(e.mode())).append(' ')
                .append(e.uid()).append(':').append(e.gid()).append(' ').append(e.size()).append(' ')
                .append(e.mtime().getEpochSecond()).append(' ').append(e.path());
        if (!e.linkTarget().isEmpty()) {
            b.append(" -> ").append(e.linkTarget());
        }
        if (e.type() == LayerEntry.Type.CHAR || e.type() == LayerEntry.Type.BLOCK) {
            b.append(" dev ").append(e.devMajor()).append(',').append(e.devMinor());
        }
        e.xattrs().forEach((k, v) -> b.append(" xattr ").append(k).append('=').append(Arrays.toString(v)));
        return b.toString();
    }

    /** Copies a stream to nowhere, returning its length. */
    static long drain(InputStream in) throws IOException {
        try (in) {
            return in.transferTo(OutputStream.nullOutputStream());
        }
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    /** The classpath of this test JVM, for spawning a second one. */
    static String testClasspath() {
        return System.getProperty("java.class.path");
    }

    static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    static boolean exists(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }
}
