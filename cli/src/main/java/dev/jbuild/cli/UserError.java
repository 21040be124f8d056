package dev.jbuild.cli;

/** A failure whose message is all the user needs: printed as is, without a stack trace. */
final class UserError extends RuntimeException {
    UserError(String message) {
        super(message);
    }
}
