package dev.jbuild.dockerfile.instructions;

/**
 * Why one instruction (or one of its options, such as a {@code --mount}) is invalid, without the
 * place; callers add the file and line when they turn it into a
 * {@link dev.jbuild.dockerfile.DockerfileException}.
 */
public final class InstructionException extends Exception {
    public InstructionException(String reason) {
        super(reason);
    }
}
