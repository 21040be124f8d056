package dev.jbuild.dockerfile;

import dev.jbuild.dockerfile.instructions.Instruction;
import java.util.List;
import java.util.Optional;

/**
 * One build stage: its FROM and the instructions after it, up to the next FROM.
 *
 * @param index 0-based position among the stages, as {@code COPY --from=0} counts
 * @param name the lower-case name given with {@code AS}, if any
 * @param from the FROM instruction, not yet expanded
 * @param instructions the instructions of the stage, in order
 */
public record Stage(int index, Optional<String> name, Instruction.From from, List<Instruction> instructions) {
    public Stage {
        instructions = List.copyOf(instructions);
    }

    /** The name if it has one, else its index, as users refer to it in messages. */
    public String displayName() {
        return name.orElse(String.valueOf(index));
    }
}
