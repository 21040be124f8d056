package dev.jbuild.cli;

import dev.jbuild.builder.StoreUsage;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code jbuild system df}: disk use of images, build cache, snapshots and cache mounts. */
@Command(name = "df", mixinStandardHelpOptions = true,
        description = {"Show the disk space the local store's images, build cache, unused blobs, layer snapshots",
                "and RUN cache mounts take, and what a plain `jbuild prune` would free of each."},
        footer = {"", "Example:", "  jbuild system df"})
final class SystemDfCommand implements Callable<Integer> {
    @Mixin
    StoreMixin store;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Table t = new Table("TYPE", "TOTAL", "SIZE", "RECLAIMABLE");
        for (StoreUsage.Row r : StoreUsage.of(store.open())) {
            t.row(r.type(), Integer.toString(r.count()), Sizes.human(r.bytes()), Sizes.human(r.reclaimable()));
        }
        PrintWriter out = spec.commandLine().getOut();
        t.print(out);
        out.flush();
        return 0;
    }
}
