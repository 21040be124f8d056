package dev.jbuild.builder;

import dev.jbuild.builder.cache.CacheKey;
import dev.jbuild.builder.cache.ContextListing;
import dev.jbuild.builder.cache.CopyMemo;
import dev.jbuild.builder.copy.AddRequest;
import dev.jbuild.builder.copy.AddStep;
import dev.jbuild.builder.copy.Copier;
import dev.jbuild.builder.copy.CopyReplay;
import dev.jbuild.builder.copy.CopyRequest;
import dev.jbuild.builder.copy.CopySource;
import dev.jbuild.builder.copy.LayerLeaves;
import dev.jbuild.builder.copy.SourceDigest;
import dev.jbuild.builder.fs.ChmodSpec;
import dev.jbuild.builder.fs.ContainerPaths;
import dev.jbuild.builder.fs.Ids;
import dev.jbuild.builder.fs.UserDb;
import dev.jbuild.dockerfile.DockerfileException;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import dev.jbuild.dockerfile.instructions.Instruction;
import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.apply.Trees;
import dev.jbuild.oci.store.BlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * COPY and ADD: sources from the context (after {@code .dockerignore}), from another stage or an
 * image ({@code --from}), or heredoc files, copied by {@link Copier} (ADD through {@link AddStep},
 * which also extracts local archives and fetches URLs) into the stage's file system, or with
 * {@code --link} into an empty layer of their own.
 */
final class CopyStep {
    private final BuildContext ctx;
    private final StageState state;
    private final Map<Integer, StageState> built;
    private final BuildListener.Step step;
    private final boolean useCache;
    private final boolean filesNeededLater;

    /**
     * @param useCache whether the step may come from the build cache
     * @param filesNeededLater whether a later step reads the stage's files (else a copy into a new
     *     destination need only make the layer; see {@link dev.jbuild.builder.copy.LayerLeaves})
     */
    CopyStep(BuildContext ctx, StageState state, Map<Integer, StageState> built, BuildListener.Step step,
             boolean useCache, boolean filesNeededLater) {
        this.ctx = ctx;
        this.state = state;
        this.built = built;
        this.step = step;
        this.useCache = useCache;
        this.filesNeededLater = filesNeededLater;
    }

