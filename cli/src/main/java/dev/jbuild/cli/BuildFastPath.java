package dev.jbuild.cli;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Reads {@code jbuild build}'s usual command lines without picocli. Building picocli's model of the
 * command (reflection over its annotations, Java 5 class files that class-data sharing cannot
 * archive) took 0.2 s, a third of a cached rebuild. This parser fills the same {@link BuildCommand}
 * fields, and knows only what it can read exactly as picocli does: {@code --name value},
 * {@code --name=value}, {@code -t value}, flags, one CONTEXT. Anything else (help, a misspelt or
 * repeated option, a missing value or one that starts with {@code -}, {@code --}, {@code @file},
 * bundled short options, a number picocli might read otherwise) gives empty, and picocli parses the
 * line as always, with its own messages. BuildFastPathTest holds the two parsers to the same result
 * for every option of the command.
 */
final class BuildFastPath {
    private static final Pattern COUNT = Pattern.compile("[1-9][0-9]{0,8}");
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,9}(\\.[0-9]{1,9})?");

    /** Options that take a value: their names, and where the value goes (values already checked). */
    static final Map<String, BiConsumer<BuildCommand, String>> VALUED = Map.ofEntries(
            Map.entry("-f", (c, v) -> c.file = v), Map.entry("--file", (c, v) -> c.file = v),
            Map.entry("-t", (c, v) -> c.tags.add(v)), Map.entry("--tag", (c, v) -> c.tags.add(v)),
            Map.entry("--build-arg", (c, v) -> c.buildArgs.add(v)),
            Map.entry("--target", (c, v) -> c.target = v),
            Map.entry("--platform", (c, v) -> c.platform = v),
            Map.entry("--jobs", (c, v) -> c.jobs = Integer.valueOf(v)),
            Map.entry("--no-cache-filter", (c, v) -> c.noCacheFilter.addAll(List.of(v.split(",")))),
            Map.entry("--pull", (c, v) -> c.pull = v),
            Map.entry("-o", (c, v) -> c.outputs.add(v)), Map.entry("--output", (c, v) -> c.outputs.add(v)),
            Map.entry("--network", (c, v) -> c.network = v),
            Map.entry("--isolation", (c, v) -> c.isolation = v),
            Map.entry("--memory", (c, v) -> c.memory = v),
            Map.entry("--cpus", (c, v) -> c.cpus = Double.valueOf(v)),
            Map.entry("--secret", (c, v) -> c.secrets.add(v)),
            Map.entry("--label", (c, v) -> c.labels.add(v)),
            Map.entry("--compression", (c, v) -> c.compression = v),
            Map.entry("--root", (c, v) -> c.store.root = Path.of(v)),
            Map.entry("--insecure-registry", (c, v) -> c.registry.insecure.add(v)),
            Map.entry("--max-concurrent", (c, v) -> c.registry.maxConcurrent = Integer.parseInt(v)),
            Map.entry("--progress", (c, v) -> c.registry.progress = v));

    /** Flags, which take no value. */
    static final Map<String, BiConsumer<BuildCommand, String>> FLAGS = Map.of(
            "--no-cache", (c, v) -> c.noCache = true,
            "--push", (c, v) -> c.push = true,
            "-q", (c, v) -> c.quiet = true, "--quiet", (c, v) -> c.quiet = true,
            "--debug", (c, v) -> c.registry.debugWithoutSpec = true);

    /** Options that may be given more than once (picocli refuses a repeated single-value option). */
    private static final Set<String> REPEATABLE = Set.of("-t", "--tag", "--build-arg", "--no-cache-filter", "-o",
            "--output", "--secret", "--label", "--insecure-registry");

    /** Which names are the same option, for the once-only rule. */
    private static final Map<String, String> ALIASES = Map.of("-f", "--file", "-t", "--tag", "-o", "--output",
            "-q", "--quiet");

    private BuildFastPath() {
    }

    /**
     * The build command for {@code args} (the words after {@code build}, {@code --debug} included),
     * or empty when picocli must read them.
     */
    static Optional<BuildCommand> parse(List<String> args) {
        BuildCommand command = new BuildCommand();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("-")) {
                if (command.context != null || arg.isEmpty() || arg.startsWith("@")) {
                    return Optional.empty();
                }
                command.context = arg;
                continue;
            }
            int eq = arg.indexOf('=');
            String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
            String option = ALIASES.getOrDefault(name, name);
            if (!seen.add(option) && !REPEATABLE.contains(option)) {
                return Optional.empty();
            }
            if (FLAGS.containsKey(name) && name.equals(arg)) {
                FLAGS.get(name).accept(command, null);
                continue;
            }
            BiConsumer<BuildCommand, String> setter = VALUED.get(name);
            if (setter == null || name.equals("--pull") && eq < 0) { // bare --pull: picocli's optional value
                return Optional.empty();
            }
            String value;
            if (eq > 0 && name.length() == eq) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                return Optional.empty();
            }
            if (!plain(name, value)) {
                return Optional.empty();
            }
            setter.accept(command, value);
        }
        return command.context == null ? Optional.empty() : Optional.of(command);
    }

    /** Whether picocli takes {@code value} for {@code option} just as the setter does. */
    private static boolean plain(String option, String value) {
        if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
            return false;
        }
        return switch (option) {
            case "--jobs", "--max-concurrent" -> COUNT.matcher(value).matches();
            case "--cpus" -> DECIMAL.matcher(value).matches();
            case "--no-cache-filter" -> !value.startsWith(",") && !value.endsWith(",") && !value.contains(",,");
            default -> true;
        };
    }
}
