package dev.jbuild.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jbuild debug}: look inside the front end — the syntax tree, word expansion, the build plan. */
@Command(name = "debug", mixinStandardHelpOptions = true,
        description = "Show how jbuild reads a Dockerfile.",
        subcommands = {DebugParseCommand.class, DebugExpandCommand.class, DebugPlanCommand.class,
                DebugWarmupCommand.class})
final class DebugCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
