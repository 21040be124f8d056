package dev.jbuild.builder.run;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes sure no container outlives its run. Container ids carry the pid of the jbuild process that
 * made them ({@code jbuild-<pid>-<n>}, from {@link #newId()}). While a container runs, a
 * {@link Guard} holds its cleanup actions and runs them exactly once: when the run ends however it
 * ends, or from a JVM shutdown hook (Ctrl-C, SIGTERM). What survives a harder death (SIGKILL, a
 * crash) {@link #cleanStale} removes on the next jbuild command: runtime containers and cgroups
 * whose owner pid is no longer alive.
 */
public final class Containers {
    private static final Pattern ID = Pattern.compile("jbuild-(\\d+)-.+");
    private static final AtomicLong COUNTER = new AtomicLong();
    /** Containers read nothing: a {@code RUN} step has no stdin. */
    static final ProcessBuilder.Redirect NO_INPUT = ProcessBuilder.Redirect.from(new File("/dev/null"));

    private Containers() {
    }

    /** A fresh container id: {@code jbuild-<this process's pid>-<counter>}. */
    public static String newId() {
        return "jbuild-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    /**
     * Removes what crashed jbuild processes left: every container in {@code stateRoot} (for each of
     * runc and crun that is installed) whose id names a dead pid is force-deleted, and every jbuild
     * cgroup (v1 or v2) whose name does is killed and removed. Containers of live jbuild processes,
     * this one included, are left alone.
     */
    public static void cleanStale(Path stateRoot) throws IOException {
        for (String name : Executors.OCI_RUNTIMES) {
            var binary = Executors.which(name);
            if (binary.isEmpty()) {
                continue;
            }
            OciRuntime runtime = OciRuntime.of(name, binary.get(), stateRoot);
            for (String id : runtime.list()) {
                if (isStale(id)) {
                    runtime.deleteForce(id);
                }
            }
        }
        Cgroup.destroyStale(Containers::isStale);
    }

    /** Whether the name is a jbuild container id whose owner process is gone. */
    static boolean isStale(String name) {
        Matcher m = ID.matcher(name);
        return m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty();
    }

    /** Starts guarding a container: its cleanup runs on {@link Guard#close()} or at JVM exit, whichever is first. */
    static Guard guard(String id) {
        Guard guard = new Guard(id);
        Runtime.getRuntime().addShutdownHook(guard.hook);
        return guard;
    }

    /** Cleanup that may fail. */
    @FunctionalInterface
    interface Cleanup {
        void run() throws IOException;
    }

    /**
     * The cleanup actions of one running container, run last-added first and exactly once, even
     * when the run's thread and the shutdown hook race. Every action runs even if an earlier one
     * fails; the first failure is thrown with the others suppressed.
     */
    static final class Guard implements AutoCloseable {
        private final Deque<Cleanup> actions = new ArrayDeque<>();
        private final Thread hook;
        private boolean closed;

        private Guard(String id) {
            this.hook = new Thread(this::closeQuietly, "jbuild-cleanup-" + id);
        }

        /** Adds an action; it runs before every action added earlier. */
        synchronized void onClose(Cleanup action) {
            actions.push(action);
        }

        @Override
        public synchronized void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (Thread.currentThread() != hook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // The JVM is shutting down: the hook runs too and finds us closed.
                }
            }
            IOException failure = null;
            while (!actions.isEmpty()) {
                try {
                    actions.pop().run();
                } catch (IOException | RuntimeException e) {
                    IOException io = e instanceof IOException ioe ? ioe : new IOException(e);
                    if (failure == null) {
                        failure = io;
                    } else {
                        failure.addSuppressed(io);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }

        private void closeQuietly() {
            try {
                close();
            } catch (IOException e) {
                System.err.println("jbuild: cleaning up a container at exit failed: " + e.getMessage());
            }
        }
    }

    /** Waits for the process to exit, through interrupts (restored afterwards): used while cleaning up. */
    static int waitUninterruptibly(Process p) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return p.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits up to {@code millis} for the process to exit, through interrupts; whether it did. */
    static boolean waitUninterruptibly(Process p, long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sleeps even if interrupted, keeping the interrupt for later: cleanup must finish its retries. */
    static void pause(long millis) {
        boolean interrupted = Thread.interrupted();
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
