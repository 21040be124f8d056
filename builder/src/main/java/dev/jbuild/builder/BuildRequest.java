package dev.jbuild.builder;

import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import dev.jbuild.dockerfile.plan.BuildPlan;
import dev.jbuild.layer.Compression;
import dev.jbuild.oci.ImageReference;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Everything a build needs besides the store: the parsed Dockerfile and its plan, the context,
 * and the user's options.
 *
 * @param dockerfile the parsed Dockerfile (its name and escape character are used in messages and expansion)
 * @param plan the stages to build, the target last
 * @param context the build context directory
 * @param ignore the context's {@code .dockerignore} patterns
 * @param buildArgs {@code --build-arg} values
 * @param pull when to pull base images
 * @param compression of the new layers
 * @param labels {@code --label} values, set on the final image
 * @param isolatedNetwork {@code --network=none}: every RUN without network
 * @param isolation {@code --isolation}: runc, crun or unshare; empty picks the best available
 * @param memoryBytes {@code --memory}
 * @param cpus {@code --cpus}
 * @param secrets {@code --secret} ids and the files they come from
 * @param tags the {@code -t} names the image gets in the store
 * @param sourceDateEpoch {@code SOURCE_DATE_EPOCH}, for history and config times and layer mtimes
 * @param noCache {@code --no-cache}: every step runs (its result is still kept for later builds)
 * @param noCacheStages {@code --no-cache-filter}: the stages (by name or index) whose steps all run
 * @param jobs {@code --jobs}: how many independent stages may be built at once (1: one after another)
 */
public record BuildRequest(Dockerfile dockerfile, BuildPlan plan, Path context, IgnorePatterns ignore,
                           Map<String, String> buildArgs, PullPolicy pull, Compression compression,
                           Map<String, String> labels, boolean isolatedNetwork, Optional<String> isolation,
                           OptionalLong memoryBytes, OptionalDouble cpus, Map<String, Path> secrets,
                           List<ImageReference> tags, Optional<Instant> sourceDateEpoch, boolean noCache,
                           Set<String> noCacheStages, int jobs) {
    public BuildRequest {
        noCacheStages = Set.copyOf(noCacheStages);
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1, not " + jobs);
        }
        buildArgs = Map.copyOf(buildArgs);
        labels = Map.copyOf(labels);
        secrets = Map.copyOf(secrets);
        tags = List.copyOf(tags);
    }

    /** {@code --pull}: missing (the default), always, never. */
    public enum PullPolicy {
        MISSING, ALWAYS, NEVER;

        public static PullPolicy parse(String value) throws BuildException {
            return switch (value) {
                case "missing" -> MISSING;
                case "always", "true" -> ALWAYS;
                case "never", "false" -> NEVER;
                default -> throw new BuildException("--pull=" + value + ": expected missing, always or never");
            };
        }
    }
}
