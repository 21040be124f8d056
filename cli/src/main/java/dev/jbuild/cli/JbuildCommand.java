package dev.jbuild.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The root {@code jbuild} command: global options and the list of commands. */
@Command(name = "jbuild",
        description = "Build container images from Dockerfiles without a daemon, and move images between"
                + " the local store, OCI layouts and registries.%n%n"
                + "  jbuild -t app:1 .      is short for   jbuild build -t app:1 .",
        mixinStandardHelpOptions = true,
        versionProvider = JbuildCommand.Version.class,
        subcommands = {BuildCommand.class, ImagesCommand.class, InspectCommand.class, TagCommand.class,
                RmiCommand.class, PruneCommand.class, ExportCommand.class, ImportCommand.class, PullCommand.class,
                PushCommand.class, CopyCommand.class, LoginCommand.class, LogoutCommand.class, DebugCommand.class, CommandLine.HelpCommand.class})
final class JbuildCommand implements Runnable {

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "On failure, print the stack trace as well as the reason.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new JbuildCommand());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = JbuildCommand.class.getResourceAsStream("/jbuild-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"jbuild " + p.getProperty("version", "unknown")};
        }
    }
}
