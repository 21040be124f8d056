package dev.jbuild.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Idle timeouts: a transfer may take as long as it needs as long as bytes keep moving; one that
 * moves nothing for the idle period is abandoned. The JDK client only offers a timeout for the
 * response headers, so body reads are watched here: each read counts as progress, and a watch
 * that sees none for the period interrupts the blocked reader (the JDK's response stream turns
 * that into an {@code IOException}), which then reports an {@link HttpTimeoutException}.
 */
final class IdleWatch implements AutoCloseable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jbuild-idle-watch");
        t.setDaemon(true);
        return t;
    });

    private final long idleNanos;
    private final ScheduledFuture<?> task;
    private volatile long lastProgress = System.nanoTime();
    private volatile Thread reader;
    private volatile boolean fired;

    private IdleWatch(Duration idle) {
        this.idleNanos = idle.toNanos();
        long period = Math.max(10, idle.toMillis() / 4);
        this.task = TIMER.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    static IdleWatch start(Duration idle) {
        return new IdleWatch(idle);
    }

    void progress() {
        lastProgress = System.nanoTime();
    }

    boolean fired() {
        return fired;
    }

    private void check() {
        Thread t = reader;
        if (t != null && System.nanoTime() - lastProgress > idleNanos) {
            fired = true;
            t.interrupt();
        }
    }

    /** The body stream, watched: reads that stall for the idle period fail. Closing it stops the watch. */
    InputStream watch(InputStream body, String what) {
        return new FilterInputStream(body) {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                reader = Thread.currentThread();
                try {
                    int n = super.read(b, off, len);
                    progress();
                    return n;
                } catch (IOException e) {
                    throw timeoutOr(e);
                } finally {
                    reader = null;
                    if (fired) {
                        Thread.interrupted(); // our interrupt, not the caller's
                    }
                }
            }

            private IOException timeoutOr(IOException e) {
                if (!fired) {
                    return e;
                }
                HttpTimeoutException t = new HttpTimeoutException(
                        what + ": no data for " + idleNanos / 1_000_000_000 + " s, giving up on this connection");
                t.initCause(e);
                return t;
            }

            @Override
            public void close() throws IOException {
                IdleWatch.this.close();
                super.close();
            }
        };
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
