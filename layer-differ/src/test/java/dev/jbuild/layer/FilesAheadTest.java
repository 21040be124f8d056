package dev.jbuild.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.Test;

/** After a slow read the entries ahead of the writer are prefetched; while reads are fast, none is. */
class FilesAheadTest {
    private final Set<Integer> prefetched = new ConcurrentSkipListSet<>();

    private List<LayerEntry> entries(int count) {
        List<LayerEntry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int index = i;
            LayerEntry.Content content = new LayerEntry.Content() {
                @Override
                public InputStream open() {
                    return new ByteArrayInputStream(new byte[] {1});
                }

                @Override
                public void prefetch() {
                    prefetched.add(index);
                }
            };
            entries.add(i % 10 == 3 ? LayerEntry.symlink("e" + i, "x") // not a file: never prefetched
                    : new LayerEntry("e" + i, LayerEntry.Type.FILE, 0644, 0, 0, Instant.EPOCH, 1, "", 0, 0, null,
                            content));
        }
        return entries;
    }

    @Test
    void fastReadsPrefetchNothing() throws Exception {
        List<LayerEntry> entries = entries(50);
        try (FilesAhead ahead = new FilesAhead(entries)) {
            for (int i = 0; i < entries.size(); i++) {
                ahead.read(i, 50_000);
            }
        }
        Thread.sleep(50);
        assertEquals(Set.of(), prefetched);
    }

    @Test
    void slowReadsFarApartPrefetchNothing() throws Exception {
        List<LayerEntry> entries = entries(2000);
        try (FilesAhead ahead = new FilesAhead(entries)) {
            for (int i = 0; i < entries.size(); i += FilesAhead.RECENT / 2) {
                ahead.read(i, FilesAhead.SLOW_NANOS);
            }
        }
        Thread.sleep(50);
        assertEquals(Set.of(), prefetched);
    }

    @Test
    void slowReadsPrefetchTheFilesAheadOfTheWriter() throws Exception {
        List<LayerEntry> entries = entries(FilesAhead.WINDOW + 500);
        try (FilesAhead ahead = new FilesAhead(entries)) {
            ahead.read(0, 1_000);
            ahead.read(10, FilesAhead.SLOW_NANOS);
            ahead.read(20, FilesAhead.SLOW_NANOS * 100); // a collection, say: one more slow read alone
            Thread.sleep(50);
            assertEquals(Set.of(), prefetched, "two slow reads are not yet a cold cache");
            ahead.read(100, FilesAhead.SLOW_NANOS); // the third within the last reads
            Set<Integer> expected = new TreeSet<>();
            for (int i = 101; i <= 100 + FilesAhead.WINDOW; i++) {
                if (i % 10 != 3) {
                    expected.add(i);
                }
            }
            for (int waited = 0; !prefetched.equals(expected) && waited < 5_000; waited += 10) {
                Thread.sleep(10);
            }
            assertEquals(expected, prefetched, "the window past the slow read, files only");
            ahead.read(200, FilesAhead.SLOW_NANOS); // another slow read moves the window on
            for (int waited = 0; !prefetched.contains(200 + FilesAhead.WINDOW) && waited < 5_000; waited += 10) {
                Thread.sleep(10);
            }
            assertTrue(prefetched.contains(200 + FilesAhead.WINDOW));
        }
        int after = prefetched.size();
        Thread.sleep(50);
        assertEquals(after, prefetched.size(), "nothing after close");
        assertTrue(prefetched.stream().allMatch(i -> i > 100 && i <= 200 + FilesAhead.WINDOW));
    }
}
