package dev.jbuild.builder.run;

import java.io.IOException;

/**
 * Runs one {@link ExecSpec} as a container and waits for it. Output goes to the sink as it comes.
 * Whatever happens (the command fails, the thread is interrupted, the JVM shuts down) nothing of
 * the container is left afterwards: no process, mount, cgroup, runtime state, or mount target
 * created in the root file system. A non-zero status is the command's business: the caller turns
 * it into an error; an {@link IOException} means the container could not be run at all.
 */
public interface Executor {
    /**
     * Runs the container to completion and returns its exit status: the command's own, or 128 plus
     * the signal number when a signal killed it. An interrupt kills the container, cleans up and
     * throws {@link InterruptedException}.
     */
    int run(ExecSpec spec, OutputSink out) throws IOException, InterruptedException;

    /** The name the user selects this executor by: {@code runc}, {@code crun} or {@code unshare}. */
    String name();
}
