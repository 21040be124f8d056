package dev.jbuild.builder;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.ManifestDocument;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.ImagePuller;
import dev.jbuild.registry.RegistryClients;
import dev.jbuild.registry.RemoteLayers;
import dev.jbuild.registry.TransferListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Images a build starts from or copies from ({@code FROM image}, {@code COPY --from=image}),
 * found in the local store and pulled from their registry per {@code --pull}: {@code missing}
 * pulls only what the store lacks, {@code always} asks the registry every time (a pull of an
 * unchanged image downloads nothing), {@code never} only looks in the store. Each reference is
 * resolved once per build.
 *
 * <p>A pull brings the manifest and config only: the layers' digests and diffIDs are all a build
 * needs until a step reads the image's files (a RUN, a COPY into its tree, a {@code COPY --from}),
 * and a build pushed to the registry the image came from may never need them at all (the push
 * mounts them there). So each layer the store lacks is fetched by {@link #fetch} the first time a
 * step mounts it, from the repository the store recorded for it; at the end {@link #reportLazy}
 * says which images' layers were never needed.
 */
final class BaseImages {
    /** An image's config and its layers, bottom first. */
    record Resolved(Descriptor manifest, ImageConfig config, List<ImageLayer> layers) {
    }

    private final LocalStore store;
    private final Supplier<RegistryClients> clients;
    private final BuildRequest.PullPolicy policy;
    private final BuildListener listener;
    private final Platform platform = Platform.host();
    private final Map<String, Resolved> resolved = new HashMap<>();
    /** The layers each resolved image had only in its registry, by the name it was resolved as. */
    private final Map<String, Remote> remote = new LinkedHashMap<>();

    /** Of an image's {@code total} layers, those the store lacked when it was resolved. */
    private record Remote(List<ImageLayer> absent, int total) {
    }

    BaseImages(LocalStore store, Supplier<RegistryClients> clients, BuildRequest.PullPolicy policy,
               BuildListener listener) {
        this.store = store;
        this.clients = clients;
        this.policy = policy;
        this.listener = listener;
    }

    synchronized Resolved resolve(String name) throws IOException {
        Resolved r = resolved.get(name);
        if (r == null) {
            r = load(name);
            resolved.put(name, r);
        }
        return r;
    }

    private Resolved load(String name) throws IOException {
        ImageReference ref;
        try {
            ref = ImageReference.parse(name);
        } catch (IllegalArgumentException e) {
            throw new BuildException("invalid image reference \"" + name + "\": " + e.getMessage());
        }
        Optional<Descriptor> local = policy == BuildRequest.PullPolicy.ALWAYS ? Optional.empty() : store.resolve(ref);
        Descriptor target;
        if (local.isPresent()) {
            target = local.get();
        } else if (policy == BuildRequest.PullPolicy.NEVER) {
            throw new BuildException(ref.familiar() + ": no such image in the local store, and --pull=never "
                    + "forbids pulling it (pull it with 'jbuild pull " + ref.familiar() + "' or import it)");
        } else {
            listener.note("pulling " + ref.familiar());
            try {
                target = new ImagePuller(store, clients.get(), TransferListener.NONE).withoutLayers()
                        .pull(ref, Optional.of(platform), false).target();
            } catch (IOException e) {
                throw new BuildException(ref.familiar() + ": cannot pull the image: " + e.getMessage(), e);
            }
        }
        return read(ref, target);
    }

    private Resolved read(ImageReference ref, Descriptor target) throws IOException {
        ManifestDocument doc = ManifestDocument.read(store.blobs().read(target.digest()));
        if (doc instanceof Index index) {
            Descriptor chosen = index.manifestFor(platform).orElseThrow(() -> new BuildException(ref.familiar()
                    + ": the image has no variant for " + platform + " (the build platform)"));
            return read(ref, chosen);
        }
        Manifest m = (Manifest) doc;
        ImageConfig config = Json.read(store.blobs().read(m.config().digest()), ImageConfig.class,
                "config of " + ref.familiar());
        if (!config.os().equals(platform.os()) || !config.architecture().equals(platform.architecture())) {
            throw new BuildException(ref.familiar() + " is an image for " + config.os() + "/"
                    + config.architecture() + ", not for this machine (" + platform + "); jbuild runs no emulator");
        }
        List<ImageLayer> layers = new ArrayList<>();
        if (config.rootfs().diffIds().size() != m.layers().size()) {
            throw new BuildException(ref.familiar() + ": its manifest has " + m.layers().size()
                    + " layers but its config " + config.rootfs().diffIds().size() + " diffIDs");
        }
        List<ImageLayer> absent = new ArrayList<>();
        for (int i = 0; i < m.layers().size(); i++) {
            ImageLayer layer = new ImageLayer(m.layers().get(i), config.rootfs().diffIds().get(i));
            layers.add(layer);
            if (!store.blobs().has(layer.blob().digest())) {
                absent.add(layer);
            }
        }
        if (!absent.isEmpty()) {
            remote.put(ref.familiar(), new Remote(absent, layers.size()));
        }
        return new Resolved(target, config, layers);
    }

    /**
     * Brings into the store the blobs of {@code layers} it lacks, from the repositories recorded
     * when their images were pulled: a step is about to mount them.
     */
    void fetch(List<ImageLayer> layers) throws IOException {
        List<ImageLayer> absent = layers.stream().filter(l -> !store.blobs().has(l.blob().digest())).toList();
        if (absent.isEmpty()) {
            return;
        }
        synchronized (this) {
            for (Map.Entry<String, Remote> e : remote.entrySet()) {
                long n = e.getValue().absent().stream().filter(absent::contains).count();
                if (n > 0) {
                    listener.note("fetching " + n + " layer" + (n == 1 ? "" : "s") + " of " + e.getKey()
                            + ": a step reads its files");
                }
            }
        }
        try {
            new RemoteLayers(store, clients.get(), TransferListener.NONE)
                    .fetch(absent.stream().map(ImageLayer::blob).toList());
        } catch (IOException e) {
            throw new BuildException(e.getMessage(), e);
        }
    }

    /** Notes each image whose layers the build never needed, so never downloaded. */
    synchronized void reportLazy() throws IOException {
        for (Map.Entry<String, Remote> e : remote.entrySet()) {
            List<ImageLayer> still = e.getValue().absent().stream()
                    .filter(l -> !store.blobs().has(l.blob().digest())).toList();
            if (still.isEmpty()) {
                continue;
            }
            long bytes = still.stream().mapToLong(l -> l.blob().size()).sum();
            String where = store.remote().find(still.get(0).blob().digest()).map(s -> ", left in " + s).orElse("");
            listener.note("base layers of " + e.getKey() + " not needed locally (" + still.size() + " of "
                    + e.getValue().total() + " not downloaded, " + human(bytes) + where + ")");
        }
    }

    private static String human(long bytes) {
        return bytes < 1 << 20 ? (bytes + 1023) / 1024 + " KiB"
                : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }
}
