package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pull}, {@code push}, {@code copy}, {@code login} and {@code logout} as users run them: the
 * packaged jar in its own process, against the real docker-registry on loopback with htpasswd
 * (bcrypt) basic auth, credentials in a private {@code DOCKER_CONFIG}, and skopeo reading the
 * results.
 */
class RegistryCommandsIT {
    private static final String USER = "ci";
    private static final String PASSWORD = "s3cret-pa55:word";

    @TempDir
    Path work;

    private Process registry;
    private String host;

    record Run(int status, String out, String err) {
    }

    @BeforeEach
    void startRegistry() throws Exception {
        Required.tools("docker-registry", "htpasswd", "skopeo");
        Process h = new ProcessBuilder("htpasswd", "-Bbn", USER, PASSWORD).redirectErrorStream(true).start();
        String line = new String(h.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(h.waitFor(30, TimeUnit.SECONDS) && h.exitValue() == 0, line);
        Files.writeString(work.resolve("htpasswd"), line + "\n");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        host = "127.0.0.1:" + port;
        Files.writeString(work.resolve("config.yml"), String.join("\n", "version: 0.1", "log: {level: warn}",
                "storage:", "  filesystem: {rootdirectory: " + work.resolve("data") + "}",
                "http:", "  addr: " + host, "  secret: jbuild-test",
                "auth:", "  htpasswd: {realm: jbuild-test, path: " + work.resolve("htpasswd") + "}", ""));
        registry = new ProcessBuilder("docker-registry", "serve", work.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("registry.log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; ; i++) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 401) {
                    break;
                }
            } catch (IOException notYet) {
                // still starting
            }
            assertTrue(i < 150 && registry.isAlive(), "registry did not start: " + Files.readString(work.resolve("registry.log")));
            Thread.sleep(100);
        }
    }

    @AfterEach
    void stopRegistry() throws InterruptedException {
        if (registry != null) {
            registry.destroy();
            if (!registry.waitFor(5, TimeUnit.SECONDS)) {
                registry.destroyForcibly().waitFor();
            }
        }
    }

    private Run jbuild(String stdin, String... args) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("jbuild.repository")).resolve("cli/target/jbuild.jar");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
                .redirectOutput(work.resolve("out").toFile()).redirectError(work.resolve("err").toFile());
        Map<String, String> env = pb.environment();
        env.put("DOCKER_CONFIG", work.resolve("docker").toString());
        env.put("HOME", work.toString());
        env.put("JBUILD_ROOT", work.resolve("store").toString());
        env.remove("JBUILD_INSECURE_REGISTRIES");
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "jbuild did not finish: " + List.of(args));
        return new Run(p.exitValue(), Files.readString(work.resolve("out")), Files.readString(work.resolve("err")));
    }

    private String skopeo(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("skopeo"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "skopeo " + List.of(args) + ":\n" + out);
        return out;
    }

    private void makeImage(String name) throws Exception {
        Path rootfs = Files.createDirectories(work.resolve("rootfs/etc"));
        Files.writeString(rootfs.resolve("hostname"), "jbuild-test\n");
        Files.write(work.resolve("rootfs/data.bin"), new byte[3 << 20]);
        Run r = jbuild(null, "import", "--rootfs", work.resolve("rootfs").toString(), name);
        assertEquals(0, r.status(), r.err());
    }

    @Test
    void loginPushPullCopyLogout() throws Exception {
        String image = host + "/team/app:1";
        makeImage(image);

        Run anonymous = jbuild(null, "push", image);
        assertEquals(1, anonymous.status());
        assertTrue(anonymous.err().contains("401") && anonymous.err().contains("jbuild login " + host), anonymous.err());

        Run wrong = jbuild("not-the-password\n", "login", "-u", USER, "--password-stdin", host);
        assertEquals(1, wrong.status());
        assertTrue(wrong.err().contains("refused"), wrong.err());
        assertFalse(Files.exists(work.resolve("docker/config.json")), "nothing saved for a refused login");

        Run login = jbuild(PASSWORD + "\n", "login", "-u", USER, "--password-stdin", host);
        assertEquals(0, login.status(), login.err());
        assertTrue(login.out().contains("Login Succeeded"));
        String config = Files.readString(work.resolve("docker/config.json"));
        assertTrue(config.contains(host), config);

        Run push = jbuild(null, "push", "--progress", "plain", image);
        assertEquals(0, push.status(), push.err());
        String digest = push.out().trim();
        assertTrue(digest.startsWith("sha256:"), push.out());
        assertTrue(push.err().contains("2 blobs pushed"), push.err());
        assertFalse(push.err().contains(PASSWORD) || push.out().contains(PASSWORD));

        Run again = jbuild(null, "push", image);
        assertEquals(0, again.status(), again.err());
        assertTrue(again.err().contains("already up to date"), again.err());

        Run mount = jbuild(null, "push", "--progress", "plain", image, host + "/other/app:2");
        assertEquals(0, mount.status(), mount.err());
        assertTrue(mount.err().contains("0 blobs pushed, 2 mounted"), mount.err());

        String inspected = skopeo("inspect", "--tls-verify=false", "--creds", USER + ":" + PASSWORD,
                "docker://" + host + "/other/app:2");
        assertTrue(inspected.contains(digest), inspected);

        Run pull = jbuild(null, "pull", "--root", work.resolve("store2").toString(), host + "/other/app:2");
        assertEquals(0, pull.status(), pull.err());
        assertEquals(digest, pull.out().trim());
        assertTrue(pull.err().contains("2 blobs downloaded"), pull.err());

        Path layout = work.resolve("layout");
        Run copy = jbuild(null, "copy", "docker://" + host + "/team/app:1", "oci:" + layout + ":v1");
        assertEquals(0, copy.status(), copy.err());
        assertTrue(skopeo("inspect", "--raw", "oci:" + layout + ":v1").length() > 0);
        assertTrue(Files.readString(layout.resolve("index.json")).contains(digest));

        Run logout = jbuild(null, "logout", host);
        assertEquals(0, logout.status(), logout.err());
        assertNotEquals(config, Files.readString(work.resolve("docker/config.json")));
        assertFalse(Files.readString(work.resolve("docker/config.json")).contains(host + "\": {\"auth\""));
        Run after = jbuild(null, "pull", "--root", work.resolve("store3").toString(), host + "/other/app:2");
        assertEquals(1, after.status());
        assertTrue(after.err().contains("jbuild login"), after.err());
    }
}
