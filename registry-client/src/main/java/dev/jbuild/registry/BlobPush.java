package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Gets one blob into a registry repository, the way every push and copy does it: ask first
 * ({@code HEAD}); mount it from another repository of the same registry when one is known to
 * have it, continuing a refused mount's upload session; else upload it from its source. One
 * transfer per digest at a time, so a blob shared by two manifests of an index goes up once. Keeps
 * the tally of what happened, which the results report.
 */
final class BlobPush {
    /** Where a blob's bytes come from, and whether they exist at all. */
    interface Source {
        RegistryClient.BlobSource open(Descriptor blob, String label) throws IOException;
    }

    /** Another repository of the destination's registry known to hold a blob; asked only when HEAD misses. */
    interface MountFrom {
        Optional<String> find(Digest digest) throws IOException;
    }

    private final TransferListener listener;
    private final Map<Digest, ReentrantLock> inFlight = new ConcurrentHashMap<>();
    private final Map<TransferListener.Outcome, AtomicLong> counts = new EnumMap<>(TransferListener.Outcome.class);
    private final AtomicLong bytes = new AtomicLong();

    BlobPush(TransferListener listener) {
        this.listener = listener;
        for (TransferListener.Outcome o : TransferListener.Outcome.values()) {
            counts.put(o, new AtomicLong());
        }
    }

    void push(RegistryClient to, String repo, Descriptor blob, String label, MountFrom mountFrom, Source source)
            throws IOException {
        ReentrantLock lock = inFlight.computeIfAbsent(blob.digest(), d -> new ReentrantLock());
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while another transfer pushed " + blob.digest());
        }
        try {
            finished(blob, label, pushOnce(to, repo, blob, label, mountFrom, source));
        } finally {
            lock.unlock();
        }
    }

    private TransferListener.Outcome pushOnce(RegistryClient to, String repo, Descriptor blob, String label,
            MountFrom mountFrom, Source source) throws IOException {
        if (to.hasBlob(repo, blob.digest(), RegistryClient.push(repo))) {
            return TransferListener.Outcome.EXISTS;
        }
        Optional<String> session = Optional.empty();
        Optional<String> from = mountFrom.find(blob.digest());
        if (from.isPresent()) {
            RegistryClient.MountResult m = to.mount(repo, blob.digest(), from.get());
            if (m.mounted()) {
                return TransferListener.Outcome.MOUNTED;
            }
            session = m.uploadLocation();
        }
        RegistryClient.BlobSource bytesOf = source.open(blob, label);
        TransferProgress progress = listener.started(blob, label);
        to.uploadBlob(repo, blob, bytesOf, session, progress);
        bytes.addAndGet(blob.size());
        return TransferListener.Outcome.UPLOADED;
    }

    private void finished(Descriptor blob, String label, TransferListener.Outcome outcome) {
        counts.get(outcome).incrementAndGet();
        listener.finished(blob, label, outcome);
    }

    int count(TransferListener.Outcome outcome) {
        return (int) counts.get(outcome).get();
    }

    long bytes() {
        return bytes.get();
    }
}
