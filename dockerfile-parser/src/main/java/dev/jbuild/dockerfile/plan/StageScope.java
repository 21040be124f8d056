package dev.jbuild.dockerfile.plan;

import dev.jbuild.dockerfile.DockerfileException;
import dev.jbuild.dockerfile.instructions.Instruction;
import dev.jbuild.dockerfile.instructions.InstructionException;
import dev.jbuild.dockerfile.instructions.RunMount;
import dev.jbuild.dockerfile.shell.ExpansionException;
import dev.jbuild.dockerfile.shell.ShellWordExpander;
import dev.jbuild.dockerfile.shell.VariableLookup;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The variables visible inside one stage as its instructions run, and the expansion of the
 * instructions the Dockerfile reference says are expanded (ADD, COPY and their --chown/--chmod,
 * ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG defaults). RUN, CMD and ENTRYPOINT
 * are left alone: the shell does their expansion.
 *
 * <p>Scoping follows BuildKit: an ARG is visible from its declaration to the end of the stage; a
 * global ARG is visible in a stage only once redeclared there; a build argument overrides a
 * default; ENV overrides an ARG of the same name; the values within one ENV or LABEL instruction
 * are all expanded with the variables as they were before it.
 */
public final class StageScope {
    private final ShellWordExpander expander;
    private final Map<String, String> env;
    private final Map<String, String> args = new LinkedHashMap<>();
    private final Map<String, String> declared = new LinkedHashMap<>();
    private final Map<String, String> buildArgs;
    private final Map<String, String> globalArgs;
    private final String fileName;
    private final Set<String> usedBuildArgs = new LinkedHashSet<>();

    /**
     * @param imageEnv the environment of the base image (or base stage)
     * @param buildArgs the {@code --build-arg} values
     * @param globalArgs the resolved global ARGs (see {@link GlobalArgs})
     */
    public StageScope(String fileName, char escape, Map<String, String> imageEnv, Map<String, String> buildArgs,
                      Map<String, String> globalArgs) {
        this.fileName = fileName;
        this.expander = new ShellWordExpander(escape);
        this.env = new LinkedHashMap<>(imageEnv);
        this.buildArgs = Map.copyOf(buildArgs);
        this.globalArgs = Map.copyOf(globalArgs);
    }

    /** The image environment so far (what ENV set, and the base image's). */
    public Map<String, String> env() {
        return Collections.unmodifiableMap(env);
    }

    /** ARG values declared in this stage so far. */
    public Map<String, String> args() {
        return Collections.unmodifiableMap(args);
    }

    /**
     * Every ARG declared in this stage so far, in declaration order, with its value or an empty
     * string when it has none: what BuildKit lists in a RUN's history ({@code |2 A=1 B= cmd}).
     */
    public Map<String, String> declaredArgs() {
        return Collections.unmodifiableMap(declared);
    }

    /** Build arguments the stage has used so far, in the order of first use (for cache keys). */
    public Set<String> usedBuildArgs() {
        return Collections.unmodifiableSet(usedBuildArgs);
    }

    /** The environment a RUN step sees: ARGs and proxy build args, overridden by ENV. */
    public Map<String, String> runEnvironment() {
        Map<String, String> m = new LinkedHashMap<>();
        // BuildKit passes each proxy setting under both spellings (HTTP_PROXY and http_proxy),
        // whichever of them the build argument used.
        for (int i = 0; i < GlobalArgs.PROXY_ARGS.size(); i += 2) {
            String upper = GlobalArgs.PROXY_ARGS.get(i);
            String lower = GlobalArgs.PROXY_ARGS.get(i + 1);
            String value = buildArgs.containsKey(upper) ? buildArgs.get(upper) : buildArgs.get(lower);
            if (value != null && !value.isEmpty()) {
                m.put(upper, value);
                m.put(lower, value);
            }
        }
        m.putAll(args);
        m.putAll(env);
        return m;
    }

    private VariableLookup lookup() {
        return name -> {
            if (env.containsKey(name)) {
                return Optional.of(env.get(name));
            }
            return Optional.ofNullable(args.get(name));
        };
    }

    /** Expands one instruction with the variables in scope, then applies its ARG or ENV effect. */
    public Instruction apply(Instruction ins) throws DockerfileException {
        try {
            return applyOrThrow(ins);
        } catch (ExpansionException e) {
            throw new DockerfileException(fileName, ins.line(), e.getMessage());
        }
    }

