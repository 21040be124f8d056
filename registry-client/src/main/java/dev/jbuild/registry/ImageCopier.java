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
    private final BlobPush blobs;

    public ImageCopier(RegistryClients clients, TransferListener listener) {
        this.clients = clients;
        this.blobs = new BlobPush(listener);
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
                    + ": no image for " + want + "; it has " + ImagePuller.platforms(index), 404,
                    Optional.of("MANIFEST_UNKNOWN")));
            return result(copyManifest(from, to, source, destination, chosen.digest().toString(), destinationRef));
        }
        copyBlobs(from, to, source, destination, (Manifest) doc);
        to.putManifest(destination.repository(), destinationRef, top.content(), top.mediaType());
        return result(top.descriptor());
    }

    private Result result(Descriptor target) {
        return new Result(target, blobs.count(TransferListener.Outcome.UPLOADED),
                blobs.count(TransferListener.Outcome.MOUNTED), blobs.count(TransferListener.Outcome.EXISTS), blobs.bytes());
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
        Parallel.eachBlob(manifest, true, clients.options().blobConcurrency(),
                (blob, label) -> copyBlob(from, to, source, destination, blob, label));
    }

    private void copyBlob(RegistryClient from, RegistryClient to, ImageReference source, ImageReference destination,
            Descriptor blob, String label) throws IOException {
        Optional<String> sameRegistry = source.registry().equals(destination.registry())
                ? Optional.of(source.repository()) : Optional.empty();
        blobs.push(to, destination.repository(), blob, label, d -> sameRegistry,
                (b, l) -> offset -> from.openBlob(source.repository(), b, offset));
    }
}
