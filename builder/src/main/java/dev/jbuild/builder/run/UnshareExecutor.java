package dev.jbuild.builder.run;

import dev.jbuild.builder.BuildException;
import dev.jbuild.builder.fs.RootPath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Runs a {@code RUN} step with util-linux alone, for hosts without an OCI runtime:
 * {@code unshare} makes the mount, pid, ipc, uts (and, for an isolated network, net) namespaces;
 * a host {@code /bin/sh} script, pid 1 in them, joins the step's {@link Cgroup}, sets hostname,
 * loopback and open-files limit, and mounts {@code /proc}, a tmpfs {@code /dev} with the host's
 * null, zero, full, random, urandom and tty bound in, devpts, {@code /dev/shm}, mqueue, a read-only
 * sysfs, docker's masked and read-only paths, the generated {@code /etc} files and the step's mounts
 * into the root file system, every target resolved beforehand as after chroot; then it execs
 *
 * <pre>setpriv --regid=G --groups=… --bounding-set=… -- env -i -- K=V… nsenter --root=ROOT --wd=CWD --setuid=U -- ARGS…</pre>
 *
 * so host programs do everything up to the last exec: setpriv sets group ids and drops
 * capabilities outside docker's set, env installs exactly the step's environment, and nsenter
 * chroots, changes to the working directory (plain {@code chroot} always changes to {@code /};
 * nsenter opens the {@code --wd} directory before the chroot and fchdirs to it after), sets the
 * uid and execs the command, which is looked up on the step's PATH inside the root and becomes
 * pid 1, as under runc. No program of the image is needed, not even a shell. Every user value
 * reaches the script as a positional parameter, never as script text.
 *
 * <p>A second shell outside the pid namespace waits for pid 1 and exits with its status, because
 * {@code unshare --fork} of util-linux 2.38 does not report a child killed by a signal as
 * 128+signal. Parent-death signals chain the namespace to the JVM thread that started it: if the
 * JVM dies, so does the container.
 *
 * <p>Weaker than runc, and documented as such: chroot rather than pivot_root, so a root step with
 * {@code CAP_SYS_CHROOT} could leave the root file system; no device cgroup, so the root file
 * system and the step's mounts are {@code nodev} instead (device nodes from image layers or made
 * with mknod cannot be opened); no seccomp; {@code /sys/fs/cgroup} is left empty. nsenter runs as
 * a host program with the step's environment, so the host's dynamic loader sees a
 * {@code LD_PRELOAD} or {@code LD_LIBRARY_PATH} the step sets (a preload missing on the host only
 * prints a warning).
 */
public final class UnshareExecutor implements Executor {
    /** The host programs this executor needs besides {@code /bin/sh}; {@code ip} only for an isolated network. */
    static final List<String> TOOLS = List.of("unshare", "setpriv", "nsenter", "env", "mount");
    private static final String HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** Outside the pid namespace: starts pid 1, tied to this process by a parent-death signal, and reports its status. */
    private static final String OUTER = """
            inner=$1 setpriv=$2
            shift 2
            "$setpriv" --pdeathsig=KILL -- /bin/sh -c "$inner" jbuild-init "$@"
            exit $?
            """;

