package dev.jbuild.builder.run;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One process to run as a container, as a Dockerfile {@code RUN} step asks: the command and its
 * environment exactly as the process will see them (the caller has prepended the shell and added
 * {@code PATH}), the user, the network mode and the extra mounts. {@code rootfs} is an
 * already-mounted writable directory (the stage's overlay) that the executor runs in but never
 * unmounts; {@code cwd} already exists in it. {@code workDir} is a private scratch directory the
 * executor may fill (bundle, generated {@code /etc} files) and the caller deletes. {@code id} names
 * the container; take it from {@link Containers#newId()} so a later jbuild can tell whose it was.
 */
public record ExecSpec(
        Path rootfs,
        List<String> args,
        Map<String, String> env,
        String cwd,
        int uid,
        int gid,
        List<Integer> additionalGids,
        boolean isolatedNetwork,
        String hostname,
        List<ExtraMount> mounts,
        Limits limits,
        Path workDir,
        String id) {

    public ExecSpec {
        Objects.requireNonNull(rootfs, "rootfs");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(id, "id");
        if (args.isEmpty()) {
            throw new IllegalArgumentException("a container needs a command");
        }
        if (!cwd.startsWith("/")) {
            throw new IllegalArgumentException("cwd must be absolute: " + cwd);
        }
        args = List.copyOf(args);
        // LinkedHashMap, not Map.copyOf: the order of the environment is part of what the process sees.
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        additionalGids = List.copyOf(additionalGids);
        mounts = List.copyOf(mounts);
    }

    /** The environment as {@code KEY=VALUE} strings, in order, as {@code execve} takes it. */
    public List<String> envList() {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }
}
