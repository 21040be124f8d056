package dev.jbuild.layer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs a walk on a thread of its own, up to {@link #DEPTH} entries ahead of the visitor, so that
 * listing directories and reading metadata (a few system calls per path) overlaps with writing
 * earlier entries: hashing and compressing a large file leave the walker time to list thousands of
 * small ones. Entries reach the visitor in the walk's order, on the caller's thread. Only metadata
 * is queued; contents are still opened by the visitor, one at a time.
 */
final class WalkAhead {
    /** Entries queued at most: a few MB of metadata, enough to cover a large file's writing time. */
    static final int DEPTH = 8192;

    /** A walk that hands its entries, in order, to a visitor. */
    @FunctionalInterface
    interface Walk {
        void run(TreeWalker.Visitor visitor) throws IOException;
    }

    private static final Object END = new Object();

    private record Failure(Throwable cause) {
    }

    private WalkAhead() {
    }

    /**
     * Runs {@code walk} ahead of {@code visitor}. A failure of the walk is thrown here once the
     * entries before it are visited; a failure of the visitor stops the walk before it is thrown.
     */
    static void run(Walk walk, TreeWalker.Visitor visitor) throws IOException {
        BlockingQueue<Object> queue = new ArrayBlockingQueue<>(DEPTH);
        Thread walker = new Thread(() -> {
            Object last = END;
            try {
                walk.run(entry -> {
                    try {
                        queue.put(entry);
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException();
                    }
                });
            } catch (InterruptedIOException e) {
                return; // the visitor gave up; nobody is listening
            } catch (Throwable t) {
                last = new Failure(t);
            }
            try {
                queue.put(last);
            } catch (InterruptedException e) {
                // the visitor gave up
            }
        }, "jbuild-walk-ahead");
        walker.setDaemon(true);
        walker.start();
        boolean ended = false;
        List<Object> batch = new ArrayList<>(DEPTH);
        try {
            while (true) {
                // Everything queued at once: one lock and wake-up per batch rather than per entry.
                batch.add(take(queue));
                queue.drainTo(batch);
                for (Object next : batch) {
                    if (next == END) {
                        ended = true;
                        return;
                    }
                    if (next instanceof Failure f) {
                        ended = true;
                        throw rethrow(f.cause());
                    }
                    visitor.visit((LayerEntry) next);
                }
                batch.clear();
            }
        } finally {
            if (!ended) {
                walker.interrupt();
            }
            joinQuietly(walker);
        }
    }

    private static Object take(BlockingQueue<Object> queue) throws InterruptedIOException {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while walking the tree");
        }
    }

    private static void joinQuietly(Thread walker) {
        boolean interrupted = false;
        while (true) {
            try {
                walker.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
                walker.interrupt();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The walk's own exception, unchanged, so callers can tell a vanished file from other failures. */
    private static IOException rethrow(Throwable cause) {
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof RuntimeException re) {
            throw re;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new IOException(cause);
    }
}
