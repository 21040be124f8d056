package dev.jbuild.dockerfile.plan;

import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.DockerfileException;
import dev.jbuild.dockerfile.Stage;
import dev.jbuild.dockerfile.instructions.Instruction;
import dev.jbuild.dockerfile.instructions.RunMount;
import dev.jbuild.dockerfile.instructions.Suggest;
import dev.jbuild.dockerfile.shell.Expansion;
import dev.jbuild.dockerfile.shell.ExpansionException;
import dev.jbuild.dockerfile.shell.ShellWordExpander;
import dev.jbuild.dockerfile.shell.VariableLookup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Compiles a Dockerfile into a {@link BuildPlan}, resolving stages as BuildKit does: FROM names a
 * stage only if an earlier stage has that name; {@code COPY --from} takes a stage index, any
 * stage's name, or else an image reference, and never a variable; {@code RUN --mount from=} takes
 * a stage name or an image. With duplicate stage names (allowed, as in BuildKit) FROM takes the latest
 * earlier one and the others the last one. Only the stages the target needs are planned; a dependency cycle or a
 * copy from a stage defined later is an error on the line that causes it.
 */
public final class Planner {
    private final Dockerfile df;
    private final PlanOptions options;
    private final ShellWordExpander expander;
    private final Map<String, Integer> byName = new HashMap<>();

    private Planner(Dockerfile df, PlanOptions options) {
        this.df = df;
        this.options = options;
        this.expander = new ShellWordExpander(df.escapeToken());
        for (Stage s : df.stages()) {
            s.name().ifPresent(n -> byName.put(n, s.index()));
        }
    }

    public static BuildPlan plan(Dockerfile df, PlanOptions options) throws DockerfileException {
        return new Planner(df, options).plan();
    }

    /** A dependency of a stage and the line that creates it. */
    private record Edge(int stage, int line) {
    }

    private BuildPlan plan() throws DockerfileException {
        Map<String, String> globals = GlobalArgs.resolve(df, options);
        int count = df.stages().size();
        List<Base> bases = new ArrayList<>();
        List<Optional<Platform>> platforms = new ArrayList<>();
        List<List<Edge>> edges = new ArrayList<>();
        List<List<String>> images = new ArrayList<>();
        for (Stage stage : df.stages()) {
            bases.add(base(stage, globals));
            platforms.add(platform(stage, globals));
            List<Edge> deps = new ArrayList<>();
            LinkedHashSet<String> imgs = new LinkedHashSet<>();
            if (bases.get(stage.index()) instanceof Base.StageRef ref) {
                deps.add(new Edge(ref.index(), stage.from().line()));
                addSources(onbuildTriggers(df.stages().get(ref.index())), stage, deps, imgs);
            }
            addSources(stage.instructions(), stage, deps, imgs);
            edges.add(deps);
            images.add(new ArrayList<>(imgs));
        }
        checkCycles(edges);
        Stage target = target();
        boolean[] needed = new boolean[count];
        mark(target.index(), edges, needed);
        int[] level = new int[count];
        List<StagePlan> plans = new ArrayList<>();
        StagePlan targetPlan = null;
        for (Stage stage : df.stages()) {
            if (!needed[stage.index()]) {
                continue;
            }
            TreeSet<Integer> needs = new TreeSet<>();
            for (Edge e : edges.get(stage.index())) {
                if (e.stage() > stage.index()) {
                    throw new DockerfileException(df.fileName(), e.line(), "cannot copy from stage \""
                            + df.stages().get(e.stage()).displayName() + "\", it needs to be defined before current stage \""
                            + stage.displayName() + "\" (move that stage above this one)");
                }
                needs.add(e.stage());
                level[stage.index()] = Math.max(level[stage.index()], level[e.stage()] + 1);
            }
            StagePlan plan = new StagePlan(stage, bases.get(stage.index()), platforms.get(stage.index()), needs,
                    images.get(stage.index()), level[stage.index()]);
            plans.add(plan);
            if (stage == target) {
                targetPlan = plan;
            }
        }
        return new BuildPlan(targetPlan, plans, globals);
    }

    private Base base(Stage stage, Map<String, String> globals) throws DockerfileException {
        String written = stage.from().baseName();
        String name = expand(written, globals, stage.from().line());
        if (name.isEmpty()) {
            throw new DockerfileException(df.fileName(), stage.from().line(), "base name (" + written
                    + ") should not be blank" + unsetHint(written, globals));
        }
        for (int i = stage.index() - 1; i >= 0; i--) {
            // With duplicate names, FROM takes the latest stage of that name defined before it.
            if (df.stages().get(i).name().filter(name::equals).isPresent()) {
                return new Base.StageRef(i);
            }
        }
        if (name.equals("scratch")) {
            return new Base.Scratch();
        }
        return new Base.Image(name);
    }

    private Optional<Platform> platform(Stage stage, Map<String, String> globals) throws DockerfileException {
        if (stage.from().platform().isEmpty()) {
            return Optional.empty();
        }
        String written = stage.from().platform().get();
        String value = expand(written, globals, stage.from().line());
        if (value.isEmpty()) {
            throw new DockerfileException(df.fileName(), stage.from().line(),
                    "empty platform value from expression " + written + unsetHint(written, globals));
        }
        try {
            return Optional.of(Platform.parse(value));
        } catch (IllegalArgumentException e) {
            throw new DockerfileException(df.fileName(), stage.from().line(), "failed to parse platform "
                    + written + ": " + e.getMessage());
        }
    }

