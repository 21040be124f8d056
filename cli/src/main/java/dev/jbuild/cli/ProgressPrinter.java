package dev.jbuild.cli;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.registry.TransferListener;
import dev.jbuild.registry.TransferProgress;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shows transfers: on a terminal, a bar per blob in flight with bytes and speed, redrawn in place;
 * otherwise one line per blob when it is done; or nothing. The summary line says what moved and
 * what was skipped ({@code 3 blobs pushed, 2 mounted, 4 already present}).
 */
final class ProgressPrinter implements TransferListener {
    private final PrintWriter err;
    private final ProgressMode mode;
    private final AnsiFrame frame;
    private final int columns = Terminal.current().columns();
    private final Map<Descriptor, Bar> active = new LinkedHashMap<>();
    private final Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
    private long lastDraw;

    ProgressPrinter(PrintWriter err, ProgressMode mode) {
        this.err = err;
        this.mode = mode;
        this.frame = new AnsiFrame(err);
    }

    private static final class Bar {
        final String label;
        final long size;
        final long start = System.nanoTime();
        final AtomicLong done = new AtomicLong();

        Bar(String label, long size) {
            this.label = label;
            this.size = size;
        }
    }

    @Override
    public TransferProgress started(Descriptor blob, String label) {
        Bar bar = new Bar(label + " " + blob.digest().shortHex(), blob.size());
        synchronized (this) {
            active.put(blob, bar);
        }
        return new TransferProgress() {
            @Override
            public void advance(long bytes) {
                bar.done.addAndGet(bytes);
                maybeDraw();
            }

            @Override
            public void reset() {
                bar.done.set(0);
            }
        };
    }

    @Override
    public synchronized void finished(Descriptor blob, String label, Outcome outcome) {
        counts.merge(outcome, 1, Integer::sum);
        Bar bar = active.remove(blob);
        if (mode == ProgressMode.QUIET) {
            return;
        }
        String line = label + " " + blob.digest().shortHex() + ": " + word(outcome)
                + (outcome == Outcome.DOWNLOADED || outcome == Outcome.UPLOADED ? " " + Sizes.human(blob.size())
                        + (bar != null ? " in " + seconds(bar) : "") : "");
        if (mode == ProgressMode.TTY) {
            frame.draw(List.of(line), bars());
        } else {
            err.println(line);
            err.flush();
        }
    }

    @Override
    public synchronized void note(String message) {
        if (mode == ProgressMode.QUIET) {
            return;
        }
        if (mode == ProgressMode.TTY) {
            frame.draw(List.of(message), bars());
        } else {
            err.println(message);
            err.flush();
        }
    }

    private void maybeDraw() {
        if (mode != ProgressMode.TTY) {
            return;
        }
        long now = System.nanoTime();
        synchronized (this) {
            if (now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            frame.draw(List.of(), bars());
        }
    }

    private List<String> bars() {
        List<String> lines = new ArrayList<>();
        for (Bar b : active.values()) {
            long done = b.done.get();
            int width = 24;
            int filled = b.size > 0 ? (int) Math.min(width, done * width / b.size) : width;
            double secs = Math.max(1e-3, (System.nanoTime() - b.start) / 1e9);
            lines.add(Ansi.fit(String.format("%-24s [%s%s] %9s / %-9s %9s/s", b.label, "=".repeat(filled),
                    " ".repeat(width - filled), Sizes.human(done), Sizes.human(b.size), Sizes.human((long) (done / secs))),
                    columns - 1)); // a wrapped line would throw off the count of lines to redraw
        }
        return lines;
    }

    private static String seconds(Bar b) {
        return String.format("%.1f s", (System.nanoTime() - b.start) / 1e9);
    }

    private static String word(Outcome o) {
        return switch (o) {
            case DOWNLOADED -> "downloaded";
            case PRESENT -> "already present";
            case UPLOADED -> "pushed";
            case MOUNTED -> "mounted";
            case EXISTS -> "already present";
        };
    }

    /** The closing line, e.g. {@code 3 blobs pushed, 2 mounted, 4 already present}. */
    synchronized String summary(boolean push) {
        List<String> parts = new ArrayList<>();
        int moved = counts.getOrDefault(push ? Outcome.UPLOADED : Outcome.DOWNLOADED, 0);
        parts.add(moved + (moved == 1 ? " blob " : " blobs ") + (push ? "pushed" : "downloaded"));
        if (push) {
            parts.add(counts.getOrDefault(Outcome.MOUNTED, 0) + " mounted");
        }
        parts.add(counts.getOrDefault(push ? Outcome.EXISTS : Outcome.PRESENT, 0) + " already present");
        return String.join(", ", parts);
    }

    synchronized void done() {
        if (mode == ProgressMode.TTY) {
            frame.clear();
        }
    }
}
