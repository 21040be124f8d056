package dev.jbuild.registry;

/**
 * Where the client says what it is doing: {@link #warn} for what a user should see (a rate limit
 * being waited out, a retry), {@link #debug} for request traces under {@code --debug}. Neither ever
 * receives a credential or a token: headers are never passed, and URLs lose their query strings
 * where those can hold secrets.
 */
public interface RegistryLog {
    RegistryLog SILENT = new RegistryLog() {
        @Override
        public void warn(String message) {
        }

        @Override
        public void debug(String message) {
        }
    };

    void warn(String message);

    void debug(String message);
}
