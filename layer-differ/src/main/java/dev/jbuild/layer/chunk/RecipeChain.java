package dev.jbuild.layer.chunk;

import dev.jbuild.layer.LayerEntry;
import dev.jbuild.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The keys of a layer's checkpoints ({@link LayerRecipe}): one sha256 over the codec with its
 * settings and then, entry after entry, the entry's tar header blocks and, for a file with
 * content, the sha256 of that content as its {@link LayerEntry.Content#sha256} tells it. The key
 * before an entry is the digest of what was added up to there, so it names every tar byte before
 * that point. The chain ends at the first file whose content is not known that way: no point
 * after it has a key.
 */
public final class RecipeChain {
    private final MessageDigest sha256;
    private boolean known;

    public RecipeChain(ChunkCodec codec) {
        this(Digest.sha256(), true);
        sha256.update(codec.identity());
    }

    private RecipeChain(MessageDigest sha256, boolean known) {
        this.sha256 = sha256;
        this.known = known;
    }

    /** The key of the point before the next entry, or empty once the chain has ended. */
    public Optional<String> key() {
        return known ? Optional.of(HexFormat.of().formatHex(copyOf(sha256).digest())) : Optional.empty();
    }

    /** Whether keys are still known. */
    public boolean known() {
        return known;
    }

    /** Adds an entry with the header blocks it is written with. */
    public void add(LayerEntry entry, byte[][] headers) {
        known = known && hashEntry(sha256, entry, headers);
    }

    /**
     * Adds to {@code sha256} what names an entry's tar bytes without reading its content: its
     * header blocks and, for a file with content, its content's known digest. False, with nothing
     * added, when that digest is not known.
     */
    static boolean hashEntry(MessageDigest sha256, LayerEntry entry, byte[][] headers) {
        Optional<String> content = Optional.empty();
        if (entry.type() == LayerEntry.Type.FILE && entry.size() > 0) {
            content = entry.content().sha256();
            if (content.isEmpty()) {
                return false;
            }
        }
        for (byte[] h : headers) {
            sha256.update(h);
        }
        content.ifPresent(c -> sha256.update(("sha256:" + c).getBytes(StandardCharsets.US_ASCII)));
        return true;
    }

    /** A chain at this one's point, to go on from separately. */
    public RecipeChain copy() {
        return new RecipeChain(copyOf(sha256), known);
    }

    private static MessageDigest copyOf(MessageDigest d) {
        try {
            return (MessageDigest) d.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
        }
    }
}
