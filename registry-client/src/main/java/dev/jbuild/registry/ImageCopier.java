package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.ManifestDocument;
import dev.jbuild.oci.Platform;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies an image from one registry repository to another without a stop on disk: each blob the
 * destination lacks is mounted when both are on the same registry, and otherwise streamed from the
 * source's GET into the destination's upload (which checks the digest); manifests are copied as
 * the source sent them, an index after its manifests. From an index, one platform (the host's by
 * default) or all of them.
 */
public final class ImageCopier {
    /** What a copy did. */
    public record Result(Descriptor target, int copied, int mounted, int existing, long bytes) {
    }

    private final RegistryClients clients;
    private final TransferListener listener;
    private final AtomicInteger copied = new AtomicInteger();
    private final AtomicInteger mounted = new AtomicInteger();
    private final AtomicInteger existing = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    public ImageCopier(RegistryClients clients, TransferListener listener) {
        this.clients = clients;
        this.listener = listener;
    }

    public Result copy(ImageReference source, ImageReference destination, Optional<Platform> platform,
            boolean allPlatforms) throws IOException {
        RegistryClient from = clients.forRegistry(source.registry());
        RegistryClient to = clients.forRegistry(destination.registry());
        String reference = source.digest().map(Digest::toString)
                .orElseGet(() -> source.withDefaultTag().tag().orElseThrow());
        RegistryClient.FetchedManifest top = from.getManifest(source.repository(), reference)
                .orElseThrow(() -> new RegistryException(source.familiar() + ": not found in " + source.registry(),
                        404, Optional.of("MANIFEST_UNKNOWN")));
        String destinationRef = destination.digest().isPresent() && destination.tag().isEmpty()
                ? destination.digest().get().toString() : destination.withDefaultTag().tag().orElseThrow();
        ManifestDocument doc = top.document("manifest of " + source.familiar());
        if (doc instanceof Index index) {
            if (allPlatforms) {
                List<Parallel.Task> children = new ArrayList<>();
                for (Descriptor d : index.manifests()) {
                    children.add(() -> copyManifest(from, to, source, destination, d.digest().toString(),
                            d.digest().toString()));
                }
                Parallel.run(2, children);
                to.putManifest(destination.repository(), destinationRef, top.content(), top.mediaType());
                return result(top.descriptor());
            }
            Platform want = platform.orElseGet(Platform::host);
            Descriptor chosen = index.manifestFor(want).orElseThrow(() -> new RegistryException(source.familiar()
                    + ": no image for " + want, 404, Optional.of("MANIFEST_UNKNOWN")));
            return result(copyManifest(from, to, source, destination, chosen.digest().toString(), destinationRef));
        }
        copyBlobs(from, to, source, destination, (Manifest) doc);
        to.putManifest(destination.repository(), destinationRef, top.content(), top.mediaType());
        return result(top.descriptor());
    }

    private Result result(Descriptor target) {
        return new Result(target, copied.get(), mounted.get(), existing.get(), bytes.get());
    }

    private Descriptor copyManifest(RegistryClient from, RegistryClient to, ImageReference source,
            ImageReference destination, String digest, String destinationRef) throws IOException {
        RegistryClient.FetchedManifest m = from.getManifest(source.repository(), digest)
                .orElseThrow(() -> new RegistryException(source.familiar() + "@" + digest
                        + ": the index names a manifest the registry does not have", 404,
                        Optional.of("MANIFEST_UNKNOWN")));
        ManifestDocument doc = m.document("manifest " + digest);
        if (!(doc instanceof Manifest manifest)) {
            throw new RegistryException(source.familiar() + ": an index inside an index is not supported", 200,
                    Optional.empty());
        }
        copyBlobs(from, to, source, destination, manifest);
        to.putManifest(destination.repository(), destinationRef, m.content(), m.mediaType());
        return m.descriptor();
    }

    private void copyBlobs(RegistryClient from, RegistryClient to, ImageReference source, ImageReference destination,
            Manifest manifest) throws IOException {
        List<Parallel.Task> tasks = new ArrayList<>();
        tasks.add(() -> copyBlob(from, to, source, destination, manifest.config(), "config"));
        List<Descriptor> layers = manifest.layers();
        for (int i = 0; i < layers.size(); i++) {
            Descriptor layer = layers.get(i);
            String label = "layer " + (i + 1) + "/" + layers.size();
            tasks.add(() -> copyBlob(from, to, source, destination, layer, label));
        }
        Parallel.run(clients.options().blobConcurrency(), tasks);
    }

    private void copyBlob(RegistryClient from, RegistryClient to, ImageReference source, ImageReference destination,
            Descriptor blob, String label) throws IOException {
        String repo = destination.repository();
        if (to.hasBlob(repo, blob.digest(), RegistryClient.push(repo))) {
            existing.incrementAndGet();
            listener.finished(blob, label, TransferListener.Outcome.EXISTS);
            return;
        }
        Optional<String> session = Optional.empty();
        if (source.registry().equals(destination.registry())) {
            RegistryClient.MountResult m = to.mount(repo, blob.digest(), source.repository());
            if (m.mounted()) {
                mounted.incrementAndGet();
                listener.finished(blob, label, TransferListener.Outcome.MOUNTED);
                return;
            }
            session = m.uploadLocation();
        }
        TransferProgress progress = listener.started(blob, label);
        to.uploadBlob(repo, blob, offset -> from.openBlob(source.repository(), blob, offset), session, progress);
        copied.incrementAndGet();
        bytes.addAndGet(blob.size());
        listener.finished(blob, label, TransferListener.Outcome.UPLOADED);
    }
}
