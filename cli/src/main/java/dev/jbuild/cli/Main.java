package dev.jbuild.cli;

import dev.jbuild.dockerfile.instructions.Suggest;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Entry point of the {@code jbuild} command. {@code jbuild -t app:1 .} is {@code jbuild build -t
 * app:1 .}: arguments that do not start with a command name are given to {@code build}, as
 * {@code docker buildx} users expect.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs jbuild and returns its exit status. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs jbuild with the given output streams; tests use this. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = JbuildCommand.commandLine();
        cli.setOut(out);
        cli.setErr(err);
        boolean debug = Arrays.asList(args).contains("--debug");
        cli.setExecutionExceptionHandler(new ErrorReporter(debug));
        Optional<String> typo = misspeltCommand(cli, args);
        if (typo.isPresent()) {
            err.println("jbuild: " + typo.get());
            return CommandLine.ExitCode.USAGE;
        }
        return cli.execute(withImplicitBuild(cli, args));
    }

    /**
     * {@code jbuild biuld .} would otherwise build a context named "biuld"; a first word that is
     * no directory but is one typo away from a command is reported as that typo.
     */
    static Optional<String> misspeltCommand(CommandLine cli, String[] args) {
        for (String a : args) {
            if (a.equals("--debug")) {
                continue;
            }
            if (a.startsWith("-") || cli.getSubcommands().containsKey(a) || Files.exists(Path.of(a))) {
                return Optional.empty();
            }
            return Suggest.closest(a, cli.getSubcommands().keySet())
                    .map(c -> "unknown command \"" + a + "\" (did you mean " + c + "?)");
        }
        return Optional.empty();
    }

    static String[] withImplicitBuild(CommandLine cli, String[] args) {
        for (String a : args) {
            if (a.equals("--debug")) {
                continue;
            }
            if (a.equals("--help") || a.equals("-h") || a.equals("--version") || a.equals("-V")
                    || cli.getSubcommands().containsKey(a)) {
                return args;
            }
            break;
        }
        if (args.length == 0 || (args.length == 1 && args[0].equals("--debug"))) {
            return args;
        }
        List<String> out = new ArrayList<>();
        out.add("build");
        out.addAll(Arrays.asList(args));
        return out.toArray(String[]::new);
    }
}
