package dev.jbuild.cli;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.ImagePusher;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbuild push IMAGE [DEST]}: an image of the local store to a registry. */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Upload an image of the local store to a registry: to the registry and repository its name",
                "says, or to DEST. Blobs the registry has are skipped, blobs it has in another repository are",
                "mounted from there, and an image the destination already holds is not sent again."},
        footer = {"", "Examples:", "  jbuild push localhost:5000/app:1", "  jbuild push app:1 ghcr.io/org/app:1"})
final class PushCommand implements Callable<Integer> {
    @Mixin
    StoreMixin store;

    @Mixin
    RegistryMixin registry;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "An image in the store.")
    String image;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DEST",
            description = "Where to push (default: the image's own name).")
    String destination;

    @Option(names = {"-q", "--quiet"}, description = "Print only the digest.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ImageReference ref = StoreMixin.reference(image);
        ImageReference dest = destination == null ? ref : StoreMixin.reference(destination);
        LocalStore s = store.open();
        Descriptor target = s.resolve(ref).orElseThrow(
                () -> new UserError("no such image: " + image + " (see 'jbuild images')"));
        PrintWriter err = spec.commandLine().getErr();
        ProgressPrinter progress = quiet ? new ProgressPrinter(err, ProgressMode.QUIET) : registry.progress(err);
        ImagePusher.Result r;
        try {
            r = new ImagePusher(s, registry.clients(err), progress).push(target, dest);
        } finally {
            progress.done();
        }
        if (!quiet) {
            err.println(dest.familiar() + ": " + (r.upToDate() ? "already up to date"
                    : progress.summary(true) + " (" + Sizes.human(r.bytes()) + ")"));
            err.flush();
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(target.digest());
        out.flush();
        return 0;
    }
}
