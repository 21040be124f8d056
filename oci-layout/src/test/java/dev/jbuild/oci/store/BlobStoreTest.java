package dev.jbuild.oci.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blobs are complete and correct whenever they exist; wrong content never lands. */
class BlobStoreTest {
    @TempDir
    Path root;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private long ingestFiles() throws Exception {
        Path ingest = root.resolve("ingest");
        if (!Files.exists(ingest)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(ingest)) {
            return s.count();
        }
    }

    @Test
    void writesUnderItsDigestAndDedupes() throws Exception {
        BlobStore store = new BlobStore(root);
        byte[] content = "hello".getBytes(StandardCharsets.UTF_8);
        Digest d = store.write(content);
        assertEquals("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", d.toString());
        assertArrayEquals(content, Files.readAllBytes(root.resolve("blobs/sha256/" + d.hex())));
        long mtime = Files.getLastModifiedTime(store.path(d)).toMillis();
        Thread.sleep(5);
        assertEquals(d, store.write(new ByteArrayInputStream(content), Optional.of(d), OptionalLong.empty()));
        assertEquals(mtime, Files.getLastModifiedTime(store.path(d)).toMillis(), "a present blob is not rewritten");
        assertEquals(0, ingestFiles());
    }

    @Test
    void refusesWrongDigestOrSizeAndLeavesNothing() throws Exception {
        BlobStore store = new BlobStore(root);
        byte[] content = random(100_000, 1);
        Digest wrong = Digest.sha256(random(10, 2));
        BlobMismatchException e = assertThrows(BlobMismatchException.class, () -> store.write(
                new ByteArrayInputStream(content), Optional.of(wrong), OptionalLong.empty()));
        assertTrue(e.getMessage().contains("digest mismatch: expected " + wrong), e.getMessage());
        assertFalse(store.has(wrong));
        assertFalse(store.has(Digest.sha256(content)));
        assertThrows(BlobMismatchException.class, () -> store.write(new ByteArrayInputStream(content),
                Optional.of(Digest.sha256(content)), OptionalLong.of(99)));
        assertEquals(0, ingestFiles());
    }

    @Test
    void streamsLargeBlobsAndReadsThemBack() throws Exception {
        BlobStore store = new BlobStore(root);
        byte[] content = random(8 << 20, 3);
        Digest d;
        try (InputStream in = new ByteArrayInputStream(content)) {
            d = store.write(in, Optional.empty(), OptionalLong.of(content.length));
        }
        assertEquals(Digest.sha256(content), d);
        assertEquals(OptionalLong.of(content.length), store.size(d));
        assertArrayEquals(content, store.read(d));
    }

