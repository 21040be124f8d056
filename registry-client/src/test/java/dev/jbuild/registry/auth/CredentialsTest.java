package dev.jbuild.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class CredentialsTest {
    @Test
    void basicKeepsUserAndPassword() {
        Credentials c = Credentials.basic("me", "pa:ss");
        assertEquals("me", c.username());
        assertEquals("pa:ss", c.password());
        assertFalse(c.hasIdentityToken());
    }

    @Test
    void basicRejectsMissingUsername() {
        assertThrows(IllegalArgumentException.class, () -> Credentials.basic(null, "p"));
        assertThrows(IllegalArgumentException.class, () -> Credentials.basic("", "p"));
    }

    @Test
    void identityTokenIsMarkedAsHelpersDo() {
        Credentials c = Credentials.identityToken("tok-123");
        assertEquals("<token>", c.username());
        assertEquals(Optional.of("tok-123"), c.identityToken());
        assertTrue(c.hasIdentityToken());
        assertThrows(IllegalArgumentException.class, () -> Credentials.identityToken(""));
    }

    @Test
    void toStringNeverShowsSecrets() {
        assertEquals("Credentials[username=u, password=***]", Credentials.basic("u", "hunter2").toString());
        String token = new Credentials("u", "hunter2", Optional.of("refresh-secret")).toString();
        assertFalse(token.contains("hunter2"), token);
        assertFalse(token.contains("refresh-secret"), token);
        assertTrue(token.contains("username=u"), token);
    }
}
