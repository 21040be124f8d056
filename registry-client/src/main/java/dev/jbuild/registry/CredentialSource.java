package dev.jbuild.registry;

import dev.jbuild.registry.auth.Credentials;
import java.io.IOException;
import java.util.Optional;

/** Finds the credentials for a registry, as users write it ({@code docker.io}, {@code localhost:5000}). */
@FunctionalInterface
public interface CredentialSource {
    CredentialSource ANONYMOUS = registry -> Optional.empty();

    Optional<Credentials> lookup(String registry) throws IOException;
}
