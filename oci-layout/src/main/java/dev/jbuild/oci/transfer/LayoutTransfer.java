package dev.jbuild.oci.transfer;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.store.BlobStore;
import dev.jbuild.oci.store.Hold;
import dev.jbuild.oci.store.LocalStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Copies images between OCI image layouts: from the store to a layout directory
 * ({@code jbuild export}), and from a layout directory into the store ({@code jbuild import}).
 * The store is a layout itself, so both directions are one copy: blobs the destination lacks,
 * children first, each verified against its digest, then the name.
 */
public final class LayoutTransfer {
    private LayoutTransfer() {
    }

    /** Copies the blobs of {@code image} that {@code to} lacks, verifying each. */
    static void copyBlobs(BlobStore from, Descriptor image, BlobStore to) throws IOException {
        for (Descriptor blob : ImageWalker.blobs(from, image, true)) {
            if (!to.has(blob.digest())) {
                try (InputStream in = from.open(blob.digest())) {
                    to.write(in, Optional.of(blob.digest()), OptionalLong.of(blob.size()));
                }
            }
        }
    }

    /**
     * Writes an image of the store into an OCI layout directory, creating it or adding to it
     * without disturbing the images already there; an image of the same name is replaced.
     */
    public static Descriptor export(LocalStore store, ImageReference ref, Path destination) throws IOException {
        return export(store, ref, destination, ref);
    }

    /** Like {@link #export(LocalStore, ImageReference, Path)}, naming the image {@code as} in the layout. */
    public static Descriptor export(LocalStore store, ImageReference ref, Path destination, ImageReference as)
            throws IOException {
        Descriptor image = store.resolve(ref).orElseThrow(() -> new IOException("no such image: " + ref.familiar()));
        LocalStore layout = LocalStore.open(destination);
        try (Hold session = layout.writeSession()) {
            copyBlobs(store.blobs(), image, layout.blobs());
            if (as.withDefaultTag().tag().isPresent()) {
                layout.tag(as, image);
            } else {
                layout.addUnnamed(image); // a digest-only reference: an unnamed build
            }
        }
        layout.removeEmptyIngest();
        return image;
    }

    /** An image listed in a layout's {@code index.json}, and the name it will get. */
    public record Entry(Descriptor descriptor, Optional<ImageReference> name) {
    }

    /**
     * The images of a layout and their names: {@code io.containerd.image.name} when present, else
     * {@code org.opencontainers.image.ref.name} when it is a full reference (skopeo writes
     * {@code app:1}); a bare tag such as {@code latest} gives no name.
     */
    public static List<Entry> entries(Path layoutDir) throws IOException {
        Path indexFile = layoutDir.resolve("index.json");
        if (!Files.isRegularFile(layoutDir.resolve("oci-layout")) || !Files.isRegularFile(indexFile)) {
            throw new IOException(layoutDir + " is not an OCI image layout (no oci-layout or index.json)");
        }
        return entries(Json.read(Files.readAllBytes(indexFile), Index.class, indexFile.toString()));
    }

    static List<Entry> entries(Index index) {
        List<Entry> out = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            out.add(new Entry(d, nameOf(d)));
        }
        return out;
    }

    static Optional<ImageReference> nameOf(Descriptor d) {
        Optional<ImageReference> full = parse(d.annotations().get(LocalStore.IMAGE_NAME));
        if (full.isPresent()) {
            return full;
        }
        String ref = d.annotations().get(LocalStore.REF_NAME);
        boolean bareTag = ref == null || (!ref.contains(":") && !ref.contains("/"));
        return bareTag ? Optional.empty() : parse(ref);
    }

    private static Optional<ImageReference> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ImageReference.parse(text).withDefaultTag());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Imports images from a layout directory. With {@code select}, only the entry whose name or
     * ref.name annotation equals it; with {@code as}, that one image is named {@code as}.
     *
     * @return the names given
     */
    public static List<ImageReference> importLayout(LocalStore store, Path layoutDir, Optional<String> select,
                                                    Optional<ImageReference> as) throws IOException {
        List<Entry> chosen = choose(entries(layoutDir), layoutDir.toString(), select, as);
        BlobStore source = new BlobStore(layoutDir);
        try (Hold session = store.writeSession()) {
            for (Entry e : chosen) {
                copyBlobs(source, e.descriptor(), store.blobs());
            }
            return name(store, chosen, layoutDir.toString(), as);
        }
    }

    /** The entries to import, checked against what the user asked for. */
    static List<Entry> choose(List<Entry> all, String source, Optional<String> select, Optional<ImageReference> as)
            throws IOException {
        List<Entry> chosen = new ArrayList<>();
        for (Entry e : all) {
            if (select.isEmpty() || select.get().equals(e.descriptor().annotations().get(LocalStore.REF_NAME))
                    || e.name().equals(parse(select.get()))) {
                chosen.add(e);
            }
        }
        if (chosen.isEmpty()) {
            throw new IOException(select.map(s -> "no image named " + s + " in " + source)
                    .orElse(source + " holds no images"));
        }
        if (as.isPresent() && chosen.size() > 1) {
            throw new IOException(source + " holds " + chosen.size() + " images; choose one (--ref) to name it "
                    + as.get().familiar());
        }
        for (Entry e : chosen) {
            if (as.isEmpty() && e.name().isEmpty()) {
                throw new IOException("the image " + e.descriptor().digest() + " in " + source + " has no full name"
                        + " (only " + e.descriptor().annotations().getOrDefault(LocalStore.REF_NAME, "no ref.name")
                        + "); give one: jbuild import " + source + " NAME");
            }
        }
        return chosen;
    }

    /** Names imported images whose blobs are all in the store. */
    static List<ImageReference> name(LocalStore store, List<Entry> chosen, String source, Optional<ImageReference> as)
            throws IOException {
        List<ImageReference> named = new ArrayList<>();
        for (Entry e : chosen) {
            ImageWalker.blobs(store.blobs(), e.descriptor(), true); // every blob arrived, or this says which not
            ImageReference name = as.or(e::name).orElseThrow();
            store.tag(name, e.descriptor());
            named.add(name.withDefaultTag());
        }
        return named;
    }
}
