package dev.jbuild.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The build's progress on a terminal, as BuildKit shows it: the {@link StepBoard} redrawn in place
 * by an {@link AnsiFrame} at most ten times a second from a timer thread, whatever the rate of
 * events. {@link #close()} stops the thread, draws the last state once, and then prints in full
 * the output of each step that failed, so the user reads why before the build's error.
 */
final class TtyBuildLog implements BuildProgress {
    static final Duration INTERVAL = Duration.ofMillis(100);
    static final int TAIL_LINES = 6;

    private final PrintWriter err;
    private final StepBoard board;
    private final AnsiFrame frame;
    private final LongSupplier clock;
    private final ScheduledExecutorService timer;
    private List<String> drawn = List.of();
    private boolean closed;

    TtyBuildLog(PrintWriter err, Terminal terminal) {
        this(err, new StepBoard(terminal.columns(), terminal.rows(), TAIL_LINES, Transcript.DEFAULT_BUDGET),
                System::nanoTime, INTERVAL);
    }

    /** A display of {@code board} on {@code err}, redrawn every {@code interval}, timed by {@code clock}. */
    TtyBuildLog(PrintWriter err, StepBoard board, LongSupplier clock, Duration interval) {
        this.err = err;
        this.board = board;
        this.frame = new AnsiFrame(err);
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jbuild-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::redraw, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void stepStarted(Step step) {
        if (!closed) {
            board.started(step, clock.getAsLong());
        }
    }

    @Override
    public synchronized void output(Step step, String line) {
        if (!closed) {
            board.output(step, line);
        }
    }

    @Override
    public synchronized void stepFinished(Step step, Duration took) {
        if (!closed) {
            board.finished(step, took);
        }
    }

    @Override
    public synchronized void stepCached(Step step) {
        if (!closed) {
            board.cached(step, clock.getAsLong());
        }
    }

    @Override
    public synchronized void stepFailed(Step step) {
        if (!closed) {
            board.failed(step, clock.getAsLong());
        }
    }

    @Override
    public synchronized void note(String text) {
        if (closed) {
            err.println("# " + text);
            err.flush();
        } else {
            board.note(text);
        }
    }

    /** Draws the board if it changed since the last draw (the timer calls this). */
    synchronized void redraw() {
        if (closed) {
            return;
        }
        List<String> stay = board.takeSettled();
        List<String> live = board.live(clock.getAsLong());
        if (stay.isEmpty() && live.equals(drawn)) {
            return;
        }
        frame.draw(stay, live);
        drawn = live;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        boolean interrupted = false;
        try {
            // The timer's last draw, if one is under way, ends before the final one.
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        synchronized (this) {
            if (!closed) {
                board.stop(clock.getAsLong());
                frame.draw(board.takeSettled(), board.live(clock.getAsLong()));
                frame.keep();
                closed = true;
                printFailures();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** As BuildKit prints a failed step's logs after its display. */
    private void printFailures() {
        for (StepBoard.Failure f : board.failures()) {
            err.println("------");
            err.println(" > " + f.step() + ":");
            try {
                f.output().writeTo(err);
            } catch (IOException e) {
                err.println("(the rest of the output is lost: " + e.getMessage() + ")");
            } finally {
                f.output().close();
            }
            err.println("------");
        }
        err.flush();
    }

    /** Whether the timer thread has ended (for tests). */
    boolean stopped() {
        return timer.isTerminated();
    }
}
