package dev.jbuild.builder.copy;

import dev.jbuild.builder.fs.Ids;
import dev.jbuild.builder.fs.Mkdirs;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The local archives ADD unpacks. A file is one when its content, whatever its name, is a tar,
 * possibly compressed: BuildKit's {@code isArchivePath} decompresses the start of the file and asks
 * Go's tar reader for a first header, which must carry a valid checksum (ustar, GNU and old v7
 * headers alike). An empty tar, a truncated one, or a {@code .tar.gz} that is really a text file
 * are plain files and are copied as they are.
 *
 * <p>Unpacking is {@link TarExtractor}'s job; this class finds the destination directory and the
 * decompressor.
 */
public final class Archives {
    private static final int BLOCK = 512;
    private static final int CHECKSUM_OFFSET = 148;
    private static final int CHECKSUM_LENGTH = 8;

    private Archives() {
    }

    /**
     * The format of {@code file} when it is a tar archive, else empty. Only a regular file can be one
     * (a symlink is not followed: the caller resolves it); one that cannot be read or decompressed is
     * not an archive, as in BuildKit, and then goes through the normal copy, which reports real errors.
     */
    public static Optional<ArchiveFormat> detect(Path file) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS))) {
            ArchiveFormat format = sniff(raw);
            try (InputStream tar = format.decompress(raw)) {
                return startsWithTarHeader(tar) ? Optional.of(format) : Optional.empty();
            }
        } catch (IOException | RuntimeException e) {
            // A decoder may throw unchecked exceptions on garbage; either way this is not an archive.
            return Optional.empty();
        }
    }

    /**
     * Unpacks {@code archive} (a tar, possibly compressed; see {@link #detect}) into the directory
     * {@code destinationDir} of the root file system {@code targetRoot}, as ADD does. The directory is
     * found as the image would see it (symlinks followed, never leaving the root) and made when
     * missing, with its missing parents: owned by {@code chown} (else root) and mode 0755, as BuildKit.
     * The content is merged into what is there; see {@link TarExtractor} for the rules.
     *
     * @param chown the owner of every entry and of the directories made for the destination; when
     *     empty, entries keep the numeric owners of the archive
     * @throws dev.jbuild.builder.BuildException when an entry is refused (its name or a link would
     *     lead outside the destination directory, a hardlink target is missing, a parent is not a
     *     directory) or the archive is corrupt, naming the archive and the entry; what was unpacked
     *     before stays
     */
    public static ExtractResult extract(Path archive, Path targetRoot, String destinationDir, Optional<Ids> chown)
            throws IOException {
        int uid = chown.map(Ids::uid).orElse(0);
        int gid = chown.map(Ids::gid).orElse(0);
        Path dir = Mkdirs.mkdirs(targetRoot, destinationDir, uid, gid, 0755);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 64 * 1024)) {
            ArchiveFormat format = sniff(raw);
            try (InputStream tar = format.decompress(raw)) {
                return new TarExtractor(dir, archive.getFileName().toString(), chown).extract(tar);
            }
        }
    }

    /** Peeks at the first bytes of a buffered stream (left unread) and names its compression. */
    static ArchiveFormat sniff(InputStream buffered) throws IOException {
        buffered.mark(ArchiveFormat.SNIFF_LENGTH);
        byte[] head = buffered.readNBytes(ArchiveFormat.SNIFF_LENGTH);
        buffered.reset();
        return ArchiveFormat.sniff(head, head.length);
    }

    /**
     * Whether the stream starts as Go's {@code tar.Reader.Next} accepts: a full first block that is not
     * all zeros (a zero block starts the end-of-archive marker, so the archive is empty or broken) and
     * whose checksum field matches the unsigned or the signed sum of its bytes.
     */
    static boolean startsWithTarHeader(InputStream tar) throws IOException {
        byte[] block = tar.readNBytes(BLOCK);
        if (block.length < BLOCK || isZero(block)) {
            return false;
        }
        return checksumMatches(block);
    }

    private static boolean checksumMatches(byte[] block) {
        // As Go's parseOctal: spaces and NULs trimmed from both ends, then cut at the first NUL.
        int from = CHECKSUM_OFFSET;
        int to = CHECKSUM_OFFSET + CHECKSUM_LENGTH;
        while (from < to && (block[from] == ' ' || block[from] == 0)) {
            from++;
        }
        while (to > from && (block[to - 1] == ' ' || block[to - 1] == 0)) {
            to--;
        }
        String digits = new String(block, from, to - from, StandardCharsets.ISO_8859_1);
        int nul = digits.indexOf('\0');
        digits = nul >= 0 ? digits.substring(0, nul) : digits;
        if (digits.isEmpty()) {
            digits = "0";
        }
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '7')) {
            return false;
        }
        long recorded = Long.parseLong(digits, 8);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            // The checksum field itself counts as eight spaces.
            byte b = i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH ? (byte) ' ' : block[i];
            unsigned += b & 0xff;
            signed += b;
        }
        return recorded == unsigned || recorded == signed;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
