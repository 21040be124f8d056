package dev.jbuild.builder.run;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The last few lines of a step's output, for the error message of a failed {@code RUN}: a ring
 * buffer that drops the oldest line when full. Usable directly as an {@link OutputSink}, or fed
 * from one that also forwards the lines elsewhere. Safe to read while another thread adds.
 */
public final class TailBuffer implements OutputSink {
    private final int capacity;
    private final Deque<String> lines = new ArrayDeque<>();

    /** Keeps the last {@code capacity} lines. */
    public TailBuffer(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
    }

    /** Adds a line, dropping the oldest when full. */
    public synchronized void add(String line) {
        if (lines.size() == capacity) {
            lines.removeFirst();
        }
        lines.addLast(line);
    }

    @Override
    public void line(String line, Stream stream) {
        add(line);
    }

    /** The kept lines, oldest first. */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }
}
