package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;

/**
 * Events of a pull, push or copy, per blob, for progress display and the closing summary. Called
 * from transfer threads: implementations must be thread-safe.
 */
public interface TransferListener {
    /** What happened to a blob. */
    enum Outcome {
        DOWNLOADED, PRESENT, UPLOADED, MOUNTED, EXISTS
    }

    TransferListener NONE = new TransferListener() {
    };

    /** A blob starts moving; {@code label} says what it is ("layer 2/5", "config"). */
    default TransferProgress started(Descriptor blob, String label) {
        return TransferProgress.NONE;
    }

    default void finished(Descriptor blob, String label, Outcome outcome) {
    }

    /** Something worth a line: a manifest written, a platform chosen. */
    default void note(String message) {
    }
}
