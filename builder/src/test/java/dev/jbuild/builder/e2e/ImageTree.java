package dev.jbuild.builder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;
import dev.jbuild.layer.apply.ApplyMode;
import dev.jbuild.layer.apply.ApplyOptions;
import dev.jbuild.layer.apply.LayerApplier;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.LocalStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A built image as the checks see it: its manifest and config as raw JSON (so the checks see what
 * a registry or docker would, not our Java model of it), each layer's tar entries, and the file
 * system that applying the layers in order gives (the way a runtime would unpack the image).
 */
final class ImageTree {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One header of a layer tar, as written. */
    record Entry(String name, char type, int mode, long uid, long gid, long size, long mtime, String link) {
        /** The name without a leading {@code ./} or {@code /} and without a trailing {@code /}. */
        String path() {
            String p = name;
            while (p.startsWith("./") || p.startsWith("/")) {
                p = p.substring(p.startsWith("./") ? 2 : 1);
            }
            return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
        }
    }

    private final LocalStore store;
    private final Descriptor manifest;
    private final JsonNode manifestJson;
    private final byte[] configBytes;
    private final JsonNode config;
    private final Path scratch;
    private final Map<Integer, List<Entry>> entries = new HashMap<>();
    private final Map<Integer, byte[]> tars = new HashMap<>();
    private Path rootfs;

    ImageTree(LocalStore store, Descriptor manifest, Path scratch) throws IOException {
        this.store = store;
        this.manifest = manifest;
        this.manifestJson = JSON.readTree(store.blobs().read(manifest.digest()));
        this.configBytes = store.blobs().read(Digest.parse(manifestJson.path("config").path("digest").asText()));
        this.config = JSON.readTree(configBytes);
        this.scratch = scratch;
    }

    Digest digest() {
        return manifest.digest();
    }

    JsonNode config() {
        return config;
    }

    byte[] configBytes() {
        return configBytes;
    }

    int layerCount() {
        return manifestJson.path("layers").size();
    }

    /** Layer {@code index}, negative counting from the top (-1 is the last). */
    int layerIndex(int index) {
        int i = index < 0 ? layerCount() + index : index;
        if (i < 0 || i >= layerCount()) {
            throw new AssertionError("the image has " + layerCount() + " layers; there is no layer " + index);
        }
        return i;
    }

    /** The uncompressed tar of layer {@code index}. */
    byte[] layerTar(int index) throws IOException {
        int i = layerIndex(index);
        byte[] tar = tars.get(i);
        if (tar == null) {
            Digest d = Digest.parse(manifestJson.path("layers").get(i).path("digest").asText());
            try (InputStream in = decompress(store.blobs().open(d))) {
                tar = in.readAllBytes();
            }
            tars.put(i, tar);
        }
        return tar;
    }

    /** The headers of layer {@code index}, in tar order. */
    List<Entry> layerEntries(int index) throws IOException {
        int i = layerIndex(index);
        List<Entry> list = entries.get(i);
        if (list == null) {
            list = new ArrayList<>();
            try (TarArchiveInputStream tar = new TarArchiveInputStream(new java.io.ByteArrayInputStream(layerTar(i)))) {
                for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    list.add(new Entry(e.getName(), type(e), e.getMode() & 07777, e.getLongUserId(),
                            e.getLongGroupId(), e.getSize(), e.getModTime().toInstant().getEpochSecond(),
                            e.getLinkName()));
                }
            }
            entries.put(i, List.copyOf(list));
        }
        return list;
    }

    /** The image's file system: every layer applied in order, whiteouts honoured, owners kept (we are root). */
    Path rootfs() throws IOException {
        if (rootfs == null) {
            Path dir = scratch.resolve("rootfs");
            for (int i = 0; i < layerCount(); i++) {
                Digest d = Digest.parse(manifestJson.path("layers").get(i).path("digest").asText());
                try (InputStream in = store.blobs().open(d)) {
                    LayerApplier.apply(in, dir, ApplyMode.FLAT, ApplyOptions.defaults());
                }
            }
            if (!Files.exists(dir)) {
                Files.createDirectories(dir); // an image without layers (FROM scratch and no file step)
            }
            rootfs = dir;
        }
        return rootfs;
    }

    private static char type(TarArchiveEntry e) {
        if (e.isSymbolicLink()) {
            return 'l';
        }
        if (e.isLink()) {
            return 'h';
        }
        if (e.isDirectory()) {
            return 'd';
        }
        if (e.isCharacterDevice()) {
            return 'c';
        }
        if (e.isBlockDevice()) {
            return 'b';
        }
        if (e.isFIFO()) {
            return 'p';
        }
        return 'f';
    }

    /** gzip, zstd or plain, told apart by the magic bytes as a runtime does. */
    static InputStream decompress(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw);
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new GZIPInputStream(in);
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return new ZstdInputStream(in);
        }
        return in;
    }

    /** Whether {@code needle} occurs in {@code hay}. */
    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