    /**
     * pid 1: {@code ROOT HOSTNAME IP NOFILE CGROUP_PROCS… -- MOUNT_OPS… -- EXEC_CHAIN…}. Mount ops have a
     * fixed number of operands each, so a value can never be taken for a keyword.
     */
    private static final String INNER = """
            set -eu
            root=$1 hostname=$2 ip=$3 nofile=$4
            shift 4
            while [ "$1" != -- ]; do echo 0 > "$1"; shift; done
            shift
            if [ -n "$ip" ]; then "$ip" link set lo up; fi
            printf '%s' "$hostname" > /proc/sys/kernel/hostname
            ulimit -n "$nofile"
            mount --rbind "$root" "$root"
            mount -o remount,bind,nodev "$root"
            while [ "$1" != -- ]; do
              case $1 in
              proc)
                mount -t proc -o nosuid,noexec,nodev proc "$2"
                shift 2 ;;
              dev)
                mount -t tmpfs -o nosuid,nodev,strictatime,mode=755,size=SIZE tmpfs "$2"
                for d in null zero full random urandom tty; do
                  : > "$2/$d"
                  mount --bind "/dev/$d" "$2/$d"
                done
                mkdir "$2/pts" "$2/shm" "$2/mqueue"
                mount -t devpts -o nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$2/pts"
                mount -t tmpfs -o nosuid,noexec,nodev,mode=1777,size=SIZE shm "$2/shm"
                mount -t mqueue -o nosuid,noexec,nodev mqueue "$2/mqueue"
                ln -s pts/ptmx "$2/ptmx"
                ln -s /proc/self/fd "$2/fd"
                ln -s /proc/self/fd/0 "$2/stdin"
                ln -s /proc/self/fd/1 "$2/stdout"
                ln -s /proc/self/fd/2 "$2/stderr"
                shift 2 ;;
              sys)
                mount -t sysfs -o ro,nosuid,noexec,nodev sysfs "$2"
                shift 2 ;;
              mask)
                if [ -d "$2" ]; then mount -t tmpfs -o ro,nosuid,noexec,nodev tmpfs "$2"
                elif [ -e "$2" ]; then mount --bind /dev/null "$2"; fi
                shift 2 ;;
              ro)
                if [ -e "$2" ]; then mount --bind "$2" "$2"; mount -o remount,bind,ro "$2"; fi
                shift 2 ;;
              bind)
                if [ ! -e "$3" ]; then
                  if [ -d "$2" ]; then mkdir -p "$3"; else mkdir -p "${3%/*}"; : > "$3"; fi
                fi
                mount --rbind "$2" "$3"
                mount -o "remount,bind,nodev,$4" "$3"
                shift 4 ;;
              tmpfs)
                if [ ! -e "$2" ]; then mkdir -p "$2"; fi
                mount -t tmpfs -o "$3" tmpfs "$2"
                shift 3 ;;
              *)
                echo "jbuild: unknown mount operation $1" >&2
                exit 125 ;;
              esac
            done
            shift
            exec "$@"
            """
            .replace("SIZE", ContainerDefaults.TMPFS_SIZE);

    private final Path unshare;
    private final Path setpriv;
    private final Path nsenter;
    private final Path env;
    private final Optional<Path> ip;

    private UnshareExecutor(Path unshare, Path setpriv, Path nsenter, Path env, Optional<Path> ip) {
        this.unshare = unshare;
        this.setpriv = setpriv;
        this.nsenter = nsenter;
        this.env = env;
        this.ip = ip;
    }

    /** The executor, or empty when one of {@link #TOOLS} is not installed. */
    public static Optional<UnshareExecutor> locate() {
        if (TOOLS.stream().anyMatch(t -> Executors.which(t).isEmpty())) {
            return Optional.empty();
        }
        return Optional.of(new UnshareExecutor(Executors.which("unshare").orElseThrow(),
                Executors.which("setpriv").orElseThrow(), Executors.which("nsenter").orElseThrow(),
                Executors.which("env").orElseThrow(), Executors.which("ip")));
    }

    @Override
    public String name() {
        return "unshare";
    }

    @Override
    public int run(ExecSpec spec, OutputSink out) throws IOException, InterruptedException {
        if (spec.isolatedNetwork() && ip.isEmpty()) {
            throw new BuildException("the unshare executor needs ip (iproute2) to bring up loopback in an isolated network");
        }
        List<ExtraMount> mounts = new ArrayList<>(EtcFiles.write(spec));
        mounts.addAll(spec.mounts());
        try (Containers.Guard guard = Containers.guard(spec.id())) {
            MountStubs stubs = MountStubs.create(spec.rootfs(), MountStubs.targets(mounts));
            guard.onClose(stubs::close);
            Cgroup cgroup = Cgroup.create(spec.id(), spec.limits());
            guard.onClose(cgroup::destroy);
            ProcessBuilder builder = new ProcessBuilder(command(spec, mounts, stubs, cgroup))
                    .redirectInput(Containers.NO_INPUT);
            // The host programs get a clean environment; the step's goes through env -i.
            builder.environment().clear();
            builder.environment().put("PATH", HOST_PATH);
            Process process = builder.start();
            guard.onClose(() -> stop(process));
            OutputPumps pumps = OutputPumps.start(process, out, spec.id());
            int status = process.waitFor();
            pumps.drain();
            return status;
        }
    }

