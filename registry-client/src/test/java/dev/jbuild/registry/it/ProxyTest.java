package dev.jbuild.registry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.ImagePuller;
import dev.jbuild.registry.ImagePusher;
import dev.jbuild.registry.RegistryClients;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code HTTP_PROXY} with a proxy that demands a login, in front of the real registry: the client
 * sends every request through the proxy, answers its 407 with the user and password of the proxy
 * URL, and never sends those to the registry; without the login in the URL the proxy's refusal is
 * the error. The registry is named {@code registry.test:PORT}, which only the proxy can reach
 * (loopback names are never proxied).
 */
class ProxyTest {
    private static final String USER = "proxy-user";
    private static final String PASSWORD = "proxy:p@ss";

    @TempDir
    Path tmp;

    /** A forward proxy for plain HTTP that maps every host to 127.0.0.1 and wants Basic credentials. */
    static final class ForwardProxy implements AutoCloseable {
        final ServerSocket server;
        final List<String> requests = Collections.synchronizedList(new ArrayList<>());
        final List<String> leakedToRegistry = Collections.synchronizedList(new ArrayList<>());
        private final String expected;

        ForwardProxy(String user, String password) throws IOException {
            this.server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            this.expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
            Thread t = new Thread(this::accept, "test-proxy");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Thread t = new Thread(() -> handle(client), "test-proxy-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void handle(Socket client) {
            try (client) {
                InputStream in = client.getInputStream();
                String head = readHead(in);
                String[] lines = head.split("\r\n");
                String[] requestLine = lines[0].split(" ");
                String auth = null;
                long length = 0;
                StringBuilder forwarded = new StringBuilder();
                for (int i = 1; i < lines.length; i++) {
                    String name = lines[i].substring(0, lines[i].indexOf(':')).trim();
                    String value = lines[i].substring(lines[i].indexOf(':') + 1).trim();
                    if (name.equalsIgnoreCase("Proxy-Authorization")) {
                        auth = value;
                        continue;
                    }
                    if (name.equalsIgnoreCase("Content-Length")) {
                        length = Long.parseLong(value);
                    }
                    if (name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Proxy-Connection")) {
                        continue;
                    }
                    if (value.contains(PASSWORD) || value.contains(expected.substring(6))) {
                        leakedToRegistry.add(lines[i]);
                    }
                    forwarded.append(lines[i]).append("\r\n");
                }
                OutputStream out = client.getOutputStream();
                if (!expected.equals(auth)) {
                    in.readNBytes((int) length);
                    out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                            + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    return;
                }
                requests.add(requestLine[0] + " " + requestLine[1]);
                URI target = URI.create(requestLine[1]);
                String path = target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
                try (Socket upstream = new Socket("127.0.0.1", target.getPort())) {
                    OutputStream up = upstream.getOutputStream();
                    up.write((requestLine[0] + " " + path + " HTTP/1.1\r\n" + forwarded + "Connection: close\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    up.write(in.readNBytes((int) length));
                    up.flush();
                    upstream.getInputStream().transferTo(out);
                }
            } catch (IOException | RuntimeException e) {
                // the client went away; nothing to clean but the sockets
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            for (int b; (b = in.read()) >= 0; ) {
                head.write(b);
                matched = (b == '\r' || b == '\n') ? matched + 1 : 0;
                if (matched == 4) {
                    break;
                }
            }
            return head.toString(StandardCharsets.ISO_8859_1).trim();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @Test
    void pushAndPullGoThroughAProxyThatWantsALogin() throws Exception {
        try (RegistryServer registry = RegistryServer.start(tmp); ForwardProxy proxy = new ForwardProxy(USER, PASSWORD)) {
            String name = "registry.test:" + registry.port();
            ImageReference ref = ImageReference.parse(name + "/t/proxied:1");
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            TestImages.Image image = TestImages.write(source, ref, Platform.of("linux", "amd64"),
                    List.of(TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "etc/motd", "through a proxy\n")));
            String login = java.net.URLEncoder.encode(USER, StandardCharsets.UTF_8) + ":"
                    + java.net.URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8);
            RegistryOptions options = TestImages.localOptions().withInsecureRegistries(Set.of(name))
                    .withEnv(Map.of("HTTP_PROXY", "http://" + login + "@127.0.0.1:" + proxy.port()));

            new ImagePusher(source, new RegistryClients(options), new CountingListener()).push(image.manifest(), ref);
            LocalStore store = LocalStore.open(tmp.resolve("store"));
            ImagePuller.Result pulled = new ImagePuller(store, new RegistryClients(options), new CountingListener())
                    .pull(ref, Optional.empty(), false);
            assertEquals(image.manifest().digest(), pulled.target().digest());
            assertTrue(proxy.requests.stream().anyMatch(r -> r.startsWith("PUT http://" + name + "/v2/t/proxied/manifests/1")),
                    proxy.requests.toString());
            assertTrue(proxy.requests.stream().anyMatch(r -> r.startsWith("GET http://" + name + "/v2/t/proxied/blobs/")),
                    proxy.requests.toString());
            assertTrue(proxy.leakedToRegistry.isEmpty(), "the proxy login reaches only the proxy: " + proxy.leakedToRegistry);

            RegistryOptions noLogin = options.withEnv(Map.of("HTTP_PROXY", "http://127.0.0.1:" + proxy.port()));
            RegistryException e = assertThrows(RegistryException.class, () -> new ImagePuller(
                    LocalStore.open(tmp.resolve("other")), new RegistryClients(noLogin), new CountingListener())
                    .pull(ref, Optional.empty(), false));
            assertTrue(e.getMessage().contains("407"), e.getMessage());
            assertFalse(e.getMessage().contains(PASSWORD));
        }
    }
}
