package dev.jbuild.builder;

import dev.jbuild.builder.copy.AddRequest;
import dev.jbuild.builder.copy.AddStep;
import dev.jbuild.builder.copy.Copier;
import dev.jbuild.builder.copy.CopyRequest;
import dev.jbuild.builder.copy.CopySource;
import dev.jbuild.builder.fs.ChmodSpec;
import dev.jbuild.builder.fs.ContainerPaths;
import dev.jbuild.builder.fs.Ids;
import dev.jbuild.builder.fs.UserDb;
import dev.jbuild.dockerfile.DockerfileException;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import dev.jbuild.dockerfile.instructions.Instruction;
import dev.jbuild.layer.apply.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
    private final boolean filesNeededLater;

    /**
     * @param filesNeededLater whether a later step reads the stage's files (else a copy into a new
     *     destination need only make the layer; see {@link dev.jbuild.builder.copy.LayerLeaves})
     */
    CopyStep(BuildContext ctx, StageState state, Map<Integer, StageState> built, boolean filesNeededLater) {
        this.ctx = ctx;
        this.state = state;
        this.built = built;
        this.filesNeededLater = filesNeededLater;
    }

    void run(Instruction.Copy c) throws IOException, InterruptedException {
        Optional<ChmodSpec> chmod = c.chmod().isPresent() ? Optional.of(ChmodSpec.parse(c.chmod().get()))
                : Optional.empty();
        Path scratch = Files.createTempDirectory(ctx.workDir(), "copy-");
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            CopySource source;
            List<String> sources = c.sources();
            if (!c.inlineFiles().isEmpty()) {
                Path inline = Files.createDirectory(scratch.resolve("inline"));
                List<String> names = new ArrayList<>();
                for (Instruction.InlineFile f : c.inlineFiles()) {
                    Path file = inline.resolve(f.name());
                    String content = f.expand() ? heredoc(f.content(), c.line()) : f.content();
                    Files.writeString(file, content, StandardCharsets.UTF_8);
                    Files.setAttribute(file, "unix:mode", 0644);
                    names.add(f.name());
                }
                source = new CopySource(inline, true, IgnorePatterns.none());
                sources = names;
            } else if (c.from().isPresent()) {
                Filesystems.View view = ctx.filesystems().view(SourceStages.layers(ctx, built, c.from().get()));
                opened.add(view);
                source = new CopySource(view.root(), false, IgnorePatterns.none());
            } else {
                source = new CopySource(ctx.request().context(), true, ctx.request().ignore());
            }
            Optional<String> chown = c.chown();
            List<String> finalSources = sources;
            Path tmp = Files.createDirectory(scratch.resolve("tmp"));
            Optional<Ids> linkOwner = c.link() && chown.isPresent() ? Optional.of(resolveOwnerFromStage(chown.get()))
                    : Optional.empty();
            Filesystems.Action copy = root -> {
                Optional<Ids> ids = linkOwner.isPresent() ? linkOwner
                        : chown.isPresent() ? Optional.of(UserDb.forChown(root, chown.get())) : Optional.empty();
                CopyRequest request = new CopyRequest(finalSources, c.destination(), state.workdir(), ids, chmod,
                        c.link(), c.parents(), c.excludes());
                if (c.add()) {
                    AddStep.add(source, new AddRequest(request, c.checksum(), c.unpack()), root, tmp);
                } else {
                    Copier.copy(source, request, root);
                }
            };
            Optional<Optional<ImageLayer>> direct = c.add() || c.link() ? Optional.empty()
                    : ctx.filesystems().changeDirectly(state.layers(), ctx.layerOnlyCopies() && !filesNeededLater,
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
                            Copier.copy(source, request, upper, leaves.get());
                        } else {
                            Copier.copy(source, request, upper);
                        }
                        return true;
                    });
            Optional<ImageLayer> layer = direct.isPresent() ? direct.get()
                    : c.link() ? ctx.filesystems().change(List.of(), copy)
                    : ctx.filesystems().change(state.layers(), copy);
            state.record(layer, ctx.created(), createdBy(c));
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

    private String heredoc(String body, int line) throws BuildException {
        try {
            return state.scope.expandHeredoc(body, line);
        } catch (DockerfileException e) {
            throw new BuildException(e.getMessage());
        }
    }

    /** With {@code --link} the copy starts from an empty tree, but names are still the stage's users. */
    private Ids resolveOwnerFromStage(String chown) throws IOException {
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
