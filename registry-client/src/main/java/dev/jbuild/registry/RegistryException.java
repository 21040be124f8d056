package dev.jbuild.registry;

import java.io.IOException;
import java.util.Optional;

/**
 * A request to a registry that failed for good (after retries): names the registry, the request,
 * the HTTP status and the registry's own error code and message, so a user can tell a missing
 * image from a refused login from a broken server. Never carries credentials or tokens.
 */
public final class RegistryException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final Optional<String> code;

    public RegistryException(String message, int status, Optional<String> code) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** The HTTP status, or 0 when the failure was not an HTTP answer. */
    public int status() {
        return status;
    }

    /** The first error code of the registry's answer, such as {@code MANIFEST_UNKNOWN}. */
    public Optional<String> code() {
        return code;
    }

    public boolean isNotFound() {
        return status == 404;
    }

    public boolean isUnauthorized() {
        return status == 401 || status == 403;
    }
}
