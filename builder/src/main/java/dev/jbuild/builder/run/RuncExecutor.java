package dev.jbuild.builder.run;

import dev.jbuild.builder.BuildException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@code RUN} step with an OCI runtime, {@code runc} or {@code crun} (same command line):
 * writes a bundle ({@link OciConfig}) into the step's work directory and runs
 * {@code <runtime> --root <stateRoot>/<runtime> run --bundle <bundle> <id>} in the foreground, stdin
 * from {@code /dev/null}, stdout and stderr piped to the sink. The runtime does the isolation
 * (pivot_root, namespaces, cgroup, device cgroup, capabilities) and propagates the exit status,
 * 128+signal included. Afterwards, and on interrupt or JVM exit, the container is force-deleted,
 * any cgroup left is removed, and the mount stubs are taken out of the root file system.
 */
public final class RuncExecutor implements Executor {
    /** How long {@code <runtime> run} gets to exit after its container was deleted before it is killed. */
    private static final long EXIT_MILLIS = 2_000;

    private final OciRuntime runtime;

    /**
     * The executor for {@code runtime} ({@code runc} or {@code crun}, found on the PATH or in root's
     * sbin directories), keeping container state under {@code stateRoot/<runtime>}.
     */
    public RuncExecutor(String runtime, Path stateRoot) throws BuildException {
        if (!Executors.OCI_RUNTIMES.contains(runtime)) {
            throw new IllegalArgumentException("not an OCI runtime jbuild drives: " + runtime);
        }
        Path binary = Executors.which(runtime)
                .orElseThrow(() -> new BuildException(runtime + " is not installed (looked on the PATH and in /usr/sbin, /sbin)"));
        this.runtime = OciRuntime.of(runtime, binary, stateRoot);
    }

    @Override
    public String name() {
        return runtime.name();
    }

    @Override
    public int run(ExecSpec spec, OutputSink out) throws IOException, InterruptedException {
        List<ExtraMount> mounts = new ArrayList<>(EtcFiles.write(spec));
        mounts.addAll(spec.mounts());
        Path bundle = Files.createDirectories(spec.workDir().resolve("bundle"));
        Files.write(bundle.resolve("config.json"), OciConfig.json(spec, mounts));
        runtime.createStateDir();
        try (Containers.Guard guard = Containers.guard(spec.id())) {
            MountStubs stubs = MountStubs.create(spec.rootfs(), MountStubs.targets(mounts));
            guard.onClose(stubs::close);
            Process process = new ProcessBuilder(runtime.command("run", "--bundle", bundle.toString(), spec.id()))
                    .redirectInput(Containers.NO_INPUT)
                    .start();
            guard.onClose(() -> stop(process, spec.id()));
            OutputPumps pumps = OutputPumps.start(process, out, spec.id());
            int status = process.waitFor();
            pumps.drain();
            return status;
        }
    }

    /**
     * Leaves nothing of the container. While {@code run} is still going (interrupt, JVM exit) the
     * container is deleted first, which kills it the way the runtime knows best, and {@code run}
     * then exits by itself; the second delete catches a container that {@code run} was still
     * creating, and the cgroup removal whatever a killed {@code run} had already put in one.
     */
    private void stop(Process process, String id) throws IOException {
        if (process.isAlive()) {
            runtime.deleteForce(id);
            if (!Containers.waitUninterruptibly(process, EXIT_MILLIS)) {
                process.destroyForcibly();
                Containers.waitUninterruptibly(process);
            }
        }
        runtime.deleteForce(id);
        Cgroup.destroyAll(id);
    }
}
