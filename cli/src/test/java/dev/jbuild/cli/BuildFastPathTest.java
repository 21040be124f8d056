package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The build command's fast parser against picocli: every line it reads, it reads as picocli does
 * (every option field compared), every option of the command is known to it, and what it cannot
 * read exactly it leaves to picocli.
 */
class BuildFastPathTest {
    static final List<List<String>> READ_ALIKE = List.of(
            List.of("."),
            List.of("-t", "app:1", "."),
            List.of("ctx", "--tag", "a:1", "-t", "b:2", "--tag=c:3"),
            List.of("-f", "docker/Dockerfile", "--file=x", "."), // a repeated option is picocli's: see below
            List.of("--file=docker/Dockerfile", "--target", "test", "--platform", "linux/amd64", "."),
            List.of("--build-arg", "A=1", "--build-arg=B", "--label", "k=v", "--label=x=y=z", "."),
            List.of("--no-cache", "--push", "-q", "--jobs", "3", "--no-cache-filter", "a,b",
                    "--no-cache-filter=c", "."),
            List.of("--pull=always", "-o", "type=oci,dest=x.tar", "--output=dir", "--network", "none", "."),
            List.of("--isolation=unshare", "--memory", "512m", "--cpus", "1.5", "--secret", "id=a,src=f",
                    "--compression=zstd", "."),
            List.of("--root", "/tmp/store", "--insecure-registry", "r:5000", "--insecure-registry=q",
                    "--max-concurrent", "8", "--progress=plain", "--quiet", "."),
            List.of("--debug", "--cpus=2", "--jobs=12", "."),
            List.of("--build-arg", "A=--x", "."));

    static final List<List<String>> LEFT_TO_PICOCLI = List.of(
            List.of(), List.of("--help"), List.of("-h", "."), List.of("-V"), List.of(".", "other"),
            List.of("--pull", "."), List.of("-qt", "app", "."), List.of("--tag"), List.of("-t=app", "."),
            List.of("--target", "a", "--target", "b", "."), List.of("--push", "--push", "."),
            List.of("-q", "--quiet", "."), List.of("--jobs", "010", "."), List.of("--jobs", "0x10", "."),
            List.of("--cpus", "1e3", "."), List.of("--", "."), List.of("@args"), List.of("--tag", "@f", "."),
            List.of("--no-such", "."), List.of("--tag", "-x", "."), List.of("-f", "-", "."),
            List.of("--target=", "."), List.of("--no-cache=true", "."), List.of("--no-cache-filter", "a,,b", "."),
            List.of("-f", "docker/Dockerfile", "--file=x", "."));

    @Test
    void readsEveryOptionAsPicocliDoes() throws Exception {
        for (List<String> line : READ_ALIKE) {
            Optional<BuildCommand> fast = BuildFastPath.parse(line);
            if (line.contains("--file=x")) {
                assertEquals(Optional.empty(), fast, "a repeated option is picocli's to refuse");
                continue;
            }
            assertTrue(fast.isPresent(), "fast path reads " + line);
            BuildCommand slow = picocli(line);
            for (Field f : optionFields()) {
                assertEquals(f.get(owner(slow, f)), f.get(owner(fast.get(), f)), f.getName() + " of " + line);
            }
            assertEquals(line.contains("--debug"), fast.get().registry.debug(), "debug of " + line);
        }
    }

    @Test
    void leavesTheRestToPicocli() {
        for (List<String> line : LEFT_TO_PICOCLI) {
            assertEquals(Optional.empty(), BuildFastPath.parse(line), "left to picocli: " + line);
        }
    }

    @Test
    void knowsEveryOptionOfTheCommand() {
        CommandLine build = JbuildCommand.commandLine("build"::equals).getSubcommands().get("build");
        Set<String> known = new HashSet<>(BuildFastPath.VALUED.keySet());
        known.addAll(BuildFastPath.FLAGS.keySet());
        List<String> missing = new ArrayList<>();
        for (OptionSpec o : build.getCommandSpec().options()) {
            for (String name : o.names()) {
                if (!o.usageHelp() && !o.versionHelp() && !known.contains(name)) {
                    missing.add(name);
                }
            }
        }
        assertEquals(List.of(), missing, "options BuildFastPath does not know (it would leave them to picocli)");
    }

    @Test
    void mainTakesTheFastPathOnlyForBuild() {
        assertTrue(Main.fastBuild(new String[] {"build", "."}).isPresent());
        assertTrue(Main.fastBuild(new String[] {"--debug", "build", "-t", "a", "."}).orElseThrow().registry.debug());
        assertEquals(Optional.empty(), Main.fastBuild(new String[] {"images"}));
        assertEquals(Optional.empty(), Main.fastBuild(new String[] {"--debug", "build", "--debug", "."}));
    }

    private static BuildCommand picocli(List<String> line) {
        List<String> args = new ArrayList<>(List.of("build"));
        args.addAll(line);
        CommandLine.ParseResult parsed = JbuildCommand.commandLine("build"::equals).parseArgs(args.toArray(String[]::new));
        return parsed.subcommand().commandSpec().userObject() instanceof BuildCommand b ? b : null;
    }

    /** The fields picocli sets: BuildCommand's options and parameters, and its mixins'. */
    private static List<Field> optionFields() {
        List<Field> fields = new ArrayList<>();
        for (Class<?> c : List.of(BuildCommand.class, StoreMixin.class, RegistryMixin.class)) {
            for (Field f : c.getDeclaredFields()) {
                if (f.isAnnotationPresent(CommandLine.Option.class) || f.isAnnotationPresent(CommandLine.Parameters.class)) {
                    f.setAccessible(true);
                    fields.add(f);
                }
            }
        }
        assertTrue(fields.size() > 20);
        return fields;
    }

    private static Object owner(BuildCommand command, Field f) {
        if (f.getDeclaringClass() == StoreMixin.class) {
            return command.store;
        }
        return f.getDeclaringClass() == RegistryMixin.class ? command.registry : command;
    }
}
