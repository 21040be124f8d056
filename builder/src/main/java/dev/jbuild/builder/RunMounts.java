package dev.jbuild.builder;

import dev.jbuild.builder.copy.Copier;
import dev.jbuild.builder.copy.CopyRequest;
import dev.jbuild.builder.copy.CopySource;
import dev.jbuild.builder.fs.RootPath;
import dev.jbuild.builder.run.ExtraMount;
import dev.jbuild.builder.snapshot.OverlayMount;
import dev.jbuild.dockerfile.instructions.RunMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code RUN --mount}s of one step as host directories and files to mount into the container:
 * bind mounts of the context or of another stage or image (read-only, or writable through an
 * overlay whose changes are thrown away), persistent cache directories under
 * {@code <store>/cache/}, tmpfs, and secrets from {@code --secret} (never written to a layer: the
 * mount points are removed before the diff). Closing releases the views and overlays it opened.
 */
final class RunMounts implements AutoCloseable {
    /** Where the file of a heredoc script with a {@code #!} line goes in the step's scratch dir. */
    static Path scriptFile(Path scratch) {
        return scratch.resolve("script");
    }

    /** Where BuildKit mounts such a script in the container: {@code /dev/pipes/NAME}. */
    static String scriptTarget(String heredocName) {
        return "/dev/pipes/" + heredocName;
    }

    private final BuildContext ctx;
    private final Map<Integer, StageState> built;
    private final Path scratch;
    private final List<AutoCloseable> opened = new ArrayList<>();

    RunMounts(BuildContext ctx, Map<Integer, StageState> built, Path scratch) {
        this.ctx = ctx;
        this.built = built;
        this.scratch = scratch;
    }

    List<ExtraMount> resolve(List<RunMount> mounts, Map<String, String> env, Optional<String> scriptName)
            throws IOException {
        List<ExtraMount> out = new ArrayList<>();
        Path script = scriptFile(scratch);
        if (Files.exists(script) && scriptName.isPresent()) {
            Files.setAttribute(script, "unix:mode", 0755);
            out.add(ExtraMount.bind(script, scriptTarget(scriptName.get()), true));
        }
        for (RunMount m : mounts) {
            switch (m.type()) {
                case "bind" -> out.add(bind(m));
                case "cache" -> out.add(cache(m));
                case "tmpfs" -> out.add(ExtraMount.tmpfs(target(m), m.sizeBytes()));
                case "secret" -> secret(m, env).ifPresent(out::add);
                default -> throw new BuildException("RUN --mount=type=" + m.type() + " is not supported yet");
            }
        }
        return out;
    }

    private static String target(RunMount m) throws BuildException {
        return m.target().orElseThrow(() -> new BuildException("--mount=type=" + m.type() + " needs a target"));
    }

    private ExtraMount bind(RunMount m) throws IOException {
        Path root;
        if (m.from().isEmpty()) {
            root = filteredContext();
        } else {
            Filesystems.View view = ctx.filesystems().view(SourceStages.layers(ctx, built, m.from().get()));
            opened.add(view);
            root = view.root();
        }
        Path source = RootPath.resolve(root, m.source().orElse("/"), true);
        if (!Files.exists(source)) {
            throw new BuildException("--mount=type=bind: source " + m.source().orElse("/") + " not found"
                    + m.from().map(f -> " in " + f).orElse(" in the build context"));
        }
        if (m.readOnly()) {
            return ExtraMount.bind(source, target(m), true);
        }
        // Writable, but the writes are thrown away with the step, as BuildKit's rw bind mounts.
        Path dir = Files.createTempDirectory(scratch, "rw-");
        Path empty = Files.createDirectory(dir.resolve("empty"));
        OverlayMount overlay = OverlayMount.mount(List.of(source, empty),
                Optional.of(Files.createDirectory(dir.resolve("upper"))),
                Optional.of(Files.createDirectory(dir.resolve("work"))), dir.resolve("merged"), dir.resolve("links"));
        opened.add(overlay);
        return ExtraMount.bind(overlay.target(), target(m), false);
    }

    /**
     * The context as RUN may see it: without what {@code .dockerignore} excludes (BuildKit sends
     * the build only the files it keeps). With no ignore patterns that is the context itself;
     * otherwise the kept files are copied into the step's scratch dir.
     */
    private Path filteredContext() throws IOException {
        Path context = ctx.request().context();
        if (ctx.request().ignore().patterns().isEmpty()) {
            return context;
        }
        Path copy = Files.createTempDirectory(scratch, "context-");
        Copier.copy(new CopySource(context, true, ctx.request().ignore()), new CopyRequest(List.of("."), "/", "/",
                Optional.empty(), Optional.empty(), false, false, List.of()), copy);
        return copy;
    }

    private ExtraMount cache(RunMount m) throws IOException {
        String id = m.id().orElse(target(m));
        String name = Integer.toHexString(id.hashCode()) + "-" + id.replaceAll("[^A-Za-z0-9_.-]", "_");
        Path dir = ctx.store().root().resolve("cache").resolve(name);
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setAttribute(dir, "unix:mode", m.mode().orElse(0755));
            Files.setAttribute(dir, "unix:uid", m.uid().orElse(0));
            Files.setAttribute(dir, "unix:gid", m.gid().orElse(0));
        }
        return ExtraMount.bind(dir, target(m), m.readOnly());
    }

    private Optional<ExtraMount> secret(RunMount m, Map<String, String> env) throws IOException {
        String id = m.id().orElseGet(() -> m.target().map(t -> Path.of(t).getFileName().toString()).orElse(""));
        Path file = ctx.request().secrets().get(id);
        if (file == null) {
            if (m.required()) {
                throw new BuildException("secret " + id + " is required but was not given (--secret id=" + id
                        + ",src=FILE)");
            }
            return Optional.empty();
        }
        if (m.env().isPresent()) {
            env.put(m.env().get(), Files.readString(file, StandardCharsets.UTF_8));
            if (m.target().isEmpty()) {
                return Optional.empty();
            }
        }
        Path copy = scratch.resolve("secret-" + Integer.toHexString(id.hashCode()));
        Files.copy(file, copy);
        Files.setAttribute(copy, "unix:mode", m.mode().orElse(0400));
        Files.setAttribute(copy, "unix:uid", m.uid().orElse(0));
        Files.setAttribute(copy, "unix:gid", m.gid().orElse(0));
        return Optional.of(ExtraMount.bind(copy, m.target().orElse("/run/secrets/" + id), true));
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof IOException io ? io : new IOException(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
