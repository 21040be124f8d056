package dev.jbuild.oci.store;

import dev.jbuild.oci.Digest;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The content-addressed blobs of an OCI image layout, {@code blobs/<algorithm>/<hex>}. A blob is
 * streamed into a private temporary file under {@code ingest/}, hashed on the way, checked
 * against the digest and size the caller expects, flushed to disk, and only then renamed into
 * place, so a blob that exists is always complete and correct. Writing a blob that is already
 * present changes nothing. Temporary files of processes that died are removed by
 * {@link #removeAbandonedIngests()}.
 */
public final class BlobStore {
    private final Path root;
    private final Path ingest;

    public BlobStore(Path root) {
        this.root = root;
        this.ingest = root.resolve("ingest");
    }

    public Path path(Digest digest) {
        return root.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex());
    }

    public boolean has(Digest digest) {
        return Files.isRegularFile(path(digest));
    }

    /** Every blob in the store. */
    public List<Digest> list() throws IOException {
        List<Digest> out = new ArrayList<>();
        try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(root.resolve("blobs"))) {
            for (Path alg : algorithms) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(alg)) {
                    for (Path f : files) {
                        out.add(new Digest(alg.getFileName().toString(), f.getFileName().toString()));
                    }
                }
            }
        }
        return out;
    }

    /** Size in bytes, or empty when the blob is absent. */
    public OptionalLong size(Digest digest) {
        try {
            return OptionalLong.of(Files.size(path(digest)));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    public InputStream open(Digest digest) throws IOException {
        try {
            return Files.newInputStream(path(digest));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path(digest).toString(), null, "blob " + digest + " is not in the store");
        }
    }

    public byte[] read(Digest digest) throws IOException {
        try (InputStream in = open(digest)) {
            return in.readAllBytes();
        }
    }

    /** Stores bytes (small documents: manifests, configs); returns their sha256 digest. */
    public Digest write(byte[] content) throws IOException {
        Digest d = Digest.sha256(content);
        if (has(d)) {
            return d;
        }
        try (Writer w = newWriter(d.algorithm())) {
            w.write(content);
            return w.commit(Optional.of(d), OptionalLong.of(content.length));
        }
    }

    /**
     * Streams a blob into the store. With an expected digest that is already present, nothing is
     * read and the digest is returned at once.
     *
     * @throws BlobMismatchException when the content does not have the expected digest or size
     */
    public Digest write(InputStream in, Optional<Digest> expected, OptionalLong expectedSize) throws IOException {
        if (expected.isPresent() && has(expected.get())) {
            return expected.get();
        }
        try (Writer w = newWriter(expected.map(Digest::algorithm).orElse("sha256"))) {
            in.transferTo(w);
            return w.commit(expected, expectedSize);
        }
    }

    /** An output stream into the store whose digest is known only at the end. */
    public Writer newWriter(String algorithm) throws IOException {
        return new Writer(newIngestFile(), algorithm, hasher(algorithm));
    }

    /**
     * An output stream into the store for a writer that digests every byte it writes here itself
     * (a layer writer does, in the same pass that compresses): the store does not hash them a
     * second time, and {@link Writer#commit} takes the writer's digest and size as the blob's.
     */
    public Writer newSelfDigestingWriter() throws IOException {
        return new Writer(newIngestFile(), null, null);
    }

    /** A fresh name in {@code ingest/}, with this process's id so stale files can be told from live ones. */
    private Path newIngestFile() throws IOException {
        Files.createDirectories(ingest);
        return ingest.resolve(ProcessHandle.current().pid() + "-" + UUID.randomUUID());
    }

    private static final ConcurrentHashMap<Path, ReentrantLock> FETCH_LOCKS = new ConcurrentHashMap<>();

    /**
     * Held while a blob is fetched from elsewhere (a registry), so that concurrent fetchers of the
     * same blob, threads of this process or other processes, fetch it once: the others wait here
     * and then find it present. Call {@link #has} again after acquiring. Lock files live in
     * {@code locks/} beside {@code blobs/} (extra files are allowed in an OCI layout);
     * {@link LocalStore#prune()} removes them.
     */
    public Hold fetchLock(Digest digest) throws IOException {
        Path dir = Files.createDirectories(root.resolve("locks")).toRealPath();
        Path file = dir.resolve(digest.algorithm() + "-" + digest.hex() + ".lock");
        // File locks belong to the process: threads of this one queue on a plain lock first, keyed
        // by the real path so one store reached through two paths is still one lock.
        ReentrantLock inProcess = FETCH_LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
        try {
            inProcess.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for another fetch of " + digest);
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = pollLock(channel, digest);
            FileChannel open = channel;
            return () -> {
                try {
                    lock.release();
                    open.close();
                } finally {
                    inProcess.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            inProcess.unlock();
            throw e;
        }
    }

    /**
     * Waits for the file lock by polling rather than blocking: Linux checks blocking record locks
     * for deadlocks per process, not per thread, and answers EDEADLK when threads of two processes
     * each hold one blob's lock and wait for the other's, though every holder will finish.
     */
    private static FileLock pollLock(FileChannel channel, Digest digest) throws IOException {
        for (long wait = 1; ; wait = Math.min(wait * 2, 50)) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for another fetch of " + digest);
            }
        }
    }

    /** Removes the fetch lock files; only while nothing can be fetching (under the exclusive GC lock). */
    void removeFetchLocks() throws IOException {
        Path dir = root.resolve("locks");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.lock")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Removes the temporary files of jbuild processes that are no longer running. */
    public void removeAbandonedIngests() throws IOException {
        if (!Files.isDirectory(ingest)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ingest)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                int dash = name.indexOf('-');
                long pid = dash > 0 ? parsePid(name.substring(0, dash)) : -1;
                boolean writerAlive = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                if (!writerAlive) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static long parsePid(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * A blob being written. {@link #commit} verifies and publishes it; closing without committing
     * discards it.
     */
    public final class Writer extends FilterOutputStream {
        /** How much is written between two starts of writeback; see {@link #startWriteback}. */
        private static final long WRITEBACK_STEP = 16L << 20;
        private final Path tmp;
        private final FileChannel channel;
        /** Null for a self-digesting writer. */
        private final MessageDigest hasher;
        private final String algorithm;
        private long count;
        private long nextWriteback = WRITEBACK_STEP;
        private CompletableFuture<Void> writeback = CompletableFuture.completedFuture(null);
        /** The copy of another blob's first bytes into this one, if any; see {@link #takePrefix}. */
        private PrefixCopy prefix;
        /** Whether {@link #prefix} is still a guess that nothing has taken yet. */
        private boolean guessed;
        private boolean done;

        private Writer(Path tmp, String algorithm, MessageDigest hasher) throws IOException {
            super(null);
            this.tmp = tmp;
            this.algorithm = algorithm;
            this.hasher = hasher;
            this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.out = Channels.newOutputStream(channel);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (guessed) {
                abandonGuess();
            }
            out.write(b, off, len);
            if (hasher != null) {
                hasher.update(b, off, len);
            }
            counted(len);
        }

        private void counted(long n) {
            count += n;
            if (count >= nextWriteback) {
                nextWriteback = count + WRITEBACK_STEP;
                startWriteback();
            }
        }

        /**
         * Has the data written so far go to disk while more is written, so that the sync in
         * {@link #commit} waits for the last stretch only, not for a whole large layer (on this
         * kind of disk 448 MB take 1.5 s to sync). At most one such sync runs at a time.
         */
        private void startWriteback() {
            if (writeback.isDone()) {
                writeback = CompletableFuture.runAsync(() -> {
                    try {
                        channel.force(false);
                    } catch (IOException ignored) {
                        // commit's own sync reports what matters
                    }
                });
            }
        }

        /**
         * Makes the first {@code length} bytes of this blob those of {@code source} (another blob
         * whose beginning this one shares), copied by the kernel on a thread of its own while the
         * caller goes on writing what comes after them; on file systems that share extents (XFS,
         * Btrfs) they are shared instead of copied. {@link #commit} waits for the copy. Call
         * before anything is written. When {@link #guessPrefix} guessed this source, the copy it
         * started goes on, up to {@code length}. A writer that hashes what it is given reads the
         * bytes through itself instead, before this returns.
         *
         * @throws java.nio.file.NoSuchFileException if {@code source} is gone (nothing was taken)
         */
        public void takePrefix(Path source, long length) throws IOException {
            if (count != 0) {
                throw new IllegalStateException("a blob's prefix comes before anything else");
            }
            if (hasher != null) {
                try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
                    copyThrough(in, length, this);
                }
                return;
            }
            if (prefix != null && guessed && prefix.source.equals(source.toAbsolutePath().normalize())) {
                prefix.limitTo(length);
            } else {
                abandonGuess();
                prefix = new PrefixCopy(FileChannel.open(source, StandardOpenOption.READ), source, length, false);
            }
            guessed = false;
            channel.position(length);
            counted(length);
        }

        /**
         * Starts copying {@code source}, a blob this one will likely begin as (the layer the same
         * step wrote last time), before the caller knows how much of it the two share: the copy
         * then runs while the caller works that out. {@link #takePrefix} with the same source
         * keeps what it needs of it; a write without it abandons the copy (its bytes are written
         * over, and the blob is cut to its length at {@link #commit}). Nothing if the source is
         * gone or a copy already started; only for a self-digesting writer.
         */
        public void guessPrefix(Path source) throws IOException {
            if (hasher != null || count != 0 || prefix != null) {
                return;
            }
            FileChannel in;
            try {
                in = FileChannel.open(source, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return;
            }
            prefix = new PrefixCopy(in, source, in.size(), true);
            guessed = true;
        }

        /** Stops a guessed copy that nothing took: what it wrote is garbage to be written over. */
        private void abandonGuess() throws IOException {
            if (prefix != null && guessed) {
                prefix.limitTo(0);
                guessed = false;
            }
        }

        /**
         * Copies {@code [0, limit)} of a source into the blob at the same offsets, in pieces, on a
         * thread of its own; the limit may be lowered while it runs. A guessed copy syncs as it
         * goes, so the disk is busy while the caller still works out what it needs.
         */
        private final class PrefixCopy {
            private static final long PIECE = 16L << 20;
            final Path source;
            final CompletableFuture<Void> done;
            private long limit;
            private long copied;
            /** Where the piece being written ends, or -1 when none is. */
            private long pieceEnd = -1;

            PrefixCopy(FileChannel in, Path source, long limit, boolean syncAsItGoes) {
                this.source = source.toAbsolutePath().normalize();
                this.limit = limit;
                this.done = CompletableFuture.runAsync(() -> {
                    try (in; PageCache sourcePages = PageCache.of(source)) {
                        long synced = 0;
                        long[] piece;
                        while ((piece = nextPiece()) != null) {
                            long n = 0;
                            try {
                                n = channel.transferFrom(in.position(piece[0]), piece[0], piece[1] - piece[0]);
                            } finally {
                                pieceDone(piece[0] + Math.max(n, 0));
                            }
                            if (n <= 0) {
                                throw new EOFException(source + " ended after " + piece[0] + " bytes");
                            }
                            // Read once: its pages are freed for the copy's next pieces (see PageCache).
                            sourcePages.drop(piece[0], n);
                            if (syncAsItGoes && piece[0] + n - synced >= WRITEBACK_STEP) {
                                synced = piece[0] + n;
                                channel.force(false);
                            }
                        }
                        // What the copy wrote goes to disk now, not at the commit's sync: the
                        // disk would idle meanwhile (the commit waited 0.2 s for the last 56 MB).
                        channel.force(false);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, task -> {
                    // Not the common pool: with two cores it has one thread, which writeback needs too.
                    Thread t = new Thread(task, "blob-prefix");
                    t.setDaemon(true);
                    t.start();
                });
            }

            private synchronized long[] nextPiece() {
                if (copied >= limit) {
                    return null;
                }
                pieceEnd = Math.min(limit, copied + PIECE);
                return new long[] {copied, pieceEnd};
            }

            private synchronized void pieceDone(long end) {
                copied = end;
                pieceEnd = -1;
                notifyAll();
            }

            /** Copies no further than {@code length}; returns once no piece past it is being written. */
            synchronized void limitTo(long length) throws InterruptedIOException {
                limit = Math.min(limit, length);
                while (pieceEnd > limit) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while stopping a blob's prefix copy");
                    }
                }
            }

            /** Waits for the copy to end; its failure, if it failed. */
            void await() throws IOException {
                try {
                    done.join();
                } catch (CompletionException e) {
                    Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
                    throw cause instanceof IOException io ? io : new IOException("copying a blob's prefix failed", cause);
                }
            }
        }

        /** Bytes written so far. */
        public long count() {
            return count;
        }

        /**
         * Checks the content, syncs it to disk and moves it into place.
         *
         * @throws BlobMismatchException if the digest or size is not the expected one
         */
        public Digest commit(Optional<Digest> expected, OptionalLong expectedSize) throws IOException {
            if (hasher == null && (expected.isEmpty() || expectedSize.isEmpty())) {
                throw new IllegalStateException("a self-digesting writer commits with its digest and size");
            }
            Digest actual = hasher == null ? expected.get() : Digest.fromHash(algorithm, hasher.digest());
            if (expectedSize.isPresent() && expectedSize.getAsLong() != count) {
                throw new BlobMismatchException("size mismatch for " + expected.map(Digest::toString).orElse("blob")
                        + ": expected " + expectedSize.getAsLong() + " bytes, got " + count);
            }
            if (expected.isPresent() && !expected.get().equals(actual)) {
                throw new BlobMismatchException("digest mismatch: expected " + expected.get() + ", content is " + actual);
            }
            abandonGuess();
            if (prefix != null) {
                prefix.await();
            }
            channel.truncate(count); // a copy abandoned or stopped late may have written past the end
            writeback.join();
            channel.force(true);
            Path target = path(actual);
            Files.createDirectories(target.getParent());
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the store at " + root + " must be on one file system", e);
            }
            syncDirectory(target.getParent());
            done = true;
            return actual;
        }

        @Override
        public void close() throws IOException {
            try {
                if (prefix != null) {
                    prefix.limitTo(0);
                    prefix.done.exceptionally(e -> null).join();
                }
                writeback.join();
                channel.close();
            } finally {
                if (!done) {
                    Files.deleteIfExists(tmp);
                }
            }
        }
    }

    /** Writes the first {@code length} bytes of {@code source} to {@code out}, read through a buffer. */
    public static void copyThrough(FileChannel source, long length, OutputStream out) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(1 << 20, Math.max(length, 1)));
        for (long copied = 0; copied < length; ) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), length - copied));
            int n = source.read(buffer, copied);
            if (n < 0) {
                throw new EOFException("the source ended after " + copied + " of " + length + " bytes");
            }
            out.write(buffer.array(), 0, n);
            copied += n;
        }
    }

    private static MessageDigest hasher(String algorithm) {
        try {
            return switch (algorithm) {
                case "sha256" -> MessageDigest.getInstance("SHA-256");
                case "sha512" -> MessageDigest.getInstance("SHA-512");
                default -> throw new IllegalArgumentException("unsupported digest algorithm " + algorithm);
            };
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has " + algorithm, e);
        }
    }

    /** Makes a rename durable: the directory entry itself must reach the disk. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        }
    }
}
