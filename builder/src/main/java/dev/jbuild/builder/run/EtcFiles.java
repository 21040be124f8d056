package dev.jbuild.builder.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The three files every container gets bound read-only over the image's own, written into the
 * step's work directory: {@code /etc/resolv.conf} (a copy of the host's, symlinks followed, since
 * with the host network the host's resolvers, even a local stub such as 127.0.0.53, are the right
 * ones, and with an isolated network no resolver is reachable anyway), {@code /etc/hosts} (the
 * loopback names plus the container's hostname on 127.0.0.1, as BuildKit writes
 * {@code 127.0.0.1 localhost buildkitsandbox}, so the hostname resolves in both network modes) and
 * {@code /etc/hostname}. Bound rather than written into the root file system, they never end up in
 * a layer.
 */
final class EtcFiles {
    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");

    private EtcFiles() {
    }

    /** Writes the files under {@code workDir/etc} and returns their read-only mounts. */
    static List<ExtraMount> write(ExecSpec spec) throws IOException {
        Path dir = Files.createDirectories(spec.workDir().resolve("etc"));
        Path resolv = dir.resolve("resolv.conf");
        try {
            Files.write(resolv, Files.readAllBytes(HOST_RESOLV_CONF));
        } catch (NoSuchFileException e) {
            Files.writeString(resolv, "# the build host has no /etc/resolv.conf\n");
        }
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, "127.0.0.1\tlocalhost " + spec.hostname() + "\n"
                + "::1\tlocalhost ip6-localhost ip6-loopback\n", StandardCharsets.UTF_8);
        Path hostname = dir.resolve("hostname");
        Files.writeString(hostname, spec.hostname() + "\n", StandardCharsets.UTF_8);
        return List.of(
                new ExtraMount.Bind(resolv, "/etc/resolv.conf", true),
                new ExtraMount.Bind(hosts, "/etc/hosts", true),
                new ExtraMount.Bind(hostname, "/etc/hostname", true));
    }
}
