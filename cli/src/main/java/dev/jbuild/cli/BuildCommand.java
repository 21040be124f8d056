package dev.jbuild.cli;

import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.ignore.IgnoreFiles;
import dev.jbuild.dockerfile.plan.BuildPlan;
import dev.jbuild.dockerfile.plan.Planner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbuild build}: reads, validates and plans the Dockerfile today; running the plan into an
 * image arrives with the build engine (issue 5). Options other than the Dockerfile, target,
 * build arguments and platform are accepted but not read yet: the whole command stops with "not
 * implemented yet" before any of them could matter.
 */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = "Build an image from a Dockerfile and a context directory.",
        footer = {"", "Examples:", "  jbuild -t app:1 .", "  jbuild build -f docker/Dockerfile --target test .",
                "  jbuild build -t registry.example/app:1 --push ."})
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

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Target platform.")
    String platform;

    @Option(names = "--no-cache", description = "Do not use the build cache.")
    boolean noCache;

    @Option(names = "--no-cache-filter", paramLabel = "STAGE", description = "Do not use the cache for these stages.")
    List<String> noCacheFilter = new ArrayList<>();

    @Option(names = "--pull", paramLabel = "POLICY", arity = "0..1", fallbackValue = "always",
            description = "Pull base images: missing (default), always, never.")
    String pull;

    @Option(names = "--push", description = "Push the image to its registry.")
    boolean push;

    @Option(names = {"-o", "--output"}, paramLabel = "type=…,dest=…", description = "Output destination.")
    List<String> outputs = new ArrayList<>();

    @Option(names = "--progress", paramLabel = "MODE", description = "auto, tty, plain or quiet.")
    String progress;

    @Option(names = {"-q", "--quiet"}, description = "Print only the image digest.")
    boolean quiet;

    @Option(names = "--network", paramLabel = "MODE", description = "Network for RUN: default, none or host.")
    String network;

    @Option(names = "--isolation", paramLabel = "EXECUTOR", description = "runc, crun or unshare.")
    String isolation;

    @Option(names = "--memory", paramLabel = "BYTES", description = "Memory limit for RUN steps.")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", description = "CPU limit for RUN steps.")
    String cpus;

    @Option(names = "--secret", paramLabel = "id=…,src=…", description = "Expose a secret to RUN --mount=type=secret.")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--ssh", paramLabel = "default|id=socket", description = "Expose an SSH agent to RUN.")
    List<String> ssh = new ArrayList<>();

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Set an image label (repeatable).")
    List<String> labels = new ArrayList<>();

    @Option(names = "--jobs", paramLabel = "N", description = "How many stages build at once.")
    Integer jobs;

    @picocli.CommandLine.Mixin
    StoreMixin store;

    @Override
    public Integer call() throws Exception {
        Path contextDir = Path.of(context);
        if (!Files.isDirectory(contextDir)) {
            throw new UserError(context + ": the build context must be a directory");
        }
        String dockerfile = file != null ? file : contextDir.resolve("Dockerfile").toString();
        Dockerfile df = DockerfileSource.read(dockerfile);
        BuildPlan plan = Planner.plan(df, DebugPlanCommand.options(target, buildArgs, platform));
        if (!dockerfile.equals("-")) {
            IgnoreFiles.load(contextDir, Path.of(dockerfile));
        }
        throw new UserError("building images is not implemented yet (the Dockerfile is valid: "
                + plan.stages().size() + " stage(s) to build for target "
                + plan.target().stage().displayName() + "; see 'jbuild debug plan')");
    }
}
