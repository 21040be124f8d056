package dev.jbuild.builder;

import dev.jbuild.dockerfile.plan.StagePlan;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds the stages of a plan, each as soon as the stages it needs are built, at most
 * {@code jobs} at once: independent stages (two builders feeding a final image) run side by side.
 * The first stage that fails stops the others (their threads are interrupted, which kills their
 * containers) and its error is the build's. With one job, stages run in plan order on the
 * calling thread.
 */
final class StageScheduler {
    /** Builds one stage once the stages it needs are in {@code built}. */
    @FunctionalInterface
    interface StageBuild {
        StageState run(StagePlan stage, Map<Integer, StageState> built) throws IOException, InterruptedException;
    }

    private static final AtomicInteger POOLS = new AtomicInteger();

    private StageScheduler() {
    }

    /** Every stage of {@code stages} (in plan order, needs first) built; by stage index. */
    static Map<Integer, StageState> buildAll(List<StagePlan> stages, int jobs, StageBuild build)
            throws IOException, InterruptedException {
        Map<Integer, StageState> built = new ConcurrentHashMap<>();
        if (jobs <= 1 || stages.size() <= 1) {
            for (StagePlan stage : stages) {
                built.put(stage.stage().index(), build.run(stage, built));
            }
            return built;
        }
        int id = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(jobs, stages.size()), r -> {
            Thread t = new Thread(r, "jbuild-stage-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ExecutorCompletionService<StagePlan> done = new ExecutorCompletionService<>(pool);
        List<StagePlan> waiting = new ArrayList<>(stages);
        Map<Future<StagePlan>, StagePlan> running = new HashMap<>();
        try {
            while (!waiting.isEmpty() || !running.isEmpty()) {
                for (StagePlan stage : List.copyOf(waiting)) {
                    if (built.keySet().containsAll(stage.needs())) {
                        waiting.remove(stage);
                        running.put(done.submit(() -> {
                            built.put(stage.stage().index(), build.run(stage, built));
                            return stage;
                        }), stage);
                    }
                }
                if (running.isEmpty()) {
                    throw new IllegalStateException("stages wait for stages that are not in the plan: " + waiting);
                }
                Future<StagePlan> finished = done.take();
                running.remove(finished);
                finished.get();
            }
            return built;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        } finally {
            pool.shutdownNow();
            if (!pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                throw new InterruptedIOException("stages did not stop within a minute of the build's end");
            }
        }
    }

    private static IOException rethrow(Throwable cause) throws InterruptedException {
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof InterruptedException ie) {
            throw ie;
        }
        if (cause instanceof RuntimeException re) {
            throw re;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new IOException(cause);
    }
}
