package dev.jbuild.builder;

import dev.jbuild.builder.fs.Ids;
import dev.jbuild.builder.fs.UserDb;
import dev.jbuild.builder.run.Containers;
import dev.jbuild.builder.run.ExecSpec;
import dev.jbuild.builder.run.ExtraMount;
import dev.jbuild.builder.run.Limits;
import dev.jbuild.builder.run.TailBuffer;
import dev.jbuild.dockerfile.DockerfileException;
import dev.jbuild.dockerfile.ast.Heredoc;
import dev.jbuild.dockerfile.ast.HeredocWords;
import dev.jbuild.dockerfile.instructions.Instruction;
import dev.jbuild.dockerfile.instructions.RunMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * RUN: the command runs as a container on the stage's file system (a fresh overlay upper dir),
 * as the stage's USER, in its WORKDIR, with its ENV and ARG values, and with the step's
 * {@code --mount}s; what it changed becomes the step's layer. A non-zero exit stops the build with
 * the command, the status and the last lines of its output.
 */
final class RunStep {
    private static final int TAIL_LINES = 20;
    /** BuildKit's hostname for RUN steps. */
    static final String HOSTNAME = "buildkitsandbox";

    private final BuildContext ctx;
    private final StageState state;
    private final Map<Integer, StageState> built;
    private final BuildListener.Step step;
    private final boolean useCache;

    RunStep(BuildContext ctx, StageState state, Map<Integer, StageState> built, BuildListener.Step step,
            boolean useCache) {
        this.ctx = ctx;
        this.state = state;
        this.built = built;
        this.step = step;
        this.useCache = useCache;
    }

    void run(Instruction.Run run) throws IOException, InterruptedException {
        List<RunMount> mounts;
        try {
            mounts = state.scope.mounts(run);
        } catch (DockerfileException e) {
            throw new BuildException(e.getMessage());
        }
        Path scratch = Files.createTempDirectory(ctx.workDir(), "run-");
        List<String> args = arguments(run, scratch);
        Map<String, String> env = new LinkedHashMap<>(state.scope.runEnvironment());
        env.putIfAbsent("PATH", StageState.DEFAULT_PATH);
        boolean isolated = ctx.request().isolatedNetwork() || run.network().map("none"::equals).orElse(false);
        if (run.network().isPresent() && !List.of("default", "none", "host").contains(run.network().get())) {
            throw new BuildException("RUN --network=" + run.network().get() + ": expected default, none or host");
        }
        // BuildKit records the command as it runs it, heredocs rewritten (see arguments()).
        String createdBy = "RUN " + buildArgsPrefix() + String.join(" ", args) + " # buildkit";
        try {
            String key = cacheKey(run, args, env, isolated, mounts);
            ctx.cache().apply(ctx, step, state, useCache, key, createdBy,
                    () -> execute(run, args, env, isolated, mounts, scratch));
        } finally {
            dev.jbuild.layer.apply.Trees.deleteRecursively(scratch);
        }
    }

    /** Runs the command in a container on the stage's files; the layer of what it changed. */
    private Optional<ImageLayer> execute(Instruction.Run run, List<String> args, Map<String, String> env,
                                         boolean isolated, List<RunMount> mounts, Path scratch)
            throws IOException, InterruptedException {
        String user = state.user();
        String cwd = state.workdir();
        TailBuffer tail = new TailBuffer(TAIL_LINES);
        try (RunMounts extra = new RunMounts(ctx, built, scratch)) {
            List<ExtraMount> resolvedMounts = extra.resolve(mounts, env, scriptName(run));
            return ctx.filesystems().change(state.layers(), root -> {
                Ids ids = UserDb.forRun(root, user);
                if (!env.containsKey("HOME")) {
                    env.put("HOME", UserDb.home(root, user));
                }
                ExecSpec spec = new ExecSpec(root, args, env, cwd, ids.uid(), ids.gid(), ids.additionalGids(),
                        isolated, HOSTNAME, resolvedMounts, limits(), scratch.resolve("exec"),
                        Containers.newId());
                int status = ctx.executor().run(spec, (line, stderr) -> {
                    tail.add(line);
                    ctx.listener().output(step, line);
                });
                if (status != 0) {
                    throw new BuildException("process \"" + String.join(" ", args)
                            + "\" did not complete successfully: exit code: " + status + lastLines(tail));
                }
            });
        }
    }

