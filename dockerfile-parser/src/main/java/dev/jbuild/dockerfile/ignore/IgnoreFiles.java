package dev.jbuild.dockerfile.ignore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the ignore file for a build the way BuildKit's Dockerfile frontend does: a file named after
 * the Dockerfile plus {@code .dockerignore}, beside the Dockerfile (for {@code -f ci/app.Dockerfile},
 * {@code ci/app.Dockerfile.dockerignore}), wins; otherwise {@code .dockerignore} at the root of the
 * context; otherwise there is none. The two are never merged. Only regular files count (symbolic
 * links are followed), since BuildKit falls back when reading the first one fails.
 */
public final class IgnoreFiles {

    /** The name of the context-wide ignore file. */
    public static final String DEFAULT_NAME = ".dockerignore";

    private IgnoreFiles() {
    }

    /**
     * The ignore file that applies, if any.
     *
     * @param dockerfile the Dockerfile as the user named it (resolved against the working directory
     *     if relative), or null when it comes from somewhere without a directory, such as stdin
     */
    public static Optional<Path> locate(Path contextDir, Path dockerfile) {
        if (dockerfile != null && dockerfile.getFileName() != null) {
            Path specific = dockerfile.resolveSibling(dockerfile.getFileName() + DEFAULT_NAME);
            if (Files.isRegularFile(specific)) {
                return Optional.of(specific);
            }
        }
        Path shared = contextDir.resolve(DEFAULT_NAME);
        return Files.isRegularFile(shared) ? Optional.of(shared) : Optional.empty();
    }

    /**
     * Reads and compiles the ignore file that applies, or {@link IgnorePatterns#none()} when there is
     * none. The file is read as UTF-8; errors name it by the path found.
     */
    public static IgnorePatterns load(Path contextDir, Path dockerfile)
            throws IOException, InvalidIgnorePatternException {
        Optional<Path> file = locate(contextDir, dockerfile);
        if (file.isEmpty()) {
            return IgnorePatterns.none();
        }
        String content = new String(Files.readAllBytes(file.get()), StandardCharsets.UTF_8);
        return IgnorePatterns.parse(content, file.get().toString());
    }
}
