package dev.jbuild.layer.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.LayerEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/** Header-level checks of {@link TarWriter}: every field, when PAX is used and how, and the end. */
class TarWriterTest {

    private static byte[] tar(long mtime, LayerEntry... entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(out, 2048);
        for (LayerEntry e : entries) {
            w.write(e, mtime);
        }
        w.finish();
        return out.toByteArray();
    }

    private static String field(byte[] h, int off, int len) {
        return new String(h, off, len, StandardCharsets.ISO_8859_1);
    }

    @Test
    void plainFileHeaderIsCanonicalUstar() throws IOException {
        byte[] t = tar(1_700_000_000L, LayerEntry.file("etc/hosts", "127.0.0.1 localhost\n").withOwner(1000, 50));
        assertEquals(512 + 512 + 1024, t.length, "header, one content block, two zero blocks; no 10 KiB record");
        byte[] h = Arrays.copyOf(t, 512);
        assertEquals("etc/hosts", field(h, 0, 9));
        assertEquals(0, h[9]);
        assertEquals("0000644\0", field(h, 100, 8));
        assertEquals("0001750\0", field(h, 108, 8));
        assertEquals("0000062\0", field(h, 116, 8));
        assertEquals("00000000024\0", field(h, 124, 12));
        assertEquals(Long.toOctalString(1_700_000_000L) + "\0", field(h, 136, 12));
        assertEquals('0', h[156]);
        assertEquals("ustar\0" + "00", field(h, 257, 8));
        assertEquals("\0".repeat(64), field(h, 265, 64), "no uname or gname");
        assertEquals("0000000\0" + "0000000\0", field(h, 329, 16), "device numbers 0 for non-devices");
        assertEquals("\0".repeat(155 + 12), field(h, 345, 167), "no prefix, nothing after it");
        // checksum: six octal digits, NUL, space, over the header with the field as spaces
        byte[] copy = h.clone();
        Arrays.fill(copy, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : copy) {
            sum += b & 0xff;
        }
        assertEquals(String.format("%06o", sum) + "\0 ", field(h, 148, 8));
        assertEquals("127.0.0.1 localhost\n", field(t, 512, 20));
        for (int i = 512 + 20; i < t.length; i++) {
            assertEquals(0, t[i], "padding and end of archive are zero");
        }
    }

    @Test
    void typeFlagsLinksAndDevices() throws IOException {
        byte[] t = tar(0,
                LayerEntry.directory("d"),
                LayerEntry.symlink("d/l", "../target"),
                LayerEntry.hardlink("d/h", "d/f"),
                LayerEntry.charDevice("d/null", 1, 3),
                LayerEntry.blockDevice("d/disk", 259, 1_048_575),
                LayerEntry.fifo("d/p"));
        assertEquals('5', t[156]);
        assertEquals("d/\0", field(t, 0, 3), "directories end in /");
        assertEquals("0000755\0", field(t, 100, 8));
        assertEquals('2', t[512 + 156]);
        assertEquals("../target\0", field(t, 512 + 157, 10));
        assertEquals("0000777\0", field(t, 512 + 100, 8));
        assertEquals('1', t[1024 + 156]);
        assertEquals("d/f\0", field(t, 1024 + 157, 4));
        assertEquals("00000000000\0", field(t, 1024 + 124, 12), "links have size 0");
        assertEquals('3', t[1536 + 156]);
        assertEquals("0000001\0" + "0000003\0", field(t, 1536 + 329, 16));
        assertEquals('4', t[2048 + 156]);
        assertEquals("0000403\0" + "3777777\0", field(t, 2048 + 329, 16));
        assertEquals('6', t[2560 + 156]);
        assertEquals(3072 + 1024, t.length);
    }

    @Test
    void namesUpTo255AsciiBytesUseTheUstarPrefixNotPax() throws IOException {
        String name = "p".repeat(150) + "/" + "n".repeat(100);
        byte[] t = tar(0, LayerEntry.file(name, new byte[0]));
        assertEquals('0', t[156], "no extended header");
        assertEquals("n".repeat(100), field(t, 0, 100));
        assertEquals("p".repeat(150) + "\0", field(t, 345, 151));
        assertEquals(name, readBack(t).get(0).getName());
    }

