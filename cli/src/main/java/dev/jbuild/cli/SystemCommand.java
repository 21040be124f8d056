package dev.jbuild.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jbuild system}: facts about the local store. */
@Command(name = "system", mixinStandardHelpOptions = true,
        description = "Show what the local store holds.",
        subcommands = {SystemDfCommand.class})
final class SystemCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
