package dev.jbuild.cli;

import dev.jbuild.dockerfile.instructions.InstructionException;
import dev.jbuild.dockerfile.instructions.Sizes;

/** {@code --memory}: a size as docker writes them (512m, 2g), parsed as RUN --mount's tmpfs sizes are. */
final class MemorySize {
    private MemorySize() {
    }

    static long parse(String text) {
        try {
            long bytes = Sizes.parse(text);
            if (bytes > 0) {
                return bytes;
            }
        } catch (InstructionException | NumberFormatException e) {
            // reported below
        }
        throw new UserError("invalid memory size \"" + text + "\": expected e.g. 512m or 2g");
    }
}
