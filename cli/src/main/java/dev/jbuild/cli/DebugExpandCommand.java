package dev.jbuild.cli;

import dev.jbuild.dockerfile.shell.ExpansionException;
import dev.jbuild.dockerfile.shell.ShellWordExpander;
import dev.jbuild.dockerfile.shell.VariableLookup;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbuild debug expand}: Dockerfile variable expansion of one word, or of each line of input. */
@Command(name = "expand", mixinStandardHelpOptions = true,
        description = {"Expand a word as a Dockerfile instruction would (ENV, COPY, WORKDIR…): variables,"
                + " ${V:-default} and friends, quotes and escapes.",
                "Without WORD, expands each line of standard input and prints one line per word; a word"
                + " that fails prints a line starting with 'error' (exit status 0)."},
        footer = {"", "Examples:", "  jbuild debug expand --env NAME=app '${NAME:-x}-\"$NAME\"'",
                "  printf '%%s\\n' '$A' '${A:?unset}' | jbuild debug expand --env A=1"})
final class DebugExpandCommand implements Callable<Integer> {
    @Option(names = "--env", paramLabel = "NAME=VALUE", description = "Define a variable (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = "--escape", paramLabel = "C", defaultValue = "\\",
            description = "The escape character: \\ (default) or `.")
    String escape;

    @Parameters(paramLabel = "WORD", arity = "0..1", description = "The word to expand.")
    String word;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!escape.equals("\\") && !escape.equals("`")) {
            throw new UserError("--escape must be \\ or ` (got " + escape + ")");
        }
        Map<String, String> vars = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new UserError("--env " + e + ": expected NAME=VALUE");
            }
            vars.put(e.substring(0, eq), e.substring(eq + 1));
        }
        ShellWordExpander expander = new ShellWordExpander(escape.charAt(0));
        VariableLookup lookup = VariableLookup.of(vars);
        PrintWriter out = spec.commandLine().getOut();
        if (word != null) {
            try {
                out.println(expander.expand(word, lookup));
            } catch (ExpansionException e) {
                throw new UserError("cannot expand " + word + ": " + e.getMessage());
            } finally {
                out.flush();
            }
            return 0;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            try {
                out.println(expander.expand(line, lookup));
            } catch (ExpansionException e) {
                out.println("error: " + e.getMessage().replace('\n', ' '));
            }
        }
        out.flush();
        return 0;
    }
}
