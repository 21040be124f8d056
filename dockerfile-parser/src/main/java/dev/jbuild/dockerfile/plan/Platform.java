package dev.jbuild.dockerfile.plan;

import java.util.Locale;
import java.util.Optional;

/**
 * An OCI platform ({@code os/architecture[/variant]}), normalised as containerd does so that
 * {@code linux/x86_64} and {@code linux/amd64} are the same platform.
 */
public record Platform(String os, String architecture, Optional<String> variant) {

    /** The platform of the machine jbuild runs on. */
    public static Platform host() {
        String arch = normaliseArch(System.getProperty("os.arch", "amd64"));
        String variant = arch.equals("arm") ? "v7" : null;
        return new Platform("linux", arch, Optional.ofNullable(variant));
    }

    /** Parses {@code linux/arm64}, {@code linux/arm/v7}, or a bare architecture (Linux assumed). */
    public static Platform parse(String text) {
        String[] p = text.trim().toLowerCase(Locale.ROOT).split("/", -1);
        if (p.length > 3 || p[0].isEmpty() || (p.length > 1 && p[1].isEmpty()) || (p.length == 3 && p[2].isEmpty())) {
            throw new IllegalArgumentException("invalid platform \"" + text
                    + "\": expected os/architecture[/variant], e.g. linux/amd64 or linux/arm/v7");
        }
        if (p.length == 1) {
            return withDefaultVariant("linux", normaliseArch(p[0]), null);
        }
        return withDefaultVariant(p[0], normaliseArch(p[1]), p.length == 3 ? p[2] : null);
    }

    private static Platform withDefaultVariant(String os, String arch, String variant) {
        if (arch.equals("armhf")) {
            return new Platform(os, "arm", Optional.of("v7"));
        }
        if (arch.equals("armel")) {
            return new Platform(os, "arm", Optional.of("v6"));
        }
        if (arch.equals("arm64") && "v8".equals(variant)) {
            variant = null;
        }
        if (arch.equals("arm") && variant == null) {
            variant = "v7";
        }
        return new Platform(os, arch, Optional.ofNullable(variant));
    }

    private static String normaliseArch(String arch) {
        return switch (arch) {
            case "x86_64", "x86-64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "i386", "i686", "x86" -> "386";
            default -> arch;
        };
    }

    @Override
    public String toString() {
        return os + "/" + architecture + variant.map(v -> "/" + v).orElse("");
    }
}
