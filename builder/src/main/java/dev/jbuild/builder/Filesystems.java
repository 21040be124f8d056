package dev.jbuild.builder;

import dev.jbuild.builder.copy.LayerLeaves;
import dev.jbuild.builder.snapshot.LayerCommitter;
import dev.jbuild.builder.snapshot.OverlayMount;
import dev.jbuild.builder.snapshot.Snapshots;
import dev.jbuild.builder.snapshot.Workspace;
import dev.jbuild.layer.apply.Trees;
import dev.jbuild.oci.store.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The file systems of a build: a stage's layers mounted as one overlay, writable for a step that
 * changes files (its upper dir then becomes the step's layer) or read-only for a step that reads
 * another stage or image ({@code COPY --from}, {@code RUN --mount=from=}). Every mount is
 * unmounted when its action ends, whether it succeeded or not. Mounting is what needs a layer's
 * files: a layer with no snapshot yet and no blob in the store (a lazily pulled base's) is fetched
 * then, and only then.
 */
final class Filesystems {
    /** What a step does with the mounted root file system. */
    @FunctionalInterface
    interface Action {
        void run(Path rootfs) throws IOException, InterruptedException;
    }

    /**
     * What a step does that writes straight into its upper dir, reading the stage's file system
     * through a read-only view, and, when it is given {@code leaves}, recording there what need not
     * be written; false when it did nothing and wants the overlay after all.
     */
    @FunctionalInterface
    interface DirectAction {
        boolean run(Path view, Path upper, Optional<LayerLeaves> leaves) throws IOException, InterruptedException;
    }

    /** Brings the blobs of layers the store lacks into it, from wherever they were left. */
    @FunctionalInterface
    interface Fetcher {
        void fetch(List<ImageLayer> layers) throws IOException;
    }

    /** A read-only view of some layers, open until closed. */
    static final class View implements AutoCloseable {
        private final OverlayMount mount;

        private View(OverlayMount mount) {
            this.mount = mount;
        }

        Path root() {
            return mount.target();
        }

        @Override
        public void close() throws IOException {
            mount.close();
        }
    }

    private final BlobStore blobs;
    private final Snapshots snapshots;
    private final Workspace workspace;
    private final LayerCommitter committer;
    private final Fetcher fetcher;

    Filesystems(BlobStore blobs, Snapshots snapshots, Workspace workspace, LayerCommitter committer,
                Fetcher fetcher) {
        this.blobs = blobs;
        this.snapshots = snapshots;
        this.workspace = workspace;
        this.committer = committer;
        this.fetcher = fetcher;
    }

    /** The snapshot dirs of {@code layers} (bottom first), top first as overlay wants them, the empty dir last. */
    private List<Path> lowers(List<ImageLayer> layers) throws IOException {
        // A layer extracted before needs no blob; one never extracted and never downloaded is
        // fetched now, all of the mount's at once.
        List<ImageLayer> absent = layers.stream().filter(l -> !Files.isDirectory(snapshots.path(l.diffId()))
                && !blobs.has(l.blob().digest())).toList();
        if (!absent.isEmpty()) {
            fetcher.fetch(absent);
        }
        List<Path> out = new ArrayList<>();
        for (int i = layers.size() - 1; i >= 0; i--) {
            ImageLayer l = layers.get(i);
            out.add(snapshots.ensure(blobs, l.blob(), l.diffId()));
        }
        out.add(snapshots.empty());
        return out;
    }

    /**
     * Mounts {@code layers} with a fresh upper dir, runs {@code action} on the merged tree, unmounts,
     * and returns the layer of what it changed (empty when it changed nothing).
     */
    Optional<ImageLayer> change(List<ImageLayer> layers, Action action) throws IOException, InterruptedException {
        List<Path> lowers = lowers(layers);
        Path step = workspace.newStepDir("step");
        try {
            Path upper = Files.createDirectory(step.resolve("upper"));
            Path work = Files.createDirectory(step.resolve("work"));
            try (OverlayMount m = OverlayMount.mount(lowers, Optional.of(upper), Optional.of(work),
                    step.resolve("merged"), step.resolve("links"))) {
                action.run(m.target());
            }
            return committer.commit(upper, lowers);
        } finally {
            Trees.deleteRecursively(step);
        }
    }

    /**
     * What a direct change knows of the layer it will make, to make it faster: the digests of the
     * source files its leaves are read from, where known (see {@link LayerLeaves}), its origin,
     * naming the step whose layer it is so that the blob that step wrote last time can be copied
     * while the change still runs (see {@link LayerCommitter#newBlob}), and that blob's writer if
     * the step opened it even earlier ({@link #newBlob(String)}).
     */
    record LayerHints(Function<Path, Optional<String>> knownContent, Optional<String> origin,
                      Optional<BlobStore.Writer> blob) {
        static final LayerHints NONE = new LayerHints(file -> Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * A writer for the blob of a layer of this origin, opened now so that the copy of the blob
     * the origin's layer went to last starts now (see {@link LayerCommitter#newBlob}): for a step
     * that knows early that it will likely make one. Pass it in the {@link LayerHints}; close it.
     */
    BlobStore.Writer newBlob(String origin) throws IOException {
        return committer.newBlob(Optional.of(origin));
    }

    /**
     * Like {@link #change}, but {@code action} writes into the plain upper dir while the layers are
     * mounted read-only beside it; empty when the action declined (it wrote nothing). With
     * {@code layerOnly}, the action may leave files unwritten (recorded in the leaves it is given)
     * when no later step needs them as files.
     */
    Optional<Optional<ImageLayer>> changeDirectly(List<ImageLayer> layers, boolean layerOnly, LayerHints hints,
            DirectAction action) throws IOException, InterruptedException {
        List<Path> lowers = lowers(layers);
        Path step = workspace.newStepDir("step");
        try (BlobStore.Writer blob = layerOnly && hints.blob().isPresent() ? hints.blob().get()
                : committer.newBlob(layerOnly ? hints.origin() : Optional.empty())) {
            Path upper = Files.createDirectory(step.resolve("upper"));
            Optional<LayerLeaves> leaves = layerOnly ? Optional.of(new LayerLeaves(upper, hints.knownContent()))
                    : Optional.empty();
            boolean done;
            try (View view = view(layers)) {
                done = action.run(view.root(), upper, leaves);
            }
            return done ? Optional.of(committer.commit(upper, lowers, leaves, blob, hints.origin())) : Optional.empty();
        } finally {
            Trees.deleteRecursively(step);
        }
    }

    /** A read-only mount of {@code layers}; close it when done. */
    View view(List<ImageLayer> layers) throws IOException {
        List<Path> lowers = lowers(layers);
        Path step = workspace.newStepDir("view");
        if (lowers.size() == 1) {
            // A read-only overlay needs two lower dirs, and distinct ones.
            lowers.add(Files.createDirectory(step.resolve("empty")));
        }
        return new View(OverlayMount.mount(lowers, Optional.empty(), Optional.empty(), step.resolve("merged"),
                step.resolve("links")));
    }
}
