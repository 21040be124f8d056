package dev.jbuild.layer;

import static dev.jbuild.layer.LayerWriterFixtures.CAPABILITY;
import static dev.jbuild.layer.LayerWriterFixtures.FUTURE;
import static dev.jbuild.layer.LayerWriterFixtures.LONG_100;
import static dev.jbuild.layer.LayerWriterFixtures.LONG_255;
import static dev.jbuild.layer.LayerWriterFixtures.PAST;
import static dev.jbuild.layer.LayerWriterFixtures.buildTree;
import static dev.jbuild.layer.LayerWriterFixtures.decompress;
import static dev.jbuild.layer.LayerWriterFixtures.describe;
import static dev.jbuild.layer.LayerWriterFixtures.run;
import static dev.jbuild.layer.LayerWriterFixtures.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.CompressorStreamFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Trees written as layers, checked against GNU tar (list, extract, compare; and its own
 * {@code --sort=name} order), commons-compress, and the gzip and zstd command-line tools.
 */
class LayerWriterTreeTest {
    @TempDir
    Path tmp;

    private Path tree() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("tree"));
        ServerSocketChannel socket = buildTree(root);
        socket.close();
        // Closing a bound Unix socket leaves its file behind, which is what a layer must skip.
        assertTrue(Files.exists(root.resolve("socket")));
        return root;
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void gnuTarExtractsTheSameTree(Compression compression) throws Exception {
        Path root = tree();
        Path blob = tmp.resolve("layer.blob");
        LayerResult r = LayerWriter.writeTree(root, blob, compression, LayerOptions.defaults().withThreads(2));
        assertEquals(Files.size(blob), r.size());
        assertEquals(compression.ociMediaType(), r.mediaType());
        assertEquals(sha256(blob), r.digest());
        assertEquals(sha256(decompress(blob, compression)), r.diffId(), "diffID is the digest of the tar");

        Path out = Files.createDirectories(tmp.resolve("extracted"));
        run(out, "tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-xpf", blob.toString());
        List<String> expected = describe(root);
        List<String> actual = describe(out);
        assertEquals(String.join("\n", expected), String.join("\n", actual));
        assertFalse(Files.exists(out.resolve("socket")), "sockets are skipped");
        assertTrue(expected.stream().anyMatch(l -> l.startsWith("FIFO ")));
        assertTrue(expected.stream().anyMatch(l -> l.startsWith("HARDLINK 644 ") && l.endsWith(" -> links/a-first")));
        assertTrue(expected.stream().anyMatch(l -> l.endsWith(LONG_255)));
        assertTrue(expected.stream().anyMatch(l -> l.endsWith(LONG_100)));
        for (String f : List.of("sizes/s0", "sizes/s513", "sizes/s100000", "ünï/日本語/😀 smile.txt", LONG_255)) {
            assertArrayEquals(Files.readAllBytes(root.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
        if (Required.isRoot()) {
            assertTrue(expected.stream().anyMatch(l -> l.startsWith("CHAR 666 0:0 0 ") && l.endsWith(" null dev 1,3")),
                    String.join("\n", expected));
            assertTrue(expected.stream().anyMatch(l -> l.startsWith("BLOCK 660 ") && l.endsWith("disk dev 259,1000000")));
            assertTrue(expected.stream().anyMatch(l -> l.startsWith("FILE 644 3000000:3000001 ")));
            assertArrayEquals(CAPABILITY, Syscalls.getXattr(out.resolve("bin/ping"), "security.capability").get());
            assertTrue(Syscalls.getXattr(out.resolve("bin/ping"), "user.comment").isEmpty(),
                    "user.* xattrs are not in layers by default");
        }

        String listing = run(null, "tar", "--numeric-owner", "-tvf", blob.toString());
        assertTrue(listing.contains("prw------- "), listing);
        assertTrue(listing.contains("links/deeper/b-second link to links/a-first"), listing);
        assertTrue(listing.contains("bin/sh -> busybox"), listing);
        assertTrue(listing.contains("drwxrwxrwt "), listing);
        assertTrue(listing.contains("-rwsr-xr-x "), listing);
        assertFalse(listing.contains("socket"), listing);
        switch (compression) {
            case GZIP -> run(null, "gzip", "-t", blob.toString());
            case ZSTD -> run(null, "zstd", "-q", "-t", blob.toString());
            case NONE -> { }
        }
    }

    @Test
    void entriesComeInGnuTarSortByNameOrderWithParentsFirst() throws Exception {
        Path root = tree();
        Path blob = tmp.resolve("layer.tar");
        LayerWriter.writeTree(root, blob, Compression.NONE, LayerOptions.defaults());
        Path gnu = tmp.resolve("gnu.tar");
        // GNU tar warns about (and skips) the socket; its exit status for that is 0 or 1 by version.
        new ProcessBuilder("tar", "--sort=name", "--format=posix", "-cf", gnu.toString(), "-C", root.toString(), ".")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        List<String> ours = Arrays.asList(run(null, "tar", "-tf", blob.toString()).split("\n"));
        List<String> theirs = Arrays.stream(run(null, "tar", "-tf", gnu.toString()).split("\n"))
                .filter(n -> !n.equals("./")).map(n -> n.substring(2)).collect(Collectors.toList());
        assertEquals(theirs, ours);
        assertTrue(ours.indexOf("a/") < ours.indexOf("a/b/c") && ours.indexOf("a/b/c") < ours.indexOf("a-b"));
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP", "ZSTD"})
    void commonsCompressReadsEveryField(Compression compression) throws Exception {
        Path root = tree();
        Path blob = tmp.resolve("layer.blob");
        LayerWriter.writeTree(root, blob, compression, LayerOptions.defaults());
        Map<String, TarArchiveEntry> entries = new HashMap<>();
        Map<String, byte[]> contents = new HashMap<>();
        List<String> order = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(blob);
                InputStream in = new CompressorStreamFactory().createCompressorInputStream(
                        new java.io.BufferedInputStream(raw));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                entries.put(e.getName(), e);
                order.add(e.getName());
                if (e.isFile()) {
                    contents.put(e.getName(), tar.readAllBytes());
                }
            }
        }
        assertTrue(entries.get("empty/").isDirectory());
        assertEquals(0755, entries.get("empty/").getMode());
        assertEquals(01777, entries.get("tmp/").getMode());
        assertEquals(04755, entries.get("bin/tool").getMode());
        assertEquals("", entries.get("bin/tool").getUserName());
        assertEquals("", entries.get("bin/tool").getGroupName());
        assertTrue(entries.get("bin/sh").isSymbolicLink());
        assertEquals("t".repeat(150), entries.get("long-link").getLinkName());
        assertEquals("ça/日本", entries.get("unicode-link").getLinkName());
        assertTrue(entries.get("links/c-third").isLink());
        assertEquals("links/a-first", entries.get("links/c-third").getLinkName());
        assertTrue(entries.get("links/a-first").isFile(), "the first path in the order holds the content");
        assertTrue(order.indexOf("links/a-first") < order.indexOf("links/c-third"));
        assertTrue(entries.get("fifo").isFIFO());
        assertNull(entries.get("socket"));
        assertEquals(PAST.getEpochSecond(), entries.get("etc/hostname").getModTime().toInstant().getEpochSecond());
        assertEquals(0, entries.get("etc/hostname").getModTime().toInstant().getNano(), "whole seconds");
        assertArrayEquals(Files.readAllBytes(root.resolve(LONG_100)), contents.get(LONG_100));
        assertEquals(100_000, contents.get("sizes/s100000").length);
        if (Required.isRoot()) {
            assertTrue(entries.get("null").isCharacterDevice());
            assertEquals(1, entries.get("null").getDevMajor());
            assertEquals(3, entries.get("null").getDevMinor());
            assertTrue(entries.get("disk").isBlockDevice());
            assertEquals(1_000_000, entries.get("disk").getDevMinor());
            assertEquals(3_000_000, entries.get("a-b").getLongUserId());
            assertEquals(3_000_001, entries.get("a-b").getLongGroupId());
            assertEquals(1000, entries.get("etc/hostname").getLongUserId());
            assertEquals(Map.of("SCHILY.xattr.security.capability",
                    new String(CAPABILITY, StandardCharsets.UTF_8)), entries.get("bin/ping").getExtraPaxHeaders());
        }
    }

    @Test
    void sourceDateEpochLowersLaterMtimesAndKeepsEarlierOnes() throws Exception {
        Path root = tree();
        Instant epoch = Instant.parse("2020-01-01T00:00:00Z");
        Path blob = tmp.resolve("layer.tar");
        LayerWriter.writeTree(root, blob, Compression.NONE, LayerOptions.defaults().withSourceDateEpoch(epoch));
        Map<String, Instant> mtimes = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(blob))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                mtimes.put(e.getName(), e.getModTime().toInstant());
            }
        }
        assertEquals(epoch, mtimes.get("sizes/s1"), "2100 lowered to SOURCE_DATE_EPOCH");
        assertEquals(Instant.ofEpochSecond(PAST.getEpochSecond()), mtimes.get("etc/hostname"), "2001 kept");
        assertEquals(epoch, mtimes.get("bin/tool"), "files made now are later than 2020");
        assertTrue(mtimes.values().stream().noneMatch(t -> t.isAfter(epoch)));
        assertTrue(FUTURE.isAfter(epoch));
    }

    @Test
    void aLargeSparseFileIsWrittenInFull() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("big"));
        Path file = root.resolve("sparse.img");
        long size = 200L << 20;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            f.seek(size - 5);
            f.write("tail\n".getBytes(StandardCharsets.US_ASCII));
            f.seek(size / 2);
            f.write("middle".getBytes(StandardCharsets.US_ASCII));
        }
        Path blob = tmp.resolve("big.tar.gz");
        LayerResult r = LayerWriter.writeTree(root, blob, Compression.GZIP, LayerOptions.defaults());
        assertEquals(512 + size + 1024, r.uncompressedSize());
        Path out = Files.createDirectories(tmp.resolve("out"));
        run(out, "tar", "-xzf", blob.toString());
        assertEquals(size, Files.size(out.resolve("sparse.img")));
        assertEquals(sha256(file), sha256(out.resolve("sparse.img")));
        Files.delete(file);
    }

    @Test
    void devicesAndCapabilitiesNeedRoot() throws Exception {
        Required.root("mknod of device nodes and setting security.capability");
        Path root = Files.createDirectories(tmp.resolve("dev"));
        Syscalls.mknod(root.resolve("zero"), Syscalls.S_IFCHR, 0666, Syscalls.makedev(1, 5));
        Syscalls.mknod(root.resolve("whiteout"), Syscalls.S_IFCHR, 0, 0);
        Files.writeString(root.resolve("cap"), "x");
        Syscalls.setXattr(root.resolve("cap"), "security.capability", CAPABILITY);
        List<LayerEntry> entries = new ArrayList<>();
        TreeWalker.walk(root, LayerOptions.defaults(), entries::add);
        assertEquals(List.of("cap", "whiteout", "zero"), entries.stream().map(LayerEntry::path).toList());
        assertArrayEquals(CAPABILITY, entries.get(0).xattrs().get("security.capability"));
        assertEquals(LayerEntry.Type.CHAR, entries.get(1).type(), "an overlay whiteout is a char 0/0 to the walker");
        assertEquals(0, entries.get(1).devMajor());
        assertEquals(5, entries.get(2).devMinor());
    }
}
