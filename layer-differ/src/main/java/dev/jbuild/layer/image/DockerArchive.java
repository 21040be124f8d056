package dev.jbuild.layer.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.layer.Compression;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.store.Hold;
import dev.jbuild.oci.store.LocalStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * {@code docker save} archives, both ways. Writing: {@code manifest.json}, {@code repositories},
 * the config, and each layer uncompressed (docker load checks them against {@code diff_ids}),
 * every layer passing through a temporary file because a tar header needs its size first.
 * Reading: {@code manifest.json} is usually the last entry, so a file is read more than once: a
 * scan to recognise it, one for the small documents and one for the layers, which go straight into
 * the store as they are (and each stored layer is opened again to learn its compression).
 */
public final class DockerArchive {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private DockerArchive() {
    }

    /** Writes an image of the store as a docker archive that {@code docker load} accepts. */
    public static Descriptor write(LocalStore store, ImageReference ref, OutputStream out) throws IOException {
        return write(store, ref, ref, out);
    }

    /** Like {@link #write(LocalStore, ImageReference, OutputStream)}, with {@code as} in RepoTags. */
    public static Descriptor write(LocalStore store, ImageReference ref, ImageReference as, OutputStream out)
            throws IOException {
        Descriptor image = store.resolve(ref).orElseThrow(() -> new IOException("no such image: " + ref.familiar()));
        if (!MediaTypes.isManifest(image.mediaType())) {
            throw new IOException(ref.familiar() + " is a multi-platform index; docker archives hold one platform"
                    + " (export it with --format oci instead)");
        }
        Manifest manifest = Json.read(store.blobs().read(image.digest()), Manifest.class, image.digest().toString());
        byte[] configBytes = store.blobs().read(manifest.config().digest());
        ImageConfig config = Json.read(configBytes, ImageConfig.class, manifest.config().digest().toString());
        List<Digest> diffIds = config.rootfs().diffIds();
        if (diffIds.size() != manifest.layers().size()) {
            throw new IOException("the config of " + ref.familiar() + " lists " + diffIds.size() + " diff_ids for "
                    + manifest.layers().size() + " layers");
        }
        ImageReference named = as.withDefaultTag();
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        String configPath = "blobs/sha256/" + manifest.config().digest().hex();
        put(tar, configPath, configBytes);
        List<String> layerPaths = new ArrayList<>();
        for (int i = 0; i < diffIds.size(); i++) {
            String path = "blobs/sha256/" + diffIds.get(i).hex();
            if (!layerPaths.contains(path)) {
                putLayer(store, manifest.layers().get(i), diffIds.get(i), path, tar);
            }
            layerPaths.add(path);
        }
        ArrayNode manifestJson = MAPPER.createArrayNode();
        ObjectNode entry = manifestJson.addObject();
        entry.put("Config", configPath);
        if (named.tag().isPresent()) {
            entry.putArray("RepoTags").add(named.familiar());
        }
        ArrayNode layers = entry.putArray("Layers");
        layerPaths.forEach(layers::add);
        put(tar, "manifest.json", MAPPER.writeValueAsBytes(manifestJson));
        if (named.tag().isPresent() && !diffIds.isEmpty()) {
            ObjectNode repositories = MAPPER.createObjectNode();
            String repo = named.familiar();
            repositories.putObject(repo.substring(0, repo.lastIndexOf(':')))
                    .put(named.tag().get(), diffIds.get(diffIds.size() - 1).hex());
            put(tar, "repositories", MAPPER.writeValueAsBytes(repositories));
        }
        tar.finish();
        tar.flush();
        return image;
    }

