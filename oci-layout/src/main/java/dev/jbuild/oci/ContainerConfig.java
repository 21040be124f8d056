package dev.jbuild.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code config} member of an image config: how to run a container of the image. The OCI
 * fields plus the Docker extensions BuildKit writes ({@code Healthcheck}, {@code OnBuild},
 * {@code Shell}). Written in the order of BuildKit's Go struct: {@code User, ExposedPorts, Env,
 * Entrypoint, Cmd, Volumes, WorkingDir, Labels, StopSignal, ArgsEscaped, Healthcheck, OnBuild,
 * Shell}, then unknown members (moby's {@code Hostname}, {@code AttachStdin} …). Empty members are
 * omitted, so an empty list and an absent one are the same, as they are to Go; BuildKit's
 * {@code "OnBuild": null} is read as empty and not written back.
 *
 * @param user {@code USER}
 * @param exposedPorts {@code EXPOSE}, e.g. {@code 80/tcp}; a set, sorted
 * @param env {@code ENV}, as {@code NAME=value}, in order
 * @param entrypoint {@code ENTRYPOINT}
 * @param cmd {@code CMD}
 * @param volumes {@code VOLUME}; a set, sorted
 * @param workingDir {@code WORKDIR}
 * @param labels {@code LABEL}, sorted by key
 * @param stopSignal {@code STOPSIGNAL}
 * @param argsEscaped Windows only: the command line is already escaped
 * @param healthcheck {@code HEALTHCHECK}
 * @param onBuild {@code ONBUILD} triggers, in order
 * @param shell {@code SHELL}
 * @param unknown other members
 */
public record ContainerConfig(Optional<String> user, Set<String> exposedPorts, List<String> env,
        List<String> entrypoint, List<String> cmd, Set<String> volumes, Optional<String> workingDir,
        Map<String, String> labels, Optional<String> stopSignal, boolean argsEscaped,
        Optional<Healthcheck> healthcheck, List<String> onBuild, List<String> shell, UnknownFields unknown) {
    static final List<String> FIELDS = List.of("User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes",
            "WorkingDir", "Labels", "StopSignal", "ArgsEscaped", "Healthcheck", "OnBuild", "Shell");

    /** Nothing set. */
    public static final ContainerConfig EMPTY = new ContainerConfig(Optional.empty(), Set.of(), List.of(), List.of(),
            List.of(), Set.of(), Optional.empty(), Map.of(), Optional.empty(), false, Optional.empty(), List.of(),
            List.of(), UnknownFields.NONE);

    public ContainerConfig {
        user = user.filter(u -> !u.isEmpty());
        exposedPorts = sortedSet(exposedPorts);
        env = List.copyOf(env);
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        volumes = sortedSet(volumes);
        workingDir = workingDir.filter(w -> !w.isEmpty());
        labels = Descriptor.sortedMap(labels);
        stopSignal = stopSignal.filter(s -> !s.isEmpty());
        onBuild = List.copyOf(onBuild);
        shell = List.copyOf(shell);
        unknown = unknown.requireNoneOf(FIELDS, "ContainerConfig");
    }

    /** The value of an environment variable: the first {@code NAME=} entry, as BuildKit looks it up. */
    public Optional<String> envValue(String name) {
        String prefix = name + "=";
        return env.stream().filter(e -> e.startsWith(prefix)).findFirst().map(e -> e.substring(prefix.length()));
    }

    /**
     * A copy with {@code NAME=value} set: the first existing entry replaced in place, else one
     * appended, as BuildKit's {@code ENV} does, so variables keep the order of their first definition.
     */
    public ContainerConfig withEnvVar(String name, String value) {
        String prefix = name + "=";
        List<String> out = new ArrayList<>(env);
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).startsWith(prefix) || out.get(i).equals(name)) {
                out.set(i, prefix + value);
                return withEnv(out);
            }
        }
        out.add(prefix + value);
        return withEnv(out);
    }

    public ContainerConfig withUser(Optional<String> newUser) {
        return new ContainerConfig(newUser, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknown);
    }

    public ContainerConfig withExposedPorts(Set<String> newExposedPorts) {
        return new ContainerConfig(user, newExposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknown);
    }

    public ContainerConfig withEnv(List<String> newEnv) {
        return new ContainerConfig(user, exposedPorts, newEnv, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknown);
    }

    public ContainerConfig withEntrypoint(List<String> newEntrypoint) {
        return new ContainerConfig(user, exposedPorts, env, newEntrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknown);
    }

    public ContainerConfig withCmd(List<String> newCmd) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, newCmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknown);
    }

    public ContainerConfig withVolumes(Set<String> newVolumes) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, newVolumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknown);
    }

    public ContainerConfig withWorkingDir(Optional<String> newWorkingDir) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, newWorkingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknown);
    }

    public ContainerConfig withLabels(Map<String, String> newLabels) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, newLabels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknown);
    }

    /** A copy with one label set (replaced if present). */
    public ContainerConfig withLabel(String key, String value) {
        return withLabels(Descriptor.put(labels, key, value));
    }

    public ContainerConfig withStopSignal(Optional<String> newStopSignal) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, newStopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknown);
    }

    public ContainerConfig withArgsEscaped(boolean newArgsEscaped) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                newArgsEscaped, healthcheck, onBuild, shell, unknown);
    }

    public ContainerConfig withHealthcheck(Optional<Healthcheck> newHealthcheck) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, newHealthcheck, onBuild, shell, unknown);
    }

    public ContainerConfig withOnBuild(List<String> newOnBuild) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, newOnBuild, shell, unknown);
    }

    public ContainerConfig withShell(List<String> newShell) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, newShell, unknown);
    }

    public ContainerConfig withUnknown(UnknownFields newUnknown) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, newUnknown);
    }

    private static Set<String> sortedSet(Set<String> set) {
        TreeSet<String> sorted = new TreeSet<>(Json.KEY_ORDER);
        sorted.addAll(set);
        return Collections.unmodifiableSortedSet(sorted);
    }

    ObjectNode toJson() {
        return new JsonOut()
                .string("User", user)
                .keySet("ExposedPorts", exposedPorts)
                .strings("Env", env, false)
                .strings("Entrypoint", entrypoint, false)
                .strings("Cmd", cmd, false)
                .keySet("Volumes", volumes)
                .string("WorkingDir", workingDir)
                .stringMap("Labels", labels)
                .string("StopSignal", stopSignal)
                .flag("ArgsEscaped", argsEscaped)
                .object("Healthcheck", healthcheck.map(Healthcheck::toJson))
                .strings("OnBuild", onBuild, false)
                .strings("Shell", shell, false)
                .unknown(unknown)
                .done();
    }

    static ContainerConfig fromJson(JsonFields in) {
        Optional<String> user = in.string("User");
        Set<String> exposedPorts = in.keySet("ExposedPorts");
        List<String> env = in.strings("Env");
        List<String> entrypoint = in.strings("Entrypoint");
        List<String> cmd = in.strings("Cmd");
        Set<String> volumes = in.keySet("Volumes");
        Optional<String> workingDir = in.string("WorkingDir");
        Map<String, String> labels = in.stringMap("Labels");
        Optional<String> stopSignal = in.string("StopSignal");
        boolean argsEscaped = in.bool("ArgsEscaped");
        Optional<Healthcheck> healthcheck = in.object("Healthcheck").map(Healthcheck::fromJson);
        List<String> onBuild = in.strings("OnBuild");
        List<String> shell = in.strings("Shell");
        UnknownFields unknown = in.unknown();
        return in.build(() -> new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels,
                stopSignal, argsEscaped, healthcheck, onBuild, shell, unknown));
    }
}
