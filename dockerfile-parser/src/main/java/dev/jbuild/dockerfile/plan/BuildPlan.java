package dev.jbuild.dockerfile.plan;

import java.util.List;
import java.util.Map;

/**
 * The stages a build needs, in an order where every stage comes after those it needs, the target
 * last among them; and the global ARG values in force (for FROM and for ARG redeclarations).
 */
public record BuildPlan(StagePlan target, List<StagePlan> stages, Map<String, String> globalArgs) {
    public BuildPlan {
        stages = List.copyOf(stages);
        globalArgs = Map.copyOf(globalArgs);
    }
}
