package dev.jbuild.builder.run;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Copies a container process's stdout and stderr to an {@link OutputSink} line by line while it
 * runs, one thread per stream so neither pipe fills up and blocks the command. A line is handed on
 * as soon as its newline arrives; a line longer than {@link #MAX_LINE} bytes (a progress bar
 * redrawn with carriage returns, a binary dump) is cut into pieces rather than held back.
 */
final class OutputPumps {
    static final int MAX_LINE = 64 * 1024;
    /** After the process exits, how long to wait for the rest of its output. */
    private static final long DRAIN_MILLIS = 5000;

    private final List<Thread> threads;
    private final Delivery delivery;

    private OutputPumps(List<Thread> threads, Delivery delivery) {
        this.threads = threads;
        this.delivery = delivery;
    }

    /**
     * Hands lines to the sink one at a time. A sink that throws gets no more lines, but the pipes
     * are still drained, or the command would block on a full pipe; {@link #drain()} rethrows.
     */
    private static final class Delivery {
        private final OutputSink sink;
        private RuntimeException failure;

        Delivery(OutputSink sink) {
            this.sink = sink;
        }

        synchronized void line(String text, OutputSink.Stream stream) {
            if (failure == null) {
                try {
                    sink.line(text, stream);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
        }

        synchronized void rethrow() {
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** Starts pumping both streams of {@code process} into {@code sink}. */
    static OutputPumps start(Process process, OutputSink sink, String name) {
        Delivery delivery = new Delivery(sink);
        List<Thread> threads = List.of(
                pump(process.getInputStream(), OutputSink.Stream.STDOUT, delivery, name + "-stdout"),
                pump(process.getErrorStream(), OutputSink.Stream.STDERR, delivery, name + "-stderr"));
        threads.forEach(Thread::start);
        return new OutputPumps(threads, delivery);
    }

    /**
     * Waits until both streams are drained. They end when the last process holding the pipes
     * exits; once the container is gone that is at once, the bound only guards against a stray
     * holder. Rethrows what the sink threw.
     */
    void drain() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        delivery.rethrow();
    }

    private static Thread pump(InputStream in, OutputSink.Stream stream, Delivery delivery, String name) {
        Thread t = new Thread(() -> {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == '\n') {
                            emit(line, stream, delivery);
                        } else {
                            line.write(buf[i]);
                            if (line.size() >= MAX_LINE) {
                                emit(line, stream, delivery);
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // The pipe broke because the process was killed; what was read is still delivered.
            }
            if (line.size() > 0) {
                emit(line, stream, delivery);
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    private static void emit(ByteArrayOutputStream line, OutputSink.Stream stream, Delivery delivery) {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        delivery.line(text, stream);
    }
}
