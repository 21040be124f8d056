package dev.jbuild.cli;

import dev.jbuild.builder.BuildListener.Step;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The state of a live build display, with no terminal in it: the steps in the order they started
 * ({@code #N [stage k/n] INSTRUCTION}, a timer while running, then {@code DONE 1.2s},
 * {@code CACHED}, {@code ERROR 0.3s} or {@code CANCELED}) and, under each running step, the last
 * lines it printed. Steps of stages running side by side keep their output under their own line.
 *
 * <p>It renders to lines: those that are settled, printed once above the display (notes, and
 * finished steps with no running step before them), and the live block below (from the first
 * running step on) that is redrawn. Times come in as {@link System#nanoTime()} values, so tests
 * choose them.
 */
final class StepBoard {
    enum Status {
        RUNNING, DONE, CACHED, ERROR, CANCELED
    }

    /** One step as shown; {@code number} counts steps in the order they started. */
    private static final class Entry {
        final int number;
        final Step step;
        final long started;
        final ArrayDeque<String> tail = new ArrayDeque<>();
        final Transcript transcript;
        Status status = Status.RUNNING;
        long took;

        Entry(int number, Step step, long started, Transcript transcript) {
            this.number = number;
            this.step = step;
            this.started = started;
            this.transcript = transcript;
        }
    }

    /** A step that failed, and everything it printed. */
    record Failure(Step step, Transcript output) {
    }

    private final int columns;
    private final int rows;
    private final int tailLines;
    private final int transcriptBudget;
    private final List<Entry> entries = new ArrayList<>();
    private final Map<Step, Entry> byStep = new HashMap<>();
    private final List<String> settled = new ArrayList<>();
    private int firstUnsettled;

    /**
     * A board for a screen of {@code columns} by {@code rows}, showing the last {@code tailLines}
     * lines of each running step, keeping up to {@code transcriptBudget} characters of a step's
     * output in memory (more goes to a file).
     */
    StepBoard(int columns, int rows, int tailLines, int transcriptBudget) {
        this.columns = Math.max(20, columns);
        this.rows = Math.max(4, rows);
        this.tailLines = tailLines;
        this.transcriptBudget = transcriptBudget;
    }

    void started(Step step, long now) {
        Entry e = new Entry(entries.size() + 1, step, now, new Transcript(transcriptBudget));
        entries.add(e);
        Entry old = byStep.put(step, e);
        if (old != null && old.status == Status.RUNNING) {
            end(old, Status.CANCELED, now);
        }
    }

    void output(Step step, String line) {
        Entry e = byStep.get(step);
        if (e == null || e.status != Status.RUNNING) {
            return;
        }
        e.transcript.add(line);
        e.tail.addLast(Ansi.printable(line));
        while (e.tail.size() > tailLines) {
            e.tail.removeFirst();
        }
    }

    /** The step came from the cache; it is shown {@code CACHED} even though it then finishes. */
    void cached(Step step, long now) {
        running(step).ifPresent(e -> end(e, Status.CACHED, now));
    }

    void finished(Step step, Duration took) {
        running(step).ifPresent(e -> end(e, Status.DONE, e.started + took.toNanos()));
    }

    void failed(Step step, long now) {
        running(step).ifPresent(e -> end(e, Status.ERROR, now));
    }

    void note(String text) {
        settled.add("# " + text);
    }

    /**
     * The build is over: a step still running was stopped by another's failure ({@code CANCELED}),
     * unless no step failed, in which case the build cannot have said which one did and each is
     * shown as failed ({@code ERROR}), its output with it.
     */
    void stop(long now) {
        boolean blamed = entries.stream().anyMatch(e -> e.status == Status.ERROR);
        for (Entry e : entries) {
            if (e.status == Status.RUNNING) {
                end(e, blamed ? Status.CANCELED : Status.ERROR, now);
            }
        }
    }

    private Optional<Entry> running(Step step) {
        return Optional.ofNullable(byStep.get(step)).filter(e -> e.status == Status.RUNNING);
    }

    private void end(Entry e, Status status, long now) {
        e.status = status;
        e.took = now - e.started;
        e.tail.clear();
        if (status != Status.ERROR) {
            e.transcript.close();
        }
        while (firstUnsettled < entries.size() && entries.get(firstUnsettled).status != Status.RUNNING) {
            settled.add(line(entries.get(firstUnsettled), now));
            firstUnsettled++;
        }
    }

    /** The lines that settled since the last call, to print once above the live block. */
    List<String> takeSettled() {
        List<String> out = List.copyOf(settled);
        settled.clear();
        return out;
    }

    /**
     * The live block at {@code now}: each step from the first running one on, and under each
     * running step its last lines, dimmed and indented; fewer of them when the block would not fit
     * the screen, and only its last steps when even their own lines would not.
     */
    List<String> live(long now) {
        List<Entry> shown = entries.subList(firstUnsettled, entries.size());
        int runningCount = (int) shown.stream().filter(e -> e.status == Status.RUNNING).count();
        int room = rows - 1; // the cursor's own line below the block
        int perStep = runningCount == 0 ? 0 : Math.min(tailLines, Math.max(0, (room - shown.size()) / runningCount));
        List<String> out = new ArrayList<>();
        for (Entry e : shown.subList(Math.max(0, shown.size() - room), shown.size())) {
            out.add(line(e, now));
            List<String> tail = new ArrayList<>(e.tail);
            for (String t : tail.subList(Math.max(0, tail.size() - perStep), tail.size())) {
                out.add(Ansi.dim(Ansi.fit(INDENT + t, columns - 1)));
            }
        }
        return out;
    }

    private static final String INDENT = "    ";

    /** The failed steps, in the order they started, with their whole output. */
    List<Failure> failures() {
        return entries.stream().filter(e -> e.status == Status.ERROR).map(e -> new Failure(e.step, e.transcript))
                .toList();
    }

    /**
     * {@code #N [stage k/n] INSTRUCTION} with its status at the right edge, cut to the width of the
     * screen less one column (a line that fills the last column makes some terminals wrap).
     */
    private String line(Entry e, long now) {
        String label = "#" + e.number + " " + Ansi.printable(e.step.toString());
        String status = switch (e.status) {
            case RUNNING -> seconds(now - e.started);
            case DONE -> "DONE " + seconds(e.took);
            case CACHED -> "CACHED";
            case ERROR -> "ERROR " + seconds(e.took);
            case CANCELED -> "CANCELED";
        };
        int width = columns - 1;
        int room = width - status.length() - 1;
        if (room < 1) {
            return Ansi.fit(label + " " + status, width);
        }
        String left = Ansi.fit(label, room);
        int pad = width - left.codePointCount(0, left.length()) - status.length();
        return left + " ".repeat(pad) + status;
    }

    private static String seconds(long nanos) {
        return Seconds.of(nanos, 1);
    }
}
