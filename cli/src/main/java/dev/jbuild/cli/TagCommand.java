package dev.jbuild.cli;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.store.LocalStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code jbuild tag SOURCE TARGET}: another name for an image in the store. */
@Command(name = "tag", mixinStandardHelpOptions = true,
        description = "Give an image in the local store another name.",
        footer = {"", "Example:", "  jbuild tag app:1 registry.example.com/team/app:1"})
final class TagCommand implements Callable<Integer> {
    @Mixin
    StoreMixin store;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "An image in the store.")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET", description = "The new name.")
    String target;

    @Override
    public Integer call() throws Exception {
        LocalStore s = store.open();
        ImageReference to = StoreMixin.reference(target);
        if (to.digest().isPresent()) {
            throw new UserError("TARGET " + target + " must be a name with an optional tag, not a digest");
        }
        Descriptor image = s.resolve(StoreMixin.reference(source))
                .orElseThrow(() -> new UserError("no such image: " + source + " (see 'jbuild images')"));
        s.tag(to, image);
        return 0;
    }
}
