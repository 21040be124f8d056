package dev.jbuild.builder;

import dev.jbuild.dockerfile.Stage;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * What a {@code --from} names, resolved as the planner resolved it: a stage index, a stage name
 * (the last stage of that name), or else an image reference.
 */
final class SourceStages {
    private SourceStages() {
    }

    /** The layers (bottom first) of the stage or image {@code from} names. */
    static List<ImageLayer> layers(BuildContext ctx, Map<Integer, StageState> built, String from) throws IOException {
        List<Stage> stages = ctx.request().dockerfile().stages();
        Integer index = null;
        if (from.matches("\\d+") && Integer.parseInt(from) < stages.size()) {
            index = Integer.parseInt(from);
        } else {
            for (Stage s : stages) {
                if (s.name().filter(from.toLowerCase(java.util.Locale.ROOT)::equals).isPresent()) {
                    index = s.index();
                }
            }
        }
        if (index != null) {
            StageState state = built.get(index);
            if (state == null) {
                throw new BuildException("stage " + from + " has not been built (it must come before this one)");
            }
            return state.layers();
        }
        return ctx.images().resolve(from).layers();
    }
}
