package dev.jbuild.cli;

import dev.jbuild.dockerfile.instructions.Suggest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
        int status = run(args);
        stopHttpSelectors();
        System.exit(status);
    }

    /**
     * At exit the JVM waits up to 300 ms for threads that sit in native code, and the JDK 17 HTTP
     * client's selector thread always does (in {@code epoll_wait}); that client has no close. An
     * interrupt wakes its selector and ends its loop, so exit is immediate: a third of a second off
     * every command that talked to a registry.
     */
    private static void stopHttpSelectors() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("HttpClient-") && t.getName().endsWith("-SelectorManager")) {
                t.interrupt();
                try {
                    t.join(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Runs jbuild and returns its exit status. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs jbuild with the given output streams; tests use this. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // Answered without picocli: building even the top command's model and its
            // reflection took two thirds of the command's time.
            try {
                out.println(new JbuildCommand.Version().getVersion()[0]);
                return CommandLine.ExitCode.OK;
            } catch (IOException e) {
                err.println("jbuild: cannot read the version: " + e.getMessage());
                return CommandLine.ExitCode.SOFTWARE;
            }
        }
        Set<String> commands = JbuildCommand.NAMES;
        Optional<String> typo = misspeltCommand(commands, args);
        if (typo.isPresent()) {
            err.println("jbuild: " + typo.get());
            return CommandLine.ExitCode.USAGE;
        }
        Optional<String> misplaced = misplacedCommand(commands, args);
        if (misplaced.isPresent()) {
            err.println("jbuild: " + misplaced.get());
            return CommandLine.ExitCode.USAGE;
        }
        String[] effective = withImplicitBuild(commands, args);
        boolean debug = Arrays.asList(args).contains("--debug");
        Optional<BuildCommand> build = fastBuild(effective);
        if (build.isPresent()) {
            build.get().out = out;
            build.get().err = err;
            try {
                return build.get().call();
            } catch (Exception e) {
                return ErrorReporter.report(e, err, debug);
            }
        }
        Optional<String> command = Arrays.stream(effective).filter(a -> !a.equals("--debug")).findFirst()
                .filter(commands::contains).filter(c -> !c.equals("help"));
        // Only the command that runs is built; help (of jbuild or by name) needs them all.
        CommandLine cli = command.isPresent() ? JbuildCommand.commandLine(command.get()::equals)
                : JbuildCommand.commandLine();
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(new ErrorReporter(debug));
        return cli.execute(effective);
    }

    /** {@code build}'s command when {@link BuildFastPath} can read the line without picocli. */
    static Optional<BuildCommand> fastBuild(String[] effective) {
        List<String> words = new ArrayList<>(Arrays.asList(effective));
        boolean debug = !words.isEmpty() && words.get(0).equals("--debug");
        if (debug) {
            words.remove(0);
        }
        if (words.isEmpty() || !words.get(0).equals("build")) {
            return Optional.empty();
        }
        words.remove(0);
        if (debug) {
            words.add("--debug");
        }
        return BuildFastPath.parse(words);
    }

    /**
     * {@code jbuild biuld .} would otherwise build a context named "biuld"; a first word that is
     * no directory but is one typo away from a command is reported as that typo.
     */
    static Optional<String> misspeltCommand(Set<String> commands, String[] args) {
        for (String a : args) {
            if (a.equals("--debug")) {
                continue;
            }
            if (a.startsWith("-") || commands.contains(a) || Files.exists(Path.of(a))) {
                return Optional.empty();
            }
            return Suggest.closest(a, commands)
                    .map(c -> "unknown command \"" + a + "\" (did you mean " + c + "?)");
        }
        return Optional.empty();
    }

    /**
     * {@code jbuild --root DIR images} would otherwise build a context named "images": options that
     * come before a command name at the end, where no such directory exists, are the command's.
     */
    static Optional<String> misplacedCommand(Set<String> commands, String[] args) {
        if (args.length < 2 || !args[0].startsWith("-") || args[0].equals("--debug")) {
            return Optional.empty();
        }
        String last = args[args.length - 1];
        if (!commands.contains(last) || last.equals("build") || last.equals("help") || Files.exists(Path.of(last))) {
            return Optional.empty();
        }
        List<String> options = Arrays.asList(args).subList(0, args.length - 1);
        return Optional.of("options go after the command: jbuild " + last + " " + String.join(" ", options));
    }

    static String[] withImplicitBuild(Set<String> commands, String[] args) {
        for (String a : args) {
            if (a.equals("--debug")) {
                continue;
            }
            if (a.equals("--help") || a.equals("-h") || a.equals("--version") || a.equals("-V")
                    || commands.contains(a)) {
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
