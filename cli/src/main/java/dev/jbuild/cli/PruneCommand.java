package dev.jbuild.cli;

import dev.jbuild.builder.Engine;
import dev.jbuild.oci.store.LocalStore;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code jbuild prune}: remove the content no name reaches. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Remove blobs (layers, configs, manifests) that no image name in the local store reaches,",
                "the extracted layers (snapshots) of the builder no image uses, and RUN cache mounts.",
                "Waits for running builds and pulls that have not named their image yet."},
        footer = {"", "Example:", "  jbuild prune"})
final class PruneCommand implements Callable<Integer> {
    @Mixin
    StoreMixin store;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int[] snapshots = new int[1];
        LocalStore s = store.open();
        Engine.cleanStale(s);
        LocalStore.PruneResult r = s.prune(locked -> snapshots[0] = Engine.pruneSnapshots(locked));
        spec.commandLine().getOut().println("Deleted " + r.blobs() + " blob" + (r.blobs() == 1 ? "" : "s")
                + " and " + snapshots[0] + " layer snapshot" + (snapshots[0] == 1 ? "" : "s")
                + ", reclaimed " + Sizes.human(r.bytes()) + " of blobs");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
