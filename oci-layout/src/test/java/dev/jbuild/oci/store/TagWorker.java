package dev.jbuild.oci.store;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import java.nio.file.Path;

/**
 * Run as a separate JVM by {@link LocalStoreTest}: writes a small image and names it
 * {@code <prefix>-<i>} for i in 0..n-1, into the store given as the first argument.
 */
public final class TagWorker {
    private TagWorker() {
    }

    public static void main(String[] args) throws Exception {
        LocalStore store = LocalStore.open(Path.of(args[0]));
        String prefix = args[1];
        int n = Integer.parseInt(args[2]);
        for (int i = 0; i < n; i++) {
            Descriptor image = LocalStoreTest.writeImage(store, prefix + "-" + i);
            store.tag(ImageReference.parse("localhost/" + prefix + ":" + i), image);
        }
    }
}
