package dev.jbuild.cli;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.RegistryClients;
import dev.jbuild.registry.RemoteLayers;
import dev.jbuild.registry.TransferListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/**
 * Before an image of the store is written somewhere that needs every byte of it (an OCI layout, an
 * archive, a root file system), fetches the layers the store never downloaded because the build
 * or pull that named it did not need them (see {@link RemoteLayers}). Pushes need none of this:
 * they mount or stream such layers from where they are.
 */
final class LazyLayers {
    /** Opens the registry clients only when something must be fetched. */
    @FunctionalInterface
    interface Clients {
        RegistryClients get() throws IOException;
    }

    private LazyLayers() {
    }

    /**
     * Fetches what {@code image} lacks, saying so on {@code err} (unless {@code quiet}); fails with
     * a message naming the blob and the repository it was left in when a fetch fails.
     *
     * @param what the image as the user named it, and what it is fetched for, e.g. "app:1 for the export"
     */
    static void fetchMissing(LocalStore store, Clients clients, Descriptor image, String what, PrintWriter err,
            boolean quiet) throws IOException {
        List<RemoteLayers.Missing> missing = RemoteLayers.missing(store, image);
        if (missing.isEmpty()) {
            return;
        }
        if (!quiet) {
            err.println("# fetching " + missing.size() + " layer" + (missing.size() == 1 ? "" : "s") + " of " + what
                    + " that the store never downloaded" + missing.get(0).source().map(s -> " (from " + s + ")").orElse(""));
            err.flush();
        }
        try {
            new RemoteLayers(store, clients.get(), TransferListener.NONE).complete(image);
        } catch (IOException e) {
            throw new UserError(what + ": the store lacks " + missing.size() + " of its blobs (a build or pull that "
                    + "did not need them left them in their registry) and fetching them failed: " + e.getMessage());
        }
    }
}
