package dev.jbuild.builder.copy;

import dev.jbuild.builder.cache.ContentIndex;
import dev.jbuild.builder.cache.ListedTree;
import dev.jbuild.builder.cache.SourceLines;
import dev.jbuild.builder.fs.ContainerPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveTask;

/**
 * The content of what a COPY (or a RUN bind mount of the context) reads, as one digest for its
 * cache key: each named source resolved as {@link Copier} resolves it (links followed inside the
 * root, wildcards expanded), then every entry below it that the ignore file keeps, in name order,
 * with its path, type, permission bits, owner, link target, the extended attributes a copy carries
 * over and, for a file, the sha256 of its content, taken from a {@link ContentIndex} so that
 * unchanged files are not read again. Never modification times: touching a file keeps the cache,
 * as in BuildKit, whose content hash has the attributes too (tar PAX records).
 */
public final class SourceDigest {
    private final SourceTree tree;
    private final ContentIndex index;
    private final List<Line> lines = new ArrayList<>();

    /** One line and the regular file it describes (null if none). */
    private record Line(String text, String file) {
    }

    private SourceDigest(SourceTree tree, ContentIndex index) {
        this.tree = tree;
        this.index = index;
    }

    /** The digest of {@code sources} (as written in the instruction) in {@code from}. */
    public static String of(CopySource from, List<String> sources, ContentIndex index) throws IOException {
        return lines(from, sources, index).digest();
    }

    /** The lines of the digest of {@code sources} (as written in the instruction) in {@code from}. */
    public static SourceLines lines(CopySource from, List<String> sources, ContentIndex index) throws IOException {
        SourceDigest d = new SourceDigest(new SourceTree(from), index);
        // Directories are walked on every core: a rebuild's time goes into stat'ing the context.
        ForkJoinPool pool = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
        try {
            for (String source : sources) {
                d.source(source, pool);
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> texts = new ArrayList<>(d.lines.size());
        List<String> files = new ArrayList<>(d.lines.size());
        for (Line line : d.lines) {
            texts.add(line.text());
            files.add(line.file());
        }
        return new SourceLines(texts, files);
    }

    /**
     * The lines of an earlier digest of the same sources in {@code from}, with those of the regular
     * files in {@code changed} made again. The caller vouches that nothing else in the tree changed
     * since (see {@link dev.jbuild.builder.cache.ContextListing#changedFilesSince}): no name was
     * added, removed or renamed, no directory or link changed, so every other line stands and the
     * lines stay in the same order.
     */
    public static SourceLines patch(SourceLines earlier, Set<String> changed, CopySource from, ContentIndex index)
            throws IOException {
        SourceDigest d = new SourceDigest(new SourceTree(from), index);
        List<String> texts = new ArrayList<>(earlier.lines());
        for (int i = 0; i < texts.size(); i++) {
            String file = earlier.files().get(i);
            if (file != null && changed.contains(file)) {
                Line line = d.line(file, d.info(file));
                if (!file.equals(line.file())) {
                    // No longer a regular file, which the caller ruled out: it changed again since.
                    throw new IOException(from.root().resolve(file) + " changed while the build read it");
                }
                texts.set(i, line.text());
            }
        }
        return new SourceLines(texts, earlier.files());
    }

    private void source(String source, ForkJoinPool pool) throws IOException {
        String path = ContainerPaths.clean(source);
        List<String> named = GoGlob.hasWildcards(path) ? tree.glob(path).matches() : List.of(path);
        lines.add(new Line("source " + source, null));
        for (String name : named) {
            Optional<String> resolved = tree.resolve(name);
            lines.add(new Line("resolved " + name + " -> " + resolved.orElse("(missing)"), null));
            if (resolved.isPresent()) {
                String rel = resolved.get();
                ContentIndex.FileInfo info = info(rel);
                lines.add(line(rel, info));
                if (isDirectory(info)) {
                    try {
                        lines.addAll(pool.invoke(new Below(rel)));
                    } catch (UncheckedIOException e) {
                        throw e.getCause();
                    }
                }
            }
        }
    }

    /** The lines of what the ignore file keeps below a directory, subdirectories on other threads. */
    private final class Below extends RecursiveTask<List<Line>> {
        private final String dir;

        Below(String dir) {
            this.dir = dir;
        }

        @Override
        protected List<Line> compute() {
            try {
                List<Object> parts = new ArrayList<>(); // lines, and tasks whose lines come there
                PathFilter ignore = tree.ignore();
                for (String name : tree.list(dir)) {
                    String child = SourceTree.child(dir, name);
                    if (ignore == null || ignore.accepts(child)
                            || ignore.mayAcceptBelow(child) && tree.stat(child).isDirectory()) {
                        ContentIndex.FileInfo info = info(child);
                        parts.add(line(child, info));
                        if (isDirectory(info)) {
                            parts.add(new Below(child).fork());
                        }
                    }
                }
                List<Line> out = new ArrayList<>();
                for (Object part : parts) {
                    if (part instanceof Below task) {
                        out.addAll(task.join());
                    } else {
                        out.add((Line) part);
                    }
                }
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** What the index says of an entry, with the stat data of the tree's listing when it has them. */
    private ContentIndex.FileInfo info(String rel) throws IOException {
        Optional<ListedTree.Entry> listed = tree.listed(rel);
        return listed.isPresent() ? index.stat(tree.host(rel), listed.get(), tree.listedAt())
                : index.stat(tree.host(rel));
    }

    /** One entry: path, permission bits, owner, and what it is (a file's content digest, a link's target). */
    private Line line(String rel, ContentIndex.FileInfo info) throws IOException {
        int type = info.mode() & FileStat.TYPE_MASK;
        String what = switch (type) {
            case FileStat.REGULAR -> "file " + info.sha256().orElseThrow();
            case FileStat.SYMLINK -> "symlink " + tree.linkTarget(rel);
            case FileStat.DIRECTORY -> "dir";
            default -> "special " + Integer.toOctalString(type) + " " + info.rdev();
        };
        // Attributes only when there are some: keys of contexts without them stay what they were.
        String attributes = info.attributes().isEmpty() ? "" : " xattrs " + info.attributes();
        return new Line(rel + " " + Integer.toOctalString(info.mode() & 07777) + " " + info.uid() + ":" + info.gid()
                + " " + what + attributes, type == FileStat.REGULAR ? rel : null);
    }

    private static boolean isDirectory(ContentIndex.FileInfo info) {
        return (info.mode() & FileStat.TYPE_MASK) == FileStat.DIRECTORY;
    }
}
