package dev.jbuild.layer.apply;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Extracts a layer blob (gzip, zstd or plain tar, told apart by its first bytes) into a directory,
 * in one streaming pass that also computes the diffID. {@link ApplyMode} says what OCI whiteouts
 * become.
 *
 * <p><b>All or nothing.</b> When the target does not exist (or is an empty directory), the layer is
 * extracted into a fresh directory beside it, {@code .<name>.apply-*}, which is renamed onto the
 * target only after every entry is in and the diffID checks out; on any failure it is deleted. This is
 * how the store extracts each layer once, and the only way {@link ApplyMode#OVERLAY} works. A FLAT
 * apply onto an existing tree (layer N onto layers 0..N-1) instead keeps an undo journal: what the
 * layer replaces or whites out is renamed into {@code .<name>.jbuild-undo-*} beside the target, what
 * it creates is recorded, and a failure puts everything back, directory mtimes included. The target's
 * parent must be writable and on the same file system. A crash (not an exception) in the middle of a
 * journalled apply leaves a half-applied tree and the undo directory; fresh extraction leaves only an
 * {@code .apply-*} directory for the caller to sweep.
 *
 * <p><b>Hostile layers</b> are refused with a {@link LayerApplyException} naming the entry, and
 * nothing is written outside the target: absolute names, {@code ..} components (refused, not
 * cleaned), a path through any symlink (one from a lower layer or from an earlier entry), hardlinks
 * whose target is absolute, has {@code ..}, goes through a symlink or does not exist. Symlinks
 * themselves may point anywhere, as images need; they are never followed while applying.
 *
 * <p><b>Without root</b> FLAT mode works: ownership is not kept, character and block devices are
 * skipped (each listed in {@link ApplyResult#warnings()}), xattrs outside {@code user.*} are skipped.
 * OVERLAY mode needs root for {@code trusted.overlay.opaque} and is refused up front without it,
 * unless {@link ApplyOptions.OverlayXattrs#USER} is chosen for a {@code userxattr} mount (0/0 whiteout
 * devices may be created unprivileged since Linux 5.8).
 *
 * <p>The blob stream is read to its end but not closed. Files are not fsynced: the store owns
 * durability for a whole snapshot (one {@code syncfs} is far cheaper than one fsync per file).
 */
public final class LayerApplier {
    private LayerApplier() {
    }

    public static ApplyResult apply(InputStream blob, Path target, ApplyMode mode, ApplyOptions options)
            throws IOException {
        boolean privileged = options.privileged().orElseGet(LayerApplier::effectiveUidIsRoot);
        if (mode == ApplyMode.OVERLAY && !privileged && options.overlayXattrs() == ApplyOptions.OverlayXattrs.TRUSTED) {
            throw new LayerApplyException("cannot extract an overlay lower dir without root: opaque directories "
                    + "need the trusted.overlay.opaque xattr (CAP_SYS_ADMIN); run as root, use FLAT mode, or use "
                    + "USER overlay xattrs with a userxattr overlay mount");
        }
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new LayerApplyException("cannot apply a layer to the file-system root " + abs
                    + ": the target must be a directory with a parent, which holds the temporary directories");
        }
        BasicFileAttributes existing = Trees.lstat(abs);
        boolean fresh;
        if (existing == null) {
            if (!Trees.isRealDirectory(Trees.lstat(parent))) {
                throw new LayerApplyException("cannot apply a layer to " + abs + ": the parent directory " + parent
                        + " does not exist");
            }
            fresh = true;
        } else if (!Trees.isRealDirectory(existing)) {
            throw new LayerApplyException("cannot apply a layer to " + abs + ": it exists and is not a directory");
        } else if (isEmpty(abs)) {
            fresh = true;
        } else if (mode == ApplyMode.OVERLAY) {
            throw new LayerApplyException("cannot extract an overlay lower dir into " + abs
                    + ": it is not empty (each layer is extracted once into its own fresh directory)");
        } else {
            fresh = false;
        }
        return fresh ? applyFresh(blob, abs, parent, mode, options, privileged)
                : applyJournalled(blob, abs, mode, options, privileged);
    }

    private static ApplyResult applyFresh(InputStream blob, Path target, Path parent, ApplyMode mode,
                                          ApplyOptions options, boolean privileged) throws IOException {
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".apply-");
        try {
            ApplyResult result = run(blob, tmp, mode, options, privileged, null);
            // rename(2): atomic, and replaces the target when it is an empty directory.
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return result;
        } catch (IOException | RuntimeException | Error e) {
            try {
                Trees.deleteRecursively(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
                throw failed(e, target, "the partial extraction in " + tmp + " could not be deleted");
            }
            throw failed(e, target, null);
        }
    }

    private static ApplyResult applyJournalled(InputStream blob, Path target, ApplyMode mode, ApplyOptions options,
                                               boolean privileged) throws IOException {
        Journal journal = new Journal(target);
        ApplyResult result;
        try {
            result = run(blob, target, mode, options, privileged, journal);
        } catch (IOException | RuntimeException | Error e) {
            String problem = journal.rollback();
            throw failed(e, target, problem);
        }
        journal.commit();
        return result;
    }

    private static ApplyResult run(InputStream blob, Path root, ApplyMode mode, ApplyOptions options,
                                   boolean privileged, Journal journal) throws IOException {
        List<String> warnings = new ArrayList<>();
        try (BlobPipe pipe = new BlobPipe(blob)) {
            TarReader reader = new TarReader(pipe, warnings);
            long[] owner = null;
            if (journal == null) {
                Map<String, Object> a = Files.readAttributes(root, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
                if (((Integer) a.get("mode") & 02000) == 0) {
                    owner = new long[] {(Integer) a.get("uid"), (Integer) a.get("gid")};
                }
            }
            Extractor x = new Extractor(root, mode, privileged, options.overlayXattrs(), journal, warnings,
                    processUmask(), owner);
            for (TarEntry e = reader.next(); e != null; e = reader.next()) {
                x.apply(e, reader);
            }
            Digest diffId = pipe.finish();
            if (options.expectedDiffId().isPresent() && !options.expectedDiffId().get().equals(diffId)) {
                throw new LayerApplyException("the layer's diffID is " + diffId + " but " + options.expectedDiffId().get()
                        + " was expected: the blob is corrupt or is not the layer the image config lists");
            }
            x.finish(journal == null);
            x.closeWarnings();
            return new ApplyResult(diffId, pipe.compression(), pipe.total(), x.entries, x.files, x.directories,
                    x.symlinks, x.hardlinks, x.specials, x.whiteouts, x.opaqueDirs, x.skipped, x.hidesLowerLayers, warnings);
        }
    }

    /** Says in the message that the target was left as it was, or what could not be restored. */
    private static IOException failed(Throwable e, Path target, String problem) {
        String outcome = problem == null ? "; " + target + " was left as it was"
                : "; " + target + " could NOT be fully restored: " + problem;
        if (e instanceof LayerApplyException l) {
            return new LayerApplyException(l.entry().orElse(null), l.reason() + outcome, l);
        }
        return new LayerApplyException(null, "cannot apply the layer: " + e + outcome, e);
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            return !ds.iterator().hasNext();
        }
    }

    /** From /proc/self/status ("Uid: real effective saved fs"); not root when it cannot be read. */
    static boolean effectiveUidIsRoot() {
        String[] f = status("Uid:");
        return f.length > 1 && f[1].equals("0");
    }

    /** From /proc/self/status (Linux 4.7+), or -1 when unknown. */
    static int processUmask() {
        String[] f = status("Umask:");
        try {
            return f.length > 0 ? Integer.parseInt(f[0], 8) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String[] status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return line.substring(key.length()).trim().split("\\s+");
                }
            }
        } catch (IOException | RuntimeException e) {
            return new String[0];
        }
        return new String[0];
    }
}
