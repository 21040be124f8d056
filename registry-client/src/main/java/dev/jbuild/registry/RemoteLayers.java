package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.store.RemoteBlobs;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The blobs an image of the store names but the store does not hold, because the pull or build
 * that put it there never needed their bytes (see {@link ImagePuller#withoutLayers()}): finding
 * them, and fetching each from the repository {@link RemoteBlobs} recorded for it, when an export,
 * a RUN or a copy needs the bytes after all. A blob with no record cannot be fetched; the error
 * names it and says what to do.
 */
public final class RemoteLayers {
    /** A blob the store lacks, and where it can be fetched when the store knows. */
    public record Missing(Descriptor blob, Optional<RemoteBlobs.Source> source) {
    }

    private final LocalStore store;
    private final RegistryClients clients;
    private final TransferListener listener;

    public RemoteLayers(LocalStore store, RegistryClients clients, TransferListener listener) {
        this.store = store;
        this.clients = clients;
        this.listener = listener;
    }

    /**
     * The configs and layers of {@code image} that the store lacks, for every manifest of it the
     * store holds (an index pulled for one platform holds one); each once, in image order.
     */
    public static List<Missing> missing(LocalStore store, Descriptor image) throws IOException {
        Map<String, Missing> out = new LinkedHashMap<>();
        walk(store, image, out);
        return new ArrayList<>(out.values());
    }

    private static void walk(LocalStore store, Descriptor d, Map<String, Missing> out) throws IOException {
        if (!store.blobs().has(d.digest())) {
            return; // a document that is not here is not ours to fetch: the callers say so themselves
        }
        if (MediaTypes.isIndex(d.mediaType())) {
            for (Descriptor child : Json.read(store.blobs().read(d.digest()), Index.class, d.digest().toString())
                    .manifests()) {
                walk(store, child, out);
            }
        } else if (MediaTypes.isManifest(d.mediaType())) {
            Manifest m = Json.read(store.blobs().read(d.digest()), Manifest.class, d.digest().toString());
            List<Descriptor> blobs = new ArrayList<>();
            blobs.add(m.config());
            blobs.addAll(m.layers());
            for (Descriptor b : blobs) {
                if (!store.blobs().has(b.digest()) && !out.containsKey(b.digest().toString())) {
                    out.put(b.digest().toString(), new Missing(b, store.remote().find(b.digest())));
                }
            }
        }
    }

    /** Fetches every blob of {@code image} the store lacks; returns what had to be fetched. */
    public List<Missing> complete(Descriptor image) throws IOException {
        List<Missing> missing = missing(store, image);
        fetch(missing.stream().map(Missing::blob).toList());
        return missing;
    }

    /**
     * Fetches those of {@code blobs} the store lacks, each from its recorded repository, a few at a
     * time; concurrent fetchers of one blob download it once.
     *
     * @throws IOException naming the blob and its repository when a fetch fails, or the blob when
     *     the store has no record of where it is
     */
    public void fetch(List<Descriptor> blobs) throws IOException {
        List<Parallel.Task> tasks = new ArrayList<>();
        for (Descriptor blob : blobs) {
            if (store.blobs().has(blob.digest())) {
                continue;
            }
            RemoteBlobs.Source source = store.remote().find(blob.digest()).orElseThrow(() -> new IOException(
                    "blob " + blob.digest() + " is not in the local store, which does not know where to fetch it;"
                            + " pull the image it belongs to again"));
            tasks.add(() -> fetchOne(blob, source));
        }
        Parallel.run(clients.options().blobConcurrency(), tasks);
    }

    private void fetchOne(Descriptor blob, RemoteBlobs.Source source) throws IOException {
        try {
            BlobDownload.into(store.blobs(), clients.forRegistry(source.registry()), source.repository(), blob,
                    "layer " + blob.digest().shortHex(), listener);
        } catch (IOException e) {
            throw new IOException("cannot fetch blob " + blob.digest() + " from " + source
                    + " (it was left there when the image was pulled without its layers): " + e.getMessage(), e);
        }
    }
}
