package dev.jbuild.builder.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The OCI runtime-spec {@code config.json} of a {@code RUN} container, shaped like the one BuildKit
 * hands runc: the process as the spec asks (no terminal, docker's capabilities, a high open-files
 * limit), the standard pseudo file systems, the generated {@code /etc} files and the step's extra
 * mounts, pid/ipc/uts/mount namespaces plus a network namespace only when the network is
 * isolated (runc brings up its loopback), the cgroup limits, and docker's masked and read-only
 * paths. The device cgroup denies everything; runc appends and creates its default devices
 * (null, zero, full, random, urandom, tty, ptmx) itself.
 */
final class OciConfig {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OciConfig() {
    }

    /** The document for {@code spec}, with {@code mounts} (generated files, then the step's) after the standard ones. */
    static byte[] json(ExecSpec spec, List<ExtraMount> mounts) throws JsonProcessingException {
        ObjectNode config = MAPPER.createObjectNode();
        config.put("ociVersion", "1.0.2");
        config.set("process", process(spec));
        ObjectNode root = config.putObject("root");
        root.put("path", spec.rootfs().toAbsolutePath().toString());
        root.put("readonly", false);
        config.put("hostname", spec.hostname());
        ArrayNode list = config.putArray("mounts");
        mount(list, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
        mount(list, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=" + ContainerDefaults.TMPFS_SIZE);
        mount(list, "/dev/pts", "devpts", "devpts",
                "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(list, "/dev/shm", "tmpfs", "shm",
                "nosuid", "noexec", "nodev", "mode=1777", "size=" + ContainerDefaults.TMPFS_SIZE);
        mount(list, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(list, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
        mount(list, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
        for (ExtraMount m : mounts) {
            if (m instanceof ExtraMount.Bind b) {
                mount(list, b.target(), "bind", b.source().toString(), "rbind", b.readOnly() ? "ro" : "rw");
            } else if (m instanceof ExtraMount.Tmpfs t) {
                ObjectNode node = mount(list, t.target(), "tmpfs", "tmpfs", "nosuid", "nodev", "strictatime");
                t.sizeBytes().ifPresent(size -> ((ArrayNode) node.get("options")).add("size=" + size));
            }
        }
        config.set("linux", linux(spec));
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(config);
    }

    private static ObjectNode process(ExecSpec spec) {
        ObjectNode process = MAPPER.createObjectNode();
        process.put("terminal", false);
        ObjectNode user = process.putObject("user");
        user.put("uid", spec.uid());
        user.put("gid", spec.gid());
        ArrayNode gids = user.putArray("additionalGids");
        spec.additionalGids().forEach(gids::add);
        strings(process.putArray("args"), spec.args());
        strings(process.putArray("env"), spec.envList());
        process.put("cwd", spec.cwd());
        ObjectNode caps = process.putObject("capabilities");
        List<String> names = ContainerDefaults.CAPABILITIES.stream().map(c -> "CAP_" + c).toList();
        for (String set : List.of("bounding", "effective", "permitted")) {
            strings(caps.putArray(set), names);
        }
        ObjectNode nofile = process.putArray("rlimits").addObject();
        nofile.put("type", "RLIMIT_NOFILE");
        long limit = ContainerDefaults.nofile();
        nofile.put("hard", limit);
        nofile.put("soft", limit);
        process.put("noNewPrivileges", false);
        return process;
    }

    private static ObjectNode linux(ExecSpec spec) {
        ObjectNode linux = MAPPER.createObjectNode();
        linux.put("cgroupsPath", Cgroup.runtimePath(spec.id()));
        ObjectNode resources = linux.putObject("resources");
        ObjectNode denyAll = resources.putArray("devices").addObject();
        denyAll.put("allow", false);
        denyAll.put("access", "rwm");
        Limits limits = spec.limits();
        limits.memoryBytes().ifPresent(bytes -> {
            ObjectNode memory = resources.putObject("memory");
            memory.put("limit", bytes);
            // Memory plus swap: the same value means no swap, so a step over its limit is killed.
            memory.put("swap", bytes);
        });
        limits.cpus().ifPresent(cpus -> {
            ObjectNode cpu = resources.putObject("cpu");
            cpu.put("quota", Cgroup.cpuQuota(cpus));
            cpu.put("period", Cgroup.CPU_PERIOD_US);
        });
        limits.pids().ifPresent(pids -> resources.putObject("pids").put("limit", pids));
        ArrayNode namespaces = linux.putArray("namespaces");
        List<String> types = spec.isolatedNetwork()
                ? List.of("pid", "ipc", "uts", "mount", "network")
                : List.of("pid", "ipc", "uts", "mount");
        types.forEach(t -> namespaces.addObject().put("type", t));
        strings(linux.putArray("maskedPaths"), ContainerDefaults.MASKED_PATHS);
        strings(linux.putArray("readonlyPaths"), ContainerDefaults.READONLY_PATHS);
        return linux;
    }

    private static ObjectNode mount(ArrayNode list, String destination, String type, String source, String... options) {
        ObjectNode m = list.addObject();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        strings(m.putArray("options"), List.of(options));
        return m;
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
