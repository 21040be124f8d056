package dev.jbuild.dockerfile.plan;

import java.util.Map;
import java.util.Optional;

/**
 * What the user asked for: the target stage, build arguments, and the platforms (the build
 * platform is the host; the target platform defaults to it).
 */
public record PlanOptions(Optional<String> target, Map<String, String> buildArgs, Platform buildPlatform,
                          Platform targetPlatform) {
    public PlanOptions {
        buildArgs = Map.copyOf(buildArgs);
    }

    public static PlanOptions defaults() {
        return new PlanOptions(Optional.empty(), Map.of(), Platform.host(), Platform.host());
    }
}
