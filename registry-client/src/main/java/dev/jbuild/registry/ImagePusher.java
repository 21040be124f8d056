package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.ManifestDocument;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.store.RemoteBlobs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pushes an image (a manifest, or an index and its manifests) from a store to a registry. Each
 * blob is first asked for ({@code HEAD}); one the store knows to be in another repository of the
 * same registry is mounted from there; the rest are uploaded, each digest once however many
 * manifests or layers share it. Manifests go after their blobs and an index after its manifests.
 * A layer the store never downloaded (a lazily pulled base's, recorded in {@link RemoteBlobs}) is
 * mounted from its recorded repository when that is on the destination's registry, and otherwise
 * streamed from there into the upload, without a stop on disk.
 * When the destination tag already names this very manifest, nothing is sent at all: a registry
 * only accepts a manifest whose blobs it has.
 */
public final class ImagePusher {
    /** What a push did. */
    public record Result(ImageReference destination, Descriptor target, int uploaded, int mounted, int existing,
            long bytes, boolean upToDate) {
    }

    private final LocalStore store;
    private final RegistryClients clients;
    private final TransferListener listener;
    private final BlobPush blobs;
    private Lazy<Map<Digest, String>> mountSources;

    public ImagePusher(LocalStore store, RegistryClients clients, TransferListener listener) {
        this.store = store;
        this.clients = clients;
        this.listener = listener;
        this.blobs = new BlobPush(listener);
    }

    /** Pushes the manifest or index {@code target}, which is in the store, to {@code destination}. */
    public Result push(Descriptor target, ImageReference destination) throws IOException {
        RegistryClient client = clients.forRegistry(destination.registry());
        String repo = destination.repository();
        String reference = destination.digest().isPresent() && destination.tag().isEmpty()
                ? destination.digest().get().toString() : destination.withDefaultTag().tag().orElseThrow();
        if (destination.digest().isPresent() && !destination.digest().get().equals(target.digest())) {
            throw new IOException("cannot push " + target.digest() + " as " + destination.familiar()
                    + ": the destination names another digest");
        }
        Optional<Descriptor> there = client.headManifest(repo, reference);
        if (there.isPresent() && there.get().digest().equals(target.digest())) {
            listener.note(destination.familiar() + " is already " + target.digest().shortHex());
            return new Result(destination, target, 0, 0, 0, 0, true);
        }
        // Reading every named image of the store costs; only a blob the registry lacks needs it.
        mountSources = new Lazy<>(() -> mountSources(destination));
        byte[] content = store.blobs().read(target.digest());
        ManifestDocument doc = ManifestDocument.read(content, Optional.of(target.mediaType()), "manifest " + target.digest());
        if (doc instanceof Index index) {
            List<Parallel.Task> children = new ArrayList<>();
            for (Descriptor d : index.manifests()) {
                if (!store.blobs().has(d.digest())) {
                    // An index pulled for one platform: only what is here can go.
                    throw new IOException(destination.familiar() + ": the index names " + d.digest().shortHex()
                            + d.platform().map(p -> " (" + p + ")").orElse("")
                            + ", which is not in the store; pull with --all-platforms first");
                }
                children.add(() -> pushManifest(client, repo, d, d.digest().toString()));
            }
            Parallel.run(2, children);
        }
        pushManifest(client, repo, reference, content, doc);
        return new Result(destination, target, blobs.count(TransferListener.Outcome.UPLOADED),
                blobs.count(TransferListener.Outcome.MOUNTED), blobs.count(TransferListener.Outcome.EXISTS), blobs.bytes(),
                false);
    }

    private void pushManifest(RegistryClient client, String repo, Descriptor d, String reference) throws IOException {
        byte[] content = store.blobs().read(d.digest());
        pushManifest(client, repo, reference, content,
                ManifestDocument.read(content, Optional.of(d.mediaType()), "manifest " + d.digest()));
    }

    /** A manifest's blobs, then the manifest; an index only by its own PUT (its manifests go first). */
    private void pushManifest(RegistryClient client, String repo, String reference, byte[] content,
            ManifestDocument doc) throws IOException {
        if (doc instanceof Manifest m) {
            Parallel.eachBlob(m, true, clients.options().blobConcurrency(),
                    (blob, label) -> pushBlob(client, repo, blob, label));
        }
        client.putManifest(repo, reference, content, doc.effectiveMediaType());
    }

    private void pushBlob(RegistryClient client, String repo, Descriptor blob, String label) throws IOException {
        blobs.push(client, repo, blob, label, d -> mountFrom(client.registry(), repo, d), (b, l) -> {
            if (store.blobs().has(b.digest())) {
                Path file = store.blobs().path(b.digest());
                return offset -> open(file, offset);
            }
            Optional<RemoteBlobs.Source> remote = store.remote().find(b.digest());
            if (remote.isEmpty()) {
                throw new IOException(l + " " + b.digest() + " is not in the store and not in " + client.registry()
                        + "/" + repo + "; pull the image again");
            }
            // Another registry, or a mount it declined: the bytes go from there to here as they come.
            RegistryClient from = clients.forRegistry(remote.get().registry());
            String fromRepo = remote.get().repository();
            return offset -> from.openBlob(fromRepo, b, offset);
        });
    }

    /** Another repository of the destination's registry that has the blob: a named image's, or the recorded source. */
    private Optional<String> mountFrom(String registry, String repo, Digest digest) throws IOException {
        String named = mountSources.get().get(digest);
        if (named != null) {
            return Optional.of(named);
        }
        return store.remote().find(digest)
                .filter(s -> s.registry().equals(registry) && !s.repository().equals(repo))
                .map(RemoteBlobs.Source::repository);
    }

    private static InputStream open(Path file, long offset) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ch.position(offset);
        return Channels.newInputStream(ch);
    }

    /**
     * Blobs known to be in other repositories of the destination's registry: those of images in
     * the store named there (pulled from there, or pushed there before).
     */
    private Map<Digest, String> mountSources(ImageReference destination) throws IOException {
        Map<Digest, String> sources = new HashMap<>();
        for (LocalStore.NamedImage image : store.images()) {
            ImageReference name = image.reference();
            if (!name.registry().equals(destination.registry()) || name.repository().equals(destination.repository())) {
                continue;
            }
            collect(image.target(), name.repository(), sources);
        }
        return sources;
    }

    private void collect(Descriptor d, String repository, Map<Digest, String> sources) throws IOException {
        if (!store.blobs().has(d.digest())) {
            return;
        }
        ManifestDocument doc;
        try {
            doc = ManifestDocument.read(store.blobs().read(d.digest()), Optional.of(d.mediaType()), "manifest");
        } catch (RuntimeException notAnImage) {
            return;
        }
        if (doc instanceof Manifest m) {
            sources.putIfAbsent(m.config().digest(), repository);
            for (Descriptor layer : m.layers()) {
                sources.putIfAbsent(layer.digest(), repository);
            }
        } else if (doc instanceof Index i) {
            for (Descriptor child : i.manifests()) {
                collect(child, repository, sources);
            }
        }
    }
}
