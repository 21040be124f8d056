package dev.jbuild.registry.it;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.registry.TransferListener;
import dev.jbuild.registry.TransferProgress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread-safe {@link TransferListener} that records every outcome, every note and the bytes
 * reported through progress, so tests can say exactly which blobs moved and how.
 */
final class CountingListener implements TransferListener {
    /** One finished blob. */
    record Event(Digest digest, String label, Outcome outcome) {
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<Digest> started = new CopyOnWriteArrayList<>();
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private final AtomicLong progressBytes = new AtomicLong();

    @Override
    public TransferProgress started(Descriptor blob, String label) {
        started.add(blob.digest());
        return new TransferProgress() {
            @Override
            public void advance(long bytes) {
                progressBytes.addAndGet(bytes);
            }

            @Override
            public void reset() {
                // the tests only look at totals of transfers that succeed at once
            }
        };
    }

    @Override
    public void finished(Descriptor blob, String label, Outcome outcome) {
        events.add(new Event(blob.digest(), label, outcome));
    }

    @Override
    public void note(String message) {
        notes.add(message);
    }

    List<Event> events() {
        return List.copyOf(events);
    }

    long count(Outcome outcome) {
        return events.stream().filter(e -> e.outcome() == outcome).count();
    }

    long count(Outcome outcome, Digest digest) {
        return events.stream().filter(e -> e.outcome() == outcome && e.digest().equals(digest)).count();
    }

    /** The digests that had {@code outcome}, in any order, with repeats. */
    List<Digest> digests(Outcome outcome) {
        return events.stream().filter(e -> e.outcome() == outcome).map(Event::digest).toList();
    }

    List<Digest> started() {
        return List.copyOf(started);
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    long progressBytes() {
        return progressBytes.get();
    }

    @Override
    public String toString() {
        return events.toString();
    }
}