    private static void putLayer(LocalStore store, Descriptor layer, Digest diffId, String path,
                                 TarArchiveOutputStream tar) throws IOException {
        Path tmp = Files.createTempFile(store.root(), ".docker-layer-", ".tar");
        try {
            MessageDigest sha = Digest.sha256();
            try (InputStream in = new DigestInputStream(Compression.decompressing(store.blobs().open(layer.digest())),
                    sha); OutputStream o = Files.newOutputStream(tmp)) {
                in.transferTo(o);
            }
            Digest actual = Digest.fromHash("sha256", sha.digest());
            if (!actual.equals(diffId)) {
                throw new IOException("layer " + layer.digest() + " uncompresses to " + actual + " but the config says "
                        + diffId);
            }
            TarArchiveEntry e = entry(path);
            e.setSize(Files.size(tmp));
            tar.putArchiveEntry(e);
            Files.copy(tmp, tar);
            tar.closeArchiveEntry();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static TarArchiveEntry entry(String name) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setModTime(0);
        e.setMode(0100644);
        e.setUserName("");
        e.setGroupName("");
        return e;
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = entry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    /**
     * Whether a tar file is a docker archive rather than an OCI archive: it has a
     * {@code manifest.json} and no {@code oci-layout} (docker 25 writes both, and the OCI reading
     * of such an archive is the exact one).
     */
    public static boolean isDockerArchive(Path file) throws IOException {
        boolean manifest = false;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(file))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                String name = clean(e.getName());
                if (name.equals("oci-layout")) {
                    return false;
                }
                manifest |= name.equals("manifest.json");
            }
        }
        return manifest;
    }

    /**
     * Imports the images of a docker archive file. Each keeps its first RepoTag unless {@code as}
     * names the only one; layers are stored as they are in the archive (uncompressed, as docker
     * save writes them), so the config digest — docker's image ID — is unchanged.
     */
    public static List<ImageReference> read(LocalStore store, Path file, Optional<ImageReference> as)
            throws IOException {
        Map<String, byte[]> documents = new HashMap<>();
        JsonNode manifests = null;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(file))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                String name = clean(e.getName());
                if (e.isFile() && name.equals("manifest.json")) {
                    manifests = MAPPER.readTree(tar.readAllBytes());
                } else if (e.isFile() && e.getSize() < (4 << 20) && (name.endsWith(".json") || name.startsWith("blobs/"))) {
                    documents.put(name, tar.readAllBytes());
                }
            }
        }
        if (manifests == null || !manifests.isArray() || manifests.isEmpty()) {
            throw new IOException(file + " is not a docker archive (no manifest.json)");
        }
        if (as.isPresent() && manifests.size() > 1) {
            throw new IOException(file + " holds " + manifests.size() + " images; import them without a NAME");
        }
        List<ImageReference> named = new ArrayList<>();
        try (Hold session = store.writeSession()) {
            Map<String, Descriptor> layers = storeLayers(store, file, manifests);
            for (JsonNode m : manifests) {
                String configPath = clean(m.path("Config").asText());
                byte[] config = documents.get(configPath);
                if (config == null) {
                    throw new IOException(file + ": config " + configPath + " named in manifest.json is missing");
                }
                ImageConfig parsed = Json.read(config, ImageConfig.class, file + ": " + configPath);
                Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.blobs().write(config), config.length);
                List<Descriptor> layerDescs = new ArrayList<>();
                for (JsonNode l : m.path("Layers")) {
                    layerDescs.add(layers.get(clean(l.asText())));
                }
                checkDiffIds(store, parsed, layerDescs, file);
                byte[] manifest = Json.write(Manifest.oci(configDesc, layerDescs));
                Descriptor image = Descriptor.of(MediaTypes.OCI_MANIFEST, store.blobs().write(manifest), manifest.length);
                ImageReference name = as.orElseGet(() -> m.path("RepoTags").isEmpty() ? null
                        : ImageReference.parse(m.path("RepoTags").get(0).asText()));
                if (name == null) {
                    throw new IOException(file + ": image " + configDesc.digest() + " has no RepoTags; give a NAME");
                }
                store.tag(name, image);
                named.add(name.withDefaultTag());
            }
        }
        return named;
    }

    private static Map<String, Descriptor> storeLayers(LocalStore store, Path file, JsonNode manifests)
            throws IOException {
        Map<String, Descriptor> wanted = new HashMap<>();
        for (JsonNode m : manifests) {
            for (JsonNode l : m.path("Layers")) {
                wanted.put(clean(l.asText()), null);
            }
        }
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(file))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                String name = clean(e.getName());
                if (e.isFile() && wanted.containsKey(name)) {
                    Digest d = store.blobs().write(tar, Optional.empty(), OptionalLong.of(e.getSize()));
                    String mediaType = mediaTypeOf(store, d);
                    wanted.put(name, Descriptor.of(mediaType, d, e.getSize()));
                }
            }
        }
        for (Map.Entry<String, Descriptor> w : wanted.entrySet()) {
            if (w.getValue() == null) {
                throw new IOException(file + ": layer " + w.getKey() + " named in manifest.json is missing");
            }
        }
        return wanted;
    }

    private static String mediaTypeOf(LocalStore store, Digest d) throws IOException {
        byte[] head;
        try (InputStream in = store.blobs().open(d)) {
            head = in.readNBytes(4);
        }
        return Compression.detect(head, head.length).ociMediaType();
    }

    private static void checkDiffIds(LocalStore store, ImageConfig config, List<Descriptor> layers, Path file)
            throws IOException {
        List<Digest> diffIds = config.rootfs().diffIds();
        if (diffIds.size() != layers.size()) {
            throw new IOException(file + ": the config lists " + diffIds.size() + " diff_ids for " + layers.size()
                    + " layers");
        }
        for (int i = 0; i < layers.size(); i++) {
            Descriptor l = layers.get(i);
            Digest uncompressed = l.mediaType().equals(MediaTypes.OCI_LAYER) ? l.digest() : hashUncompressed(store, l);
            if (!uncompressed.equals(diffIds.get(i))) {
                throw new IOException(file + ": layer " + (i + 1) + " is " + uncompressed + " uncompressed, but the"
                        + " config's diff_id is " + diffIds.get(i));
            }
        }
    }

    private static Digest hashUncompressed(LocalStore store, Descriptor layer) throws IOException {
        MessageDigest sha = Digest.sha256();
        try (InputStream in = new DigestInputStream(Compression.decompressing(store.blobs().open(layer.digest())), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return Digest.fromHash("sha256", sha.digest());
    }

    private static String clean(String name) {
        return name.startsWith("./") ? name.substring(2) : name;
    }
}
