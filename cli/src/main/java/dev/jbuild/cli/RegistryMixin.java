package dev.jbuild.cli;

import dev.jbuild.registry.RegistryClients;
import dev.jbuild.registry.RegistryLog;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.registry.auth.DockerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options of every command that talks to registries (insecure registries, transfers in flight,
 * progress), and turning them into a {@link RegistryClients}. Credentials come from docker's
 * config.json, so {@code docker login} and {@code jbuild login} are interchangeable.
 */
final class RegistryMixin {
    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]",
            description = "Allow plain HTTP, or HTTPS without certificate checks, for this registry or address "
                    + "range such as 10.0.0.0/8 (repeatable; also $JBUILD_INSECURE_REGISTRIES, comma-separated). "
                    + "Loopback registries may use plain HTTP anyway.")
    List<String> insecure = new ArrayList<>();

    @Option(names = "--max-concurrent", paramLabel = "N",
            description = "Blobs in flight at once per image (default: ${DEFAULT-VALUE}).")
    int maxConcurrent = 4;

    @Option(names = "--progress", paramLabel = "auto|tty|plain|quiet",
            description = "Progress output: redrawn in place on a terminal (auto, tty; plain lines elsewhere), "
                    + "plain lines (plain), or none (quiet).")
    String progress = "auto";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /** --debug when {@link BuildFastPath} parsed the command line (no picocli, no spec). */
    boolean debugWithoutSpec;

    boolean debug() {
        if (spec == null) {
            return debugWithoutSpec;
        }
        Object root = spec.root().userObject();
        return root instanceof JbuildCommand j && j.debug;
    }

    Set<String> insecureRegistries() {
        Set<String> hosts = new HashSet<>(insecure);
        String env = System.getenv("JBUILD_INSECURE_REGISTRIES");
        if (env != null) {
            for (String h : env.split(",")) {
                if (!h.isBlank()) {
                    hosts.add(h.trim());
                }
            }
        }
        return hosts;
    }

    RegistryClients clients(PrintWriter err) throws IOException {
        if (maxConcurrent < 1) {
            throw new UserError("--max-concurrent must be at least 1");
        }
        DockerConfig config = DockerConfig.load();
        boolean debug = debug();
        RegistryLog log = new RegistryLog() {
            @Override
            public void warn(String message) {
                synchronized (err) {
                    err.println("jbuild: " + message);
                    err.flush();
                }
            }

            @Override
            public void debug(String message) {
                if (debug) {
                    synchronized (err) {
                        err.println("debug: " + message);
                        err.flush();
                    }
                }
            }
        };
        RegistryOptions options = RegistryOptions.defaults().withCredentials(config::credentialsFor)
                .withInsecureRegistries(insecureRegistries()).withBlobConcurrency(maxConcurrent).withLog(log);
        return new RegistryClients(options);
    }

    /** What {@code --progress} asks for on this process's terminal; a user error for an unknown value. */
    ProgressMode progressMode() {
        return ProgressMode.parse(progress, Terminal.current());
    }

    ProgressPrinter progress(PrintWriter err) {
        return new ProgressPrinter(err, progressMode());
    }
}
