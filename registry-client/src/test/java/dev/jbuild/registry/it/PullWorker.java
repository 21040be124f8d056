package dev.jbuild.registry.it;

import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.ImagePuller;
import dev.jbuild.registry.RegistryClients;
import dev.jbuild.registry.TransferListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The other process of the two-process pull test:
 * {@code PullWorker STORE REFERENCE READY GO WARMUP_REFERENCE SCRATCH_STORE} opens the store, warms
 * up by pulling another image into a scratch store, creates the file {@code READY}, waits (at most 30 s) for the file {@code GO} so
 * that both processes start pulling together, pulls, and prints one line
 * {@code RESULT <digest> DOWNLOADED <n> PRESENT <m>} counted from its listener.
 */
public final class PullWorker {
    private PullWorker() {
    }

    public static void main(String[] args) throws Exception {
        LocalStore store = LocalStore.open(Path.of(args[0]));
        ImageReference ref = ImageReference.parse(args[1]);
        // Warm up (classes, JIT, the connection) with a pull of another image into a scratch
        // store, so that both processes really pull at the same time once told to go.
        RegistryClients clients = new RegistryClients(TestImages.localOptions());
        new ImagePuller(LocalStore.open(Path.of(args[5])), clients, TransferListener.NONE)
                .pull(ImageReference.parse(args[4]), Optional.empty(), false);
        Files.createFile(Path.of(args[2]));
        Path go = Path.of(args[3]);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Files.exists(go)) {
            if (System.nanoTime() > deadline) {
                System.err.println("no go after 30 s");
                System.exit(2);
            }
            Thread.sleep(2);
        }
        CountingListener listener = new CountingListener();
        ImagePuller.Result r = new ImagePuller(store, clients, listener)
                .pull(ref, Optional.empty(), false);
        System.out.println("RESULT " + r.target().digest() + " DOWNLOADED "
                + listener.count(TransferListener.Outcome.DOWNLOADED) + " PRESENT "
                + listener.count(TransferListener.Outcome.PRESENT));
        for (CountingListener.Event e : listener.events()) {
            System.out.println("EVENT " + e.outcome() + " " + e.digest());
        }
    }
}
