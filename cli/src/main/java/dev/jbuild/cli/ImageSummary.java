package dev.jbuild.cli;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One row of {@code jbuild images}: a name and what docker shows for it. The image ID is the
 * config digest, as docker's; for a multi-platform index it is the index digest. The size is the
 * sum of the (compressed) layers and the config, as stored.
 */
record ImageSummary(ImageReference reference, Descriptor target, Digest id, Optional<String> created, long size,
                    Optional<String> platform) {

    String repository() {
        String familiar = reference.withTag("x").familiar();
        return familiar.substring(0, familiar.length() - 2);
    }

    String tag() {
        return reference.tag().orElse("<none>");
    }

    static List<ImageSummary> all(LocalStore store) throws IOException {
        List<ImageSummary> out = new ArrayList<>();
        for (LocalStore.NamedImage image : store.images()) {
            out.add(of(store, image.reference(), image.target()));
        }
        return out;
    }

    static ImageSummary of(LocalStore store, ImageReference ref, Descriptor target) throws IOException {
        if (MediaTypes.isIndex(target.mediaType()) && store.blobs().has(target.digest())) {
            Index index = Json.read(store.blobs().read(target.digest()), Index.class, target.digest().toString());
            Optional<Descriptor> host = index.manifestFor(Platform.host());
            Optional<ImageSummary> inner = host.isPresent() && store.blobs().has(host.get().digest())
                    ? Optional.of(of(store, ref, host.get())) : Optional.empty();
            return new ImageSummary(ref, target, target.digest(), inner.flatMap(ImageSummary::created),
                    inner.map(ImageSummary::size).orElse(0L), Optional.of(index.manifests().size() + " platforms"));
        }
        if (!MediaTypes.isManifest(target.mediaType()) || !store.blobs().has(target.digest())) {
            return new ImageSummary(ref, target, target.digest(), Optional.empty(), 0, Optional.empty());
        }
        Manifest m = Json.read(store.blobs().read(target.digest()), Manifest.class, target.digest().toString());
        long size = m.config().size() + m.layers().stream().mapToLong(Descriptor::size).sum();
        Optional<ImageConfig> config = store.blobs().has(m.config().digest())
                ? Optional.of(Json.read(store.blobs().read(m.config().digest()), ImageConfig.class,
                        m.config().digest().toString()))
                : Optional.empty();
        return new ImageSummary(ref, target, m.config().digest(), config.flatMap(ImageConfig::created), size,
                config.map(c -> c.platform().toString()));
    }
}
