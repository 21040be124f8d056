package dev.jbuild.cli;

import dev.jbuild.oci.ImageReference;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where an image is, in skopeo's transport syntax: {@code docker://REF} (a registry),
 * {@code oci:DIR[:TAG]} (an OCI layout directory), {@code oci-archive:FILE[:TAG]} (a tar of one),
 * {@code docker-archive:FILE[:REF]} ({@code docker save} format) or {@code store:[REF]} (jbuild's
 * local store).
 *
 * @param tag for layouts, the {@code org.opencontainers.image.ref.name} to read or write
 * @param reference for registries and the store, and docker archives' RepoTags
 */
record ImageLocation(Kind kind, Optional<Path> path, Optional<String> tag, Optional<ImageReference> reference) {
    enum Kind {
        DOCKER, OCI, OCI_ARCHIVE, DOCKER_ARCHIVE, STORE
    }

    static ImageLocation parse(String text) {
        if (text.startsWith("docker://")) {
            return new ImageLocation(Kind.DOCKER, Optional.empty(), Optional.empty(),
                    Optional.of(StoreMixin.reference(text.substring("docker://".length()))));
        }
        if (text.startsWith("store:")) {
            String ref = text.substring("store:".length());
            return new ImageLocation(Kind.STORE, Optional.empty(), Optional.empty(),
                    ref.isEmpty() ? Optional.empty() : Optional.of(StoreMixin.reference(ref)));
        }
        if (text.startsWith("oci:") || text.startsWith("oci-archive:")) {
            Kind kind = text.startsWith("oci:") ? Kind.OCI : Kind.OCI_ARCHIVE;
            String rest = text.substring(text.indexOf(':') + 1);
            int colon = rest.lastIndexOf(':');
            // A colon followed by no slash separates the tag; one inside the path does not.
            if (colon > 0 && rest.indexOf('/', colon) < 0) {
                return new ImageLocation(kind, Optional.of(path(rest.substring(0, colon), text)), Optional.of(rest.substring(colon + 1)),
                        Optional.empty());
            }
            return new ImageLocation(kind, Optional.of(path(rest, text)), Optional.empty(), Optional.empty());
        }
        if (text.startsWith("docker-archive:")) {
            String rest = text.substring("docker-archive:".length());
            int colon = rest.indexOf(':');
            if (colon > 0) {
                return new ImageLocation(Kind.DOCKER_ARCHIVE, Optional.of(path(rest.substring(0, colon), text)),
                        Optional.empty(), Optional.of(StoreMixin.reference(rest.substring(colon + 1))));
            }
            return new ImageLocation(Kind.DOCKER_ARCHIVE, Optional.of(path(rest, text)), Optional.empty(), Optional.empty());
        }
        throw new UserError("\"" + text + "\": say where the image is: docker://REF, oci:DIR[:TAG], "
                + "oci-archive:FILE[:TAG], docker-archive:FILE[:REF] or store:REF");
    }

    private static Path path(String p, String whole) {
        if (p.isEmpty()) {
            throw new UserError("\"" + whole + "\": no path");
        }
        return Path.of(p);
    }
}
