package dev.jbuild.oci.store;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the local store lives: {@code --root}, else {@code $JBUILD_ROOT}, else
 * {@code /var/lib/jbuild} for root and {@code $XDG_DATA_HOME/jbuild} (or
 * {@code ~/.local/share/jbuild}) for everyone else.
 */
public final class StoreLocation {
    private StoreLocation() {
    }

    public static Path resolve(Optional<Path> flag, Map<String, String> env, boolean isRoot, Path home) {
        if (flag.isPresent()) {
            return flag.get().toAbsolutePath();
        }
        String fromEnv = env.get("JBUILD_ROOT");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Path.of(fromEnv).toAbsolutePath();
        }
        if (isRoot) {
            return Path.of("/var/lib/jbuild");
        }
        String xdg = env.get("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : home.resolve(".local/share");
        return base.resolve("jbuild").toAbsolutePath();
    }

    /** The location for this process. */
    public static Path resolve(Optional<Path> flag) {
        boolean root = "root".equals(System.getProperty("user.name"));
        return resolve(flag, System.getenv(), root, Path.of(System.getProperty("user.home")));
    }
}
