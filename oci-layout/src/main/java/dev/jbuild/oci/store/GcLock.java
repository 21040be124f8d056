package dev.jbuild.oci.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps {@code prune} from deleting blobs that a running command has written but not yet named
 * (a build between writing its layers and tagging the image, a pull between its blobs and its
 * tag). Such commands hold a shared lock on {@code <root>/.gc} for their whole run; prune takes it
 * exclusively, so it waits for them and they wait for it. Within one JVM the shared file lock is
 * taken once and counted, since the operating system's lock belongs to the whole process.
 */
final class GcLock {
    private static final ConcurrentHashMap<Path, GcLock> LOCKS = new ConcurrentHashMap<>();

    private final Path file;
    private final ReentrantReadWriteLock local = new ReentrantReadWriteLock();
    private int sharedHolders;
    private FileChannel sharedChannel;
    private FileLock sharedLock;

    private GcLock(Path file) {
        this.file = file;
    }

    static GcLock of(Path root) {
        return LOCKS.computeIfAbsent(root.toAbsolutePath().normalize().resolve(".gc"), GcLock::new);
    }

    /** A hold that keeps prune away until closed. */
    Hold shared() throws IOException {
        local.readLock().lock();
        try {
            synchronized (this) {
                if (sharedHolders == 0) {
                    sharedChannel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE);
                    sharedLock = sharedChannel.lock(0, Long.MAX_VALUE, true);
                }
                sharedHolders++;
            }
        } catch (IOException | RuntimeException e) {
            local.readLock().unlock();
            throw e;
        }
        return this::releaseShared;
    }

    private void releaseShared() throws IOException {
        try {
            synchronized (this) {
                if (--sharedHolders == 0) {
                    sharedLock.release();
                    sharedChannel.close();
                }
            }
        } finally {
            local.readLock().unlock();
        }
    }

    /** Waits until no command anywhere holds the shared lock, and keeps new ones out until closed. */
    Hold exclusive() throws IOException {
        local.writeLock().lock();
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.lock();
            return () -> {
                try {
                    lock.release();
                    channel.close();
                } finally {
                    local.writeLock().unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            local.writeLock().unlock();
            throw e;
        }
    }
}
