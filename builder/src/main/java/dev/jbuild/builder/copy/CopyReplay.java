package dev.jbuild.builder.copy;

import dev.jbuild.builder.cache.CopyMemo;
import dev.jbuild.builder.cache.ListedTree;
import dev.jbuild.builder.fs.ChmodSpec;
import dev.jbuild.layer.LayerEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A COPY from the context replayed rather than walked: when the context changed since the step's
 * last layer only in regular files' contents or metadata ({@link CopyMemo}), that layer's entries
 * are the new layer's, but for the changed files', made again from the listing and the files as
 * the copy would make them: size and modification time from the listing, permission bits through
 * {@code --chmod}, extended attributes read again, content from the file. Owners stay: a context
 * file's copy is owned by {@code --chown}'s ids or root, never by the file's owner. Directories stay
 * as they were, since no name was added or removed and no directory's stat data changed.
 */
public final class CopyReplay {
    private CopyReplay() {
    }

    /**
     * The kept entries with the changed files' ones made again; {@code root} is the context's
     * real path (the sources are relative to it), {@code leaves} gives file contents their
     * known digests.
     */
    public static List<LayerEntry> patched(CopyMemo.Kept kept, ListedTree tree, Path root, Optional<ChmodSpec> chmod,
                                           LayerLeaves leaves) throws IOException {
        MetadataWriter writer = new MetadataWriter(Optional.empty(), chmod, false);
        Set<String> changed = new HashSet<>(kept.changedFiles());
        List<LayerEntry> out = new ArrayList<>(kept.entries());
        for (int i = 0; i < out.size(); i++) {
            String source = kept.sources().get(i);
            if (source == null || !changed.contains(source)) {
                continue;
            }
            LayerEntry was = out.get(i);
            ListedTree.Entry listed = tree.get(source)
                    .orElseThrow(() -> new IllegalStateException(source + " changed but is not listed"));
            FileStat stat = FileStat.of(listed);
            Path file = root.resolve(source);
            out.set(i, new LayerEntry(was.path(), LayerEntry.Type.FILE, writer.mode(stat), was.uid(), was.gid(),
                    stat.mtime(), stat.size(), "", 0, 0, writer.xattrs(file), leaves.content(file)));
        }
        return out;
    }
}