    private Instruction applyOrThrow(Instruction ins) throws ExpansionException {
        VariableLookup vars = lookup();
        if (ins instanceof Instruction.Env e) {
            List<Instruction.KeyValue> out = expandPairs(e.variables(), vars);
            out.forEach(kv -> env.put(kv.key(), kv.value()));
            return new Instruction.Env(e.line(), e.source(), out);
        }
        if (ins instanceof Instruction.Label l) {
            return new Instruction.Label(l.line(), l.source(), expandPairs(l.labels(), vars));
        }
        if (ins instanceof Instruction.Arg a) {
            List<Instruction.ArgDefinition> out = new ArrayList<>();
            for (Instruction.ArgDefinition d : a.args()) {
                Optional<String> value;
                if (buildArgs.containsKey(d.name())) {
                    usedBuildArgs.add(d.name());
                    value = Optional.of(buildArgs.get(d.name()));
                } else if (d.defaultValue().isPresent()) {
                    value = Optional.of(word(d.defaultValue().get(), lookup()));
                } else {
                    value = Optional.ofNullable(globalArgs.get(d.name()));
                }
                value.ifPresent(v -> args.put(d.name(), v));
                declared.put(d.name(), args.getOrDefault(d.name(), ""));
                out.add(new Instruction.ArgDefinition(d.name(), value));
            }
            return new Instruction.Arg(a.line(), a.source(), out);
        }
        if (ins instanceof Instruction.Copy c) {
            return new Instruction.Copy(c.line(), c.source(), c.add(), words(c.sources(), vars), c.inlineFiles(),
                    word(c.destination(), vars), c.from(), opt(c.chown(), vars), opt(c.chmod(), vars), c.link(),
                    c.parents(), words(c.excludes(), vars), opt(c.checksum(), vars), c.keepGitDir(), c.unpack());
        }
        if (ins instanceof Instruction.Expose x) {
            return new Instruction.Expose(x.line(), x.source(), words(x.ports(), vars));
        }
        if (ins instanceof Instruction.StopSignal s) {
            return new Instruction.StopSignal(s.line(), s.source(), word(s.signal(), vars));
        }
        if (ins instanceof Instruction.User u) {
            return new Instruction.User(u.line(), u.source(), word(u.user(), vars));
        }
        if (ins instanceof Instruction.Volume v) {
            return new Instruction.Volume(v.line(), v.source(), words(v.paths(), vars));
        }
        if (ins instanceof Instruction.Workdir w) {
            return new Instruction.Workdir(w.line(), w.source(), word(w.path(), vars));
        }
        return ins;
    }

    /** The body of a COPY or ADD heredoc whose delimiter was not quoted, expanded as BuildKit does. */
    public String expandHeredoc(String body, int line) throws DockerfileException {
        try {
            return ShellWordExpander.expandHeredoc(body, lookup());
        } catch (ExpansionException e) {
            throw new DockerfileException(fileName, line, e.getMessage());
        }
    }

    /**
     * The {@code --mount}s of a RUN, their values expanded with the variables in scope (BuildKit
     * allows {@code id=cache-$TARGETARCH} and the like) and then checked.
     */
    public List<RunMount> mounts(Instruction.Run run) throws DockerfileException {
        List<RunMount> out = new ArrayList<>();
        VariableLookup vars = lookup();
        for (String spec : run.mountSpecs()) {
            try {
                out.add(RunMount.parse(spec, value -> word(value, vars)));
            } catch (InstructionException e) {
                throw new DockerfileException(fileName, run.line(), "--mount=" + spec + ": " + e.getMessage());
            }
        }
        return out;
    }

    private List<Instruction.KeyValue> expandPairs(List<Instruction.KeyValue> pairs, VariableLookup vars)
            throws ExpansionException {
        List<Instruction.KeyValue> out = new ArrayList<>();
        for (Instruction.KeyValue kv : pairs) {
            out.add(new Instruction.KeyValue(word(kv.key(), vars), word(kv.value(), vars), kv.legacy()));
        }
        return out;
    }

    private String word(String w, VariableLookup vars) throws ExpansionException {
        var x = expander.expandWithMatches(w, vars);
        for (String name : x.matched()) {
            if (buildArgs.containsKey(name) && args.containsKey(name) && !env.containsKey(name)) {
                usedBuildArgs.add(name);
            }
        }
        return x.result();
    }

    private List<String> words(List<String> ws, VariableLookup vars) throws ExpansionException {
        List<String> out = new ArrayList<>();
        for (String w : ws) {
            out.add(word(w, vars));
        }
        return out;
    }

    private Optional<String> opt(Optional<String> w, VariableLookup vars) throws ExpansionException {
        return w.isPresent() ? Optional.of(word(w.get(), vars)) : Optional.empty();
    }
}
