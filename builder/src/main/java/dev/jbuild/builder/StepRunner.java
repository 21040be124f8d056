package dev.jbuild.builder;

import dev.jbuild.builder.fs.ContainerPaths;
import dev.jbuild.builder.fs.Ids;
import dev.jbuild.builder.fs.Mkdirs;
import dev.jbuild.builder.fs.UserDb;
import dev.jbuild.dockerfile.DockerfileException;
import dev.jbuild.dockerfile.instructions.Instruction;
import dev.jbuild.oci.ContainerConfig;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Executes the instructions of one stage against its {@link StageState}: variables expanded
 * first, then the config, the file system or both changed as BuildKit changes them.
 */
final class StepRunner {
    private final BuildContext ctx;
    private final StageState state;
    private final Map<Integer, StageState> built;
    private final boolean useCache;
    private boolean cmdSet;

    StepRunner(BuildContext ctx, StageState state, Map<Integer, StageState> built, boolean useCache) {
        this.ctx = ctx;
        this.state = state;
        this.built = built;
        this.useCache = useCache;
    }

    /** Runs one instruction; {@code filesNeededLater}: whether a later step reads the stage's files. */
    void execute(BuildListener.Step step, Instruction written, boolean filesNeededLater)
            throws IOException, InterruptedException {
        Instant start = Instant.now();
        ctx.listener().stepStarted(step);
        try {
            run(step, written, filesNeededLater);
        } catch (IOException | RuntimeException e) {
            reportFailure(ctx.listener(), step, e);
            throw e;
        }
        ctx.listener().stepFinished(step, Duration.between(start, Instant.now()));
    }

    /**
     * Tells the listener that {@code step} failed with {@code e}, unless it was only interrupted
     * because another stage failed first: a display must tell the failure from what it cancelled.
     */
    static void reportFailure(BuildListener listener, BuildListener.Step step, Exception e) {
        if (!(e instanceof InterruptedIOException)) {
            listener.stepFailed(step);
        }
    }

    private void run(BuildListener.Step step, Instruction written, boolean filesNeededLater)
            throws IOException, InterruptedException {
        Instruction ins;
        try {
            ins = state.scope.apply(written);
        } catch (DockerfileException e) {
            throw new BuildException(e.getMessage());
        }
        try {
            dispatch(step, ins, filesNeededLater);
        } catch (BuildException e) {
            throw e.getMessage().startsWith(location(ins)) ? e
                    : new BuildException(location(ins) + " " + step.text() + ": " + e.getMessage(), e);
        }
    }

    private String location(Instruction ins) {
        return ctx.request().dockerfile().fileName() + ":" + ins.line() + ":";
    }

    private void dispatch(BuildListener.Step step, Instruction ins, boolean filesNeededLater)
            throws IOException, InterruptedException {
        ContainerConfig c = state.config().config();
        if (ins instanceof Instruction.Cmd) {
            cmdSet = true;
        }
        Optional<ConfigInstructions.Applied> applied = ConfigInstructions.apply(c, ins, state.shell());
        if (applied.isPresent()) {
            ContainerConfig next = applied.get().config();
            if (ins instanceof Instruction.Entrypoint && !cmdSet) {
                next = next.withCmd(List.of()); // ENTRYPOINT resets a CMD inherited from the base
            }
            state.config(state.config().withConfig(next));
            applied.get().createdBy().ifPresent(this::configOnly);
        } else if (ins instanceof Instruction.Arg a) {
            configOnly("ARG " + a.args().stream()
                    .map(d -> d.name() + d.defaultValue().map(v -> "=" + v).orElse(""))
                    .collect(Collectors.joining(" ")));
        } else if (ins instanceof Instruction.Maintainer m) {
            state.config(state.config().withAuthor(Optional.of(m.maintainer())));
            configOnly("MAINTAINER " + m.maintainer());
        } else if (ins instanceof Instruction.Workdir w) {
            workdir(step, w);
        } else if (ins instanceof Instruction.Run run) {
            new RunStep(ctx, state, built, step, useCache).run(run);
        } else if (ins instanceof Instruction.Copy copy) {
            new CopyStep(ctx, state, built, step, useCache, filesNeededLater).run(copy);
        } else {
            throw new BuildException("unexpected instruction " + ins.getClass().getSimpleName());
        }
    }

    /**
     * A history entry for a step that made no layer. As BuildKit dates it: SOURCE_DATE_EPOCH when
     * set, else the time of the stage's latest layer (so a rebuild whose layers all come from the
     * cache is the same image, byte for byte), else now.
     */
    private void configOnly(String createdBy) {
        Instant created = ctx.request().sourceDateEpoch().or(state::lastLayerTime).orElseGet(ctx::created);
        state.addHistory(StageRunner.history(created, createdBy, true));
    }

    /** WORKDIR: joined to the previous one when relative, created (owned by USER) when missing. */
    private void workdir(BuildListener.Step step, Instruction.Workdir w) throws IOException, InterruptedException {
        String dir = ContainerPaths.join(state.workdir(), w.path());
        state.config(state.config().withConfig(state.config().config().withWorkingDir(Optional.of(dir))));
        String createdBy = "WORKDIR " + dir;
        if (dir.equals("/")) {
            configOnly(createdBy);
            return;
        }
        String user = state.user();
        String key = ctx.cache().key("WORKDIR", state.layers()).add("dir", dir).add("user", user).hex();
        ctx.cache().apply(ctx, step, state, useCache, key, createdBy, () -> ctx.filesystems().change(state.layers(),
                root -> {
                    // BuildKit creates it as USER with chown's rules: a uid without a passwd entry gives uid:uid.
                    Ids ids = UserDb.forChown(root, user);
                    Mkdirs.mkdirs(root, dir, ids.uid(), ids.gid(), 0755);
                }));
    }
}
