package dev.jbuild.builder.run;

import dev.jbuild.builder.BuildException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Picks the executor for a build: the one the user named ({@code runc}, {@code crun} or
 * {@code unshare}), or by default the first of those that is installed. runc and crun run the
 * container from an OCI bundle (pivot_root, device cgroup, the full OCI isolation); the unshare
 * executor needs only util-linux and is the fallback for hosts without an OCI runtime.
 */
public final class Executors {
    /** The OCI runtimes jbuild drives, in order of preference. */
    static final List<String> OCI_RUNTIMES = List.of("runc", "crun");
    private static final String UNSHARE = "unshare";
    /** Root's usual sbin directories, where runc often lives, even when the PATH lacks them. */
    private static final String SBIN = "/usr/local/sbin:/usr/sbin:/sbin";

    private Executors() {
    }

    /**
     * The executor named by {@code isolation}, or the default. Fails with a {@link BuildException}
     * naming the executor when it is unknown or its programs are not installed, listing what is
     * available.
     */
    public static Executor choose(Optional<String> isolation, Path stateRoot) throws BuildException {
        if (isolation.isPresent()) {
            String name = isolation.get();
            if (OCI_RUNTIMES.contains(name)) {
                if (which(name).isEmpty()) {
                    throw unavailable(name, name + " is not installed");
                }
                return new RuncExecutor(name, stateRoot);
            }
            if (name.equals(UNSHARE)) {
                return UnshareExecutor.locate().orElseThrow(() -> unavailable(name,
                        "it needs " + String.join(", ", UnshareExecutor.TOOLS) + " from util-linux and coreutils"));
            }
            throw new BuildException("unknown isolation \"" + name + "\": expected one of runc, crun, unshare"
                    + availableSuffix());
        }
        for (String name : OCI_RUNTIMES) {
            if (which(name).isPresent()) {
                return new RuncExecutor(name, stateRoot);
            }
        }
        return UnshareExecutor.locate().orElseThrow(() -> new BuildException(
                "cannot run RUN steps: none of runc, crun or unshare (with setpriv and nsenter) is installed"));
    }

    /** The names of the executors that can run on this host, in order of preference. */
    public static List<String> available() {
        List<String> names = new ArrayList<>();
        for (String name : OCI_RUNTIMES) {
            if (which(name).isPresent()) {
                names.add(name);
            }
        }
        if (UnshareExecutor.locate().isPresent()) {
            names.add(UNSHARE);
        }
        return names;
    }

    /** The executable called {@code name} on the PATH or in root's sbin directories. */
    static Optional<Path> which(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + SBIN;
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static BuildException unavailable(String name, String why) {
        return new BuildException("cannot use isolation \"" + name + "\": " + why + availableSuffix());
    }

    private static String availableSuffix() {
        List<String> names = available();
        return names.isEmpty() ? "; no executor is available on this host"
                : "; available here: " + String.join(", ", names);
    }
}
