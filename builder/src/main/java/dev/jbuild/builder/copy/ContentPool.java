package dev.jbuild.builder.copy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Copies file contents on a few threads while one thread walks the source tree: creating many
 * small files on overlayfs costs a system call each that does not use the CPU much, so a single
 * copying thread leaves both cores idle most of the time. At most {@link #IN_FLIGHT} copies wait
 * at once, so a huge tree never queues all its files in memory. {@link #drain} waits for every
 * submitted copy and reports the first failure.
 */
final class ContentPool implements AutoCloseable {
    /** An I/O action run on a pool thread. */
    @FunctionalInterface
    interface Task {
        void run() throws IOException;
    }

    private static final int THREADS = Math.max(2, Math.min(8, 2 * Runtime.getRuntime().availableProcessors()));
    private static final int IN_FLIGHT = 256;

    private final ExecutorService threads = Executors.newFixedThreadPool(THREADS, r -> {
        Thread t = new Thread(r, "jbuild-copy");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore slots = new Semaphore(IN_FLIGHT);
    private final AtomicReference<IOException> failure = new AtomicReference<>();

    void submit(Task task) throws IOException {
        rethrow();
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while copying");
        }
        threads.execute(() -> {
            try {
                if (failure.get() == null) {
                    task.run();
                }
            } catch (IOException e) {
                failure.compareAndSet(null, e);
            } catch (RuntimeException e) {
                failure.compareAndSet(null, new IOException(e.getMessage(), e));
            } finally {
                slots.release();
            }
        });
    }

    /** Waits until every submitted task has ended; throws the first failure among them. */
    void drain() throws IOException {
        try {
            slots.acquire(IN_FLIGHT);
            slots.release(IN_FLIGHT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while copying");
        }
        rethrow();
    }

    private void rethrow() throws IOException {
        IOException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
