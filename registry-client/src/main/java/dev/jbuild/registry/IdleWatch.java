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
 * that sees none for the period closes the body under the blocked reader, which then reports an
 * {@link HttpTimeoutException}. Closing, not interrupting: the JDK's response stream catches an
 * interrupt in its blocking read and goes on waiting (JDK 17 {@code HttpResponseInputStream}),
 * whereas closing it wakes the reader at once and aborts the connection; an interrupt could also
 * land after the read had returned, on whatever the reader did next (a file channel it writes to
 * would be closed by it).
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
    private volatile boolean reading;
    private volatile InputStream watched;
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

    private void check() {
        InputStream in = watched;
        if (reading && in != null && !fired && System.nanoTime() - lastProgress > idleNanos) {
            fired = true;
            try {
                in.close(); // wakes the reader with an IOException, reported as a timeout
            } catch (IOException ignored) {
                // closing a stalled connection: nothing more to do
            }
        }
    }

    /** The body stream, watched: reads that stall for the idle period fail. Closing it stops the watch. */
    InputStream watch(InputStream body, String what) {
        watched = body;
        return new FilterInputStream(body) {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (fired) {
                    throw timeoutOr(new IOException("closed"));
                }
                // The idle clock runs while a read waits, not while the caller works between
                // reads: a slow sink is no sign of a stalled registry.
                progress();
                reading = true;
                try {
                    int n = super.read(b, off, len);
                    progress();
                    return n;
                } catch (IOException e) {
                    throw timeoutOr(e);
                } finally {
                    reading = false;
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
