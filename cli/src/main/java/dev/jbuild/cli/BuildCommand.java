package dev.jbuild.cli;

import dev.jbuild.builder.BuildRequest;
import dev.jbuild.builder.Engine;
import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.ignore.IgnoreFiles;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import dev.jbuild.dockerfile.plan.BuildPlan;
import dev.jbuild.dockerfile.plan.Planner;
import dev.jbuild.dockerfile.plan.Platform;
import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.RegistryClients;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbuild build}: builds the Dockerfile's target into the local store, names it with every
 * {@code -t}, then pushes it ({@code --push}) and writes the {@code --output}s.
 */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = "Build an image from a Dockerfile and a context directory.",
        footer = {"", "Examples:", "  jbuild -t app:1 .", "  jbuild build -f docker/Dockerfile --target test .",
                "  jbuild build -t registry.example/app:1 --push .",
                "  jbuild build -o type=oci,dest=app.tar -o type=local,dest=rootfs ."})
final class BuildCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CONTEXT", description = "The build context directory.")
    String context;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "The Dockerfile (default: CONTEXT/Dockerfile; - reads standard input).")
    String file;

    @Option(names = {"-t", "--tag"}, paramLabel = "NAME[:TAG]", description = "Name and tag the image (repeatable).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--build-arg", paramLabel = "NAME[=VALUE]", description = "Set a build argument (repeatable).")
    List<String> buildArgs = new ArrayList<>();

    @Option(names = "--target", paramLabel = "STAGE", description = "Build this stage and what it needs.")
    String target;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "Target platform; only this machine's is possible (jbuild runs no emulator).")
    String platform;

    @Option(names = "--no-cache", description = "Run every step, taking nothing from the build cache.")
    boolean noCache;

    @Option(names = "--jobs", paramLabel = "N",
            description = "Build at most N independent stages at once (default: the number of processors).")
    Integer jobs;

    @Option(names = "--no-cache-filter", paramLabel = "STAGE", split = ",",
            description = "Run every step of these stages (names or indexes; repeatable, comma-separated).")
    List<String> noCacheFilter = new ArrayList<>();

    @Option(names = "--pull", paramLabel = "POLICY", arity = "0..1", fallbackValue = "always",
            description = "Pull base images: missing (default), always (--pull alone), never.")
    String pull;

    @Option(names = "--push", description = "Push the image under every -t name after the build.")
    boolean push;

    @Option(names = {"-o", "--output"}, paramLabel = "type=…,dest=…",
            description = "Also write the image: type=oci|docker|tar|local|registry, dest=PATH (repeatable).")
    List<String> outputs = new ArrayList<>();

    @Option(names = {"-q", "--quiet"}, description = "Print only the image digest.")
    boolean quiet;

    @Option(names = "--network", paramLabel = "MODE",
            description = "Network for RUN: default (the host's), host, or none.")
    String network = "default";

    @Option(names = "--isolation", paramLabel = "EXECUTOR",
            description = "How RUN steps run: runc, crun or unshare (default: runc, else crun, else unshare).")
    String isolation;

    @Option(names = "--memory", paramLabel = "BYTES", description = "Memory limit of RUN steps (e.g. 512m, 2g).")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", description = "CPU limit of RUN steps (e.g. 1.5).")
    Double cpus;

    @Option(names = "--secret", paramLabel = "id=ID,src=FILE",
            description = "A secret for RUN --mount=type=secret (repeatable; also id=ID,env=VAR).")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Set a label on the image (repeatable).")
    List<String> labels = new ArrayList<>();

    @Option(names = "--compression", paramLabel = "gzip|zstd|none",
            description = "Compression of the new layers (default: gzip).")
    String compression = "gzip";

    @Mixin
    StoreMixin store = new StoreMixin();

    @Mixin
    RegistryMixin registry = new RegistryMixin();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The output streams when {@link BuildFastPath} parsed the command line (no picocli, no spec). */
    PrintWriter out;
    PrintWriter err;

    @Override
    public Integer call() throws Exception {
        ProgressMode asked = registry.progressMode(); // an unknown --progress is an error even with -q
        ProgressMode progress = quiet ? ProgressMode.QUIET : asked;
        Path contextDir = Path.of(context);
        if (!Files.isDirectory(contextDir)) {
            throw new UserError(context + ": the build context must be a directory");
        }
        checkPlatform();
        List<ImageReference> names = tags.stream().map(StoreMixin::reference).toList();
        String dockerfile = file != null ? file : contextDir.resolve("Dockerfile").toString();
        Dockerfile df = DockerfileSource.read(dockerfile);
        BuildPlan plan = Planner.plan(df, DebugPlanCommand.options(target, buildArgs, platform));
        IgnorePatterns ignore = dockerfile.equals("-") ? IgnoreFiles.load(contextDir, contextDir.resolve("Dockerfile"))
                : IgnoreFiles.load(contextDir, Path.of(dockerfile));
        List<BuildOutputs.Output> outs = BuildOutputs.parse(outputs);
        if (push && names.isEmpty()) {
            throw new UserError("--push needs at least one -t NAME to push to");
        }
        Map<String, String> args = BuildArgs.parse(buildArgs);
        BuildRequest request = new BuildRequest(df, plan, contextDir.toAbsolutePath(), ignore, args,
                pull == null ? BuildRequest.PullPolicy.MISSING : BuildRequest.PullPolicy.parse(pull),
                compression(), keyValues(labels, "--label"), isolatedNetwork(), Optional.ofNullable(isolation),
                memory == null ? OptionalLong.empty() : OptionalLong.of(MemorySize.parse(memory)),
                cpus == null ? OptionalDouble.empty() : OptionalDouble.of(cpus), secretFiles(),
                names, sourceDateEpoch(args), noCache, Set.copyOf(noCacheFilter), jobs());
        PrintWriter err = this.err != null ? this.err : spec.commandLine().getErr();
        LocalStore s = store.open();
        Supplier<RegistryClients> clients = () -> {
            try {
                return registry.clients(err);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        Engine.Result result;
        BuildProgress log = BuildProgress.open(progress, err, Terminal.current());
        try (log) {
            result = new Engine(s, clients, log).build(request);
        }
        log.note("image " + result.manifest().digest() + names.stream().map(n -> ", " + n.familiar()).reduce("", String::concat));
        new BuildOutputs(s, clients, registry, err, quiet).write(result, names, push, outs);
        PrintWriter out = this.out != null ? this.out : spec.commandLine().getOut();
        out.println(result.manifest().digest());
        out.flush();
        return 0;
    }

    private void checkPlatform() {
        if (platform == null) {
            return;
        }
        Platform host = Platform.host();
        for (String p : platform.split(",")) {
            Platform wanted;
            try {
                wanted = Platform.parse(p);
            } catch (IllegalArgumentException e) {
                throw new UserError("--platform: " + e.getMessage());
            }
            if (!wanted.equals(host)) {
                throw new UserError("--platform " + p + ": jbuild builds only for this machine's platform (" + host
                        + "); it runs no emulator for RUN steps of other platforms");
            }
        }
    }

    private int jobs() {
        if (jobs == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        if (jobs < 1) {
            throw new UserError("--jobs=" + jobs + ": expected at least 1");
        }
        return jobs;
    }

    private boolean isolatedNetwork() {
        return switch (network) {
            case "default", "host" -> false;
            case "none" -> true;
            default -> throw new UserError("--network=" + network + ": expected default, host or none");
        };
    }

    private Compression compression() {
        return switch (compression) {
            case "gzip" -> Compression.GZIP;
            case "zstd" -> Compression.ZSTD;
            case "none", "uncompressed" -> Compression.NONE;
            default -> throw new UserError("--compression=" + compression + ": expected gzip, zstd or none");
        };
    }

    private Map<String, Path> secretFiles() throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String spec : secrets) {
            Map<String, String> kv = keyValues(List.of(spec.split(",")), "--secret");
            String id = kv.get("id");
            if (id == null || id.isEmpty()) {
                throw new UserError("--secret " + spec + ": needs id=ID");
            }
            String src = kv.getOrDefault("src", kv.get("source"));
            String env = kv.get("env");
            if (src != null) {
                Path p = Path.of(src);
                if (!Files.isRegularFile(p)) {
                    throw new UserError("--secret " + spec + ": " + src + " is not a readable file");
                }
                out.put(id, p.toAbsolutePath());
            } else {
                String value = System.getenv(env != null ? env : id);
                if (value == null) {
                    throw new UserError("--secret " + spec + ": needs src=FILE, or env=VAR naming a set variable");
                }
                Path tmp = Files.createTempFile("jbuild-secret-", "");
                tmp.toFile().deleteOnExit();
                Files.writeString(tmp, value);
                out.put(id, tmp);
            }
        }
        return out;
    }

    private static Map<String, String> keyValues(List<String> items, String option) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new UserError(option + " " + item + ": expected KEY=VALUE");
            }
            out.put(item.substring(0, eq), item.substring(eq + 1));
        }
        return out;
    }

    /** {@code SOURCE_DATE_EPOCH} from a build argument, else from the environment, as buildx passes it. */
    private static Optional<Instant> sourceDateEpoch(Map<String, String> args) {
        String v = args.getOrDefault("SOURCE_DATE_EPOCH", System.getenv("SOURCE_DATE_EPOCH"));
        if (v == null || v.isEmpty()) {
            return Optional.empty();
        }
        try {
            return LayerOptions.parseSourceDateEpoch(v);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
