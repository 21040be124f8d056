package dev.jbuild.builder.copy;

import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a copy puts what is not a directory (files, symlinks, hard links, devices, fifos): written
 * to disk ({@link #DISK}), or only recorded as entries of the step's layer ({@link LayerLeaves}).
 * Directories are always made on disk, where destinations are resolved and directory metadata is
 * set after the contents.
 */
interface CopyOutput {
    /** Writes everything to disk. */
    CopyOutput DISK = new CopyOutput() {
        @Override
        public Optional<FileStat> stat(Path target) throws IOException {
            return FileStat.ifExists(target);
        }

        @Override
        public void delete(Path target) throws IOException {
            Files.delete(target);
        }

        @Override
        public void copyFile(Path source, FileStat stat, Path target) throws IOException {
            Files.copy(source, target);
        }

        @Override
        public void link(Path target, Path existing) throws IOException {
            Files.createLink(target, existing);
        }

        @Override
        public void symlink(Path target, Path linkText) throws IOException {
            Files.createSymbolicLink(target, linkText);
        }

        @Override
        public void special(Path target, FileStat stat) throws IOException {
            Syscalls.mknod(target, stat.type(), stat.permissions(), stat.rdev());
        }

        @Override
        public void metadata(MetadataWriter writer, Path source, FileStat stat, Path target) throws IOException {
            writer.apply(source, stat, target);
        }

        @Override
        public boolean writesContent() {
            return true;
        }
    };

    /** Makes the directory {@code target}, whose parent exists and where nothing is. */
    default void makeDirectory(Path target) throws IOException {
        Files.createDirectory(target);
    }

    /** What is at {@code target} ({@code lstat}), empty when nothing is. */
    Optional<FileStat> stat(Path target) throws IOException;

    /** Removes the non-directory at {@code target}. */
    void delete(Path target) throws IOException;

    /** A copy of the regular file {@code source}, whose status is {@code stat}. */
    void copyFile(Path source, FileStat stat, Path target) throws IOException;

    /** A hard link to {@code existing}; {@link java.nio.file.NoSuchFileException} when it is gone. */
    void link(Path target, Path existing) throws IOException;

    void symlink(Path target, Path linkText) throws IOException;

    /** A character or block device or a fifo like the source, whose status is {@code stat}. */
    void special(Path target, FileStat stat) throws IOException;

    /** Gives {@code target} the metadata {@code writer} gives a copy of {@code source}. */
    void metadata(MetadataWriter writer, Path source, FileStat stat, Path target) throws IOException;

    /** Whether file contents are copied now (worth doing on several threads) rather than recorded. */
    boolean writesContent();

    /**
     * Called once a copy's entries are all made, before directories get their metadata: an output
     * that postponed moving its directories' modification times does it now.
     */
    default void settleDirectoryTimes() throws IOException {
    }
}
