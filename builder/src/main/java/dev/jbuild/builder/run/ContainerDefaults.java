package dev.jbuild.builder.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What every {@code RUN} container gets, the same under both executors and as docker and BuildKit
 * give it: the capability set, the open-files limit, and the parts of {@code /proc} and
 * {@code /sys} that are hidden or read-only because they reveal or change the host.
 */
final class ContainerDefaults {
    /** Docker's default capabilities, without the {@code CAP_} prefix. */
    static final List<String> CAPABILITIES = List.of(
            "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
            "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE");

    /** {@code RLIMIT_NOFILE}, soft and hard, as BuildKit sets it: the kernel's default {@code fs.nr_open}. */
    private static final long NOFILE = 1048576;
    private static final int CAP_SYS_RESOURCE = 24;

    /** Covered by {@code /dev/null} (files) or an empty read-only tmpfs (directories). */
    static final List<String> MASKED_PATHS = List.of(
            "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");

    /** Bound read-only over themselves. */
    static final List<String> READONLY_PATHS = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /** Size of the {@code /dev} and {@code /dev/shm} tmpfs mounts, as docker gives them. */
    static final String TMPFS_SIZE = "65536k";

    private ContainerDefaults() {
    }

    /**
     * The open-files limit to give: {@link #NOFILE}, unless jbuild lacks {@code CAP_SYS_RESOURCE}
     * (a restricted sandbox) and so cannot raise a hard limit above its own, which then is the
     * most a container can get.
     */
    static long nofile() {
        try {
            long hard = NOFILE;
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
                    hard = fields[1].equals("unlimited") ? NOFILE : Long.parseLong(fields[1]);
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                    if ((caps & (1L << CAP_SYS_RESOURCE)) != 0) {
                        return NOFILE;
                    }
                }
            }
            return Math.min(NOFILE, hard);
        } catch (IOException | RuntimeException e) {
            return NOFILE;
        }
    }
}