    @Test
    void aBlobTakesItsPrefixFromAnotherWhileTheRestIsWritten() throws Exception {
        BlobStore store = new BlobStore(root);
        byte[] earlier = random(3 << 20, 7);
        Digest source = store.write(earlier);
        byte[] rest = random(100_000, 8);
        int prefix = (2 << 20) + 13;
        byte[] expected = new byte[prefix + rest.length];
        System.arraycopy(earlier, 0, expected, 0, prefix);
        System.arraycopy(rest, 0, expected, prefix, rest.length);
        Digest d = Digest.sha256(expected);

        try (BlobStore.Writer w = store.newSelfDigestingWriter()) {
            w.takePrefix(store.path(source), prefix);
            w.write(rest);
            assertEquals(expected.length, w.count());
            assertEquals(d, w.commit(Optional.of(d), OptionalLong.of(expected.length)));
        }
        assertArrayEquals(expected, store.read(d));
        Files.delete(store.path(d));
        // A writer that hashes what it gets reads the prefix through itself: the same blob.
        try (BlobStore.Writer w = store.newWriter("sha256")) {
            w.takePrefix(store.path(source), prefix);
            w.write(rest);
            assertEquals(d, w.commit(Optional.empty(), OptionalLong.of(expected.length)));
        }
        // A source shorter than the prefix fails the commit, and nothing is published.
        Digest wrong = Digest.sha256(random(10, 9));
        try (BlobStore.Writer w = store.newSelfDigestingWriter()) {
            w.takePrefix(store.path(source), earlier.length + 1L);
            assertThrows(java.io.EOFException.class, () -> w.commit(Optional.of(wrong), OptionalLong.of(earlier.length + 1L)));
        }
        assertFalse(store.has(wrong));
        try (Stream<Path> left = Files.list(root.resolve("ingest"))) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void aGuessedPrefixIsKeptWhereTakenAndWrittenOverWhereNot() throws Exception {
        BlobStore store = new BlobStore(root);
        byte[] a = random(40 << 20, 11); // more than two pieces of the copy
        byte[] b = random(3 << 20, 12);
        Digest blobA = store.write(a);
        Digest blobB = store.write(b);
        byte[] rest = random(5000, 13);

        // Taken: the guessed copy goes on up to the prefix, the rest follows it.
        byte[] expected = concat(Arrays.copyOf(a, (20 << 20) + 7), rest);
        assertEquals(Digest.sha256(expected), writeGuessing(store, blobA, Optional.of(blobA), (20 << 20) + 7, rest));
        assertArrayEquals(expected, store.read(Digest.sha256(expected)));

        // Not taken: what the guess copied is written over and cut off.
        assertEquals(Digest.sha256(rest), writeGuessing(store, blobA, Optional.empty(), 0, rest));
        assertArrayEquals(rest, store.read(Digest.sha256(rest)));

        // Another source taken: its bytes, none of the guess's.
        byte[] fromB = concat(Arrays.copyOf(b, 1 << 20), rest);
        assertEquals(Digest.sha256(fromB), writeGuessing(store, blobA, Optional.of(blobB), 1 << 20, rest));
        assertArrayEquals(fromB, store.read(Digest.sha256(fromB)));

        // Abandoned: nothing left in ingest/.
        try (BlobStore.Writer w = store.newSelfDigestingWriter()) {
            w.guessPrefix(store.path(blobA));
        }
        try (Stream<Path> left = Files.list(root.resolve("ingest"))) {
            assertEquals(0, left.count());
        }
    }

    private static Digest writeGuessing(BlobStore store, Digest guess, Optional<Digest> taken, long length, byte[] rest)
            throws Exception {
        try (BlobStore.Writer w = store.newSelfDigestingWriter()) {
            w.guessPrefix(store.path(guess));
            if (taken.isPresent()) {
                w.takePrefix(store.path(taken.get()), length);
            }
            w.write(rest);
            byte[] all = concat(taken.isPresent() ? Arrays.copyOf(store.read(taken.get()), (int) length) : new byte[0], rest);
            return w.commit(Optional.of(Digest.sha256(all)), OptionalLong.of(all.length));
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    @Test
    void aSelfDigestingWriterTakesItsCallersDigestAndSyncsAsItGoes() throws Exception {
        BlobStore store = new BlobStore(root);
        byte[] content = random(8 << 20, 5);
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < 20; i++) {
            sha.update(content);
        }
        Digest d = Digest.fromHash("sha256", sha.digest());
        try (BlobStore.Writer w = store.newSelfDigestingWriter()) {
            for (int i = 0; i < 20; i++) { // 160 MiB: writeback starts twice on the way
                w.write(content);
            }
            assertThrows(IllegalStateException.class, () -> w.commit(Optional.empty(), OptionalLong.empty()));
            assertEquals(d, w.commit(Optional.of(d), OptionalLong.of(20L * content.length)));
        }
        assertEquals(OptionalLong.of(20L * content.length), store.size(d));
        try (InputStream in = store.open(d)) {
            assertArrayEquals(content, in.readNBytes(content.length));
        }
        try (Stream<Path> left = Files.list(root.resolve("ingest"))) {
            assertEquals(0, left.count(), "nothing left in ingest");
        }
    }

    @Test
    void sha512Blobs() throws Exception {
        BlobStore store = new BlobStore(root);
        byte[] content = random(1000, 4);
        Digest d512 = Digest.fromHash("sha512", java.security.MessageDigest.getInstance("SHA-512").digest(content));
        assertEquals(d512, store.write(new ByteArrayInputStream(content), Optional.of(d512), OptionalLong.empty()));
        assertTrue(Files.isRegularFile(root.resolve("blobs/sha512/" + d512.hex())));
    }

    @Test
    void concurrentWritersOfOneBlobAllSucceed() throws Exception {
        BlobStore store = new BlobStore(root);
        byte[] content = random(2 << 20, 5);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Digest>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> store.write(new ByteArrayInputStream(content), Optional.empty(),
                        OptionalLong.empty())));
            }
            for (Future<Digest> f : results) {
                assertEquals(Digest.sha256(content), f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(content, store.read(Digest.sha256(content)));
        assertEquals(0, ingestFiles());
    }

    @Test
    void abandonedIngestsOfDeadProcessesAreRemoved() throws Exception {
        BlobStore store = new BlobStore(root);
        Files.createDirectories(root.resolve("ingest"));
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.write(root.resolve("ingest/" + dead.pid() + "-x"), new byte[10]);
        Files.write(root.resolve("ingest/" + ProcessHandle.current().pid() + "-mine"), new byte[10]);
        store.removeAbandonedIngests();
        assertFalse(Files.exists(root.resolve("ingest/" + dead.pid() + "-x")));
        assertTrue(Files.exists(root.resolve("ingest/" + ProcessHandle.current().pid() + "-mine")));
    }

    @Test
    void missingBlobSaysWhich() {
        BlobStore store = new BlobStore(root);
        Digest d = Digest.sha256(new byte[1]);
        Exception e = assertThrows(java.nio.file.NoSuchFileException.class, () -> store.open(d));
        assertTrue(e.getMessage().contains(d.toString()), e.getMessage());
    }
}
