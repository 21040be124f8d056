package dev.jbuild.builder.copy;

import dev.jbuild.builder.fs.ChmodSpec;
import dev.jbuild.builder.fs.Ids;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A build context and a target root file system in a temporary directory, with short helpers to
 * fill them, run a COPY and look at the result by container path. Shared by the Copier tests.
 */
final class CopierFixture {
    final Path context;
    final Path target;
    private final Path stage;
    private IgnorePatterns ignore = IgnorePatterns.none();

    CopierFixture(Path tmp) throws IOException {
        this.context = Files.createDirectory(tmp.resolve("context"));
        this.target = Files.createDirectory(tmp.resolve("rootfs"));
        this.stage = Files.createDirectory(tmp.resolve("stage"));
    }

    /** Writes a file in the build context, creating its directories. */
    Path file(String rel, String content) throws IOException {
        return write(context.resolve(rel), content);
    }

    /** Writes a file in the source stage, creating its directories. */
    Path stageFile(String rel, String content) throws IOException {
        return write(stage.resolve(rel), content);
    }

    /** Writes a file in the target root, creating its directories. */
    Path targetFile(String containerPath, String content) throws IOException {
        return write(host(containerPath), content);
    }

    Path stage() {
        return stage;
    }

    void ignore(String... patterns) throws Exception {
        ignore = IgnorePatterns.of(List.of(patterns));
    }

    /** A COPY from the context into the target root, workdir {@code /}, no flags yet. */
    Copy copy(String... sourcesThenDestination) {
        return new Copy(CopySource.context(context, ignore), sourcesThenDestination);
    }

    /** A {@code COPY --from} the stage root into the target root. */
    Copy copyFromStage(String... sourcesThenDestination) {
        return new Copy(CopySource.stage(stage), sourcesThenDestination);
    }

    /** The host path of a container path in the target root (no symlinks followed). */
    Path host(String containerPath) {
        return target.resolve(containerPath.replaceFirst("^/+", ""));
    }

    String read(String containerPath) throws IOException {
        return Files.readString(host(containerPath), StandardCharsets.UTF_8);
    }

    int mode(String containerPath) throws IOException {
        return (Integer) Files.getAttribute(host(containerPath), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    int uid(String containerPath) throws IOException {
        return (Integer) Files.getAttribute(host(containerPath), "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    int gid(String containerPath) throws IOException {
        return (Integer) Files.getAttribute(host(containerPath), "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    Instant mtime(String containerPath) throws IOException {
        return Files.getLastModifiedTime(host(containerPath), LinkOption.NOFOLLOW_LINKS).toInstant();
    }

    static void setOwner(Path p, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    static void setMode(Path p, int mode) throws IOException {
        Files.setAttribute(p, "unix:mode", mode);
    }

    static void setMtime(Path p, Instant t) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(t));
    }

    private static Path write(Path p, String content) throws IOException {
        Files.createDirectories(p.getParent());
        return Files.writeString(p, content, StandardCharsets.UTF_8);
    }

    /** A COPY request being put together; {@link #run()} performs it. */
    final class Copy {
        private final CopySource source;
        private final List<String> sources;
        private final String destination;
        private String workdir = "/";
        private Optional<Ids> chown = Optional.empty();
        private Optional<ChmodSpec> chmod = Optional.empty();
        private boolean link;
        private boolean parents;
        private final List<String> excludes = new ArrayList<>();

        Copy(CopySource source, String... sourcesThenDestination) {
            this.source = source;
            int last = sourcesThenDestination.length - 1;
            this.sources = List.of(sourcesThenDestination).subList(0, last);
            this.destination = sourcesThenDestination[last];
        }

        Copy workdir(String dir) {
            workdir = dir;
            return this;
        }

        Copy chown(int uid, int gid) {
            chown = Optional.of(Ids.of(uid, gid));
            return this;
        }

        Copy chmod(String spec) throws Exception {
            chmod = Optional.of(ChmodSpec.parse(spec));
            return this;
        }

        Copy link() {
            link = true;
            return this;
        }

        Copy parents() {
            parents = true;
            return this;
        }

        Copy exclude(String pattern) {
            excludes.add(pattern);
            return this;
        }

        CopyResult run() throws IOException {
            CopyRequest request = new CopyRequest(sources, destination, workdir, chown, chmod, link, parents, excludes);
            return Copier.copy(source, request, target);
        }
    }
}
