package dev.jbuild.builder.run;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A mount a step adds to its container beyond the standard ones: a host file or directory bound in
 * ({@code RUN --mount=type=bind|cache}, secrets at {@code /run/secrets/ID}, the generated
 * {@code /etc/hosts}) or an empty tmpfs ({@code RUN --mount=type=tmpfs}). Targets are absolute
 * container paths, resolved inside the root file system as after {@code chroot}; executors create
 * a missing target for the run and remove it afterwards.
 */
public sealed interface ExtraMount permits ExtraMount.Bind, ExtraMount.Tmpfs {
    /** The absolute container path the mount covers. */
    String target();

    /** A bind mount of {@code source} at {@code target}. */
    static ExtraMount bind(Path source, String target, boolean readOnly) {
        return new Bind(source, target, readOnly);
    }

    /** A tmpfs at {@code target}, with the optional size as the Dockerfile parser gives it. */
    static ExtraMount tmpfs(String target, Optional<Long> sizeBytes) {
        return new Tmpfs(target, sizeBytes.map(OptionalLong::of).orElse(OptionalLong.empty()));
    }

    /** Binds the host path {@code source} (recursively, with its submounts) at {@code target}. */
    record Bind(Path source, String target, boolean readOnly) implements ExtraMount {
        public Bind {
            Objects.requireNonNull(source, "source");
            requireAbsolute(target);
        }
    }

    /** A fresh tmpfs at {@code target}, capped at {@code sizeBytes} when given (else the kernel's half of RAM). */
    record Tmpfs(String target, OptionalLong sizeBytes) implements ExtraMount {
        public Tmpfs {
            Objects.requireNonNull(sizeBytes, "sizeBytes");
            requireAbsolute(target);
        }
    }

    private static void requireAbsolute(String target) {
        if (!target.startsWith("/")) {
            throw new IllegalArgumentException("mount target must be absolute: " + target);
        }
    }
}
