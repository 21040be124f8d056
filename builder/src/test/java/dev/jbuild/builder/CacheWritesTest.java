package dev.jbuild.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Cache writes run beside the build, are all done once closed, and only ever cost a note. */
class CacheWritesTest {
    @Test
    void closingWaitsForEveryWrite() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        List<String> notes = new CopyOnWriteArrayList<>();
        try (CacheWrites writes = new CacheWrites(notes::add)) {
            writes.submit("write slowly", () -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                done.set(true);
            });
        }
        assertTrue(done.get(), "close returned before the write ended");
        assertEquals(List.of(), notes);
    }

    @Test
    void aFailedWriteIsNotedAndTheOthersStillRun() throws Exception {
        AtomicBoolean after = new AtomicBoolean();
        List<String> notes = new CopyOnWriteArrayList<>();
        try (CacheWrites writes = new CacheWrites(notes::add)) {
            writes.submit("keep the entries", () -> {
                throw new IOException("disk full");
            });
            writes.submit("write the next", () -> after.set(true));
            writes.await();
            assertEquals(List.of("could not keep the entries: disk full"), notes);
            assertTrue(after.get());
        }
    }
}
