package dev.jbuild.dockerfile.plan;

import dev.jbuild.dockerfile.Stage;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * How one stage will be built.
 *
 * @param stage the stage
 * @param base its base, after expansion
 * @param platform its {@code FROM --platform}, after expansion, if given
 * @param needs indices of the stages it depends on (base, {@code COPY --from}, {@code RUN --mount from=})
 * @param images image references it copies or mounts from, in first-use order
 * @param level 0 without needs, else one more than the highest level it needs: stages of one level
 *     can be built at the same time
 */
public record StagePlan(Stage stage, Base base, Optional<Platform> platform, SortedSet<Integer> needs,
                        List<String> images, int level) {
    public StagePlan {
        needs = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(needs));
        images = List.copyOf(images);
    }
}
