package dev.jbuild.builder.copy;

import java.util.Optional;

/**
 * One ADD instruction: what a COPY takes ({@code copy}: sources, which may also be http(s) URLs,
 * destination, {@code --chown}, {@code --chmod}, {@code --link}, {@code --parents}, {@code --exclude})
 * plus ADD's own flags: {@code --checksum=<algorithm>:<hex>}, which a URL's content must match, and
 * {@code --unpack}, which overrides the default extraction (local archives unpacked, remote ones not).
 */
public record AddRequest(CopyRequest copy, Optional<String> checksum, Optional<Boolean> unpack) {
}
