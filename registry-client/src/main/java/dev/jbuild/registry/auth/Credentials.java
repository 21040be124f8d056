package dev.jbuild.registry.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * What a user gave {@code docker login}: either a username and password, or an identity token (an
 * OAuth2 refresh token some registries hand out instead of keeping the password). Credential helpers
 * mark a token by the username {@code <token>}, so a token read from a helper has that username; one
 * read from {@code config.json} keeps the username of its {@code auth} field when there is one. The
 * record never shows its secrets: {@link #toString()} masks them so that credentials can pass
 * through logs, exception messages and debuggers without leaking.
 *
 * @param username the user name, or {@link #TOKEN_USERNAME} for a bare identity token
 * @param password the password, empty when only an identity token is known
 * @param identityToken the identity (refresh) token, if the registry issued one
 */
public record Credentials(String username, String password, Optional<String> identityToken) {
    /** The username credential helpers use to say "the secret is an identity token". */
    public static final String TOKEN_USERNAME = "<token>";

    public Credentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(identityToken, "identityToken");
        // An empty username cannot be sent as Basic auth in any meaningful way; a token keeps the
        // "<token>" marker rather than an empty name so the two shapes stay distinguishable.
        if (username.isEmpty()) {
            throw new IllegalArgumentException("username must not be empty");
        }
        if (identityToken.isPresent() && identityToken.get().isEmpty()) {
            throw new IllegalArgumentException("identity token must not be empty");
        }
    }

    /** A username and password, sent as Basic auth or in the token request. */
    public static Credentials basic(String username, String password) {
        if (username == null || username.isEmpty()) {
            throw new IllegalArgumentException("username must not be null or empty");
        }
        return new Credentials(username, Objects.requireNonNull(password, "password"), Optional.empty());
    }

    /** An identity token with no username, as credential helpers return it. */
    public static Credentials identityToken(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("identity token must not be null or empty");
        }
        return new Credentials(TOKEN_USERNAME, "", Optional.of(token));
    }

    /** Whether these credentials carry an identity token (to be used as an OAuth2 refresh token). */
    /** {@code base64(user:password)}, as a Basic Authorization header and config.json's {@code auth} carry it. */
    public String basicAuth() {
        return Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public boolean hasIdentityToken() {
        return identityToken.isPresent();
    }

    /** The secret a credential helper stores: the identity token if there is one, else the password. */
    String secret() {
        return identityToken.orElse(password);
    }

    @Override
    public String toString() {
        // Masked even when empty: whether a password is set is itself nothing a log needs to show.
        return identityToken.isPresent()
                ? "Credentials[username=" + username + ", identityToken=***]"
                : "Credentials[username=" + username + ", password=***]";
    }
}
