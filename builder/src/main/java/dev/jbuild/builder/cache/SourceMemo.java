package dev.jbuild.builder.cache;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The source digests computed from one build context, valid for as long as a new
 * {@link ContextListing} of the context equals the one saved with them: a rebuild of an unchanged
 * context then compares one listing instead of stat'ing every file through the {@link ContentIndex}.
 *
 * <p>Entries are added only under the listing taken before they were computed, and saved only if
 * that listing can vouch for them: a file changed after the listing either moves its stat data
 * (the next listing differs and the memo is dropped) or is racy, and then the caller saves only
 * once it has checked that file's content (see ContextSources). The file holds
 * {@value #MAGIC}, the listing, the entries (key, digest) and the magic again, written atomically;
 * one that does not read in full is ignored, as the memo is only a cache.
 */
public final class SourceMemo {
    private static final String MAGIC = "jbuild source memo v1";

    private final Path file;
    private final ContextListing listing;
    private final Map<String, String> digests;
    private boolean changed;

    private SourceMemo(Path file, ContextListing listing, Map<String, String> digests) {
        this.file = file;
        this.listing = listing;
        this.digests = digests;
    }

    /** The memo at {@code file} if it was saved with a listing equal to {@code now}, else an empty one for it. */
    public static SourceMemo load(Path file, ContextListing now) {
        Map<String, String> digests = new LinkedHashMap<>();
        try {
            byte[] saved = Files.readAllBytes(file);
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved));
            if (MAGIC.equals(in.readUTF())) {
                int length = in.readInt();
                int start = saved.length - in.available();
                if (length >= 0 && length <= in.available() && now.sameAs(saved, start, start + length)) {
                    in.skipNBytes(length);
                    Map<String, String> read = new LinkedHashMap<>();
                    for (int n = in.readInt(); n > 0; n--) {
                        read.put(in.readUTF(), in.readUTF());
                    }
                    if (MAGIC.equals(in.readUTF()) && in.available() == 0) {
                        digests = read;
                    }
                }
            }
        } catch (NoSuchFileException e) {
            // first build of this context
        } catch (IOException e) {
            // damaged or from another version: only a cache, start afresh
        }
        return new SourceMemo(file, now, digests);
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(digests.get(key));
    }

    /** Records a digest computed after this memo's listing was taken. */
    public void put(String key, String digest) {
        if (!digest.equals(digests.put(key, digest))) {
            changed = true;
        }
    }

    /** Whether entries were put since load. */
    public boolean changed() {
        return changed;
    }

    /** The listing the entries were computed under. */
    public ContextListing listing() {
        return listing;
    }

    /**
     * Writes the memo if it gained entries. The caller vouches that its listing may stand for
     * them: no racy files, or racy files whose content was checked since (see ContextSources).
     */
    public void save() throws IOException {
        if (!changed) {
            return;
        }
        CacheFile.replace(file, out -> {
            out.writeUTF(MAGIC);
            out.writeInt(listing.bytes().length);
            out.write(listing.bytes());
            out.writeInt(digests.size());
            for (Map.Entry<String, String> e : digests.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            out.writeUTF(MAGIC);
        });
        changed = false;
    }
}
