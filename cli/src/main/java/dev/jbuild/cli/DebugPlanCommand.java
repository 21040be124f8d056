package dev.jbuild.cli;

import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.plan.Planner;
import dev.jbuild.dockerfile.plan.Platform;
import dev.jbuild.dockerfile.plan.PlanOptions;
import dev.jbuild.dockerfile.plan.PlanPrinter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jbuild debug plan}: the stages a build would run, in order, with what they need. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Print the stages that would be built, in order: each stage's base after expansion,"
                + " the stages it needs, the images it copies from, and its level (stages of one level"
                + " can build at the same time)."},
        footer = {"", "Example:", "  jbuild debug plan -f Dockerfile --target test --build-arg GO_VERSION=1.22"})
final class DebugPlanCommand implements Callable<Integer> {
    @Option(names = {"-f", "--file"}, paramLabel = "FILE", defaultValue = "Dockerfile",
            description = "The Dockerfile (default: ${DEFAULT-VALUE}).")
    String file;

    @Option(names = "--target", paramLabel = "STAGE", description = "The stage to build (default: the last).")
    String target;

    @Option(names = "--build-arg", paramLabel = "NAME[=VALUE]", description = "Set a build argument (repeatable).")
    List<String> buildArgs = new ArrayList<>();

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "The target platform (default: this machine's).")
    String platform;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Dockerfile df = DockerfileSource.read(file);
        spec.commandLine().getOut().print(PlanPrinter.print(Planner.plan(df, options(target, buildArgs, platform))));
        spec.commandLine().getOut().flush();
        return 0;
    }

    static PlanOptions options(String target, List<String> buildArgs, String platform) {
        Platform host = Platform.host();
        Platform targetPlatform = host;
        if (platform != null) {
            try {
                targetPlatform = Platform.parse(platform);
            } catch (IllegalArgumentException e) {
                throw new UserError("--platform: " + e.getMessage());
            }
        }
        return new PlanOptions(Optional.ofNullable(target), BuildArgs.parse(buildArgs), host, targetPlatform);
    }
}
