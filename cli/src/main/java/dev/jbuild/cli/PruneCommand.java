package dev.jbuild.cli;

import dev.jbuild.builder.Engine;
import dev.jbuild.builder.StorePrune;
import dev.jbuild.builder.cache.PrunePolicy;
import dev.jbuild.oci.store.LocalStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jbuild prune}: remove the content no name reaches, and build cache the options let go. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Remove the build cache, then the blobs (layers, configs, manifests) that no image name in",
                "the local store reaches, the extracted layers (snapshots) of the builder no image uses, and",
                "RUN cache mounts. With --filter or --keep-storage, only the build cache results those let",
                "go are removed (and what only they used); cache mounts stay.",
                "Waits for running builds and pulls that have not named their image yet."},
        footer = {"", "Examples:", "  jbuild prune", "  jbuild prune --filter until=24h",
                "  jbuild prune --keep-storage 10GB"})
final class PruneCommand implements Callable<Integer> {
    @Mixin
    StoreMixin store;

    @Option(names = "--filter", paramLabel = "until=DURATION",
            description = "Remove only build cache results not used for DURATION (24h, 1h30m, 90s).")
    List<String> filters = new ArrayList<>();

    @Option(names = "--keep-storage", paramLabel = "SIZE",
            description = "Keep the most recently used build cache results that fit in SIZE (512MB, 10GB).")
    String keepStorage;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrunePolicy policy = new PrunePolicy(until(),
                keepStorage == null ? OptionalLong.empty() : OptionalLong.of(MemorySize.parseStorage(keepStorage)));
        LocalStore s = store.open();
        Engine.cleanStale(s);
        StorePrune.Result r = StorePrune.run(s, policy);
        spec.commandLine().getOut().println("Deleted " + r.blobs() + " blob" + (r.blobs() == 1 ? "" : "s")
                + ", " + r.cacheResults() + " build cache result" + (r.cacheResults() == 1 ? "" : "s")
                + " and " + r.snapshots() + " layer snapshot" + (r.snapshots() == 1 ? "" : "s")
                + ", reclaimed " + Sizes.human(r.blobBytes()) + " of blobs");
        spec.commandLine().getOut().flush();
        return 0;
    }

    private Optional<Duration> until() {
        Optional<Duration> until = Optional.empty();
        for (String f : filters) {
            if (!f.startsWith("until=")) {
                throw new UserError("--filter " + f + ": only until=DURATION is supported");
            }
            until = Optional.of(GoDuration.parse(f.substring("until=".length())));
        }
        return until;
    }
}
