package dev.jbuild.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialHelperTest {
    @TempDir
    Path tmp;

    @Test
    void storeGetEraseRoundTrip() throws IOException {
        CredentialHelper h = FakeHelper.create(tmp.resolve("bin"), "fake").helper();
        assertEquals("fake", h.name());
        assertEquals(Optional.empty(), h.get("ghcr.io"));

        h.store("ghcr.io", Credentials.basic("me", "s3:cr\"et"));
        assertEquals(Optional.of(Credentials.basic("me", "s3:cr\"et")), h.get("ghcr.io"));
        assertEquals(Optional.empty(), h.get("quay.io"));

        assertTrue(h.erase("ghcr.io"));
        assertEquals(Optional.empty(), h.get("ghcr.io"));
        assertFalse(h.erase("ghcr.io"));
    }

    @Test
    void tokenIsStoredUnderTheTokenUsername() throws IOException {
        FakeHelper fake = FakeHelper.create(tmp.resolve("bin"), "fake");
        fake.helper().store(DockerConfig.HUB_KEY, new Credentials("me", "", Optional.of("refresh")));
        assertEquals(Optional.of(Credentials.identityToken("refresh")), fake.helper().get(DockerConfig.HUB_KEY));
    }

    @Test
    void listIsParsed() throws IOException {
        Path exe = FakeHelper.script(tmp, "lister", """
                #!/bin/sh
                echo '{"https://index.docker.io/v1/":"me","ghcr.io":"you"}'
                """);
        assertEquals(Map.of(DockerConfig.HUB_KEY, "me", "ghcr.io", "you"), new CredentialHelper(exe).list());
    }

    @Test
    void failureThatEchoesTheSecretWithholdsIt() throws IOException {
        Path exe = FakeHelper.script(tmp, "echoer", """
                #!/bin/sh
                input=$(cat)
                echo "error storing $input" >&2
                exit 3
                """);
        CredentialHelper h = new CredentialHelper(exe);
        IOException e = assertThrows(IOException.class,
                () -> h.store("ghcr.io", Credentials.basic("me", "TOPSECRET\"pw")));
        String msg = e.getMessage();
        assertFalse(msg.contains("TOPSECRET"), msg);
        assertTrue(msg.contains("docker-credential-echoer"), msg);
        assertTrue(msg.contains("ghcr.io"), msg);
        assertTrue(msg.contains("output withheld"), msg);

        IOException t = assertThrows(IOException.class,
                () -> h.store("ghcr.io", Credentials.identityToken("TOKENSECRET")));
        assertFalse(t.getMessage().contains("TOKENSECRET"), t.getMessage());
    }

    @Test
    void failureWithoutTheSecretShowsTheOutput() throws IOException {
        Path exe = FakeHelper.script(tmp, "locked", """
                #!/bin/sh
                cat > /dev/null
                echo "keyring is locked" >&2
                exit 1
                """);
        IOException e = assertThrows(IOException.class,
                () -> new CredentialHelper(exe).get("ghcr.io"));
        assertTrue(e.getMessage().contains("keyring is locked"), e.getMessage());
        assertTrue(e.getMessage().contains("exit 1"), e.getMessage());
    }

    @Test
    void garbledAnswerIsAnErrorThatQuotesNothing() throws IOException {
        Path exe = FakeHelper.script(tmp, "garbled", """
                #!/bin/sh
                echo '{"Username":"me","Secret":"LEAKED'
                """);
        IOException e = assertThrows(IOException.class, () -> new CredentialHelper(exe).get("ghcr.io"));
        assertFalse(e.getMessage().contains("LEAKED"), e.getMessage());
    }

    @Test
    void emptyAnswerMeansNothingStored() throws IOException {
        Path exe = FakeHelper.script(tmp, "empty", "#!/bin/sh\ncat > /dev/null\n");
        assertEquals(Optional.empty(), new CredentialHelper(exe).get("ghcr.io"));
    }

    @Test
    void hungHelperIsKilledAfterTheTimeout() throws Exception {
        Path pids = tmp.resolve("pids");
        Path exe = FakeHelper.script(tmp, "hang", """
                #!/bin/sh
                sleep 60 &
                echo "$$ $!" > '%s'
                wait
                """.formatted(pids));
        CredentialHelper h = new CredentialHelper(exe, Duration.ofMillis(500));
        IOException e = assertThrows(IOException.class, () -> h.get("ghcr.io"));
        assertTrue(e.getMessage().contains("was killed"), e.getMessage());
        assertTrue(e.getMessage().contains("docker-credential-hang"), e.getMessage());

        String[] ids = Files.readString(pids).trim().split(" ");
        for (String id : ids) {
            assertTrue(gone(Long.parseLong(id)), "process " + id + " still running");
        }
    }

    /** Whether a process has exited (a zombie waiting for its new parent to reap it counts). */
    private static boolean gone(long pid) throws Exception {
        for (int i = 0; i < 100; i++) {
            Path stat = Path.of("/proc/" + pid + "/stat");
            if (!Files.exists(stat)) {
                return true;
            }
            String s;
            try {
                s = Files.readString(stat);
            } catch (IOException e) {
                return true;
            }
            char state = s.charAt(s.lastIndexOf(')') + 2);
            if (state == 'Z' || state == 'X') {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Test
    void missingHelperSaysWhereItWasConfigured() {
        IOException e = assertThrows(IOException.class, () -> CredentialHelper.find(
                "nope", List.of(tmp), "credsStore in /x/config.json", CredentialHelper.DEFAULT_TIMEOUT));
        assertTrue(e.getMessage().startsWith(
                "docker-credential-nope not found on PATH (configured as credsStore in /x/config.json)"),
                e.getMessage());
    }

    @Test
    void helperIsFoundInTheSearchPathInOrder() throws IOException {
        FakeHelper.create(tmp.resolve("b"), "x");
        Files.createDirectories(tmp.resolve("a"));
        CredentialHelper h = CredentialHelper.find(
                "x", List.of(tmp.resolve("a"), tmp.resolve("b")), "credsStore", CredentialHelper.DEFAULT_TIMEOUT);
        assertEquals(tmp.resolve("b").resolve("docker-credential-x"), h.executable());
    }

    @Test
    void namesThatArePathsAreRefused() {
        assertThrows(IOException.class, () -> CredentialHelper.find(
                "../../bin/sh", List.of(tmp), "credsStore", CredentialHelper.DEFAULT_TIMEOUT));
    }
}
