package dev.jbuild.cli;

import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.store.LocalStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code jbuild rmi IMAGE...}: remove names; the blobs go with the next {@code jbuild prune}. */
@Command(name = "rmi", mixinStandardHelpOptions = true,
        description = {"Remove images from the local store by name.",
                "The content stays until 'jbuild prune' removes what no name reaches."},
        footer = {"", "Example:", "  jbuild rmi app:1 app:2 && jbuild prune"})
final class RmiCommand implements Callable<Integer> {
    @Mixin
    StoreMixin store;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "Image names.")
    List<String> images;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LocalStore s = store.open();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int status = 0;
        for (String name : images) {
            ImageReference ref = StoreMixin.reference(name);
            if (s.untag(ref)) {
                out.println("Untagged: " + ref.withDefaultTag().familiar());
            } else {
                err.println("jbuild: no such image: " + name);
                status = ErrorReporter.FAILURE;
            }
        }
        out.flush();
        err.flush();
        return status;
    }
}