    @Test
    void longerOrUnicodeNamesGoInPaxPathRecords() throws IOException {
        String longName = "q".repeat(120) + "/" + "r".repeat(120) + "/file";
        String unicode = "ünï/日本語/😀.txt";
        byte[] t = tar(0, LayerEntry.directory(longName), LayerEntry.file(unicode, "x"));
        assertEquals('x', t[156]);
        Map<String, byte[]> pax = paxRecords(t, 0);
        assertEquals(longName + "/", new String(pax.get("path"), StandardCharsets.UTF_8));
        assertEquals((longName.substring(0, 121) + "PaxHeaders.0").substring(0, 100),
                field(t, 0, 100), "Go's extended header name, cut to 100 bytes");
        List<TarArchiveEntry> entries = readBack(t);
        assertEquals(longName + "/", entries.get(0).getName());
        assertTrue(entries.get(0).isDirectory());
        assertEquals(unicode, entries.get(1).getName());
    }

    @Test
    void longAndUnicodeLinkTargetsGoInLinkpath() throws IOException {
        String target = "t".repeat(101);
        byte[] t = tar(0, LayerEntry.symlink("a", target), LayerEntry.symlink("b", "ça"));
        List<TarArchiveEntry> entries = readBack(t);
        assertEquals(target, entries.get(0).getLinkName());
        assertEquals("ça", entries.get(1).getLinkName());
        assertEquals(target, new String(paxRecords(t, 0).get("linkpath"), StandardCharsets.UTF_8));
    }

    @Test
    void largeOwnersAndOutOfRangeTimesUsePaxNumbers() throws IOException {
        LayerEntry e = LayerEntry.file("f", "x").withOwner(3_000_000, 07777777);
        byte[] t = tar(-1, e);
        Map<String, byte[]> pax = paxRecords(t, 0);
        assertEquals("3000000", new String(pax.get("uid"), StandardCharsets.US_ASCII));
        assertNull(pax.get("gid"), "07777777 still fits the octal field");
        assertEquals("-1", new String(pax.get("mtime"), StandardCharsets.US_ASCII));
        int main = 512 * 2;
        assertEquals("0000000\0", field(t, main + 108, 8), "value carried by PAX is 0 in the ustar field");
        assertEquals("7777777\0", field(t, main + 116, 8));
        assertEquals("00000000000\0", field(t, main + 136, 12));
        TarArchiveEntry read = readBack(t).get(0);
        assertEquals(3_000_000, read.getLongUserId());
        assertEquals(Instant.ofEpochSecond(-1), read.getModTime().toInstant());
        byte[] late = tar(077777777777L + 1, LayerEntry.file("f", "x"));
        assertEquals(Long.toString(077777777777L + 1), new String(paxRecords(late, 0).get("mtime"),
                StandardCharsets.US_ASCII));
    }

    @Test
    void xattrsAreSortedSchilyRecordsWithRawBytes() throws IOException {
        Map<String, byte[]> x = new LinkedHashMap<>();
        x.put("user.z", "last".getBytes(StandardCharsets.UTF_8));
        x.put("security.capability", new byte[] {1, 0, 0, 2, 0, 4, 0, 0, 0, '\n', '=', ' '});
        byte[] t = tar(0, LayerEntry.file("bin/ping", "x").withXattrs(x));
        Map<String, byte[]> pax = paxRecords(t, 0);
        assertEquals(List.of("SCHILY.xattr.security.capability", "SCHILY.xattr.user.z"), new ArrayList<>(pax.keySet()));
        assertArrayEquals(x.get("security.capability"), pax.get("SCHILY.xattr.security.capability"));
        assertEquals("bin/PaxHeaders.0/ping", field(t, 0, 21));
        assertEquals("0000000\0", field(t, 100, 8));
        assertEquals("00000000000\0", field(t, 136, 12), "extended header mtime 0");
    }

    @Test
    void paxRecordLengthsAreRightAcrossDigitBoundaries() throws IOException {
        // A record is "<len> key=value\n" with len counting its own digits; walk value lengths across
        // the 9/10, 99/100 and 999/1000 boundaries.
        for (int n = 0; n < 1100; n++) {
            byte[] value = new byte[n];
            Arrays.fill(value, (byte) 'v');
            byte[] t = tar(0, LayerEntry.file("f", "x").withXattrs(Map.of("user.k", value)));
            Map<String, byte[]> pax = paxRecords(t, 0);
            assertArrayEquals(value, pax.get("SCHILY.xattr.user.k"), "value length " + n);
        }
    }

