package dev.jbuild.layer.chunk;

import dev.jbuild.layer.chunk.MemberCache.Member;
import dev.jbuild.layer.compress.Sha256State;
import dev.jbuild.oci.Digest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a chunked layer blob was made, kept so that a later layer whose tar starts with the same
 * entries takes this blob's first part as it is: its bytes copied, not read from the files,
 * hashed and compressed again, and the hashes of the tar (the diffID) and of the blob resumed from
 * their states where that part ends. When one file of a large COPY changes, everything before it
 * is then neither read nor hashed.
 *
 * <p>The points where a later layer may take over are its checkpoints: chunk starts that are
 * also entry starts, each with a key that names everything in the tar before it (the
 * {@link RecipeChain}) and the state of the tar's sha256 there; the member starting there gives the
 * place in the blob and the state of the blob's sha256. Equal keys mean equal tar bytes before
 * that point, so equal chunks and members (the cut rule depends on the entries only) and equal
 * hash states. What the key says of a regular file is the sha256 of its content as the entry's
 * {@link dev.jbuild.layer.LayerEntry.Content#sha256 content} tells it, which its producer (the
 * build context's content index) vouches for.
 *
 * @param blob the blob's digest
 * @param members the blob's members, in order
 * @param checkpoints the checkpoints, in order
 */
public record LayerRecipe(Digest blob, List<Member> members, List<Checkpoint> checkpoints) {
    private static final String MAGIC = "jbuild layer recipe v1";

    /**
     * @param key the chain key of everything before this point
     * @param member the index of the member that starts here
     * @param tarState the state of the tar's sha256 here
     */
    public record Checkpoint(String key, int member, Sha256State tarState) {
    }

    public LayerRecipe {
        members = List.copyOf(members);
        checkpoints = List.copyOf(checkpoints);
    }

    /** The key a layer is looked up by: its first checkpoint's. */
    public String firstKey() {
        return checkpoints.get(0).key();
    }

    public void write(DataOutputStream out) throws IOException {
        out.writeUTF(MAGIC);
        out.writeUTF(blob.toString());
        out.writeInt(members.size());
        for (Member m : members) {
            out.writeUTF(m.key());
            out.writeLong(m.start());
            out.writeLong(m.offset());
            out.writeInt(m.length());
            m.blobState().orElseThrow(() -> new IllegalStateException("a recipe needs the blob's hash states"))
                    .write(out);
        }
        out.writeInt(checkpoints.size());
        for (Checkpoint c : checkpoints) {
            out.writeUTF(c.key());
            out.writeInt(c.member());
            c.tarState().write(out);
        }
        out.writeUTF(MAGIC);
    }

    /** @throws IOException if the bytes are not a whole recipe as {@link #write} writes them */
    public static LayerRecipe read(DataInputStream in) throws IOException {
        expectMagic(in);
        Digest blob;
        try {
            blob = Digest.parse(in.readUTF());
        } catch (IllegalArgumentException e) {
            throw new IOException("not a layer recipe: " + e.getMessage(), e);
        }
        int memberCount = count(in);
        List<Member> members = new ArrayList<>(memberCount);
        long offset = 0;
        for (int i = 0; i < memberCount; i++) {
            Member m = new Member(in.readUTF(), in.readLong(), in.readLong(), in.readInt(), true,
                    Optional.of(Sha256State.read(in)));
            if (m.offset() != offset || m.length() <= 0 || m.blobState().get().count() != offset) {
                throw new IOException("not a layer recipe: member " + i + " is not where the one before ends");
            }
            offset += m.length();
            members.add(m);
        }
        int checkpointCount = count(in);
        List<Checkpoint> checkpoints = new ArrayList<>(checkpointCount);
        for (int i = 0; i < checkpointCount; i++) {
            Checkpoint c = new Checkpoint(in.readUTF(), in.readInt(), Sha256State.read(in));
            if (c.member() < 0 || c.member() >= memberCount
                    || c.tarState().count() != members.get(c.member()).start()) {
                throw new IOException("not a layer recipe: checkpoint " + i + " names no member it fits");
            }
            checkpoints.add(c);
        }
        expectMagic(in);
        return new LayerRecipe(blob, members, checkpoints);
    }

    private static void expectMagic(DataInputStream in) throws IOException {
        if (!MAGIC.equals(in.readUTF())) {
            throw new IOException("not a layer recipe");
        }
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000_000) {
            throw new IOException("not a layer recipe: count " + n);
        }
        return n;
    }
}
