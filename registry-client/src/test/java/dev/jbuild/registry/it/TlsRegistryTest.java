package dev.jbuild.registry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.registry.RegistryClient;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.registry.TransferProgress;
import dev.jbuild.testkit.Required;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real docker-registry serving TLS on loopback with a self-signed certificate (made with
 * openssl): a plain-HTTP first try is turned away and the client moves to HTTPS; the certificate
 * is refused at once with a message saying how to trust it; a CA file in a certs.d directory
 * makes it trusted; naming the registry insecure skips the check.
 */
class TlsRegistryTest {
    @TempDir
    Path dir;

    private Process registry;
    private String host;

    private void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, List.of(cmd) + ":\n" + out);
    }

    @BeforeEach
    void start() throws Exception {
        Required.tools("docker-registry", "openssl");
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        host = "127.0.0.1:" + port;
        Files.writeString(dir.resolve("config.yml"), String.join("\n", "version: 0.1", "log: {level: warn}",
                "storage:", "  filesystem: {rootdirectory: " + dir.resolve("data") + "}", "http:",
                "  addr: " + host, "  secret: jbuild-test",
                "  tls: {certificate: " + dir.resolve("cert.pem") + ", key: " + dir.resolve("key.pem") + "}", ""));
        registry = new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        for (int i = 0; ; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                break;
            } catch (IOException notYet) {
                assertTrue(i < 150 && registry.isAlive(), Files.readString(dir.resolve("registry.log")));
                Thread.sleep(100);
            }
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (registry != null) {
            registry.destroy();
            if (!registry.waitFor(5, TimeUnit.SECONDS)) {
                registry.destroyForcibly().waitFor();
            }
        }
    }

    private void pushAndPullABlob(RegistryOptions options) throws IOException {
        RegistryClient client = RegistryClient.open(host, options);
        byte[] content = "over TLS\n".getBytes(StandardCharsets.UTF_8);
        Descriptor blob = Descriptor.of("application/octet-stream", Digest.sha256(content), content.length);
        client.uploadBlob("tls/app", blob, offset -> new ByteArrayInputStream(content, (int) offset,
                content.length - (int) offset), Optional.empty(), TransferProgress.NONE);
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        client.getBlob("tls/app", blob, back, TransferProgress.NONE);
        assertEquals(new String(content, StandardCharsets.UTF_8), back.toString(StandardCharsets.UTF_8));
    }

    private RegistryOptions noCertDirs() {
        return RegistryOptions.defaults().withCertDirs(List.of(dir.resolve("no-certs.d")));
    }

    @Test
    void anUntrustedCertificateIsRefusedAtOnceWithAWayOut() {
        long start = System.nanoTime();
        RegistryException e = assertThrows(RegistryException.class,
                () -> RegistryClient.open(host, noCertDirs()).ping());
        assertTrue(e.getMessage().contains("not trusted") && e.getMessage().contains("certs.d/" + host),
                e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "not retried as if the network broke");
    }

    @Test
    void aCaFileInCertsDMakesItTrusted() throws Exception {
        Path certsD = dir.resolve("certs.d");
        Files.createDirectories(certsD.resolve(host));
        Files.copy(dir.resolve("cert.pem"), certsD.resolve(host).resolve("ca.crt"));
        pushAndPullABlob(RegistryOptions.defaults().withCertDirs(List.of(certsD)));
    }

    @Test
    void anInsecureRegistrySkipsTheCheck() throws Exception {
        pushAndPullABlob(noCertDirs().withInsecureRegistries(Set.of(host)));
    }
}
