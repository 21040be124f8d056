package dev.jbuild.builder.run;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Resource limits for one container, enforced through its cgroup: memory in bytes (swap included,
 * so a step over it is killed rather than swapped), CPUs as a fraction of cores (CFS quota), and
 * the number of tasks (processes and threads). Empty means unlimited.
 */
public record Limits(OptionalLong memoryBytes, OptionalDouble cpus, OptionalLong pids) {
    /**
     * Tasks a step may have when the user sets nothing: enough for a parallel build (compilers,
     * JVMs with hundreds of threads), yet a fork bomb stops there instead of exhausting the host's
     * pid space (often only 32768).
     */
    public static final long DEFAULT_PIDS = 16384;

    public Limits {
        memoryBytes.ifPresent(m -> require(m > 0, "memory limit must be positive: " + m));
        cpus.ifPresent(c -> require(c > 0, "cpu limit must be positive: " + c));
        pids.ifPresent(p -> require(p > 0, "pids limit must be positive: " + p));
    }

    /** No memory or CPU limit, {@link #DEFAULT_PIDS} tasks. */
    public static Limits defaults() {
        return new Limits(OptionalLong.empty(), OptionalDouble.empty(), OptionalLong.of(DEFAULT_PIDS));
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
