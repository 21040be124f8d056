package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.store.BlobMismatchException;
import dev.jbuild.oci.store.BlobStore;
import dev.jbuild.oci.store.Hold;
import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Downloads one blob from a registry repository into a store, verified against its digest and
 * size before it is kept, and once however many threads or processes want it at the same time
 * ({@link BlobStore#fetchLock}). Shared by pulls and by the fetching of lazily pulled layers.
 */
final class BlobDownload {
    private BlobDownload() {
    }

    /** Whether it downloaded: false when the store had the blob, or another fetcher brought it meanwhile. */
    static boolean into(BlobStore blobs, RegistryClient client, String repo, Descriptor blob, String label,
            TransferListener listener) throws IOException {
        if (blobs.has(blob.digest())) {
            listener.finished(blob, label, TransferListener.Outcome.PRESENT);
            return false;
        }
        try (Hold lock = blobs.fetchLock(blob.digest())) {
            if (blobs.has(blob.digest())) {
                listener.finished(blob, label, TransferListener.Outcome.PRESENT);
                return false;
            }
            TransferProgress progress = listener.started(blob, label);
            try (BlobStore.Writer w = blobs.newWriter(blob.digest().algorithm())) {
                client.getBlob(repo, blob, w, progress);
                w.commit(Optional.of(blob.digest()), OptionalLong.of(blob.size()));
            } catch (BlobMismatchException e) {
                throw new RegistryException(client.registry() + ": " + label + " " + blob.digest().shortHex() + " of "
                        + repo + " does not match its digest; nothing was stored (" + e.getMessage() + ")", 200,
                        Optional.of("DIGEST_INVALID"));
            }
            listener.finished(blob, label, TransferListener.Outcome.DOWNLOADED);
            return true;
        }
    }
}
