package dev.jbuild.dockerfile.bench;

import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.plan.PlanOptions;
import dev.jbuild.dockerfile.plan.Planner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Times parsing and planning one Dockerfile, once warm: run by {@code bench/parse-plan.sh}, not by
 * the test suite (timings are never asserted in tests). Prints the median and the best of the
 * measured runs in milliseconds.
 */
public final class ParsePlanBench {
    private ParsePlanBench() {
    }

    public static void main(String[] args) throws Exception {
        byte[] content = Files.readAllBytes(Path.of(args[0]));
        int warmup = 200;
        int runs = 200;
        for (int i = 0; i < warmup; i++) {
            Planner.plan(Dockerfile.parse("Dockerfile", content), PlanOptions.defaults());
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            Planner.plan(Dockerfile.parse("Dockerfile", content), PlanOptions.defaults());
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("parse+plan %s: median %.2f ms, best %.2f ms over %d warm runs%n",
                args[0], ms[runs / 2], ms[0], runs);
    }
}
