package dev.jbuild.cli;

import dev.jbuild.registry.auth.DockerConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbuild logout REGISTRY}: removes saved credentials, as {@code docker logout} does. */
@Command(name = "logout", mixinStandardHelpOptions = true,
        description = "Remove the saved credentials of a registry (from config.json or its credential helper).",
        footer = {"", "Example:", "  jbuild logout ghcr.io"})
final class LogoutCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "REGISTRY", description = "The registry (default: docker.io).")
    String server;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String host = LoginCommand.registryName(server);
        boolean removed = DockerConfig.load().erase(host);
        spec.commandLine().getOut().println(removed ? "Removing login credentials for " + host
                : "Not logged in to " + host);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
