package dev.jbuild.oci.transfer;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.store.BlobStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lists every blob an image consists of: an index, its manifests, their configs and layers,
 * children before the documents that name them (the order in which a destination can accept
 * them without ever holding a manifest whose content is missing).
 */
public final class ImageWalker {
    private ImageWalker() {
    }

    /**
     * Every blob of the image at {@code root}, children first.
     *
     * @param source where the documents are read from
     * @param requireAll whether every layer must be present (false lists only what is there, for
     *     lazily pulled images whose layers were never needed)
     */
    public static List<Descriptor> blobs(BlobStore source, Descriptor root, boolean requireAll) throws IOException {
        Map<String, Descriptor> out = new LinkedHashMap<>();
        walk(source, root, requireAll, out);
        return new ArrayList<>(out.values());
    }

    private static void walk(BlobStore source, Descriptor d, boolean requireAll, Map<String, Descriptor> out)
            throws IOException {
        if (out.containsKey(d.digest().toString())) {
            return;
        }
        if (!source.has(d.digest())) {
            if (requireAll || MediaTypes.isManifest(d.mediaType()) || MediaTypes.isIndex(d.mediaType())) {
                throw new IOException("blob " + d.digest() + " (" + d.mediaType() + ") is missing from "
                        + "the source; pull the image again");
            }
            return;
        }
        if (MediaTypes.isIndex(d.mediaType())) {
            Index index = Json.read(source.read(d.digest()), Index.class, d.digest().toString());
            for (Descriptor m : index.manifests()) {
                walk(source, m, requireAll, out);
            }
        } else if (MediaTypes.isManifest(d.mediaType())) {
            Manifest m = Json.read(source.read(d.digest()), Manifest.class, d.digest().toString());
            walk(source, m.config(), true, out);
            for (Descriptor layer : m.layers()) {
                walk(source, layer, requireAll, out);
            }
        }
        out.put(d.digest().toString(), d);
    }
}
