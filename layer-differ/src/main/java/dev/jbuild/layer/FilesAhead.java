package dev.jbuild.layer;

import java.util.List;

/**
 * Has the files a layer is about to read brought into memory ahead of the writer, once a read
 * shows that they are not there: a file system's cache can lose small files nobody touched for a
 * while (here a memory-reclaim daemon pages out what it sees used less than twice in five
 * seconds), and a one-file rebuild that reads 20,000 of them one after the other then waits for
 * the disk hundreds of times, while the disk is busy writing the new layer. Once {@value #SLOW_READS}
 * of the last {@value #RECENT} reads were slow (one alone may be the thread losing its core, or a
 * collection), the next {@value #WINDOW} entries are {@linkplain LayerEntry.Content#prefetch prefetched} by
 * {@value #THREADS} threads, so that those reads wait side by side, not in turn (a disk serves
 * many at once); while reads stay fast, nothing is done but timing them.
 */
final class FilesAhead implements AutoCloseable {
    /** A read this slow went to the disk (a fraction of a millisecond or more); one from memory takes microseconds. */
    static final long SLOW_NANOS = 300_000;
    /** How many slow reads among the last {@link #RECENT} start prefetching. */
    static final int SLOW_READS = 3;
    static final int RECENT = 256;
    /** How many entries past the writer a slow read has prefetched. */
    static final int WINDOW = 2048;
    /** Reads waiting for the disk at once. */
    static final int THREADS = 8;

    private final List<LayerEntry> entries;
    /** Prefetch up to (excluding) this index; the writer is at {@link #writing}. */
    private int wanted;
    private int writing;
    /** The next entry a prefetching thread takes. */
    private int next;
    private boolean closed;
    private boolean started;
    /** Indexes of the last slow reads, the oldest first. */
    private final int[] slow = new int[SLOW_READS];
    private int slowSeen;

    FilesAhead(List<LayerEntry> entries) {
        this.entries = entries;
    }

    /** The writer read entry {@code index}'s content in {@code readNanos}. */
    synchronized void read(int index, long readNanos) {
        writing = index;
        if (readNanos < SLOW_NANOS || closed) {
            return;
        }
        System.arraycopy(slow, 1, slow, 0, SLOW_READS - 1);
        slow[SLOW_READS - 1] = index;
        if (++slowSeen < SLOW_READS || index - slow[0] >= RECENT) {
            return;
        }
        wanted = Math.max(wanted, Math.min(entries.size(), index + 1 + WINDOW));
        if (!started) {
            started = true;
            for (int i = 0; i < THREADS; i++) {
                Thread t = new Thread(this::prefetch, "jbuild-files-ahead");
                t.setDaemon(true);
                t.start();
            }
        }
        notifyAll();
    }

    private void prefetch() {
        while (true) {
            int index;
            synchronized (this) {
                while (!closed && Math.max(next, writing + 1) >= wanted) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                index = Math.max(next, writing + 1);
                next = index + 1;
            }
            LayerEntry e = entries.get(index);
            if (e.type() == LayerEntry.Type.FILE && e.size() > 0) {
                e.content().prefetch();
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
