package dev.jbuild.builder.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An OCI runtime binary ({@code runc} or {@code crun}, which share a command line) with jbuild's
 * own state directory: {@code <stateRoot>/<name>}, one per runtime because their state formats
 * differ and neither lists the other's containers cleanly.
 */
record OciRuntime(String name, Path binary, Path stateDir) {
    static OciRuntime of(String name, Path binary, Path stateRoot) {
        return new OciRuntime(name, binary, stateRoot.resolve(name));
    }

    /** The command line {@code binary --root stateDir args...}. */
    List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--root", stateDir.toString()));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** Creates the state directory, private to root like the runtime's default {@code /run/runc}. */
    void createStateDir() throws IOException {
        if (!Files.isDirectory(stateDir)) {
            Files.createDirectories(stateDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    /** The ids of the containers in the state directory. */
    List<String> list() throws IOException {
        if (!Files.isDirectory(stateDir) || isEmpty(stateDir)) {
            // The runtime keeps a directory per container there: none, no need to start it (every
            // build checks for stale containers first, and a start of runc costs tens of ms).
            return List.of();
        }
        Process p = new ProcessBuilder(command("list", "-q"))
                .redirectInput(Containers.NO_INPUT)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (Containers.waitUninterruptibly(p) != 0) {
            throw new IOException(name + " list failed in " + stateDir);
        }
        return out.lines().filter(l -> !l.isBlank()).map(String::trim).toList();
    }

    /**
     * {@code delete --force}: kills the container if it still runs (SIGKILL, which is why no
     * separate {@code kill} comes first) and removes its state and cgroup. A container that does not
     * exist is not an error. Waits even when the thread is interrupted: it is cleanup.
     */
    void deleteForce(String id) throws IOException {
        Process p = new ProcessBuilder(command("delete", "--force", id))
                .redirectInput(Containers.NO_INPUT)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Containers.waitUninterruptibly(p);
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        }
    }
}
