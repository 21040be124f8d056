package dev.jbuild.layer.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A SHA-256 stopped anywhere, carried through its file form, goes on to the digest of the whole. */
class Sha256StateTest {
    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void hashingGoesOnFromAStateTakenAtAnyOffset() throws IOException {
        assertTrue(Sha256State.supported(), "the tests open java.base's SHA-2 provider (see the parent pom)");
        byte[] data = bytes(10_000);
        byte[] whole = Digest.sha256().digest(data);
        for (int cut : new int[] {0, 1, 63, 64, 65, 127, 512, 4097, 9999, 10_000}) {
            MessageDigest first = Digest.sha256();
            first.update(data, 0, cut);
            Sha256State state = Sha256State.of(first);
            assertEquals(cut, state.count());
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            state.write(new DataOutputStream(file));
            Sha256State read = Sha256State.read(new DataInputStream(new ByteArrayInputStream(file.toByteArray())));
            assertEquals(state, read);
            MessageDigest second = read.resume();
            second.update(data, cut, data.length - cut);
            assertArrayEquals(whole, second.digest(), "cut at " + cut);
            // Taking the state leaves the first hash as it was.
            first.update(data, cut, data.length - cut);
            assertArrayEquals(whole, first.digest());
        }
    }

    @Test
    void aStateThatCannotBeIsRefused() throws IOException {
        MessageDigest sha = Digest.sha256();
        sha.update(bytes(70));
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        Sha256State.of(sha).write(new DataOutputStream(file));
        byte[] b = file.toByteArray();
        b[32 + 7] = 71; // the count, no longer matching the 6 pending bytes
        assertThrows(IOException.class, () -> Sha256State.read(new DataInputStream(new ByteArrayInputStream(b))));
    }

    @Test
    void theDigestingStreamKeepsStatesWhereAskedAndResumes() throws IOException {
        byte[] data = bytes(300_000);
        DigestingOutputStream out = new DigestingOutputStream(java.io.OutputStream.nullOutputStream());
        out.keepStateAt(1000);
        out.keepStateAt(131_072);
        for (int i = 0; i < data.length; i += 7000) {
            out.write(data, i, Math.min(7000, data.length - i));
        }
        assertEquals(1000, out.stateAt(1000).orElseThrow().count());
        assertTrue(out.stateAt(5).isEmpty());
        DigestingOutputStream resumed = new DigestingOutputStream(java.io.OutputStream.nullOutputStream());
        resumed.resumeFrom(out.stateAt(131_072).orElseThrow());
        resumed.write(data, 131_072, data.length - 131_072);
        assertEquals(data.length, resumed.count());
        assertEquals(out.digest(), resumed.digest());
        assertEquals(Digest.sha256(data), resumed.digest());
    }
}
