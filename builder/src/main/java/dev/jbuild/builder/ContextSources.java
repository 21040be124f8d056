package dev.jbuild.builder;

import dev.jbuild.builder.cache.CacheKey;
import dev.jbuild.builder.cache.ContentIndex;
import dev.jbuild.builder.cache.ContextListing;
import dev.jbuild.builder.cache.ListedTree;
import dev.jbuild.builder.cache.SourceLines;
import dev.jbuild.builder.cache.SourceMemo;
import dev.jbuild.builder.copy.CopySource;
import dev.jbuild.builder.copy.SourceDigest;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The digests of what a build's steps read from its context (COPY sources, RUN bind mounts), for
 * their cache keys. The context is listed once, at the first request; when the listing equals the
 * one a {@link SourceMemo} was saved with, digests come from the memo without a file being stat'd
 * again. Otherwise {@link SourceDigest} computes them through the context's {@link ContentIndex},
 * loaded only then: when only regular files changed since the memo's listing, from the memo's lines
 * with those files' lines made again, else by walking the sources. Both files live under
 * {@code ROOT/build-cache/contexts/}, named by the
 * context's real path. Steps of parallel stages share one instance, hence the locking.
 */
final class ContextSources {
    private final Path context;
    /** The context's real path and a slash: what the paths of its files start with. */
    private final String contextPrefix;
    private final IgnorePatterns ignore;
    private final Path indexFile;
    private final Path memoFile;
    private final Clock clock;
    private Optional<ContextListing> listing;
    private Optional<ListedTree> tree;
    private SourceMemo memo;
    private ContentIndex index;
    private int computed;
    private int patched;

    ContextSources(Path context, IgnorePatterns ignore, Path cacheDirectory) throws IOException {
        this(context, ignore, cacheDirectory, Clock.systemUTC());
    }

    /** Same, with the clock that decides which files are too fresh to vouch for (for tests). */
    ContextSources(Path context, IgnorePatterns ignore, Path cacheDirectory, Clock clock) throws IOException {
        this.context = context;
        this.clock = clock;
        this.ignore = ignore;
        Path realContext = context.toRealPath();
        this.contextPrefix = realContext.toString().endsWith("/") ? realContext.toString() : realContext + "/";
        String name = Digest.sha256(realContext.toString().getBytes(StandardCharsets.UTF_8)).hex();
        this.indexFile = cacheDirectory.resolve("contexts").resolve(name);
        this.memoFile = cacheDirectory.resolve("contexts").resolve(name + ".sources");
    }

    /** The digest of {@code sources} (as written in the instruction) in the context; see {@link SourceDigest}. */
    synchronized String digest(List<String> sources) throws IOException {
        String key = memoKey(sources);
        Optional<String> known = remembered(key);
        if (known.isPresent()) {
            return known.get();
        }
        if (index == null) {
            index = ContentIndex.load(indexFile);
        }
        Optional<SourceMemo.Earlier> earlier = memo == null ? Optional.empty() : memo.earlier(key);
        SourceLines lines = earlier.isPresent()
                ? SourceDigest.patch(earlier.get().lines(), Set.copyOf(earlier.get().changedFiles()),
                        CopySource.context(context, ignore), index)
                : SourceDigest.lines(CopySource.context(context, ignore, listedTree()), sources, index);
        computed++;
        if (earlier.isPresent()) {
            patched++;
            index.keepUnlookedEntries(); // only the changed files were looked up
        }
        if (memo != null) {
            memo.put(key, lines);
        }
        return lines.digest();
    }

    /**
     * Whether the digest of {@code sources} will have to be computed: the context changed since
     * the memo was saved (or there is none). Lists the context if no digest did yet.
     */
    synchronized boolean changed(List<String> sources) throws IOException {
        return remembered(memoKey(sources)).isEmpty();
    }

