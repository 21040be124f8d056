package dev.jbuild.cli;

import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.ImagePuller;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jbuild pull IMAGE}: an image from a registry into the local store. */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Download an image from a registry into the local store. Blobs already in the store are",
                "never downloaded again; from a multi-platform index the host's platform is chosen."},
        footer = {"", "Examples:", "  jbuild pull alpine:3.20", "  jbuild pull --platform linux/arm64 ghcr.io/org/app:1",
                "  jbuild pull --all-platforms localhost:5000/app:1"})
final class PullCommand implements Callable<Integer> {
    @Mixin
    StoreMixin store;

    @Mixin
    RegistryMixin registry;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image: name[:tag] or name@sha256:…")
    String image;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "The platform to pull from a multi-platform image (default: this machine's).")
    String platform;

    @Option(names = "--all-platforms", description = "Pull every platform and keep the index.")
    boolean allPlatforms;

    @Option(names = {"-q", "--quiet"}, description = "Print only the digest.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (platform != null && allPlatforms) {
            throw new UserError("--platform and --all-platforms exclude each other");
        }
        ImageReference ref = StoreMixin.reference(image);
        Optional<Platform> p = PlatformArg.parse(platform);
        LocalStore s = store.open();
        PrintWriter err = spec.commandLine().getErr();
        ProgressPrinter progress = quiet ? new ProgressPrinter(err, ProgressMode.QUIET) : registry.progress(err);
        ImagePuller.Result r;
        try {
            r = new ImagePuller(s, registry.clients(err), progress).pull(ref, p, allPlatforms);
        } finally {
            progress.done();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!quiet && !r.upToDate()) {
            err.println(ref.familiar() + ": " + progress.summary(false) + " (" + Sizes.human(r.bytes()) + ")");
            err.flush();
        }
        out.println(r.target().digest());
        out.flush();
        return 0;
    }
}
