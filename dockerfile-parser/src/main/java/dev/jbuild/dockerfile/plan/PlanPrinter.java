package dev.jbuild.dockerfile.plan;

import java.util.stream.Collectors;

/** Prints a {@link BuildPlan} in the text form of {@code jbuild debug plan}. */
public final class PlanPrinter {
    private PlanPrinter() {
    }

    public static String print(BuildPlan plan) {
        StringBuilder sb = new StringBuilder();
        sb.append("target: ").append(plan.target().stage().index()).append(' ')
                .append(plan.target().stage().name().orElse("-")).append('\n');
        for (StagePlan s : plan.stages()) {
            sb.append("stage ").append(s.stage().index()).append(' ').append(s.stage().name().orElse("-")).append('\n');
            sb.append("  base: ").append(describe(s.base(), plan)).append('\n');
            s.platform().ifPresent(p -> sb.append("  platform: ").append(p).append('\n'));
            if (!s.needs().isEmpty()) {
                sb.append("  needs: ").append(s.needs().stream().map(String::valueOf)
                        .collect(Collectors.joining(" "))).append('\n');
            }
            if (!s.images().isEmpty()) {
                sb.append("  images: ").append(String.join(" ", s.images())).append('\n');
            }
            sb.append("  level: ").append(s.level()).append('\n');
        }
        return sb.toString();
    }

    private static String describe(Base base, BuildPlan plan) {
        if (base instanceof Base.Image i) {
            return "image " + i.reference();
        }
        if (base instanceof Base.StageRef r) {
            String name = plan.stages().stream().filter(s -> s.stage().index() == r.index()).findFirst()
                    .flatMap(s -> s.stage().name()).orElse("-");
            return "stage " + r.index() + " " + name;
        }
        return "scratch";
    }
}
