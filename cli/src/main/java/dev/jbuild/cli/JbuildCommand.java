package dev.jbuild.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
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
        versionProvider = JbuildCommand.Version.class)
final class JbuildCommand implements Runnable {
    /** Every command, in the order help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(BuildCommand.class, ImagesCommand.class,
            InspectCommand.class, TagCommand.class, RmiCommand.class, PruneCommand.class, ExportCommand.class,
            ImportCommand.class, PullCommand.class, PushCommand.class, CopyCommand.class, LoginCommand.class,
            LogoutCommand.class, SystemCommand.class, DebugCommand.class, CommandLine.HelpCommand.class);

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "On failure, print the stack trace as well as the reason.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * The names of the commands, as their annotations say (CliTest checks): written out because
     * reading sixteen classes' annotations costs every command 30 ms of start-up.
     */
    static final Set<String> NAMES = Collections.unmodifiableSet(new LinkedHashSet<>(List.of("build", "images",
            "inspect", "tag", "rmi", "prune", "export", "import", "pull", "push", "copy", "login", "logout", "system",
            "debug", "help")));

    /** The names of the commands, read from their annotations (NAMES must equal this). */
    static Set<String> annotatedNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Class<?> c : COMMANDS) {
            names.add(c.getAnnotation(Command.class).name());
        }
        return names;
    }

    /** The whole command line, every command included (for help and the warm-up). */
    static CommandLine commandLine() {
        return commandLine(name -> true);
    }

    /**
     * The command line with only the commands {@code wanted} accepts: picocli builds a model of
     * every command it is given, and for one command out of fifteen that is most of its start-up.
     */
    static CommandLine commandLine(Predicate<String> wanted) {
        CommandLine cli = new CommandLine(new JbuildCommand());
        for (Class<?> c : COMMANDS) {
            String name = c.getAnnotation(Command.class).name();
            if (wanted.test(name)) {
                cli.addSubcommand(name, c);
            }
        }
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
