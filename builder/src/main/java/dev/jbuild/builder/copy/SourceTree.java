package dev.jbuild.builder.copy;

import dev.jbuild.builder.BuildException;
import dev.jbuild.builder.cache.ListedTree;
import dev.jbuild.dockerfile.ignore.ContextWalker;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The files a COPY may read, seen as BuildKit sees them: a source root (the build context or a
 * stage's root file system) where paths are resolved as after {@code chroot} (symlinks followed,
 * {@code ..} and absolute link targets never leaving the root) and, for the context, where what the
 * {@code .dockerignore} excludes is absent, because BuildKit never transfers it.
 *
 * <p>Paths handed in and out are relative to the root, {@code /}-separated, without a leading
 * {@code /}; the root itself is the empty string.
 */
final class SourceTree {
    /** Linux gives up after 40 links in one lookup (ELOOP); so do we. */
    private static final int MAX_LINKS = 40;

    private final Path root;
    private final PathFilter ignore;
    private final Optional<ListedTree> listed;

    SourceTree(CopySource source) throws IOException {
        // The root is looked at itself (lstat), so a context given through a symlink is followed first.
        this.root = source.root().toRealPath();
        this.ignore = source.fromContext() ? PathFilter.excluding("", source.ignore()) : null;
        this.listed = source.listed();
    }

    /**
     * The status of the entry at {@code rel} (a symlink not followed): from the source's listing when
     * it has one, else from the file system.
     */
    FileStat stat(String rel) throws IOException {
        Optional<ListedTree.Entry> e = listed(rel);
        if (e.isEmpty()) {
            return FileStat.of(host(rel));
        }
        return FileStat.of(e.get());
    }

    /** What the source's listing has for {@code rel}; empty without a listing, and for devices, whose number it lacks. */
    Optional<ListedTree.Entry> listed(String rel) {
        if (listed.isEmpty()) {
            return Optional.empty();
        }
        return listed.get().get(rel).filter(e -> !isDevice(e.mode()));
    }

    /** When the listing was taken (see {@link ListedTree#taken}); only asked when {@link #listed} answered. */
    Instant listedAt() {
        return listed.orElseThrow().taken();
    }

    /** The target of the symlink at {@code rel}, as written. */
    String linkTarget(String rel) throws IOException {
        Optional<ListedTree.Entry> e = listed(rel);
        return e.isPresent() ? e.get().linkTarget() : Files.readSymbolicLink(host(rel)).toString();
    }

    private static boolean isDevice(int mode) {
        int type = mode & FileStat.TYPE_MASK;
        return type == Syscalls.S_IFCHR || type == Syscalls.S_IFBLK;
    }

    /** The ignore-file filter for walks below the root; null for a stage, which hides nothing. */
    PathFilter ignore() {
        return ignore;
    }

    /**
     * The root-relative path {@code path} leads to once every symlink on the way (the last one
     * included) is followed inside the root; empty when it does not exist or the ignore file hides
     * it or a link on the way.
     */
    Optional<String> resolve(String path) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        push(todo, path);
        Deque<String> done = new ArrayDeque<>();
        int links = 0;
        boolean inDirectory = true;
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (!inDirectory) {
                return Optional.empty(); // a name after a file: ENOTDIR, nothing there
            }
            if (name.equals("..")) {
                done.pollLast();
                continue;
            }
            done.addLast(name);
            String rel = String.join("/", done);
            Optional<FileStat> stat = FileStat.ifExists(host(rel));
            if (stat.isEmpty()) {
                return Optional.empty();
            }
            if (stat.get().isSymlink()) {
                // An ignored link is not in BuildKit's copy of the context, so it leads nowhere.
                if (!visible(rel, false)) {
                    return Optional.empty();
                }
                if (++links > MAX_LINKS) {
                    throw new BuildException("too many levels of symbolic links resolving " + path);
                }
                done.pollLast();
                String target = Files.readSymbolicLink(host(rel)).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                push(todo, target);
            } else {
                inDirectory = stat.get().isDirectory();
            }
        }
        String resolved = String.join("/", done);
        boolean isDir = Files.isDirectory(host(resolved));
        return visible(resolved, isDir) ? Optional.of(resolved) : Optional.empty();
    }

    /**
     * The matches of a cleaned source path with wildcards, as BuildKit's {@code ResolveWildcards}:
     * the components before the first wildcard are resolved (links followed), the rest are matched
     * one component at a time with Go's {@code filepath.Match}, descending only into real
     * directories. Each match is root-relative, not followed, in name order.
     */
    Glob glob(String pattern) throws IOException {
        String[] parts = pattern.split("/");
        int first = 0;
        while (!GoGlob.hasWildcards(parts[first])) {
            first++;
        }
        Optional<String> base = resolve(String.join("/", List.of(parts).subList(0, first)));
        List<String> out = new ArrayList<>();
        if (base.isPresent() && Files.isDirectory(host(base.get()))) {
            glob(base.get(), parts, first, out);
        }
        return new Glob(base.orElse(""), out);
    }

    /** What a wildcard source matched, and the resolved directory the matching started from. */
    record Glob(String base, List<String> matches) {
    }

    private void glob(String dir, String[] parts, int index, List<String> out) throws IOException {
        for (String name : list(dir)) {
            if (!GoGlob.matches(parts[index], name)) {
                continue;
            }
            String rel = child(dir, name);
            FileStat stat = stat(rel);
            if (!visible(rel, stat.isDirectory())) {
                continue;
            }
            if (index == parts.length - 1) {
                out.add(rel);
            } else if (stat.isDirectory()) {
                glob(rel, parts, index + 1, out);
            }
        }
    }

    /** The names in a directory, sorted by code point as Go sorts UTF-8 names; ignored ones included. */
    List<String> list(String dir) throws IOException {
        Optional<List<String>> listedNames = listed.flatMap(l -> l.names(dir));
        if (listedNames.isPresent()) {
            return listedNames.get();
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(host(dir))) {
            for (Path entry : entries) {
                names.add(entry.getFileName().toString());
            }
        } catch (DirectoryIteratorException e) {
            throw e.getCause();
        }
        names.sort(ContextWalker.BY_CODE_POINT);
        return names;
    }

    /** The host path of a root-relative path. */
    Path host(String rel) {
        return rel.isEmpty() ? root : root.resolve(rel);
    }

    static String child(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    /**
     * Whether BuildKit's copy of the context has the path: not ignored, or an ignored directory
     * that an exception pattern may bring something back into (it is then sent for that).
     */
    private boolean visible(String rel, boolean isDirectory) {
        return ignore == null || ignore.accepts(rel) || isDirectory && ignore.mayAcceptBelow(rel);
    }

    private static void push(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }
}