    /** The memo's digest under {@code key}, when the context lists as it did when it was saved. */
    private Optional<String> remembered(String key) throws IOException {
        if (listing == null) {
            listing = ContextListing.take(context, clock);
            memo = listing.map(l -> SourceMemo.load(memoFile, l)).orElse(null);
        }
        return memo == null ? Optional.empty() : memo.get(key);
    }

    private String memoKey(List<String> sources) {
        return CacheKey.of("context-sources").add("ignore", ignore.patterns()).add("sources", sources).hex();
    }

    /** The context's listing taken for the first digest; empty when it could not be listed, or before it was. */
    synchronized Optional<ContextListing> listing() {
        return listing == null ? Optional.empty() : listing;
    }

    /**
     * The context as listed for the first digest, by path (see {@link ListedTree}), for the copies
     * that follow; empty when it could not be listed, or before it was (by {@link #digest} or
     * {@link #changed}).
     */
    synchronized Optional<ListedTree> listedTree() {
        if (listing == null) {
            return Optional.empty();
        }
        if (tree == null) {
            tree = listing.flatMap(ContextListing::tree);
        }
        return tree;
    }

    /**
     * The sha256 of a context file's content as the digests of this build found it: if the content
     * index vouches for it (see {@link ContentIndex#vouched}), or else the memo's lines have it for
     * a file unchanged since they were saved (see {@link SourceMemo#savedContent}); empty for a file
     * no digest read, or a racy one.
     */
    synchronized Optional<String> knownContent(Path file) {
        // The memo first: it has no file the index may know better (changed ones are left out),
        // and asking it is cheaper. By string: Path.relativize per file of a 20,000-file copy
        // took a sixth of a second.
        String path = file.toString();
        Optional<String> saved = memo != null && path.startsWith(contextPrefix)
                ? memo.savedContent(path.substring(contextPrefix.length())) : Optional.empty();
        return saved.isPresent() || index == null ? saved : index.vouched(file);
    }

    /** How many digests were computed rather than found in the memo (for tests). */
    synchronized int computed() {
        return computed;
    }

    /** How many of those were the memo's lines with only changed files' lines made again (for tests). */
    synchronized int patched() {
        return patched;
    }

    /** Saves what was learnt; call once the steps are done. Only caches: failures cost a slower rebuild. */
    synchronized void save() throws IOException {
        if (index != null) {
            index.save();
        }
        if (memo != null && memo.changed()) {
            List<String> racy = memo.listing().racyFiles();
            if (racy.isEmpty() || settled(racy)) {
                memo.save();
            }
        }
    }

    /**
     * Whether the memo may be saved although these files were racy when the context was listed
     * (the build right after an edit: the edited file is). A racy file can change without moving its
     * stat data only until a second after its time stamps. So if each one now stats as listed and
     * its time stamps are a second old, it can no longer change unseen, and its content now is its
     * content for good: equal to what the digests used if hashing it again gives what the content
     * index gave them (racy files no digest read do not matter). A change anywhere else does not
     * matter either: it moved its file's stat data, so the next listing differs from this one and
     * the memo is not used. One stat per racy file, not a second listing of the whole context.
     */
    private boolean settled(List<String> racyFiles) {
        if (index == null) {
            return false;
        }
        Map<String, ListedTree.Entry> listed = memo.listing().entries(Set.copyOf(racyFiles));
        long racyFrom = clock.instant().getEpochSecond() - 1;
        try {
            for (String racy : racyFiles) {
                Path file = context.resolve(racy);
                ListedTree.Entry entry = listed.get(racy);
                if (entry == null || !entry.statsAs(file)
                        || entry.mtime().getEpochSecond() >= racyFrom || entry.ctime().getEpochSecond() >= racyFrom) {
                    return false;
                }
                Optional<String> used = index.given(file);
                if (used.isPresent() && !used.get().equals(ContentIndex.hashNow(file))) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false; // gone or replaced since: the next build digests the context again
        }
    }
}
