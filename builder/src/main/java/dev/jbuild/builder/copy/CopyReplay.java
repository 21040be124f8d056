package dev.jbuild.builder.copy;

import dev.jbuild.builder.cache.ContextListing;
import dev.jbuild.builder.cache.CopiedAttributes;
import dev.jbuild.builder.cache.CopyMemo;
import dev.jbuild.builder.cache.ListedTree;
import dev.jbuild.builder.fs.ChmodSpec;
import dev.jbuild.layer.LayerEntry;
import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
 *
 * <p>One instance serves one step: where its memos live, its origin, what else the kept entries
 * depend on ({@code key}), and the context's real path, which the kept sources are relative to.
 */
public final class CopyReplay {
    private final Path memos;
    private final String origin;
    private final String key;
    private final Path root;

    /** What a replay gave: the layer's entries, and how many context files had changed. */
    public record Replayed(List<LayerEntry> entries, int changedFiles) {
    }

    public CopyReplay(Path memos, String origin, String key, Path root) {
        this.memos = memos;
        this.origin = origin;
        this.key = key;
        this.root = root;
    }

    /**
     * The copy's entries from the ones kept for this step, when the context listed as
     * {@code listing} changed since only in regular files; empty otherwise. {@code leaves} gives
     * file contents their known digests.
     */
    public Optional<Replayed> replay(ContextListing listing, Optional<ChmodSpec> chmod, LayerLeaves leaves)
            throws IOException {
        Optional<CopyMemo.Kept> kept = CopyMemo.load(memos, origin, key, listing,
                source -> leaves.content(root.resolve(source)));
        if (kept.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Replayed(patched(kept.get(), listing, chmod, leaves), kept.get().changedFiles().size()));
    }

    /**
     * Keeps the entries this step's layer (in {@code blob}) was written from, recorded from
     * {@code listing}, for the next build to replay; nothing when a file's content came from
     * elsewhere than the context.
     */
    public void keep(ContextListing listing, Digest blob, List<LayerEntry> entries) throws IOException {
        String under = root + "/";
        List<String> sources = new ArrayList<>(entries.size());
        for (LayerEntry e : entries) {
            if (e.type() != LayerEntry.Type.FILE) {
                sources.add(null);
                continue;
            }
            String file = LayerLeaves.sourceOf(e).map(Path::toString).orElse("");
            if (!file.startsWith(under)) {
                return;
            }
            sources.add(file.substring(under.length()));
        }
        CopyMemo.save(memos, origin, key, listing, blob, entries, sources);
    }

    /** The kept entries with the changed files' ones made again. */
    private List<LayerEntry> patched(CopyMemo.Kept kept, ContextListing listing, Optional<ChmodSpec> chmod,
                                     LayerLeaves leaves) throws IOException {
        MetadataWriter writer = new MetadataWriter(Optional.empty(), chmod, false);
        Set<String> changed = new HashSet<>(kept.changedFiles());
        Map<String, ListedTree.Entry> listed = listing.entries(changed);
        List<LayerEntry> out = new ArrayList<>(kept.entries());
        for (int i = 0; i < out.size(); i++) {
            String source = kept.sources().get(i);
            if (source == null || !changed.contains(source)) {
                continue;
            }
            LayerEntry was = out.get(i);
            ListedTree.Entry entry = listed.get(source);
            if (entry == null) {
                throw new IllegalStateException(source + " changed but is not listed");
            }
            FileStat stat = FileStat.of(entry);
            Path file = root.resolve(source);
            out.set(i, new LayerEntry(was.path(), LayerEntry.Type.FILE, writer.mode(stat), was.uid(), was.gid(),
                    stat.mtime(), stat.size(), "", 0, 0, CopiedAttributes.of(file), leaves.content(file)));
        }
        return out;
    }
}
