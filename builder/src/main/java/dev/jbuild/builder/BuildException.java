package dev.jbuild.builder;

import java.io.IOException;

/**
 * A build failed for a reason the user can act on: the message names the step, the file or the
 * image and says what went wrong. The CLI prints it without a stack trace.
 */
public class BuildException extends IOException {
    public BuildException(String message) {
        super(message);
    }

    public BuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
