package dev.jbuild.layer.apply;

import dev.jbuild.layer.Compression;
import dev.jbuild.oci.Digest;
import java.util.List;

/**
 * What applying one layer did.
 *
 * @param diffId sha256 of the uncompressed tar, every byte of it, computed while extracting
 * @param compression the compression detected from the blob's first bytes
 * @param tarSize bytes of uncompressed tar
 * @param entries tar entries read (after long-name and PAX headers are folded in)
 * @param files regular files written
 * @param directories directories created or updated
 * @param symlinks symbolic links created
 * @param hardlinks hard links created
 * @param specials device nodes and fifos created
 * @param whiteouts {@code .wh.x} entries applied (deletions in FLAT mode, 0/0 devices in OVERLAY mode)
 * @param opaqueDirs {@code .wh..wh..opq} entries applied
 * @param skipped entries not applied, each with a line in {@code warnings} (device nodes when not
 *     privileged, unknown tar types, aufs {@code .wh..wh.*} metadata, anything below a {@code .wh.} name)
 * @param hidesLowerLayers OVERLAY mode: the layer has an opaque whiteout at its root, which overlayfs
 *     ignores on a lower dir's root, so this layer must be mounted without the layers below it
 * @param warnings what was skipped or could not be kept, one line each, for {@code --debug} output
 */
public record ApplyResult(Digest diffId, Compression compression, long tarSize, long entries, long files,
                          long directories, long symlinks, long hardlinks, long specials, long whiteouts,
                          long opaqueDirs, long skipped, boolean hidesLowerLayers,
                          List<String> warnings) {
    public ApplyResult {
        warnings = List.copyOf(warnings);
    }
}