    /**
     * What the command's result depends on besides the stage's files: its argv and heredocs, its
     * environment (ENV, and the ARGs in scope: BuildKit's "first use" of a build argument), user,
     * directory and network, and its mounts, with the content of a bind-mounted context path or the
     * layers of a mounted stage; a secret by its id, never its value.
     */
    private String cacheKey(Instruction.Run run, List<String> args, Map<String, String> env, boolean isolated,
                            List<RunMount> mounts) throws IOException {
        List<String> mountKeys = new ArrayList<>();
        for (RunMount m : mounts) {
            String content = "";
            if (m.type().equals("bind") && m.from().isEmpty()) {
                content = ctx.contextSources().digest(List.of(m.source().orElse("/")));
            } else if (m.from().isPresent() && !m.type().equals("tmpfs")) {
                content = String.join(",", SourceStages.layers(ctx, built, m.from().get()).stream()
                        .map(l -> l.diffId().toString()).toList());
            }
            mountKeys.add(m + " " + content);
        }
        return ctx.cache().key("RUN", state.layers())
                .add("args", args)
                .add("heredocs", run.heredocs().stream().map(h -> h.name() + "\n" + h.content()).toList())
                .add("env", env)
                .add("user", state.user())
                .add("workdir", state.workdir())
                .add("network", isolated ? "none" : "host")
                .add("mounts", mountKeys)
                .hex();
    }

    /** The name of a lone {@code #!} heredoc, whose file is mounted for the step. */
    private static Optional<String> scriptName(Instruction.Run run) {
        return run.heredocs().size() == 1 ? Optional.of(run.heredocs().get(0).name()) : Optional.empty();
    }

    private static String lastLines(TailBuffer tail) {
        List<String> lines = tail.lines();
        return lines.isEmpty() ? "" : "\nlast lines of its output:\n  " + String.join("\n  ", lines);
    }

    private Limits limits() {
        return new Limits(ctx.request().memoryBytes(), ctx.request().cpus(), OptionalLong.of(Limits.DEFAULT_PIDS));
    }

    /**
     * BuildKit's history text names the stage's ARGs with their values ({@code |2 A=1 B= cmd}),
     * an ENV of the same name winning.
     */
    private String buildArgsPrefix() {
        Map<String, String> args = state.scope.declaredArgs();
        if (args.isEmpty()) {
            return "";
        }
        List<String> pairs = new ArrayList<>();
        args.forEach((k, v) -> pairs.add(k + "=" + state.scope.env().getOrDefault(k, v)));
        return "|" + pairs.size() + " " + String.join(" ", pairs) + " ";
    }

    /**
     * The argv of the container, with heredocs rewritten as BuildKit rewrites them. Shell form runs
     * through SHELL with the heredocs appended to the command text (the shell reads them); a
     * command that is only a heredoc is the script itself, run by SHELL, or, when it starts with
     * {@code #!}, a file mounted at {@code /dev/pipes/NAME} that SHELL runs.
     */
    private List<String> arguments(Instruction.Run run, Path scratch) throws IOException {
        Instruction.CommandLine cl = run.command();
        if (!cl.prependShell() || run.heredocs().isEmpty()) {
            return ConfigInstructions.command(cl, state.shell());
        }
        String text = String.join(" ", cl.args());
        Optional<Heredoc> only = HeredocWords.parseWord(text.strip());
        List<String> out = new ArrayList<>(state.shell());
        if (only.isPresent() && run.heredocs().size() == 1) {
            Heredoc doc = run.heredocs().get(0);
            String script = doc.effectiveContent();
            if (script.startsWith("#!")) {
                Files.writeString(RunMounts.scriptFile(scratch), script, StandardCharsets.UTF_8);
                out.add(RunMounts.scriptTarget(doc.name()));
            } else {
                out.add(script);
            }
            return out;
        }
        StringBuilder b = new StringBuilder(text);
        for (Heredoc h : run.heredocs()) {
            b.append('\n').append(h.content()).append(h.name());
        }
        out.add(b.toString());
        return out;
    }
}
