package dev.jbuild.builder.snapshot;

import dev.jbuild.builder.ImageLayer;
import dev.jbuild.builder.cache.ChunkIndex;
import dev.jbuild.builder.copy.LayerLeaves;
import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerResult;
import dev.jbuild.layer.LayerWriter;
import dev.jbuild.layer.apply.ApplyOptions.OverlayXattrs;
import dev.jbuild.layer.diff.OverlayDiffer;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns the upper dir of a finished step into a layer blob in the store and into the snapshot of
 * that layer (the upper dir is already in lower-dir form, so it is renamed, not extracted again).
 *
 * <p>A directory overlayfs copied up only because something below it was touched and then put
 * back (a mount point the executor created and removed) has the same owner, mode and mtime as in
 * the lower dirs; such directories are left out of the layer unless something inside them
 * changed, as BuildKit's upper-dir differ does, so a step that changed nothing makes no layer.
 */
public final class LayerCommitter {
    private final BlobStore blobs;
    private final Snapshots snapshots;
    private final Compression compression;
    private final LayerOptions options;
    private final ChunkIndex members;
    private final Consumer<String> notes;

    /**
     * @param members where the compressed members of earlier layers are found and new ones
     *     recorded: layers are written chunked, so a layer sharing most of its files with an
     *     earlier one compresses only what changed, and one that starts as an earlier one takes
     *     that part over without reading it
     * @param notes where to tell how much of a layer was taken over
     */
    public LayerCommitter(BlobStore blobs, Snapshots snapshots, Compression compression, LayerOptions options,
            ChunkIndex members, Consumer<String> notes) {
        this.blobs = blobs;
        this.snapshots = snapshots;
        this.compression = compression;
        this.options = options;
        this.members = members;
        this.notes = notes;
    }

    /** The layer of {@code upper} over {@code lowers} (top first), or empty when nothing changed. */
    public Optional<ImageLayer> commit(Path upper, List<Path> lowers) throws IOException {
        try (BlobStore.Writer blob = newBlob(Optional.empty())) {
            return commit(upper, lowers, Optional.empty(), blob, Optional.empty());
        }
    }

    /**
     * The writer for the blob of a layer about to be made. With the origin of the layer (a name
     * for the step that makes it, the same in every build), the blob that origin's layer went to
     * last time starts being copied into it right away, a guess at the first part the new layer
     * will take over from it (see {@link BlobStore.Writer#guessPrefix}): the copy runs while the
     * step still runs. Close it if the layer is not committed.
     */
    public BlobStore.Writer newBlob(Optional<String> origin) throws IOException {
        BlobStore.Writer blob = blobs.newSelfDigestingWriter();
        try {
            if (origin.isPresent()) {
                Optional<Digest> last = members.lastBlob(origin.get());
                if (last.isPresent()) {
                    blob.guessPrefix(blobs.path(last.get()));
                }
            }
            return blob;
        } catch (IOException | RuntimeException e) {
            blob.close();
            throw e;
        }
    }

    /**
     * The layer of {@code upper} plus what a copy only recorded in {@code leaves}. When it recorded
     * something, the upper dir is not the layer's tree and is not kept as its snapshot; a later step
     * that needs the files gets the snapshot extracted from the layer. The layer goes into
     * {@code blob}, from {@link #newBlob} (left uncommitted when nothing changed); with an origin,
     * the blob is remembered as that origin's last.
     */
    public Optional<ImageLayer> commit(Path upper, List<Path> lowers, Optional<LayerLeaves> leaves,
            BlobStore.Writer blob, Optional<String> origin) throws IOException {
        boolean recorded = leaves.isPresent() && !leaves.get().isEmpty();
        List<LayerEntry> entries;
        if (leaves.isPresent() && leaves.get().replayed().isPresent()) {
            entries = leaves.get().entries(options); // the whole layer, the upper dir aside
        } else {
            List<LayerEntry> found = OverlayDiffer.entries(upper, lowers, options, OverlayXattrs.TRUSTED,
                    OverlayDiffer.OpaqueDirs.EXPLICIT);
            if (recorded) {
                found = new ArrayList<>(found);
                found.addAll(leaves.get().entries(options));
            }
            entries = withoutUntouchedDirs(found, lowers);
        }
        if (entries.isEmpty()) {
            return Optional.empty();
        }
        LayerResult r = LayerWriter.write(entries, blob, compression, options, members);
        blob.commit(Optional.of(r.digest()), OptionalLong.of(r.size()));
        if (leaves.isPresent()) {
            leaves.get().committed(entries);
        }
        if (origin.isPresent()) {
            members.rememberBlob(origin.get(), r.digest());
        }
        if (megabytes(r.takenOver()) > 0) { // not for the few directory headers before a first file
            notes.accept("layer " + r.digest().shortHex() + ": the first " + megabytes(r.takenOver())
                    + " MB of its " + megabytes(r.uncompressedSize()) + " MB taken from an earlier layer, not read again");
        }
        if (!recorded) {
            snapshots.adopt(upper, r.diffId());
        }
        return Optional.of(new ImageLayer(Descriptor.of(r.mediaType(), r.digest(), r.size()), r.diffId()));
    }

    private static long megabytes(long bytes) {
        return (bytes + 500_000) / 1_000_000;
    }

    private static List<LayerEntry> withoutUntouchedDirs(List<LayerEntry> entries, List<Path> lowers)
            throws IOException {
        Set<String> untouched = new HashSet<>();
        for (LayerEntry e : entries) {
            if (e.type() == LayerEntry.Type.DIR && sameAsBelow(e, lowers)) {
                untouched.add(e.path());
            }
        }
        if (untouched.isEmpty()) {
            return entries; // the usual case for a copy into a new directory: no parent walk per entry
        }
        Set<String> parentsOfChanges = new HashSet<>();
        for (LayerEntry e : entries) {
            if (untouched.contains(e.path())) {
                continue;
            }
            for (String p = parent(e.path()); p != null; p = parent(p)) {
                parentsOfChanges.add(p);
            }
        }
        List<LayerEntry> kept = new ArrayList<>();
        for (LayerEntry e : entries) {
            if (!untouched.contains(e.path()) || parentsOfChanges.contains(e.path())) {
                kept.add(e);
            }
        }
        return kept;
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? null : path.substring(0, slash);
    }

    /** Whether the topmost lower dir holding this path has a directory there with the same metadata. */
    private static boolean sameAsBelow(LayerEntry dir, List<Path> lowers) throws IOException {
        String rel = LayerEntry.normalize(dir.path());
        for (Path lower : lowers) {
            Path p = lower.resolve(rel);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
            int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            FileTime mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
            return mode == dir.mode() && uid == dir.uid() && gid == dir.gid()
                    && mtime.toInstant().getEpochSecond() == dir.mtime().getEpochSecond()
                    && dir.xattrs().isEmpty();
        }
        return false;
    }
}
