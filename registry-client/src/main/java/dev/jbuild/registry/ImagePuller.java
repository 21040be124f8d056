package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.ManifestDocument;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.Hold;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.store.RemoteBlobs;
import dev.jbuild.oci.transfer.ImageWalker;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Pulls an image from a registry into a store (jbuild's own, or any OCI layout): the manifest
 * (from an index, the one for the wanted platform, or all of them), its config and layers, each
 * blob verified before it is kept; then the name. A blob the store has is never downloaded again,
 * and concurrent pulls of one blob, in this process or others, download it once
 * ({@link dev.jbuild.oci.store.BlobStore#fetchLock}). Blobs go {@link RegistryOptions#blobConcurrency} at a time per image;
 * documents are stored after what they reference, so the store never names incomplete images.
 *
 * <p>{@link #withoutLayers()} pulls only the documents (manifest, config) and records where each
 * missing layer can be fetched ({@link RemoteBlobs}), for a build that may never need the base's
 * files: it keeps the layers lazy, and {@link RemoteLayers} fetches them if something needs them.
 */
public final class ImagePuller {
    /** What a pull did; {@code upToDate} when the store already had it and only a HEAD was sent. */
    public record Result(ImageReference reference, Descriptor target, int downloaded, int present, long bytes,
            boolean upToDate) {
    }

    /**
     * On a store name pulled from a multi-platform index: the digest of that index, which is what
     * the tag resolves to in the registry, so a later pull can tell with a HEAD that nothing changed.
     */
    public static final String SOURCE_DIGEST = "dev.jbuild.source.digest";

    private final LocalStore store;
    private final RegistryClients clients;
    private final TransferListener listener;
    private final boolean layers;
    private final AtomicInteger downloaded = new AtomicInteger();
    private final AtomicInteger present = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    public ImagePuller(LocalStore store, RegistryClients clients, TransferListener listener) {
        this(store, clients, listener, true);
    }

    private ImagePuller(LocalStore store, RegistryClients clients, TransferListener listener, boolean layers) {
        this.store = store;
        this.clients = clients;
        this.listener = listener;
        this.layers = layers;
    }

    /**
     * A puller that downloads manifests and configs only: each layer the store lacks is recorded
     * as being in the pulled repository instead, so the image is named in the store complete but
     * for bytes whose whereabouts are known.
     */
    public ImagePuller withoutLayers() {
        return new ImagePuller(store, clients, listener, false);
    }

    /**
     * Pulls {@code ref}. From an index, the manifest for {@code platform} (the host's when empty),
     * or with {@code allPlatforms} every manifest and the index itself. The image is named
     * {@code ref} unless it was given by digest alone.
     */
    public Result pull(ImageReference ref, Optional<Platform> platform, boolean allPlatforms) throws IOException {
        RegistryClient client = clients.forRegistry(ref.registry());
        String repo = ref.repository();
        String reference = ref.digest().map(Digest::toString)
                .orElseGet(() -> ref.withDefaultTag().tag().orElseThrow());
        try (Hold session = store.writeSession()) {
            Optional<Descriptor> current = upToDate(client, repo, ref, reference, platform, allPlatforms);
            if (current.isPresent()) {
                listener.note(ref.familiar() + ": image is up to date");
                return new Result(ref, current.get(), 0, 0, 0, true);
            }
            RegistryClient.FetchedManifest top = client.getManifest(repo, reference)
                    .orElseThrow(() -> new RegistryException(ref.familiar() + ": not found in " + ref.registry()
                            + " (no such repository or tag, or no access to it)", 404, Optional.of("MANIFEST_UNKNOWN")));
            ManifestDocument doc = top.document("manifest of " + ref.familiar());
            Descriptor target;
            if (doc instanceof Index index) {
                if (allPlatforms) {
                    List<Parallel.Task> children = new ArrayList<>();
                    for (Descriptor d : index.manifests()) {
                        children.add(() -> pullChild(client, repo, ref, d));
                    }
                    Parallel.run(2, children);
                    storeDocument(top);
                    target = top.descriptor();
                } else {
                    Platform want = platform.orElseGet(Platform::host);
                    Descriptor chosen = index.manifestFor(want).orElseThrow(() -> new RegistryException(ref.familiar()
                            + ": no image for " + want + "; it has " + platforms(index), 404,
                            Optional.of("MANIFEST_UNKNOWN")));
                    listener.note(ref.familiar() + ": " + want + " is " + chosen.digest().shortHex());
                    target = pullChild(client, repo, ref, chosen).withPlatform(chosen.platform())
                            .withAnnotation(SOURCE_DIGEST, top.digest().toString());
                }
            } else {
                target = pullImage(client, repo, ref, top, (Manifest) doc, platform);
            }
            if (ref.tag().isPresent() || ref.digest().isEmpty()) {
                store.tag(ref.withDefaultTag(), target);
            }
            return new Result(ref, target, downloaded.get(), present.get(), bytes.get(), false);
        }
    }

    /**
     * The image the store already names {@code ref}, when a HEAD shows the registry's tag still
     * points at what it was pulled from, it suits the platform asked for, and all its blobs are
     * present. A HEAD is cheap and, on Docker Hub, does not count against the pull rate limit.
     */
    private Optional<Descriptor> upToDate(RegistryClient client, String repo, ImageReference ref, String reference,
            Optional<Platform> platform, boolean allPlatforms) throws IOException {
        if (ref.digest().isPresent()) {
            return Optional.empty();
        }
        Optional<Descriptor> have = store.resolve(ref.withDefaultTag());
        if (have.isEmpty()) {
            return Optional.empty();
        }
        Descriptor d = have.get();
        boolean isIndex = MediaTypes.isIndex(d.mediaType());
        if (allPlatforms != isIndex) {
            return Optional.empty();
        }
        if (!allPlatforms && d.platform().isPresent()
                && !platform.orElseGet(Platform::host).matches(d.platform().get())) {
            return Optional.empty();
        }
        if (!allPlatforms && d.platform().isEmpty() && platform.isPresent()) {
            return Optional.empty(); // a single-platform image: let the full pull check its config
        }
        Optional<Descriptor> head = client.headManifest(repo, reference);
        String source = d.annotations().getOrDefault(SOURCE_DIGEST, d.digest().toString());
        if (head.isEmpty() || !head.get().digest().toString().equals(source) || !(layers ? complete(d) : recorded(d))) {
            return Optional.empty();
        }
        return have;
    }

    private boolean complete(Descriptor d) {
        try {
            ImageWalker.blobs(store.blobs(), d, true); // throws when any blob is missing
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // something is missing or unreadable: pull it again
        }
    }

    /** Whether every blob of the image the store lacks is one it knows where to fetch. */
    private boolean recorded(Descriptor d) {
        try {
            for (RemoteLayers.Missing m : RemoteLayers.missing(store, d)) {
                if (m.source().isEmpty()) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static String platforms(Index index) {
        return index.manifests().stream().flatMap(d -> d.platform().stream()).map(Platform::toString)
                .filter(p -> !p.startsWith("unknown")).distinct().collect(Collectors.joining(", "));
    }

    private Descriptor pullChild(RegistryClient client, String repo, ImageReference ref, Descriptor d)
            throws IOException {
        String what = ref.familiar() + "@" + d.digest().shortHex();
        RegistryClient.FetchedManifest child = client.getManifest(repo, d.digest().toString())
                .orElseThrow(() -> new RegistryException(what + ": the index names a manifest the registry does not have",
                        404, Optional.of("MANIFEST_UNKNOWN")));
        ManifestDocument doc = child.document("manifest " + what);
        if (!(doc instanceof Manifest m)) {
            throw new RegistryException(what + ": an index inside an index is not supported", 200, Optional.empty());
        }
        return pullImage(client, repo, ref, child, m, Optional.empty());
    }

    private Descriptor pullImage(RegistryClient client, String repo, ImageReference ref,
            RegistryClient.FetchedManifest fetched, Manifest manifest, Optional<Platform> platform) throws IOException {
        Descriptor config = manifest.config();
        if (config.size() > RegistryClient.MAX_DOCUMENT) {
            throw new RegistryException(ref.familiar() + ": its config is " + config.size()
                    + " bytes, more than the 4 MiB allowed", 200, Optional.empty());
        }
        fetch(client, repo, config, "config");
        if (platform.isPresent() && isImageConfig(config)) {
            ImageConfig c = Json.read(store.blobs().read(config.digest()), ImageConfig.class, "config of " + ref);
            Platform actual = c.platform();
            if (!platform.get().matches(actual)) {
                throw new RegistryException(ref.familiar() + " is a " + actual + " image, not " + platform.get()
                        + " (it has no index of platforms)", 200, Optional.empty());
            }
        }
        if (layers) {
            // The config came first (its platform is checked above): the layers now.
            Parallel.eachBlob(manifest, false, clients.options().blobConcurrency(),
                    (blob, label) -> fetch(client, repo, blob, label));
        } else {
            // Recorded before the manifest is stored and named: the store never names an image
            // with a blob it neither has nor knows where to find.
            for (Descriptor layer : manifest.layers()) {
                if (!store.blobs().has(layer.digest())) {
                    store.remote().record(layer.digest(), new RemoteBlobs.Source(ref.registry(), repo));
                }
            }
        }
        storeDocument(fetched);
        return fetched.descriptor();
    }

    private static boolean isImageConfig(Descriptor config) {
        return config.mediaType().equals(MediaTypes.OCI_CONFIG) || config.mediaType().equals(MediaTypes.DOCKER_CONFIG);
    }

    private void storeDocument(RegistryClient.FetchedManifest m) throws IOException {
        store.blobs().write(new ByteArrayInputStream(m.content()), Optional.of(m.digest()),
                OptionalLong.of(m.content().length));
    }

    private void fetch(RegistryClient client, String repo, Descriptor blob, String label) throws IOException {
        if (BlobDownload.into(store.blobs(), client, repo, blob, label, listener)) {
            downloaded.incrementAndGet();
            bytes.addAndGet(blob.size());
        } else {
            present.incrementAndGet();
        }
    }
}
