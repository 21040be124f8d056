package dev.jbuild.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The walk runs ahead on its own thread, yet the visitor sees exactly the walk's entries, failures and end. */
class WalkAheadTest {

    private static boolean walkerAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("jbuild-walk-ahead") && t.isAlive());
    }

    @Test
    void visitsEveryEntryInTheWalksOrderWellBeyondTheQueueDepth() throws IOException {
        int n = WalkAhead.DEPTH * 3 + 17;
        List<String> seen = new ArrayList<>();
        WalkAhead.run(v -> {
            for (int i = 0; i < n; i++) {
                v.visit(LayerEntry.directory(String.format("d%06d", i)));
            }
        }, e -> seen.add(e.path()));
        assertEquals(n, seen.size());
        for (int i = 0; i < n; i++) {
            assertEquals(String.format("d%06d", i), seen.get(i));
        }
        assertFalse(walkerAlive());
    }

    @Test
    void aWalkFailureArrivesAfterTheEntriesBeforeItAndUnchanged() {
        NoSuchFileException failure = new NoSuchFileException("tree/gone");
        List<String> seen = new ArrayList<>();
        IOException thrown = assertThrows(IOException.class, () -> WalkAhead.run(v -> {
            v.visit(LayerEntry.directory("a"));
            v.visit(LayerEntry.directory("b"));
            throw failure;
        }, e -> seen.add(e.path())));
        assertSame(failure, thrown, "callers tell a vanished file by its exception type");
        assertEquals(List.of("a", "b"), seen);
        assertFalse(walkerAlive());
    }

    @Test
    void uncheckedWalkFailuresAreRethrownAsThemselves() {
        IllegalStateException failure = new IllegalStateException("broken walk");
        assertSame(failure, assertThrows(IllegalStateException.class, () -> WalkAhead.run(v -> {
            throw failure;
        }, e -> { })));
    }

    @Test
    void aVisitorFailureStopsTheWalkAndLeavesNoThread() {
        IOException failure = new IOException("disk full");
        int[] visited = {0};
        IOException thrown = assertThrows(IOException.class, () -> WalkAhead.run(v -> {
            for (int i = 0; ; i++) { // endless: only the interrupt ends it
                v.visit(LayerEntry.directory("d" + i));
            }
        }, e -> {
            if (++visited[0] == 10) {
                throw failure;
            }
        }));
        assertSame(failure, thrown);
        assertEquals(10, visited[0]);
        assertFalse(walkerAlive(), "the walker is joined before the failure is thrown");
    }
}
