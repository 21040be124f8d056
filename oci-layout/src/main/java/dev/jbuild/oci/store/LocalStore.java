package dev.jbuild.oci.store;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.ManifestDocument;
import dev.jbuild.oci.MediaTypes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * jbuild's local image store, which is an OCI image layout: {@code oci-layout}, {@code index.json}
 * and {@code blobs/}, so skopeo, umoci and oci-image-tool can read it as it is. Each named image
 * is an {@code index.json} entry annotated with {@code io.containerd.image.name} (the full
 * reference, {@code docker.io/library/app:1}) and {@code org.opencontainers.image.ref.name} (the
 * tag), as BuildKit's OCI exporter writes them.
 *
 * <p>{@code index.json} is replaced atomically under {@link StoreLock}, so concurrent jbuild
 * processes never lose an update and readers never see half a file. Commands that write blobs
 * before naming them hold {@link #writeSession()}, which {@link #prune()} waits for.
 */
public final class LocalStore {
    public static final String IMAGE_NAME = "io.containerd.image.name";
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final byte[] LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

    private final Path root;
    private final BlobStore blobs;
    private final RemoteBlobs remote;

    private LocalStore(Path root) {
        this.root = root;
        this.blobs = new BlobStore(root);
        this.remote = new RemoteBlobs(root);
    }

    /** Opens the store at {@code root}, creating an empty layout there if there is none. */
    public static LocalStore open(Path given) throws IOException {
        Files.createDirectories(given.resolve("blobs/sha256"));
        // The real path: locks are per path within a process, and one store reached through a
        // symlink or a relative path must still be one store.
        Path root = given.toRealPath();
        LocalStore store = new LocalStore(root);
        if (!Files.exists(root.resolve("oci-layout")) || !Files.exists(root.resolve("index.json"))) {
            try (StoreLock lock = StoreLock.exclusive(root.resolve(".lock"))) {
                if (!Files.exists(root.resolve("oci-layout"))) {
                    store.replace("oci-layout", LAYOUT);
                }
                if (!Files.exists(root.resolve("index.json"))) {
                    store.replace("index.json", Json.write(Index.oci(List.of())));
                }
            }
        }
        store.blobs.removeAbandonedIngests();
        return store;
    }

    public Path root() {
        return root;
    }

    public BlobStore blobs() {
        return blobs;
    }

    /** Where the blobs its images name but it does not hold can be fetched (lazily pulled base layers). */
    public RemoteBlobs remote() {
        return remote;
    }

    /**
     * Removes the {@code ingest/} work directory when nothing is in it, so that a layout written
     * for someone else holds only what the image-spec describes (and the two lock files, which
     * must stay for whoever writes there next).
     */
    public void removeEmptyIngest() throws IOException {
        try {
            Files.deleteIfExists(root.resolve("ingest"));
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // another writer is at work there
        }
    }

    /** Held by a command that writes blobs it will name later; keeps {@link #prune()} away. */
    public Hold writeSession() throws IOException {
        return GcLock.of(root).shared();
    }

    /** A name in the store and the manifest or index it points to. */
    public record NamedImage(ImageReference reference, Descriptor target) {
    }

    /** What {@link #prune()} removed. */
    public record PruneResult(int blobs, long bytes) {
    }

    /** The store's top-level index as it is now. */
    public Index index() throws IOException {
        return Json.read(Files.readAllBytes(root.resolve("index.json")), Index.class, root.resolve("index.json").toString());
    }

    /** Named images, in the order they were named. Entries without a name (unnamed layouts) are skipped. */
    public List<NamedImage> images() throws IOException {
        List<NamedImage> out = new ArrayList<>();
        for (Descriptor d : index().manifests()) {
            name(d).ifPresent(ref -> out.add(new NamedImage(ref, d)));
        }
        return out;
    }

    private static Optional<ImageReference> name(Descriptor d) {
        String n = d.annotations().get(IMAGE_NAME);
        if (n == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ImageReference.parse(n));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * What a reference points to: a name in the index, or, for {@code name@digest}, that manifest
     * when its blob is present.
     */
    public Optional<Descriptor> resolve(ImageReference ref) throws IOException {
        if (ref.digest().isPresent()) {
            Digest d = ref.digest().get();
            for (Descriptor entry : index().manifests()) {
                if (entry.digest().equals(d)) {
                    return Optional.of(entry);
                }
            }
            if (!blobs.has(d)) {
                return Optional.empty();
            }
            byte[] content = blobs.read(d);
            ManifestDocument doc = Json.read(content, ManifestDocument.class, d.toString());
            return Optional.of(Descriptor.of(doc.effectiveMediaType(), d, content.length));
        }
        String wanted = ref.withDefaultTag().toString();
        for (Descriptor entry : index().manifests()) {
            if (wanted.equals(entry.annotations().get(IMAGE_NAME))) {
                return Optional.of(entry);
            }
        }
        return Optional.empty();
    }

    /** Points {@code ref} (a name, with the default tag if none) at {@code target}, replacing what it named. */
    public void tag(ImageReference ref, Descriptor target) throws IOException {
        ImageReference named = ref.withDefaultTag();
        if (named.tag().isEmpty()) {
            throw new IllegalArgumentException("cannot name an image by digest only: " + ref + " (add a tag)");
        }
        if (!blobs.has(target.digest())) {
            throw new NoSuchFileException(target.digest().toString(), null, "cannot name " + named.familiar()
                    + ": its manifest is not in the store");
        }
        Descriptor entry = target.withAnnotation(IMAGE_NAME, named.toString()).withAnnotation(REF_NAME, named.tag().get());
        updateIndex(manifests -> {
            manifests.removeIf(d -> named.toString().equals(d.annotations().get(IMAGE_NAME)));
            manifests.add(entry);
            return true;
        });
    }

    /**
     * Lists {@code target} in the index without a name (as an unnamed build's OCI layout output
     * does), unless an unnamed entry for it is there already.
     */
    public void addUnnamed(Descriptor target) throws IOException {
        if (!blobs.has(target.digest())) {
            throw new NoSuchFileException(target.digest().toString(), null, "its manifest is not in the store");
        }
        updateIndex(manifests -> {
            boolean present = manifests.stream().anyMatch(d -> d.digest().equals(target.digest())
                    && !d.annotations().containsKey(IMAGE_NAME) && !d.annotations().containsKey(REF_NAME));
            return !present && manifests.add(target);
        });
    }

    /** Removes a name; false when there was no such name. The blobs stay until {@link #prune()}. */
    public boolean untag(ImageReference ref) throws IOException {
        String wanted = ref.withDefaultTag().toString();
        boolean[] removed = new boolean[1];
        updateIndex(manifests -> {
            removed[0] = manifests.removeIf(d -> wanted.equals(d.annotations().get(IMAGE_NAME)));
            return removed[0];
        });
        return removed[0];
    }

    /** A change to the list of index entries; returns whether it changed anything. */
    @FunctionalInterface
    private interface IndexChange {
        boolean apply(List<Descriptor> manifests);
    }

    private void updateIndex(IndexChange change) throws IOException {
        try (StoreLock lock = StoreLock.exclusive(root.resolve(".lock"))) {
            Index current = index();
            List<Descriptor> manifests = new ArrayList<>(current.manifests());
            if (change.apply(manifests)) {
                replace("index.json", Json.write(current.withManifests(manifests)));
            }
        }
    }

    /**
     * Removes every blob that no name reaches (through indexes, manifests, configs and layers),
     * and the temporary files of dead processes. Waits for commands holding a
     * {@link #writeSession()}.
     */
    public PruneResult prune() throws IOException {
        return prune(store -> {
        });
    }

    /**
     * Which blobs that no name reaches a prune keeps all the same (the build cache's layers): told,
     * under the prune lock, what the names reach.
     */
    @FunctionalInterface
    public interface Keep {
        Set<Digest> more(Set<Digest> reachable) throws IOException;
    }

    /** More pruning that must happen under the same lock, such as the builder's snapshots. */
    @FunctionalInterface
    public interface PruneHook {
        void run(LocalStore store) throws IOException;
    }

    /** Like {@link #prune()}, then runs {@code hook} before letting writers in again. */
    public PruneResult prune(PruneHook hook) throws IOException {
        return prune(reachable -> Set.of(), hook);
    }

    /**
     * Like {@link #prune()}, but also keeps what {@code keep} asks for, and runs {@code hook} before
     * letting writers in again.
     */
    public PruneResult prune(Keep keep, PruneHook hook) throws IOException {
        try (Hold gc = GcLock.of(root).exclusive(); StoreLock lock = StoreLock.exclusive(root.resolve(".lock"))) {
            Set<Digest> reachable = reachable();
            reachable.addAll(keep.more(Set.copyOf(reachable)));
            int count = 0;
            long bytes = 0;
            for (Digest d : blobs.list()) {
                if (!reachable.contains(d)) {
                    Path f = blobs.path(d);
                    bytes += Files.size(f);
                    Files.delete(f);
                    count++;
                }
            }
            remote.prune(blobs, reachable);
            blobs.removeAbandonedIngests();
            blobs.removeFetchLocks();
            hook.run(this);
            return new PruneResult(count, bytes);
        }
    }

    /** Every blob the index reaches (its names and unnamed entries): manifests, indexes, configs, layers. */
    public Set<Digest> reachable() throws IOException {
        Set<Digest> reachable = new HashSet<>();
        for (Descriptor d : index().manifests()) {
            mark(d, reachable);
        }
        return reachable;
    }

    private void mark(Descriptor d, Set<Digest> reachable) throws IOException {
        if (!reachable.add(d.digest()) || !blobs.has(d.digest())) {
            return;
        }
        if (MediaTypes.isManifest(d.mediaType())) {
            Manifest m = Json.read(blobs.read(d.digest()), Manifest.class, d.digest().toString());
            reachable.add(m.config().digest());
            m.layers().forEach(l -> reachable.add(l.digest()));
        } else if (MediaTypes.isIndex(d.mediaType())) {
            Index i = Json.read(blobs.read(d.digest()), Index.class, d.digest().toString());
            for (Descriptor child : i.manifests()) {
                mark(child, reachable);
            }
        }
    }

    /** Atomically replaces a small file at the layout's root (write, fsync, rename, fsync dir). */
    private void replace(String name, byte[] content) throws IOException {
        Path tmp = root.resolve("." + name + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(tmp, root.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            BlobStore.syncDirectory(root);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
