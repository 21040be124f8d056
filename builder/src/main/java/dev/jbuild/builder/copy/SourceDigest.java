package dev.jbuild.builder.copy;

import dev.jbuild.builder.cache.CacheKey;
import dev.jbuild.builder.cache.ContentIndex;
import dev.jbuild.builder.fs.ContainerPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The content of what a COPY (or a RUN bind mount of the context) reads, as one digest for its
 * cache key: each named source resolved as {@link Copier} resolves it (links followed inside the
 * root, wildcards expanded), then every entry below it that the ignore file keeps, in name order,
 * with its path, type, permission bits, owner, link target and, for a file, the sha256 of its
 * content, taken from a {@link ContentIndex} so that unchanged files are not read again. Never
 * modification times: touching a file keeps the cache, as in BuildKit.
 */
public final class SourceDigest {
    private final SourceTree tree;
    private final ContentIndex index;
    private final List<String> lines = new ArrayList<>();

    private SourceDigest(SourceTree tree, ContentIndex index) {
        this.tree = tree;
        this.index = index;
    }

    /** The digest of {@code sources} (as written in the instruction) in {@code from}. */
    public static String of(CopySource from, List<String> sources, ContentIndex index) throws IOException {
        SourceDigest d = new SourceDigest(new SourceTree(from), index);
        for (String source : sources) {
            d.source(source);
        }
        return CacheKey.of("sources").add("entries", d.lines).hex();
    }

    private void source(String source) throws IOException {
        String path = ContainerPaths.clean(source);
        List<String> named = GoGlob.hasWildcards(path) ? tree.glob(path).matches() : List.of(path);
        lines.add("source " + source);
        for (String name : named) {
            Optional<String> resolved = tree.resolve(name);
            lines.add("resolved " + name + " -> " + resolved.orElse("(missing)"));
            if (resolved.isPresent()) {
                entry(resolved.get());
            }
        }
    }

    /** Adds {@code rel} and, for a directory, what the ignore file keeps below it. */
    private void entry(String rel) throws IOException {
        FileStat stat = FileStat.of(tree.host(rel));
        String what = switch (stat.type()) {
            case FileStat.REGULAR -> "file " + index.sha256(tree.host(rel));
            case FileStat.SYMLINK -> "symlink " + Files.readSymbolicLink(tree.host(rel));
            case FileStat.DIRECTORY -> "dir";
            default -> "special " + Integer.toOctalString(stat.type()) + " " + stat.rdev();
        };
        lines.add(rel + " " + Integer.toOctalString(stat.permissions()) + " " + stat.uid() + ":" + stat.gid() + " "
                + what);
        if (!stat.isDirectory()) {
            return;
        }
        PathFilter ignore = tree.ignore();
        for (String name : tree.list(rel)) {
            String child = SourceTree.child(rel, name);
            if (ignore == null || ignore.accepts(child)
                    || ignore.mayAcceptBelow(child) && FileStat.of(tree.host(child)).isDirectory()) {
                entry(child);
            }
        }
    }
}