    /** Killing the outer shell kills pid 1 (parent-death signal), and with it the whole pid namespace. */
    private static void stop(Process process) {
        process.destroyForcibly();
        Containers.waitUninterruptibly(process);
    }

    private List<String> command(ExecSpec spec, List<ExtraMount> mounts, MountStubs stubs, Cgroup cgroup)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(setpriv.toString(), "--pdeathsig=KILL", "--",
                unshare.toString(), "--mount", "--pid", "--ipc", "--uts"));
        if (spec.isolatedNetwork()) {
            cmd.add("--net");
        }
        cmd.addAll(List.of("--propagation=private", "--", "/bin/sh", "-c", OUTER, "jbuild-unshare", INNER,
                setpriv.toString()));
        cmd.add(spec.rootfs().toString());
        cmd.add(spec.hostname());
        cmd.add(spec.isolatedNetwork() ? ip.orElseThrow().toString() : "");
        cmd.add(Long.toString(ContainerDefaults.nofile()));
        cgroup.procsFiles().forEach(f -> cmd.add(f.toString()));
        cmd.add("--");
        cmd.addAll(List.of("proc", stubs.hostPath("/proc").toString()));
        cmd.addAll(List.of("dev", stubs.hostPath("/dev").toString()));
        cmd.addAll(List.of("sys", stubs.hostPath("/sys").toString()));
        for (String masked : ContainerDefaults.MASKED_PATHS) {
            cmd.addAll(List.of("mask", pseudoFsPath(stubs, masked).toString()));
        }
        for (String readonly : ContainerDefaults.READONLY_PATHS) {
            cmd.addAll(List.of("ro", pseudoFsPath(stubs, readonly).toString()));
        }
        for (ExtraMount m : mounts) {
            String target = stubs.hostPath(m.target()).toString();
            if (m instanceof ExtraMount.Bind b) {
                cmd.addAll(List.of("bind", b.source().toString(), target, b.readOnly() ? "ro" : "rw"));
            } else if (m instanceof ExtraMount.Tmpfs t) {
                String options = "nosuid,nodev,strictatime" + t.sizeBytes().stream().mapToObj(s -> ",size=" + s)
                        .collect(Collectors.joining());
                cmd.addAll(List.of("tmpfs", target, options));
            }
        }
        cmd.add("--");
        cmd.addAll(execChain(spec));
        return cmd;
    }

    /** A path on the fresh /proc or /sys: below that file system's host path, no symlinks to fear. */
    private static Path pseudoFsPath(MountStubs stubs, String containerPath) {
        int slash = containerPath.indexOf('/', 1);
        return stubs.hostPath(containerPath.substring(0, slash)).resolve(containerPath.substring(slash + 1));
    }

    private List<String> execChain(ExecSpec spec) throws IOException {
        List<String> chain = new ArrayList<>(List.of(setpriv.toString(), "--regid=" + spec.gid()));
        chain.add(spec.additionalGids().isEmpty() ? "--clear-groups"
                : "--groups=" + spec.additionalGids().stream().map(String::valueOf).collect(Collectors.joining(",")));
        chain.add("--inh-caps=-all");
        chain.add("--bounding-set=-all," + ContainerDefaults.CAPABILITIES.stream()
                .map(c -> "+" + c.toLowerCase(Locale.ROOT)).collect(Collectors.joining(",")));
        chain.addAll(List.of("--", env.toString(), "-i", "--"));
        chain.addAll(spec.envList());
        chain.addAll(List.of(nsenter.toString(), "--root=" + spec.rootfs(),
                "--wd=" + RootPath.resolve(spec.rootfs(), spec.cwd(), true),
                "--setuid=" + spec.uid(), "--"));
        chain.addAll(spec.args());
        return chain;
    }
}
