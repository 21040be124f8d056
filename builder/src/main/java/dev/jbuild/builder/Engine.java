package dev.jbuild.builder;

import dev.jbuild.builder.cache.ChunkIndex;
import dev.jbuild.builder.run.Containers;
import dev.jbuild.builder.run.Executor;
import dev.jbuild.builder.run.Executors;
import dev.jbuild.builder.snapshot.LayerCommitter;
import dev.jbuild.builder.snapshot.Snapshots;
import dev.jbuild.builder.snapshot.Workspace;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.oci.ContainerConfig;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.store.Hold;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.RegistryClients;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Runs a build plan into an image in the local store: the stages the target needs, in plan
 * order, then the target's config and manifest written as blobs and named with the {@code -t}
 * names. Pushing and the other outputs are the caller's. Before it starts, it cleans up what a
 * killed jbuild left behind (mounts, containers, scratch directories).
 */
public final class Engine {
    /** The built image: its manifest in the store, and its config. */
    public record Result(Descriptor manifest, ImageConfig config) {
    }

    private final LocalStore store;
    private final Supplier<RegistryClients> clients;
    private final BuildListener listener;
    private final boolean layerOnlyCopies;

    public Engine(LocalStore store, Supplier<RegistryClients> clients, BuildListener listener) {
        this(store, clients, listener, true);
    }

    private Engine(LocalStore store, Supplier<RegistryClients> clients, BuildListener listener,
                   boolean layerOnlyCopies) {
        this.store = store;
        this.clients = clients;
        this.listener = listener;
        this.layerOnlyCopies = layerOnlyCopies;
    }

    /**
     * This engine, but writing every COPY's files to disk, even those only the layer needs (see
     * {@link dev.jbuild.builder.copy.LayerLeaves}); the image must be the same, which tests check.
     */
    public Engine writingEveryCopy() {
        return new Engine(store, clients, listener, false);
    }

    /** The directory where runc keeps the state of jbuild's containers. */
    public static Path runtimeState(LocalStore store) {
        return store.root().resolve("runc");
    }

    /** Removes what killed jbuild processes left: containers, mounts and scratch directories. */
    public static void cleanStale(LocalStore store) throws IOException {
        Containers.cleanStale(runtimeState(store));
        Workspace.cleanStale(store.root());
    }

    public Result build(BuildRequest request) throws IOException, InterruptedException {
        cleanStale(store);
        Executor executor = Executors.choose(request.isolation(), runtimeState(store));
        Instant created = request.sourceDateEpoch().orElseGet(Instant::now);
        LayerOptions layerOptions = LayerOptions.defaults().withSourceDateEpoch(request.sourceDateEpoch());
        Snapshots snapshots = new Snapshots(store.root());
        ContextSources contextSources = new ContextSources(request.context(), request.ignore(),
                StepCache.directory(store.root()));
        boolean saved = false;
        try (Hold session = store.writeSession(); Workspace ws = Workspace.create(store.root());
             ShutdownCleanup cleanup = new ShutdownCleanup(ws); CacheWrites cacheWrites = new CacheWrites(listener::note)) {
            BaseImages images = new BaseImages(store, clients, request.pull(), listener);
            Filesystems fs = new Filesystems(store.blobs(), snapshots, ws,
                    new LayerCommitter(store.blobs(), snapshots, request.compression(), layerOptions,
                            new ChunkIndex(chunkIndexDirectory(store.root()), store.blobs(), !request.noCache()),
                            listener::note),
                    images::fetch);
            BuildContext ctx = new BuildContext(request, store, images,
                    fs, executor, ws.dir(), listener, created, layerOnlyCopies,
                    new StepCache(store.root(), store.blobs(), request), contextSources, cacheWrites);
            Map<Integer, StageState> built = StageScheduler.buildAll(request.plan().stages(), request.jobs(),
                    (stage, done) -> new StageRunner(ctx, stage, done).run());
            StageState target = built.get(request.plan().target().stage().index());
            images.reportLazy();
            Result result = write(finalConfig(target.config(), request, created), target.layers());
            for (ImageReference name : request.tags()) {
                store.tag(name, result.manifest());
            }
            save(contextSources); // here, while the cache writes still run, rather than after them
            saved = true;
            return result;
        } finally {
            if (!saved) {
                save(contextSources);
            }
        }
    }

    /** Saves what the build learnt of its context; only caches, so a failure is noted. */
    private void save(ContextSources contextSources) {
        try {
            contextSources.save();
        } catch (IOException e) {
            // Only caches: the next build reads the context files again.
            listener.note("could not save the context's content index: " + e.getMessage());
        }
    }

    /** Where the members of chunked layers are indexed ({@code jbuild prune} drops entries of pruned blobs). */
    static Path chunkIndexDirectory(Path storeRoot) {
        return StepCache.directory(storeRoot).resolve("chunks");
    }


    private static ImageConfig finalConfig(ImageConfig config, BuildRequest request, Instant created) {
        ContainerConfig c = config.config();
        if (!request.labels().isEmpty()) {
            Map<String, String> labels = new LinkedHashMap<>(c.labels());
            labels.putAll(request.labels());
            c = c.withLabels(labels);
        }
        // As BuildKit: the image was created when its last step was (a base's time if no step ran).
        Optional<Instant> last = config.history().isEmpty() ? Optional.empty()
                : config.history().get(config.history().size() - 1).createdInstant();
        return config.withConfig(c).withCreated(last.orElse(created));
    }

    private Result write(ImageConfig config, List<ImageLayer> layers) throws IOException {
        byte[] configJson = Json.write(config);
        Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.blobs().write(configJson),
                configJson.length);
        byte[] manifestJson = Json.write(Manifest.oci(configDesc, layers.stream().map(ImageLayer::blob).toList()));
        Descriptor manifest = Descriptor.of(MediaTypes.OCI_MANIFEST, store.blobs().write(manifestJson),
                manifestJson.length);
        return new Result(manifest, config);
    }

    /**
     * On Ctrl-C or SIGTERM the JVM runs its shutdown hooks and stops, without unwinding the build:
     * this hook unmounts and deletes the build's workspace then (the executor's own hook kills the
     * running container), so an interrupted build leaves nothing mounted.
     */
    private static final class ShutdownCleanup implements AutoCloseable {
        private final Thread hook;

        ShutdownCleanup(Workspace ws) {
            hook = new Thread(() -> {
                try {
                    ws.close();
                } catch (IOException e) {
                    System.err.println("jbuild: cleaning up the build: " + e.getMessage());
                }
            }, "jbuild-build-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override
        public void close() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or will run; nothing to undo.
            }
        }
    }
}
