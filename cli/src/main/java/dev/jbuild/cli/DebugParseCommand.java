package dev.jbuild.cli;

import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.ast.Dumper;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbuild debug parse FILE}: the raw syntax tree in BuildKit's dump format. */
@Command(name = "parse", mixinStandardHelpOptions = true,
        description = {"Print the syntax tree of a Dockerfile, before variable expansion, in BuildKit's dump"
                + " format: one (keyword [\"--flags\"] \"args\"…) line per instruction.",
                "The Dockerfile is validated too: errors print as FILE:LINE: reason."},
        footer = {"", "Example:", "  jbuild debug parse Dockerfile"})
final class DebugParseCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The Dockerfile (- for standard input).")
    String file;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Dockerfile df = DockerfileSource.read(file);
        spec.commandLine().getOut().print(Dumper.dump(df.tree()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
