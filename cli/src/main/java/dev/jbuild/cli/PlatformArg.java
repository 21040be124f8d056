package dev.jbuild.cli;

import dev.jbuild.oci.Platform;
import java.util.Optional;

/** The value of a {@code --platform} option, parsed, with a bad one as a one-line error. */
final class PlatformArg {
    private PlatformArg() {
    }

    /** Empty when the option was not given. */
    static Optional<Platform> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Platform.parse(text));
        } catch (IllegalArgumentException e) {
            throw new UserError("--platform: " + e.getMessage());
        }
    }
}
