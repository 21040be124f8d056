package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Manifest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs blob transfers a bounded number at a time; the first failure cancels the rest and is thrown. */
final class Parallel {
    private static final AtomicInteger IDS = new AtomicInteger();

    @FunctionalInterface
    interface Task {
        void run() throws IOException;
    }

    /** Something to do with one blob of an image, named for progress ("config", "layer 2/5"). */
    @FunctionalInterface
    interface BlobTask {
        void run(Descriptor blob, String label) throws IOException;
    }

    private Parallel() {
    }

    /** Runs {@code task} on the layers of {@code manifest} (and its config too, if asked), {@code width} at a time. */
    static void eachBlob(Manifest manifest, boolean withConfig, int width, BlobTask task) throws IOException {
        List<Task> tasks = new ArrayList<>();
        if (withConfig) {
            tasks.add(() -> task.run(manifest.config(), "config"));
        }
        List<Descriptor> layers = manifest.layers();
        for (int i = 0; i < layers.size(); i++) {
            Descriptor layer = layers.get(i);
            String label = "layer " + (i + 1) + "/" + layers.size();
            tasks.add(() -> task.run(layer, label));
        }
        run(width, tasks);
    }

    static void run(int width, List<Task> tasks) throws IOException {
        if (tasks.size() <= 1 || width <= 1) {
            for (Task t : tasks) {
                t.run();
            }
            return;
        }
        int id = IDS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(width, tasks.size()), r -> {
            Thread t = new Thread(r, "jbuild-transfer-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (Task t : tasks) {
                futures.add(pool.submit(() -> {
                    t.run();
                    return null;
                }));
            }
            for (Future<Void> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    pool.shutdownNow();
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    throw new IOException(c);
                } catch (InterruptedException e) {
                    pool.shutdownNow();
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
