package dev.jbuild.cli;

import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.store.StoreLocation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --root} option of every command that uses the local store, and opening the store. */
final class StoreMixin {
    @Option(names = "--root", paramLabel = "DIR",
            description = "The local store (default: $JBUILD_ROOT, else /var/lib/jbuild for root,"
                    + " else $XDG_DATA_HOME/jbuild or ~/.local/share/jbuild).")
    Path root;

    LocalStore open() throws IOException {
        return LocalStore.open(StoreLocation.resolve(Optional.ofNullable(root)));
    }

    /** Parses a reference given on the command line, turning a bad one into a one-line error. */
    static ImageReference reference(String text) {
        try {
            return ImageReference.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
