package dev.jbuild.builder.copy;

import dev.jbuild.builder.cache.CopiedAttributes;
import dev.jbuild.builder.fs.ChmodSpec;
import dev.jbuild.builder.fs.Ids;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Gives a copied entry the metadata BuildKit's copier gives it (fsutil {@code copyFileInfo} and
 * {@code copyXAttrs}): the owner ({@code --chown}, else the source's owner for {@code COPY --from},
 * else 0:0), the source's permission bits through {@code --chmod} if any, its extended attributes
 * and its modification time. Symlinks get owner, attributes and time, never a mode.
 */
final class MetadataWriter {
    private static final String CAPABILITY = "security.capability";

    private final Optional<Ids> chown;
    private final Optional<ChmodSpec> chmod;
    private final boolean keepOwners;

    MetadataWriter(Optional<Ids> chown, Optional<ChmodSpec> chmod, boolean keepOwners) {
        this.chown = chown;
        this.chmod = chmod;
        this.keepOwners = keepOwners;
    }

    /** Applies the metadata of {@code source} (whose status is {@code stat}) to {@code target}. */
    void apply(Path source, FileStat stat, Path target) throws IOException {
        // Owner first: chown clears set-id bits and file capabilities, which come next.
        Files.setAttribute(target, "unix:uid", uid(stat), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:gid", gid(stat), LinkOption.NOFOLLOW_LINKS);
        if (!stat.isSymlink()) {
            // Following is harmless here (not a link) and avoids the JDK opening a fifo or device.
            Files.setAttribute(target, "unix:mode", mode(stat));
        }
        copyXattrs(source, target);
        restoreTime(stat, target);
    }

    /** The owner a copy of an entry with status {@code stat} gets. */
    int uid(FileStat stat) {
        return chown.map(Ids::uid).orElse(keepOwners ? stat.uid() : 0);
    }

    int gid(FileStat stat) {
        return chown.map(Ids::gid).orElse(keepOwners ? stat.gid() : 0);
    }

    /** The permission bits a copy gets (never used for a symlink). */
    int mode(FileStat stat) {
        return chmod.map(c -> c.apply(stat.mode(), stat.isDirectory())).orElse(stat.permissions());
    }

    /** Sets only the modification (and access) time, as BuildKit does on a merged-into directory. */
    void restoreTime(FileStat stat, Path target) throws IOException {
        Syscalls.setTimesNoFollow(target, stat.mtime());
    }

    private void copyXattrs(Path source, Path target) throws IOException {
        for (Map.Entry<String, byte[]> x : CopiedAttributes.of(source).entrySet()) {
            try {
                Syscalls.setXattr(target, x.getKey(), x.getValue());
            } catch (IOException e) {
                // BuildKit logs and goes on when the target refuses an attribute (user.* on a
                // symlink, a namespace the file system lacks); a lost capability, though, would
                // silently break the program (ping without cap_net_raw), so that one fails the copy.
                if (x.getKey().equals(CAPABILITY)) {
                    throw e;
                }
            }
        }
    }
}
