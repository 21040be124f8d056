package dev.jbuild.builder;

import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.DockerfileException;
import dev.jbuild.dockerfile.Stage;
import dev.jbuild.dockerfile.instructions.Instruction;
import dev.jbuild.dockerfile.plan.Base;
import dev.jbuild.dockerfile.plan.StagePlan;
import dev.jbuild.dockerfile.plan.StageScope;
import dev.jbuild.oci.ContainerConfig;
import dev.jbuild.oci.HistoryEntry;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds one stage: starts from its base (an image, an earlier stage, or scratch), runs the base's
 * ONBUILD triggers, then each instruction in order, logging every step with its number and
 * duration. Config instructions change the config and add a history entry with
 * {@code empty_layer}; RUN, COPY, ADD and WORKDIR change files and add a layer when they changed
 * something.
 */
final class StageRunner {
    static final String HISTORY_COMMENT = "buildkit.dockerfile.v0";

    private final BuildContext ctx;
    private final StagePlan plan;
    private final Map<Integer, StageState> built;

    StageRunner(BuildContext ctx, StagePlan plan, Map<Integer, StageState> built) {
        this.ctx = ctx;
        this.plan = plan;
        this.built = built;
    }

    StageState run() throws IOException, InterruptedException {
        Stage stage = plan.stage();
        List<Instruction> triggers = new ArrayList<>();
        int total = stage.instructions().size() + 1;
        // As BuildKit labels steps: [2/5] with one stage, [build 2/5] or [stage-1 2/5] with several.
        String label = ctx.request().dockerfile().stages().size() == 1 ? ""
                : stage.name().orElse("stage-" + stage.index());
        BuildListener.Step from = new BuildListener.Step(label, 1, total, stage.from().source());
        Instant start = Instant.now();
        ctx.listener().stepStarted(from);
        StageState state;
        try {
            state = start(stage, triggers);
        } catch (IOException | RuntimeException e) {
            StepRunner.reportFailure(ctx.listener(), from, e);
            throw e;
        }
        ctx.listener().stepFinished(from, Duration.between(start, Instant.now()));
        StepRunner steps = new StepRunner(ctx, state, built, usesCache(stage));
        for (Instruction trigger : triggers) {
            steps.execute(new BuildListener.Step(label, 1, total, "ONBUILD " + trigger.source()), trigger, true);
        }
        List<Instruction> instructions = stage.instructions();
        for (int i = 0; i < instructions.size(); i++) {
            Instruction ins = instructions.get(i);
            steps.execute(new BuildListener.Step(label, i + 2, total, ins.source()), ins, filesNeededAfter(i));
        }
        return state;
    }

    /** Whether the stage's steps may come from the cache: no --no-cache, and not named in --no-cache-filter. */
    private boolean usesCache(Stage stage) {
        var filter = ctx.request().noCacheStages();
        return !ctx.request().noCache() && !filter.contains(String.valueOf(stage.index()))
                && stage.name().map(n -> !filter.contains(n)).orElse(true);
    }

    /**
     * Whether anything reads this stage's files after its instruction {@code index}: a later RUN,
     * COPY, ADD or WORKDIR of the stage, or, unless it is the target, the stages built on it or
     * copying from it.
     */
    private boolean filesNeededAfter(int index) {
        if (plan.stage().index() != ctx.request().plan().target().stage().index()) {
            return true;
        }
        List<Instruction> instructions = plan.stage().instructions();
        return instructions.subList(index + 1, instructions.size()).stream().anyMatch(ins ->
                ins instanceof Instruction.Run || ins instanceof Instruction.Copy || ins instanceof Instruction.Workdir);
    }

    private StageState start(Stage stage, List<Instruction> triggers) throws IOException {
        ImageConfig config;
        List<ImageLayer> layers;
        Base base = plan.base();
        if (base instanceof Base.Scratch) {
            Platform p = Platform.host();
            config = ImageConfig.of(p).withConfig(ContainerConfig.EMPTY.withWorkingDir(Optional.of("/"))
                    .withEnv(List.of("PATH=" + StageState.DEFAULT_PATH)));
            layers = List.of();
        } else if (base instanceof Base.StageRef ref) {
            StageState parent = built.get(ref.index());
            config = parent.config();
            layers = parent.layers();
        } else {
            BaseImages.Resolved img = ctx.images().resolve(((Base.Image) base).reference());
            config = img.config();
            layers = img.layers();
            if (config.config().envValue("PATH").isEmpty()) {
                // BuildKit gives an image without PATH the default one, in the config too.
                config = config.withConfig(config.config().withEnvVar("PATH", StageState.DEFAULT_PATH));
            }
        }
        for (String trigger : config.config().onBuild()) {
            triggers.add(parseTrigger(trigger, stage));
        }
        // Triggers run in this stage only; a grandchild does not inherit them.
        config = config.withConfig(config.config().withOnBuild(List.of()))
                .withCreated(Optional.empty());
        Map<String, String> env = envMap(config.config().env());
        StageScope scope = new StageScope(ctx.request().dockerfile().fileName(),
                ctx.request().dockerfile().escapeToken(), env, ctx.request().buildArgs(),
                ctx.request().plan().globalArgs());
        return new StageState(config, layers, scope);
    }

    private Instruction parseTrigger(String trigger, Stage stage) throws BuildException {
        Dockerfile df = ctx.request().dockerfile();
        try {
            Dockerfile parsed = Dockerfile.parse("ONBUILD trigger of the base of stage " + stage.displayName(),
                    ("FROM scratch\n" + trigger + "\n").getBytes(StandardCharsets.UTF_8));
            return parsed.stages().get(0).instructions().get(0);
        } catch (DockerfileException | IndexOutOfBoundsException e) {
            throw new BuildException(df.fileName() + ":" + stage.from().line() + ": invalid ONBUILD trigger \""
                    + trigger + "\" in the base image: " + e.getMessage());
        }
    }

    private static Map<String, String> envMap(List<String> env) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq > 0) {
                m.putIfAbsent(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        return m;
    }

    static HistoryEntry history(Instant created, String createdBy, boolean emptyLayer) {
        HistoryEntry h = HistoryEntry.layer(created, createdBy).withComment(Optional.of(HISTORY_COMMENT));
        return emptyLayer ? h.withEmptyLayer(true) : h;
    }
}
