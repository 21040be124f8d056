package dev.jbuild.layer.compress;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Fixed pools of daemon threads for compression, named {@code jbuild-<what>-<pool>-<thread>}. */
public final class DaemonPool {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private DaemonPool() {
    }

    /** A pool whose threads never keep the JVM alive, so an abandoned layer cannot hang an exit. */
    public static ExecutorService of(String what, int threads) {
        int id = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "jbuild-" + what + "-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
