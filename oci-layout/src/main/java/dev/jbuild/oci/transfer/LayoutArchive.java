package dev.jbuild.oci.transfer;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Index;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.store.Hold;
import dev.jbuild.oci.store.LocalStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * An OCI layout as one tar file ({@code oci-archive}, as skopeo and BuildKit's {@code type=oci}
 * write it), streamed in both directions: blobs go from the store into the tar and from the tar
 * into the store without a temporary directory. Only {@code oci-layout}, {@code index.json} and
 * {@code blobs/<algorithm>/<hex>} are read from an archive; any other entry is ignored, so an
 * archive cannot place files anywhere.
 */
public final class LayoutArchive {
    private static final Pattern BLOB = Pattern.compile("blobs/(sha256|sha512)/([0-9a-f]+)");
    private static final long FIXED_MTIME = 0L;

    private LayoutArchive() {
    }

    /** Writes one image of the store as an oci-archive; the same image always gives the same bytes. */
    public static Descriptor write(LocalStore store, ImageReference ref, OutputStream out) throws IOException {
        return write(store, ref, ref, out);
    }

    /** Like {@link #write(LocalStore, ImageReference, OutputStream)}, naming the image {@code as} in the archive. */
    public static Descriptor write(LocalStore store, ImageReference ref, ImageReference as, OutputStream out)
            throws IOException {
        Descriptor image = store.resolve(ref).orElseThrow(() -> new IOException("no such image: " + ref.familiar()));
        ImageReference name = as.withDefaultTag();
        // A digest-only reference (an unnamed build) gives an entry without a name, as buildx writes.
        Descriptor entry = image;
        if (name.tag().isPresent()) {
            entry = entry.withAnnotation(LocalStore.IMAGE_NAME, name.toString())
                    .withAnnotation(LocalStore.REF_NAME, name.tag().get());
        }
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        file(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        directory(tar, "blobs/");
        directory(tar, "blobs/sha256/");
        for (Descriptor blob : ImageWalker.blobs(store.blobs(), image, true)) {
            TarArchiveEntry e = entry("blobs/" + blob.digest().algorithm() + "/" + blob.digest().hex());
            e.setSize(blob.size());
            tar.putArchiveEntry(e);
            try (InputStream in = store.blobs().open(blob.digest())) {
                long copied = in.transferTo(tar);
                if (copied != blob.size()) {
                    throw new IOException("blob " + blob.digest() + " has " + copied + " bytes, its descriptor says "
                            + blob.size());
                }
            }
            tar.closeArchiveEntry();
        }
        file(tar, "index.json", Json.write(Index.oci(List.of(entry))));
        tar.finish();
        tar.flush();
        return image;
    }

    /** Imports an oci-archive stream; see {@link LayoutTransfer#importLayout} for naming. */
    public static List<ImageReference> read(LocalStore store, InputStream in, String source, Optional<String> select,
                                            Optional<ImageReference> as) throws IOException {
        try (Hold session = store.writeSession()) {
            TarArchiveInputStream tar = new TarArchiveInputStream(in);
            Index index = null;
            boolean layoutFile = false;
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
                Matcher blob = BLOB.matcher(name);
                if (e.isFile() && blob.matches()) {
                    Digest d = new Digest(blob.group(1), blob.group(2));
                    store.blobs().write(tar, Optional.of(d), OptionalLong.of(e.getSize()));
                } else if (e.isFile() && name.equals("index.json")) {
                    index = Json.read(tar.readAllBytes(), Index.class, source + ": index.json");
                } else if (e.isFile() && name.equals("oci-layout")) {
                    layoutFile = true;
                }
            }
            if (index == null || !layoutFile) {
                throw new IOException(source + " is not an OCI archive (no " + (index == null ? "index.json" : "oci-layout")
                        + " in it)");
            }
            List<LayoutTransfer.Entry> chosen = LayoutTransfer.choose(LayoutTransfer.entries(index), source, select, as);
            return LayoutTransfer.name(store, chosen, source, as);
        }
    }

    private static TarArchiveEntry entry(String name) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setModTime(FIXED_MTIME);
        e.setMode(name.endsWith("/") ? 040755 : 0100644);
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
        return e;
    }

    private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
        tar.putArchiveEntry(entry(name));
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = entry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }
}