    private String unsetHint(String written, Map<String, String> globals) {
        try {
            Expansion x = expander.expandWithMatches(written, VariableLookup.of(globals));
            if (!x.unmatched().isEmpty()) {
                return ": " + String.join(", ", x.unmatched()) + (x.unmatched().size() == 1 ? " is" : " are")
                        + " not set (declare it with ARG before the first FROM, give it a default, or pass --build-arg)";
            }
        } catch (ExpansionException ignored) {
            // the caller already reported the expansion itself
        }
        return "";
    }

    private String expand(String word, Map<String, String> vars, int line) throws DockerfileException {
        try {
            return expander.expand(word, VariableLookup.of(vars));
        } catch (ExpansionException e) {
            throw new DockerfileException(df.fileName(), line, e.getMessage());
        }
    }

    /** The ONBUILD triggers a stage leaves to stages built FROM it. */
    private List<Instruction> onbuildTriggers(Stage base) {
        List<Instruction> triggers = new ArrayList<>();
        for (Instruction i : base.instructions()) {
            if (i instanceof Instruction.Onbuild o) {
                triggers.add(o.trigger());
            }
        }
        return triggers;
    }

    private void addSources(List<Instruction> instructions, Stage stage, List<Edge> deps, LinkedHashSet<String> imgs)
            throws DockerfileException {
        for (Instruction ins : instructions) {
            if (ins instanceof Instruction.Copy c && c.from().isPresent()) {
                copySource(c.from().get(), c.line(), stage, deps, imgs);
            } else if (ins instanceof Instruction.Run r) {
                for (String spec : r.mountSpecs()) {
                    Optional<String> from = RunMount.from(spec);
                    if (from.isPresent()) {
                        Integer idx = byName.get(from.get().toLowerCase(java.util.Locale.ROOT));
                        if (idx != null) {
                            deps.add(new Edge(idx, r.line()));
                        } else {
                            imgs.add(from.get());
                        }
                    }
                }
            }
        }
    }

    private void copySource(String from, int line, Stage stage, List<Edge> deps, LinkedHashSet<String> imgs)
            throws DockerfileException {
        String literal = expand(from, Map.of(), line);
        if (!literal.equals(from)) {
            throw new DockerfileException(df.fileName(), line, "variable expansion is not supported for --from,"
                    + " define a new stage with FROM using ARG from global scope as a workaround");
        }
        Optional<Integer> index = goAtoi(from);
        if (index.isPresent()) {
            int i = index.get();
            if (i < 0 || i >= df.stages().size()) {
                throw new DockerfileException(df.fileName(), line, "invalid stage index " + i + " (stages are numbered 0 to "
                        + (df.stages().size() - 1) + ")");
            }
            deps.add(new Edge(i, line));
            return;
        }
        Integer named = byName.get(from.toLowerCase(java.util.Locale.ROOT));
        if (named != null) {
            deps.add(new Edge(named, line));
        } else {
            imgs.add(from);
        }
    }

    /** Go's strconv.Atoi: an optional sign and decimal digits. */
    private static Optional<Integer> goAtoi(String s) {
        if (!s.matches("[+-]?[0-9]+")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void checkCycles(List<List<Edge>> edges) throws DockerfileException {
        int[] state = new int[edges.size()];
        for (int i = 0; i < edges.size(); i++) {
            visit(i, edges, state);
        }
    }

    private void visit(int i, List<List<Edge>> edges, int[] state) throws DockerfileException {
        if (state[i] == 2) {
            return;
        }
        state[i] = 1;
        for (Edge e : edges.get(i)) {
            if (state[e.stage()] == 1) {
                throw new DockerfileException(df.fileName(), e.line(), "circular dependency detected on stage: "
                        + df.stages().get(e.stage()).displayName());
            }
            visit(e.stage(), edges, state);
        }
        state[i] = 2;
    }

    private void mark(int i, List<List<Edge>> edges, boolean[] needed) {
        if (needed[i]) {
            return;
        }
        needed[i] = true;
        for (Edge e : edges.get(i)) {
            mark(e.stage(), edges, needed);
        }
    }

    private Stage target() throws DockerfileException {
        List<Stage> stages = df.stages();
        if (options.target().isEmpty()) {
            return stages.get(stages.size() - 1);
        }
        String wanted = options.target().get();
        Integer idx = byName.get(wanted.toLowerCase(java.util.Locale.ROOT));
        if (idx == null) {
            String msg = "target stage \"" + wanted + "\" could not be found";
            Optional<String> close = Suggest.closest(wanted, byName.keySet());
            throw new DockerfileException(df.fileName(), 0, close.map(c -> msg + " (did you mean " + c + "?)")
                    .orElse(msg + (byName.isEmpty() ? " (no stage has a name: use FROM image AS name)"
                            : " (stages: " + String.join(", ", new TreeSet<>(byName.keySet())) + ")")));
        }
        return stages.get(idx);
    }
}
