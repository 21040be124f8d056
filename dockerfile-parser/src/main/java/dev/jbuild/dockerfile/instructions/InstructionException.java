package dev.jbuild.dockerfile.instructions;

/**
 * Why one instruction is invalid, without the place; {@link InstructionParser} adds the file and
 * line when it turns this into a {@link dev.jbuild.dockerfile.DockerfileException}.
 */
final class InstructionException extends Exception {
    InstructionException(String reason) {
        super(reason);
    }
}