    void run(Instruction.Copy c) throws IOException, InterruptedException {
        Optional<ChmodSpec> chmod = c.chmod().isPresent() ? Optional.of(ChmodSpec.parse(c.chmod().get()))
                : Optional.empty();
        Path scratch = Files.createTempDirectory(ctx.workDir(), "copy-");
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            Map<String, String> inline = new LinkedHashMap<>();
            for (Instruction.InlineFile f : c.inlineFiles()) {
                inline.put(f.name(), f.expand() ? heredoc(f.content(), c.line()) : f.content());
            }
            Optional<List<ImageLayer>> fromLayers = c.from().isPresent()
                    ? Optional.of(SourceStages.layers(ctx, built, c.from().get())) : Optional.empty();
            // A URL is fetched anew every time unless its content is pinned by --checksum.
            boolean cacheable = !c.add() || c.checksum().isPresent() || c.sources().stream().noneMatch(AddStep::isUrl);
            String origin = origin(c, inline);
            Optional<BlobStore.Writer> early = earlyBlob(c, inline, origin);
            early.ifPresent(opened::add);
            ctx.cache().apply(ctx, step, state, useCache && cacheable, cacheKey(c, inline, fromLayers), createdBy(c),
                    () -> copy(c, chmod, inline, fromLayers, scratch, opened, origin, early));
        } finally {
            for (AutoCloseable a : opened) {
                try {
                    a.close();
                } catch (Exception e) {
                    throw e instanceof IOException io ? io : new IOException(e);
                }
            }
            Trees.deleteRecursively(scratch);
        }
    }

    /**
     * The writer of the layer's blob, opened before the cache key is computed when the copy will
     * likely run and make a layer of its own from the context (the context changed since its
     * digests were remembered): the copy of the blob this step's layer went to last then starts
     * while the context is still being digested, and the disk, which a one-file rebuild of a large
     * copy waits for at the end, starts half a second earlier. Closed unused on a cache hit.
     */
    private Optional<BlobStore.Writer> earlyBlob(Instruction.Copy c, Map<String, String> inline, String origin)
            throws IOException {
        boolean direct = !c.add() && !c.link() && inline.isEmpty() && c.from().isEmpty();
        if (!useCache || !direct || !ctx.layerOnlyCopies() || filesNeededLater
                || !ctx.contextSources().changed(c.sources())) {
            return Optional.empty();
        }
        return Optional.of(ctx.filesystems().newBlob(origin));
    }

    /**
     * What the copy's result depends on besides the stage's files: the instruction as expanded (every
     * flag, the WORKDIR a relative destination follows), and the sources' content: the heredoc
     * texts, the layers of the {@code --from} stage or image, or the context's files (see
     * {@link SourceDigest}).
     */
    private String cacheKey(Instruction.Copy c, Map<String, String> inline, Optional<List<ImageLayer>> fromLayers)
            throws IOException {
        String content;
        if (!inline.isEmpty()) {
            content = "";
        } else if (fromLayers.isPresent()) {
            content = String.join(",", fromLayers.get().stream().map(l -> l.diffId().toString()).toList());
        } else {
            content = ctx.contextSources().digest(c.sources().stream().filter(s -> !AddStep.isUrl(s)).toList());
        }
        return instructionKey(c, inline).add("content", content).hex();
    }

    /**
     * A name for this step's layer that stays the same when the sources' content changes: the
     * build after an edit guesses that the layer will start as the one this name got last time.
     */
    private String origin(Instruction.Copy c, Map<String, String> inline) {
        return instructionKey(c, inline).add("origin", "layer").hex();
    }

    /** The key of the instruction as expanded, in the stage it runs in, without its sources' content. */
    private CacheKey instructionKey(Instruction.Copy c, Map<String, String> inline) {
        return ctx.cache().key(c.add() ? "ADD" : "COPY", state.layers())
                .add("sources", c.sources())
                .add("inline", inline)
                .add("destination", c.destination())
                .add("workdir", state.workdir())
                .add("from", c.from().orElse(""))
                .add("chown", c.chown().orElse(""))
                .add("chmod", c.chmod().orElse(""))
                .add("flags", List.of("link=" + c.link(), "parents=" + c.parents(), "keep-git-dir=" + c.keepGitDir(),
                        "unpack=" + c.unpack().map(String::valueOf).orElse(""), "checksum=" + c.checksum().orElse("")))
                .add("excludes", c.excludes());
    }

    /** Copies into the stage's files (or an empty tree for --link); the layer of what it changed. */
    private Optional<ImageLayer> copy(Instruction.Copy c, Optional<ChmodSpec> chmod, Map<String, String> inline,
                                      Optional<List<ImageLayer>> fromLayers, Path scratch, List<AutoCloseable> opened,
                                      String origin, Optional<BlobStore.Writer> early)
            throws IOException, InterruptedException {
        Supplier<CopySource> source;
        List<String> sources = c.sources();
        if (!inline.isEmpty()) {
            Path dir = Files.createDirectory(scratch.resolve("inline"));
            for (Map.Entry<String, String> f : inline.entrySet()) {
                Path file = dir.resolve(f.getKey());
                Files.writeString(file, f.getValue(), StandardCharsets.UTF_8);
                Files.setAttribute(file, "unix:mode", 0644);
            }
            CopySource inlined = new CopySource(dir, true, IgnorePatterns.none());
            source = () -> inlined;
            sources = List.copyOf(inline.keySet());
        } else if (fromLayers.isPresent()) {
            Filesystems.View view = ctx.filesystems().view(fromLayers.get());
            opened.add(view);
            CopySource stage = new CopySource(view.root(), false, IgnorePatterns.none());
            source = () -> stage;
        } else {
            // The listing is read into a tree only for a copy that walks the context, not for a replay.
            source = () -> CopySource.context(ctx.request().context(), ctx.request().ignore(),
                    ctx.contextSources().listedTree());
        }
        boolean fromContext = inline.isEmpty() && fromLayers.isEmpty();
        Optional<String> chown = c.chown();
        List<String> finalSources = sources;
        Path tmp = Files.createDirectory(scratch.resolve("tmp"));
        Optional<Ids> linkOwner = c.link() && chown.isPresent() ? Optional.of(linkOwner(chown.get()))
                : Optional.empty();
        Filesystems.Action copy = root -> {
            Optional<Ids> ids = linkOwner.isPresent() ? linkOwner
                    : chown.isPresent() ? Optional.of(UserDb.forChown(root, chown.get())) : Optional.empty();
            CopyRequest request = new CopyRequest(finalSources, c.destination(), state.workdir(), ids, chmod,
                    c.link(), c.parents(), c.excludes());
            if (c.add()) {
                AddStep.add(source.get(), new AddRequest(request, c.checksum(), c.unpack()), root, tmp);
            } else {
                Copier.copy(source.get(), request, root);
            }
        };
        CopyReplay replay = new CopyReplay(CopyMemo.directory(StepCache.directory(ctx.store().root())), origin,
                CacheKey.of("copy-memo").add("ignore", ctx.request().ignore().patterns()).hex(),
                ctx.request().context().toRealPath());
        List<LayerLeaves> leavesUsed = new ArrayList<>(1);
        Optional<Optional<ImageLayer>> direct = c.add() || c.link() ? Optional.empty()
                : ctx.filesystems().changeDirectly(state.layers(), ctx.layerOnlyCopies() && !filesNeededLater,
                        fromContext ? new Filesystems.LayerHints(ctx.contextSources()::knownContent,
                                Optional.of(origin), early) : Filesystems.LayerHints.NONE,
                        (view, upper, leaves) -> {
                    String dest = ContainerPaths.join(state.workdir(), c.destination());
                    Optional<String> fresh = FreshDestination.resolve(view, dest);
                    if (fresh.isEmpty()) {
                        return false;
                    }
                    FreshDestination.mirrorExisting(view, upper, fresh.get());
                    Optional<Ids> ids = chown.isPresent() ? Optional.of(UserDb.forChown(view, chown.get()))
                            : Optional.empty();
                    String target = fresh.get() + (Copier.isDirectoryDestination(c.destination()) ? "/" : "");
                    CopyRequest request = new CopyRequest(finalSources, target, "/", ids, chmod, false,
                            c.parents(), c.excludes());
                    if (leaves.isPresent()) {
                        leavesUsed.add(leaves.get());
                        Optional<List<LayerEntry>> replayed = fromContext && useCache
                                ? replay(replay, chmod, leaves.get()) : Optional.empty();
                        if (replayed.isPresent()) {
                            leaves.get().replay(replayed.get());
                        } else {
                            Copier.copy(source.get(), request, upper, leaves.get());
                        }
                    } else {
                        Copier.copy(source.get(), request, upper);
                    }
                    return true;
                });
        if (direct.isPresent() && direct.get().isPresent() && fromContext && !leavesUsed.isEmpty()) {
            keep(replay, leavesUsed.get(0), direct.get().get());
        }
        return direct.isPresent() ? direct.get()
                : c.link() ? ctx.filesystems().change(List.of(), copy)
                : ctx.filesystems().change(state.layers(), copy);
    }

    /**
     * The layer entries of this copy from the ones its last layer was written from, when the
     * context changed since only in regular files (see {@link CopyReplay}); empty otherwise.
     */
    private Optional<List<LayerEntry>> replay(CopyReplay replay, Optional<ChmodSpec> chmod, LayerLeaves leaves)
            throws IOException {
        Optional<ContextListing> listing = ctx.contextSources().listing();
        if (listing.isEmpty()) {
            return Optional.empty();
        }
        Optional<CopyReplay.Replayed> replayed = replay.replay(listing.get(), chmod, leaves);
        replayed.ifPresent(r -> ctx.listener().note("copy replayed from the last build of this step: "
                + r.changedFiles() + " changed file(s) in the context read again, the rest as it copied them"));
        return replayed.map(CopyReplay.Replayed::entries);
    }

    /**
     * Keeps the entries this copy's layer was written from, for the next build to replay, when
     * they were made from the context's listing: replayed, or recorded from its tree. Only a
     * cache: a failure costs the next build a walk.
     */
    private void keep(CopyReplay replay, LayerLeaves leaves, ImageLayer layer) {
        Optional<ContextListing> listing = ctx.contextSources().listing();
        Optional<List<LayerEntry>> entries = leaves.committedEntries();
        if (listing.isEmpty() || entries.isEmpty()
                || leaves.replayed().isEmpty() && ctx.contextSources().listedTree().isEmpty()) {
            return;
        }
        ctx.cacheWrites().submit("keep the copy's entries for the next build",
                () -> replay.keep(listing.get(), layer.blob().digest(), entries.get()));
    }

    private String heredoc(String body, int line) throws BuildException {
        try {
            return state.scope.expandHeredoc(body, line);
        } catch (DockerfileException e) {
            throw new BuildException(e.getMessage());
        }
    }

    /**
     * With {@code --link} the copy starts from an empty tree, but names are still the stage's
     * users. Numbers need no passwd file, so then the stage's files are not mounted (and a lazily
     * pulled base stays undownloaded).
     */
    private Ids linkOwner(String chown) throws IOException {
        Optional<Ids> numeric = UserDb.numericChown(chown);
        if (numeric.isPresent()) {
            return numeric.get();
        }
        try (Filesystems.View view = ctx.filesystems().view(state.layers())) {
            return UserDb.forChown(view.root(), chown);
        }
    }

    private static String createdBy(Instruction.Copy c) {
        // BuildKit leaves the flags out: "COPY src /dest # buildkit".
        StringBuilder b = new StringBuilder(c.add() ? "ADD " : "COPY ");
        List<String> names = c.inlineFiles().isEmpty() ? c.sources()
                : c.inlineFiles().stream().map(f -> "<<" + f.name()).toList();
        return b.append(String.join(" ", names)).append(' ').append(c.destination()).append(" # buildkit").toString();
    }
}
