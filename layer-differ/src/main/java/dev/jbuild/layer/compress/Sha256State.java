package dev.jbuild.layer.compress;

import dev.jbuild.oci.Digest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;

/**
 * The inner state of a running SHA-256 — eight words, the byte count and the bytes of an unfinished
 * block — taken out of a JDK {@link MessageDigest} and put into a new one, so that hashing can stop
 * at a point of a stream and go on from there in another process. A layer whose first part is the
 * same as an earlier layer's resumes the earlier layer's diffID and blob hashes where that part
 * ends instead of hashing it again ({@link dev.jbuild.layer.chunk.LayerRecipe}).
 *
 * <p>The JDK has no API for this; the state lives in private fields of its SHA-2 provider
 * ({@code sun.security.provider.SHA2}, {@code DigestBase}), reached by reflection, which needs
 * {@code --add-opens java.base/java.security=ALL-UNNAMED} and
 * {@code --add-opens java.base/sun.security.provider=ALL-UNNAMED} (jbuild's jar manifest and test
 * set-up give both). Whether it works is checked once, by hashing a known text in two parts; where
 * it does not (fields not open or not there), {@link #supported} is false and every layer is
 * hashed from its start, which is only slower.
 */
public final class Sha256State {
    private static final int WORDS = 8;
    private static final int BLOCK = 64;
    private static final Fields FIELDS = Fields.find();

    private final int[] words;
    private final long count;
    private final byte[] pending;

    private Sha256State(int[] words, long count, byte[] pending) {
        this.words = words;
        this.count = count;
        this.pending = pending;
    }

    /** Whether states can be taken and given on this JDK. */
    public static boolean supported() {
        return FIELDS != null;
    }

    /** The state of {@code sha256} (a SHA-256 from {@link Digest#sha256()}); unchanged by this. */
    public static Sha256State of(MessageDigest sha256) {
        return fields().take(sha256);
    }

    /** Bytes hashed up to this state. */
    public long count() {
        return count;
    }

    /** A new SHA-256 that goes on from this state. */
    public MessageDigest resume() {
        return fields().give(this);
    }

    public void write(DataOutputStream out) throws IOException {
        for (int w : words) {
            out.writeInt(w);
        }
        out.writeLong(count);
        out.writeByte(pending.length);
        out.write(pending);
    }

    /** @throws IOException if what is read is no state {@link #write} could have written */
    public static Sha256State read(DataInputStream in) throws IOException {
        int[] words = new int[WORDS];
        for (int i = 0; i < WORDS; i++) {
            words[i] = in.readInt();
        }
        long count = in.readLong();
        int pending = in.readUnsignedByte();
        if (count < 0 || pending >= BLOCK || count % BLOCK != pending) {
            throw new IOException("not a SHA-256 state: " + count + " bytes with " + pending + " pending");
        }
        byte[] bytes = new byte[pending];
        in.readFully(bytes);
        return new Sha256State(words, count, bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sha256State s && s.count == count && Arrays.equals(s.words, words)
                && Arrays.equals(s.pending, pending);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(words) * 31 + Long.hashCode(count);
    }

    private static Fields fields() {
        if (FIELDS == null) {
            throw new UnsupportedOperationException("SHA-256 states cannot be taken on this JDK (see Sha256State)");
        }
        return FIELDS;
    }

    /** The provider's fields, or null where they cannot be used. */
    private record Fields(Field spi, Field state, Field buffer, Field bufOfs, Field bytesProcessed) {
        static Fields find() {
            try {
                MessageDigest probe = Digest.sha256();
                Field spi = declared(probe.getClass(), "digestSpi");
                Class<?> impl = spi.get(probe).getClass();
                Fields f = new Fields(spi, declared(impl, "state"), declared(impl, "buffer"), declared(impl, "bufOfs"),
                        declared(impl, "bytesProcessed"));
                return f.works() ? f : null;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null; // not opened to us (InaccessibleObjectException), or another provider
            }
        }

        Sha256State take(MessageDigest sha256) {
            try {
                Object impl = spi.get(sha256);
                byte[] pending = Arrays.copyOf((byte[]) buffer.get(impl), bufOfs.getInt(impl));
                return new Sha256State(((int[]) state.get(impl)).clone(), bytesProcessed.getLong(impl), pending);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("cannot read the state of " + sha256, e);
            }
        }

        MessageDigest give(Sha256State s) {
            MessageDigest sha256 = Digest.sha256();
            try {
                Object impl = spi.get(sha256);
                System.arraycopy(s.words, 0, (int[]) state.get(impl), 0, WORDS);
                System.arraycopy(s.pending, 0, (byte[]) buffer.get(impl), 0, s.pending.length);
                bufOfs.setInt(impl, s.pending.length);
                bytesProcessed.setLong(impl, s.count);
                return sha256;
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("cannot set the state of " + sha256, e);
            }
        }

        /** Hashes a text of a few blocks in two parts, through a taken and given state, as a check. */
        private boolean works() {
            byte[] text = "jbuild checks that a SHA-256 state can be taken and given, at an odd offset"
                    .repeat(5).getBytes(StandardCharsets.US_ASCII);
            MessageDigest first = Digest.sha256();
            first.update(text, 0, 131);
            Sha256State middle = take(first);
            MessageDigest second = give(middle);
            second.update(text, 131, text.length - 131);
            return middle.words.length == WORDS && middle.count == 131
                    && Arrays.equals(second.digest(), Digest.sha256().digest(text));
        }

        private static Field declared(Class<?> type, String name) throws NoSuchFieldException {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                try {
                    Field f = c.getDeclaredField(name);
                    f.setAccessible(true);
                    return f;
                } catch (NoSuchFieldException e) {
                    // look in the superclass
                }
            }
            throw new NoSuchFieldException(type.getName() + "." + name);
        }
    }
}
