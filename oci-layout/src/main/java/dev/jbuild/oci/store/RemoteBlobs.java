package dev.jbuild.oci.store;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.InvalidDocumentException;
import dev.jbuild.oci.Json;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Where blobs the store's images name, but the store does not hold, can be fetched: one small
 * file per digest, {@code remote/<algorithm>/<hex>}, naming a registry repository that has it.
 * A base image pulled for a build whose steps never read its files keeps only its manifest and
 * config here; its layers stay in the registry, and this record is what lets a later push mount or
 * stream them, and an export fetch them, instead of failing on a blob that is not there. So the
 * store never names an image with a blob it neither has nor knows the way to.
 *
 * <p>Records sit beside {@code blobs/} (an OCI layout allows extra files), are written by an
 * atomic rename, and go in {@link LocalStore#prune} once their digest is present or unreachable.
 */
public final class RemoteBlobs {
    /** A repository holding a blob: {@code registry} as users write it, {@code repository} as in its API paths. */
    public record Source(String registry, String repository) {
        /** {@code registry/repository}, as messages name it. */
        @Override
        public String toString() {
            return registry + "/" + repository;
        }
    }

    private final Path dir;

    RemoteBlobs(Path storeRoot) {
        this.dir = storeRoot.resolve("remote");
    }

    private Path path(Digest digest) {
        return dir.resolve(digest.algorithm()).resolve(digest.hex());
    }

    /**
     * Records that {@code source} has {@code digest}. A record already there is kept: any source
     * that has the blob will do, and the first one is where the image came from.
     */
    public void record(Digest digest, Source source) throws IOException {
        Path target = path(digest);
        if (Files.isRegularFile(target)) {
            return;
        }
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + digest.hex() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.write(tmp, Json.write(source));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Where {@code digest} can be fetched, when the store recorded it. */
    public Optional<Source> find(Digest digest) throws IOException {
        try {
            return Optional.of(Json.read(Files.readAllBytes(path(digest)), Source.class, "record of " + digest));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (InvalidDocumentException e) {
            return Optional.empty(); // a damaged record is as good as none: the caller says what is missing
        }
    }

    /** Every recorded digest. */
    public List<Digest> list() throws IOException {
        List<Digest> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(dir)) {
            for (Path alg : algorithms) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(alg)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        if (!name.startsWith(".")) {
                            out.add(new Digest(alg.getFileName().toString(), name));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Drops the records no longer needed: of blobs now present, or that no name reaches. */
    int prune(BlobStore blobs, Set<Digest> reachable) throws IOException {
        int removed = 0;
        for (Digest d : list()) {
            if (blobs.has(d) || !reachable.contains(d)) {
                Files.deleteIfExists(path(d));
                removed++;
            }
        }
        return removed;
    }
}
