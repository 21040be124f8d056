package dev.jbuild.builder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Cache files a build writes for the next one (a kept copy's entries, say), written on a thread of
 * their own while the build goes on to its image's config and manifest; {@link #await} before the
 * store is let go. They are only caches: a failure is noted, never the build's.
 */
final class CacheWrites implements AutoCloseable {
    /** A write that may fail. */
    interface Write {
        void run() throws IOException;
    }

    private final Consumer<String> note;
    private final List<Future<?>> pending = new ArrayList<>();
    private ExecutorService thread;

    CacheWrites(Consumer<String> note) {
        this.note = note;
    }

    /** Starts {@code write}; {@code what} names it in the note if it fails. */
    synchronized void submit(String what, Write write) {
        if (thread == null) {
            thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "cache-writes");
                t.setDaemon(true);
                return t;
            });
        }
        pending.add(thread.submit(() -> {
            try {
                write.run();
            } catch (IOException | RuntimeException e) {
                note.accept("could not " + what + ": " + e.getMessage());
            }
        }));
    }

    /** Waits for every write started so far. */
    synchronized void await() throws InterruptedException {
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a cache write failed unreported", e.getCause());
            }
        }
        pending.clear();
    }

    /** Waits for the writes, then stops the thread. */
    @Override
    public synchronized void close() throws InterruptedException {
        try {
            await();
        } finally {
            if (thread != null) {
                thread.shutdown();
            }
        }
    }
}
