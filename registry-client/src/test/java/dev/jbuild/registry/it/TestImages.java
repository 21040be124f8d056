package dev.jbuild.registry.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.RootFs;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.RegistryOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Small real images for the integration tests, written straight into a {@link LocalStore}: tar
 * layers (uncompressed, gzip, or zstd), an OCI config whose {@code rootfs.diff_ids} are the layers'
 * uncompressed digests, the OCI manifest, and optionally an index over several platforms. The zstd
 * layers are genuine zstd frames made of raw (stored) blocks, which every zstd decoder reads, so the
 * tests need no zstd library.
 */
final class TestImages {
    private TestImages() {
    }

    /** A layer in memory: its compressed bytes as stored and the digest of its uncompressed tar. */
    record Layer(String mediaType, byte[] bytes, Digest diffId) {
        Descriptor descriptor() {
            return Descriptor.of(mediaType, Digest.sha256(bytes), bytes.length);
        }
    }

    /** An image in a store: the manifest's descriptor, its config and its layers. */
    record Image(Descriptor manifest, Descriptor config, List<Descriptor> layers) {
        /** Config and layers: what a push uploads and a pull downloads. */
        List<Descriptor> blobs() {
            List<Descriptor> all = new ArrayList<>();
            all.add(config);
            all.addAll(layers);
            return all;
        }

        List<Digest> blobDigests() {
            return blobs().stream().map(Descriptor::digest).toList();
        }
    }

    /** Options for talking to a registry on loopback: anonymous, no proxies, no certificate dirs. */
    static RegistryOptions localOptions() {
        return RegistryOptions.defaults().withEnv(Map.of()).withCertDirs(List.of());
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A layer holding one regular file, compressed as {@code mediaType} says. */
    static Layer layer(String mediaType, String path, byte[] content) {
        return layer(mediaType, Map.of(path, content));
    }

    static Layer layer(String mediaType, String path, String content) {
        return layer(mediaType, path, content.getBytes(UTF_8));
    }

    /** A layer holding regular files (path to content), in sorted order, compressed as {@code mediaType} says. */
    static Layer layer(String mediaType, Map<String, byte[]> files) {
        byte[] tar = tar(files);
        byte[] stored;
        switch (mediaType) {
            case MediaTypes.OCI_LAYER -> stored = tar;
            case MediaTypes.OCI_LAYER_GZIP, MediaTypes.DOCKER_LAYER_GZIP -> stored = gzip(tar);
            case MediaTypes.OCI_LAYER_ZSTD -> stored = zstdStored(tar);
            default -> throw new IllegalArgumentException("no compression known for " + mediaType);
        }
        return new Layer(mediaType, stored, Digest.sha256(tar));
    }

    /** Writes layers, config and manifest into the store; names nothing. */
    static Image write(LocalStore store, Platform platform, List<Layer> layers) throws IOException {
        List<Descriptor> layerDescriptors = new ArrayList<>();
        List<Digest> diffIds = new ArrayList<>();
        for (Layer l : layers) {
            store.blobs().write(l.bytes());
            layerDescriptors.add(l.descriptor());
            diffIds.add(l.diffId());
        }
        byte[] config = Json.write(ImageConfig.of(platform).withRootfs(RootFs.of(diffIds)));
        store.blobs().write(config);
        Descriptor configDescriptor = Descriptor.of(MediaTypes.OCI_CONFIG, config);
        byte[] manifest = Json.write(Manifest.oci(configDescriptor, layerDescriptors));
        store.blobs().write(manifest);
        return new Image(Descriptor.of(MediaTypes.OCI_MANIFEST, manifest), configDescriptor, layerDescriptors);
    }

    /** Writes the image and names it {@code name} in the store. */
    static Image write(LocalStore store, ImageReference name, Platform platform, List<Layer> layers)
            throws IOException {
        Image image = write(store, platform, layers);
        store.tag(name, image.manifest());
        return image;
    }

    /** Writes an OCI index over {@code images} (each with its platform) into the store; returns its descriptor. */
    static Descriptor writeIndex(LocalStore store, List<Image> images, List<Platform> platforms) throws IOException {
        List<Descriptor> entries = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            entries.add(images.get(i).manifest().withPlatform(platforms.get(i)));
        }
        byte[] index = Json.write(Index.oci(entries));
        store.blobs().write(index);
        return Descriptor.of(MediaTypes.OCI_INDEX, index);
    }

    /** Whether the blob is in both stores with identical bytes. */
    static boolean sameBlob(LocalStore a, LocalStore b, Digest d) throws IOException {
        return a.blobs().has(d) && b.blobs().has(d) && Files.mismatch(a.blobs().path(d), b.blobs().path(d)) == -1;
    }

    private static byte[] tar(Map<String, byte[]> files) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(buf)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String path : new TreeSet<>(files.keySet())) {
                byte[] content = files.get(path);
                TarArchiveEntry e = new TarArchiveEntry(path);
                e.setSize(content.length);
                e.setMode(0644);
                e.setModTime(0);
                out.putArchiveEntry(e);
                out.write(content);
                out.closeArchiveEntry();
            }
            out.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(buf)) {
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    /**
     * One zstd frame (RFC 8878) holding {@code data} in raw blocks: single-segment, with an 8-byte
     * content size and no checksum; blocks of at most 128 KiB, the format's limit.
     */
    static byte[] zstdStored(byte[] data) {
        final int maxBlock = 128 << 10;
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 32 + data.length / maxBlock * 3);
        out.write(0x28);
        out.write(0xB5);
        out.write(0x2F);
        out.write(0xFD); // magic 0xFD2FB528, little-endian
        out.write(0xE0); // frame header: content size in 8 bytes, single segment, no checksum, no dictionary
        long size = data.length;
        for (int i = 0; i < 8; i++) {
            out.write((int) (size >>> (8 * i)) & 0xFF);
        }
        int offset = 0;
        do {
            int n = Math.min(maxBlock, data.length - offset);
            boolean last = offset + n == data.length;
            int header = (n << 3) | (last ? 1 : 0); // block type (bits 1-2) 0: raw
            out.write(header & 0xFF);
            out.write((header >>> 8) & 0xFF);
            out.write((header >>> 16) & 0xFF);
            out.write(data, offset, n);
            offset += n;
        } while (offset < data.length);
        return out.toByteArray();
    }
}
