package dev.jbuild.cli;

import dev.jbuild.dockerfile.instructions.InstructionException;
import dev.jbuild.dockerfile.instructions.Sizes;

/** {@code --memory} and {@code --keep-storage}: sizes as docker writes them (512m, 2g, 10GB), parsed as RUN --mount's tmpfs sizes are. */
final class MemorySize {
    private MemorySize() {
    }

    static long parse(String text) {
        long bytes = parseOrMinusOne(text);
        if (bytes > 0) {
            return bytes;
        }
        throw new UserError("invalid memory size \"" + text + "\": expected e.g. 512m or 2g");
    }

    /** {@code --keep-storage}: a size, 0 included. */
    static long parseStorage(String text) {
        long bytes = parseOrMinusOne(text);
        if (bytes >= 0) {
            return bytes;
        }
        throw new UserError("invalid size \"" + text + "\": expected e.g. 512MB or 10GB");
    }

    private static long parseOrMinusOne(String text) {
        try {
            return Sizes.parse(text);
        } catch (InstructionException | NumberFormatException e) {
            return -1;
        }
    }
}