    @Test
    void contentMustMatchTheDeclaredSize() {
        LayerEntry shorter = LayerEntry.file("f", 10, () -> new ByteArrayInputStream(new byte[9]));
        IOException e = assertThrows(IOException.class, () -> tar(0, shorter));
        assertTrue(e.getMessage().contains("short"), e.getMessage());
        LayerEntry longer = LayerEntry.file("f", 10, () -> new ByteArrayInputStream(new byte[11]));
        e = assertThrows(IOException.class, () -> tar(0, longer));
        assertTrue(e.getMessage().contains("longer"), e.getMessage());
    }

    @Test
    void contentLargerThanTheBufferIsCopiedExactly() throws IOException {
        byte[] data = new byte[10_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        byte[] t = tar(0, LayerEntry.file("a", data), LayerEntry.file("b", "tail"));
        assertEquals(512 + 10_240 + 512 + 512 + 1024, t.length);
        assertArrayEquals(data, Arrays.copyOfRange(t, 512, 512 + data.length));
        assertFalse(readBack(t).isEmpty());
    }

    /** The records of the extended header at {@code offset}, in file order, parsed by hand. */
    static Map<String, byte[]> paxRecords(byte[] tar, int offset) {
        assertEquals('x', tar[offset + 156]);
        int size = Integer.parseInt(field(tar, offset + 124, 11), 8);
        Map<String, byte[]> records = new LinkedHashMap<>();
        int p = offset + 512;
        int end = p + size;
        while (p < end) {
            int space = p;
            while (tar[space] != ' ') {
                space++;
            }
            int len = Integer.parseInt(field(tar, p, space - p));
            int eq = space + 1;
            while (tar[eq] != '=') {
                eq++;
            }
            assertEquals('\n', tar[p + len - 1], "record length counts the whole record");
            records.put(new String(tar, space + 1, eq - space - 1, StandardCharsets.UTF_8),
                    Arrays.copyOfRange(tar, eq + 1, p + len - 1));
            p += len;
        }
        assertEquals(end, p);
        return records;
    }

    static List<TarArchiveEntry> readBack(byte[] tar) throws IOException {
        List<TarArchiveEntry> entries = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                entries.add(e);
            }
        }
        return entries;
    }

    @Test
    void sameEntriesSameBytes() throws IOException {
        TreeMap<String, byte[]> x = new TreeMap<>(Map.of("security.capability", new byte[] {1, 2, 3}));
        LayerEntry[] entries = {LayerEntry.directory("a"), LayerEntry.file("a/b", "b").withXattrs(x),
            LayerEntry.symlink("a/c", "b")};
        assertArrayEquals(tar(5, entries), tar(5, entries));
    }

    private static boolean writerThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("jbuild-tar-writer") && t.isAlive());
    }

    @Test
    void bytesReachTheStreamInOrderFromOneThreadAtATime() throws IOException {
        byte[] data = new byte[1 << 20];
        new java.util.Random(7).nextBytes(data);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.io.OutputStream out = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("the writer hands over whole buffers");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                assertEquals(1, inside.incrementAndGet(), "two writes at once");
                threads.add(Thread.currentThread().getName());
                sink.write(b, off, len);
                inside.decrementAndGet();
            }
        };
        TarWriter w = new TarWriter(out, 2048);
        w.write(LayerEntry.file("big", data), 0);
        w.write(LayerEntry.file("small", "x"), 0);
        w.finish();
        byte[] t = sink.toByteArray();
        assertEquals(512 + data.length + 512 + 512 + 1024, t.length);
        assertArrayEquals(data, Arrays.copyOfRange(t, 512, 512 + data.length));
        assertTrue(threads.contains("jbuild-tar-writer"), "full buffers are written on the writer's thread: " + threads);
        assertFalse(writerThreadAlive(), "finish stops the thread");
    }

    @Test
    void aFailingStreamFailsTheWriterAndStopsItsThread() {
        IOException failure = new IOException("No space left on device");
        java.io.OutputStream out = new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw failure;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw failure;
            }
        };
        TarWriter w = new TarWriter(out, 2048);
        IOException thrown = assertThrows(IOException.class, () -> {
            w.write(LayerEntry.file("big", new byte[100_000]), 0);
            w.finish();
        });
        assertEquals(failure, thrown);
        assertFalse(writerThreadAlive());
    }

    @Test
    void abortStopsTheThreadOfAnUnfinishedTar() throws IOException {
        TarWriter w = new TarWriter(java.io.OutputStream.nullOutputStream(), 2048);
        w.write(LayerEntry.file("big", new byte[100_000]), 0);
        assertTrue(writerThreadAlive());
        w.abort();
        assertFalse(writerThreadAlive());
        assertThrows(IllegalStateException.class, () -> w.write(LayerEntry.file("late", "x"), 0));
    }
}
