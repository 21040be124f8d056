package dev.jbuild.builder;

import dev.jbuild.dockerfile.ast.GoQuote;
import dev.jbuild.dockerfile.instructions.Instruction;
import dev.jbuild.oci.ContainerConfig;
import dev.jbuild.oci.Healthcheck;
import dev.jbuild.oci.UnknownFields;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The instructions that change only the image config, applied as BuildKit applies them, each
 * with the {@code created_by} text BuildKit writes into the history (Go's {@code %v} and
 * {@code %q} formatting of the values, as its dispatcher uses).
 */
final class ConfigInstructions {
    private ConfigInstructions() {
    }

    /**
     * Applies an (already expanded) config instruction to {@code c}; returns the new config and the
     * history text (none for ONBUILD, as in BuildKit), or empty when {@code ins} is not a config-only instruction.
     */
    static Optional<Applied> apply(ContainerConfig c, Instruction ins, List<String> shell) throws BuildException {
        if (ins instanceof Instruction.Env e) {
            for (Instruction.KeyValue kv : e.variables()) {
                c = c.withEnvVar(kv.key(), kv.value());
            }
            return applied(c, "ENV " + pairs(e.variables()));
        }
        if (ins instanceof Instruction.Label l) {
            Map<String, String> labels = new LinkedHashMap<>(c.labels());
            l.labels().forEach(kv -> labels.put(kv.key(), kv.value()));
            return applied(c.withLabels(labels), "LABEL " + pairs(l.labels()));
        }
        if (ins instanceof Instruction.Expose x) {
            TreeSet<String> ports = new TreeSet<>(c.exposedPorts());
            TreeSet<String> added = new TreeSet<>();
            for (String spec : x.ports()) {
                added.addAll(Ports.expand(spec));
            }
            ports.addAll(added);
            return applied(c.withExposedPorts(ports), "EXPOSE " + goMapOfKeys(added));
        }
        if (ins instanceof Instruction.Volume v) {
            TreeSet<String> volumes = new TreeSet<>(c.volumes());
            for (String p : v.paths()) {
                if (p.isBlank()) {
                    throw new BuildException("VOLUME specified can not be an empty string");
                }
                volumes.add(p);
            }
            return applied(c.withVolumes(volumes), "VOLUME [" + String.join(" ", v.paths()) + "]");
        }
        if (ins instanceof Instruction.User u) {
            return applied(c.withUser(Optional.of(u.user())), "USER " + u.user());
        }
        if (ins instanceof Instruction.Cmd cmd) {
            List<String> args = command(cmd.command(), shell);
            // BuildKit sets ArgsEscaped with every CMD (not ENTRYPOINT), for docker's sake, on Linux too.
            return applied(c.withCmd(args).withArgsEscaped(true), "CMD " + goQuotedList(args));
        }
        if (ins instanceof Instruction.Entrypoint ep) {
            List<String> args = command(ep.command(), shell);
            // Setting ENTRYPOINT drops a CMD inherited from the base; a CMD of this stage stays.
            return applied(c.withEntrypoint(args), "ENTRYPOINT " + goQuotedList(args));
        }
        if (ins instanceof Instruction.Shell s) {
            return applied(c.withShell(s.shell()), "SHELL [" + String.join(" ", s.shell()) + "]");
        }
        if (ins instanceof Instruction.StopSignal s) {
            return applied(c.withStopSignal(Optional.of(s.signal())), "STOPSIGNAL " + s.signal());
        }
        if (ins instanceof Instruction.Healthcheck h) {
            Healthcheck hc = healthcheck(h);
            return applied(c.withHealthcheck(Optional.of(hc)), "HEALTHCHECK " + describe(hc));
        }
        if (ins instanceof Instruction.Onbuild o) {
            List<String> triggers = new ArrayList<>(c.onBuild());
            triggers.add(o.expression());
            return Optional.of(new Applied(c.withOnBuild(triggers), Optional.empty())); // no history entry
        }
        return Optional.empty();
    }

    /** A config and the history text of the instruction that made it. */
    record Applied(ContainerConfig config, Optional<String> createdBy) {
    }

    private static Optional<Applied> applied(ContainerConfig c, String createdBy) {
        return Optional.of(new Applied(c, Optional.of(createdBy)));
    }

    /** Exec form as written; shell form run by the stage's SHELL. */
    static List<String> command(Instruction.CommandLine cl, List<String> shell) {
        if (!cl.prependShell()) {
            return cl.args();
        }
        List<String> out = new ArrayList<>(shell);
        out.add(String.join(" ", cl.args()));
        return out;
    }

    private static String pairs(List<Instruction.KeyValue> kvs) {
        return kvs.stream().map(kv -> kv.key() + "=" + kv.value()).collect(Collectors.joining(" "));
    }

    /** Go's {@code %q} of a {@code []string}: {@code ["a" "b"]}. */
    static String goQuotedList(List<String> values) {
        return values.stream().map(GoQuote::quote).collect(Collectors.joining(" ", "[", "]"));
    }

    /** Go's {@code %v} of a {@code map[string]struct{}}: keys sorted, {@code map[80/tcp:{}]}. */
    private static String goMapOfKeys(TreeSet<String> keys) {
        return keys.stream().map(k -> k + ":{}").collect(Collectors.joining(" ", "map[", "]"));
    }

    private static Healthcheck healthcheck(Instruction.Healthcheck h) {
        return new Healthcheck(h.test(), h.interval().orElse(Duration.ZERO), h.timeout().orElse(Duration.ZERO),
                h.startPeriod().orElse(Duration.ZERO), h.startInterval().orElse(Duration.ZERO),
                h.retries().orElse(0), UnknownFields.NONE);
    }

    /** Go's {@code %q} of BuildKit's {@code *HealthConfig}. */
    private static String describe(Healthcheck h) {
        return "&{" + goQuotedList(h.test()) + " " + GoQuote.quote(goDuration(h.interval())) + " "
                + GoQuote.quote(goDuration(h.timeout())) + " " + GoQuote.quote(goDuration(h.startPeriod())) + " "
                + GoQuote.quote(goDuration(h.startInterval())) + " '\\x" + String.format("%02x", h.retries()) + "'}";
    }

    /** Go's {@code time.Duration.String()} for whole milliseconds and above. */
    static String goDuration(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        long ms = d.toMillis();
        StringBuilder b = new StringBuilder();
        long h = ms / 3_600_000;
        long m = ms / 60_000 % 60;
        long s = ms / 1000 % 60;
        long frac = ms % 1000;
        if (h > 0) {
            b.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            b.append(m).append('m');
        }
        b.append(s);
        if (frac > 0) {
            b.append('.').append(String.format("%03d", frac).replaceAll("0+$", ""));
        }
        return b.append('s').toString();
    }
}
