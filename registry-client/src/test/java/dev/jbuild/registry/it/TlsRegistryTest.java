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
 * makes it trusted; naming the registry insecure skips the check. With client certificates
 * required: refused without one, accepted with client.cert/client.key in certs.d, the key in any
 * of openssl's PEM forms.
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
    void tools() {
        Required.tools("docker-registry", "openssl");
    }

    private void start() throws Exception {
        start(false);
    }

    /** Starts the registry; {@code clientCerts} makes it require client certificates signed by ca.pem. */
    private void start(boolean clientCerts) throws Exception {
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
                "  tls: {certificate: " + dir.resolve("cert.pem") + ", key: " + dir.resolve("key.pem")
                        + (clientCerts ? ", clientcas: [" + dir.resolve("ca.pem") + "]" : "") + "}", ""));
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
    void anUntrustedCertificateIsRefusedAtOnceWithAWayOut() throws Exception {
        start();
        long start = System.nanoTime();
        RegistryException e = assertThrows(RegistryException.class,
                () -> RegistryClient.open(host, noCertDirs()).ping());
        assertTrue(e.getMessage().contains("not trusted") && e.getMessage().contains("certs.d/" + host),
                e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "not retried as if the network broke");
    }

    @Test
    void aCaFileInCertsDMakesItTrusted() throws Exception {
        start();
        Path certsD = dir.resolve("certs.d");
        Files.createDirectories(certsD.resolve(host));
        Files.copy(dir.resolve("cert.pem"), certsD.resolve(host).resolve("ca.crt"));
        pushAndPullABlob(RegistryOptions.defaults().withCertDirs(List.of(certsD)));
    }

    @Test
    void anInsecureRegistrySkipsTheCheck() throws Exception {
        start();
        pushAndPullABlob(noCertDirs().withInsecureRegistries(Set.of(host)));
    }

    /** A CA (ca.pem) and a client certificate it signs, the key made by {@code keyCommand} in one of openssl's forms. */
    private void clientCertificate(String... keyCommand) throws Exception {
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=jbuild-test-ca");
        signedClientCertificate(keyCommand);
    }

    private void signedClientCertificate(String... keyCommand) throws Exception {
        run(keyCommand);
        run("openssl", "req", "-new", "-key", "client.key", "-out", "client.csr", "-subj", "/CN=jbuild-client");
        run("openssl", "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "client.cert", "-days", "2");
    }

    /** certs.d with the registry's certificate as the CA for this host, and optionally the client pair. */
    private Path certsD(boolean withClientCertificate) throws IOException {
        Path certsD = dir.resolve("certs.d");
        Path hostDir = Files.createDirectories(certsD.resolve(host));
        Files.copy(dir.resolve("cert.pem"), hostDir.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        if (withClientCertificate) {
            Files.copy(dir.resolve("client.cert"), hostDir.resolve("client.cert"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(dir.resolve("client.key"), hostDir.resolve("client.key"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return certsD;
    }

    @Test
    void aRegistryAskingForAClientCertificateGetsTheOneInCertsD() throws Exception {
        clientCertificate("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-out", "client.key");
        start(true);
        Path without = certsD(false);
        RegistryException e = assertThrows(RegistryException.class,
                () -> RegistryClient.open(host, RegistryOptions.defaults().withCertDirs(List.of(without))).ping());
        assertTrue(e.getMessage().contains("client certificate"), e.getMessage());
        pushAndPullABlob(RegistryOptions.defaults().withCertDirs(List.of(certsD(true))));
    }

    @Test
    void clientKeysInTheOlderPemFormsAreRead() throws Exception {
        clientCertificate("openssl", "genrsa", "-traditional", "-out", "client.key", "2048");
        assertTrue(Files.readString(dir.resolve("client.key")).contains("BEGIN RSA PRIVATE KEY"));
        start(true);
        pushAndPullABlob(RegistryOptions.defaults().withCertDirs(List.of(certsD(true))));

        signedClientCertificate("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "client.key");
        assertTrue(Files.readString(dir.resolve("client.key")).contains("BEGIN EC PRIVATE KEY"));
        pushAndPullABlob(RegistryOptions.defaults().withCertDirs(List.of(certsD(true))));
    }

    @Test
    void aClientCertificateWithoutItsKeyIsAnError() throws Exception {
        start();
        Path certsD = certsD(false);
        Files.copy(dir.resolve("cert.pem"), certsD.resolve(host).resolve("client.cert"));
        IOException e = assertThrows(IOException.class,
                () -> RegistryClient.open(host, RegistryOptions.defaults().withCertDirs(List.of(certsD))).ping());
        assertTrue(e.getMessage().contains("without its key"), e.getMessage());
    }
}
