package dev.jbuild.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/** The entry order, the entry model's validation, and the list-of-entries API. */
class LayerWriterOrderTest {

    @Test
    void directoriesComeRightBeforeTheirContentsThenSiblingsByBytes() {
        List<String> expected = List.of("a", "a/b", "a/b/c", "a-b", "a.txt", "b", "z", "é", "\uFFFD", "😀");
        List<String> shuffled = new ArrayList<>(expected);
        Collections.shuffle(shuffled, new Random(7));
        shuffled.sort(EntryOrder.PATHS);
        assertEquals(expected, shuffled);
        assertTrue("😀".compareTo("\uFFFD") < 0, "String order (UTF-16) would differ from byte order here");
        Collections.shuffle(shuffled, new Random(8));
        EntryOrder.sort(shuffled, p -> p);
        assertEquals(expected, shuffled, "sorting by precomputed keys");
    }

    @Test
    void whiteoutsComeBeforeTheirSiblingsOpaqueFirst() {
        List<String> expected = List.of("d", "d/.wh..wh..opq", "d/.wh.-dash", "d/.wh.x", "d/-dash", "d/.hidden",
                "d/a", "d/a/.wh..wh..opq", "d/a/.wh.b", "d/a/a");
        List<String> shuffled = new ArrayList<>(expected);
        Collections.shuffle(shuffled, new Random(3));
        shuffled.sort(EntryOrder.PATHS);
        assertEquals(expected, shuffled);
        Collections.shuffle(shuffled, new Random(4));
        EntryOrder.sort(shuffled, p -> p);
        assertEquals(expected, shuffled, "sorting by precomputed keys");
    }

    @Test
    void entriesAreValidated() {
        assertEquals("a/b", LayerEntry.directory("./a/b/").path());
        assertEquals("a/b", LayerEntry.directory("/a/b").path());
        for (String good : new String[] {"...", "a/.../b", ".hidden/..x", "a/.b", "x.."}) {
            assertEquals(good, LayerEntry.directory(good).path(), good);
        }
        for (String bad : new String[] {"", "/", "a//b", "a/../b", "..", "a/./b", "a\0b", "a/..", "./..", "../a"}) {
            assertThrows(IllegalArgumentException.class, () -> LayerEntry.directory(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> LayerEntry.directory("d").withMode(0100755));
        assertThrows(IllegalArgumentException.class, () -> LayerEntry.symlink("l", ""));
        assertThrows(IllegalArgumentException.class, () -> LayerEntry.hardlink("l", "../x"));
        assertThrows(IllegalArgumentException.class, () -> LayerEntry.directory("d").withOwner(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new LayerEntry("f", LayerEntry.Type.DIR, 0755, 0, 0,
                Instant.EPOCH, 5, "", 0, 0, null, null));
        assertEquals("usr/bin/.wh.vi", LayerEntry.whiteout("usr/bin/vi").path());
        assertEquals(".wh.top", LayerEntry.whiteout("top").path());
        assertEquals("usr/.wh..wh..opq", LayerEntry.opaqueWhiteout("usr").path());
        assertEquals(".wh..wh..opq", LayerEntry.opaqueWhiteout("").path());
        assertTrue(LayerEntry.whiteout("x").isWhiteout());
        assertEquals(0, LayerEntry.whiteout("x").mode());
    }

    @Test
    void writeSortsEntriesGivenInAnyOrder() throws IOException {
        List<LayerEntry> entries = List.of(
                LayerEntry.file("usr/bin/tool", "tool"),
                LayerEntry.whiteout("usr/bin/old"),
                LayerEntry.directory("usr"),
                LayerEntry.directory("usr/bin"),
                LayerEntry.opaqueWhiteout("etc"),
                LayerEntry.directory("etc"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerWriter.write(entries, out, Compression.NONE, LayerOptions.defaults());
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
            }
        }
        assertEquals(List.of("etc/", "etc/.wh..wh..opq", "usr/", "usr/bin/", "usr/bin/.wh.old", "usr/bin/tool"),
                names);
    }

    @Test
    void duplicatesAndOutOfOrderEntriesAreRefused() throws IOException {
        List<LayerEntry> dup = List.of(LayerEntry.directory("a"), LayerEntry.file("a", "x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerWriter.write(dup, new ByteArrayOutputStream(), Compression.GZIP, LayerOptions.defaults()));
        assertTrue(e.getMessage().contains("duplicate layer path \"a\""), e.getMessage());
        try (LayerWriter w = LayerWriter.open(new ByteArrayOutputStream(), Compression.ZSTD, LayerOptions.defaults())) {
            w.add(LayerEntry.directory("b"));
            e = assertThrows(IllegalArgumentException.class, () -> w.add(LayerEntry.directory("a")));
            assertTrue(e.getMessage().contains("out of order: \"a\" after \"b\""), e.getMessage());
        }
    }

    @Test
    void anEmptyLayerIsTwoZeroBlocks() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerResult r = LayerWriter.write(List.of(), out, Compression.NONE, LayerOptions.defaults());
        assertEquals(1024, r.size());
        assertEquals(1024, r.uncompressedSize());
        assertEquals(r.digest(), r.diffId());
        // the well-known diffID of an empty tar of two zero blocks
        assertEquals("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
                r.diffId().toString());
    }
}
