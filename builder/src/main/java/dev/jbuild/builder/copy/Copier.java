package dev.jbuild.builder.copy;

import dev.jbuild.builder.BuildException;
import dev.jbuild.builder.fs.ContainerPaths;
import dev.jbuild.builder.fs.Ids;
import dev.jbuild.builder.fs.Mkdirs;
import dev.jbuild.builder.fs.RootPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Performs a Dockerfile COPY with BuildKit's semantics (Dockerfile frontend plus fsutil's copier),
 * from a {@link CopySource} into a target root: a mounted stage's whole file system, or for
 * {@code --link} an empty directory that becomes the layer (the copy is the same; BuildKit runs it
 * onto scratch).
 *
 * <p>Per source: the path is cleaned ({@code /} and {@code ..} cannot leave the source root) and
 * resolved with symlinks followed inside the root; a wildcard source is expanded, and may match
 * nothing; a plain one must exist. A directory's contents merge into the destination; a file lands
 * on the destination, or inside it when it is an existing directory or named as one (trailing
 * {@code /}, final {@code .}). The destination is resolved inside the target root (symlinks
 * followed, never out of it) and its missing parents are created 0755, owned by the
 * {@code --chown} ids (fsutil chowns the directories it creates) or else 0:0.
 *
 * <p>Stricter than BuildKit, like the classic builder: several sources, or a wildcard matching
 * several entries, need a destination named as a directory (BuildKit would copy them one over the
 * other onto a file, moby/buildkit#1853). {@code --parents} always copies into a directory and is
 * exempt.
 */
public final class Copier {
    private static final int PARENT_MODE = 0755;

    private final CopySource from;
    private final CopyRequest request;
    private final Path targetRoot;
    private final SourceTree tree;
    private final ContentPool pool = new ContentPool();
    private final TreeCopier copier;
    private final String destination;
    private final boolean destinationIsDirectory;

    private Copier(CopySource from, CopyRequest request, Path targetRoot, CopyOutput output) throws IOException {
        this.from = from;
        this.request = request;
        this.targetRoot = targetRoot;
        this.tree = new SourceTree(from);
        this.copier = new TreeCopier(tree, targetRoot,
                new MetadataWriter(request.chown(), request.chmod(), !from.fromContext()), pool, output);
        String dest = request.destination();
        // Cleaned lexically like BuildKit's path.Join(workdir, dest); symlinks are resolved later.
        this.destination = ContainerPaths.join(request.workdir(), dest);
        this.destinationIsDirectory = isDirectoryDestination(dest);
    }

    /** COPY's rule: a destination ending in {@code /} (or {@code .}, the WORKDIR) is a directory. */
    public static boolean isDirectoryDestination(String dest) {
        return dest.isEmpty() || dest.equals(".") || dest.endsWith("/") || dest.endsWith("/.");
    }

    /**
     * Copies the request's sources into {@code targetRoot}.
     *
     * @throws BuildException for what the user must fix: a missing source, several sources onto a
     *     file, a directory onto a file or a file onto a directory, an invalid pattern
     */
    public static CopyResult copy(CopySource from, CopyRequest request, Path targetRoot) throws IOException {
        return copy(from, request, targetRoot, CopyOutput.DISK);
    }

    /**
     * Copies the request's sources into {@code targetRoot}, making only the directories on disk and
     * recording everything else in {@code leaves} (see {@link LayerLeaves}).
     */
    public static CopyResult copy(CopySource from, CopyRequest request, Path targetRoot, LayerLeaves leaves)
            throws IOException {
        return copy(from, request, targetRoot, (CopyOutput) leaves);
    }

    private static CopyResult copy(CopySource from, CopyRequest request, Path targetRoot, CopyOutput output)
            throws IOException {
        Copier c = new Copier(from, request, targetRoot, output);
        try {
            return c.run();
        } finally {
            c.pool.close();
        }
    }

    private CopyResult run() throws IOException {
        if (!request.parents() && request.sources().size() > 1 && !destinationIsDirectory) {
            throw severalSources();
        }
        for (String source : request.sources()) {
            if (request.parents()) {
                copyWithParents(source);
            } else {
                copyPlain(source);
            }
        }
        return copier.result();
    }

    private void copyPlain(String source) throws IOException {
        String path = ContainerPaths.clean(source);
        if (!GoGlob.hasWildcards(path)) {
            String resolved = tree.resolve(path).orElseThrow(() -> notFound(source));
            copyOne(path, resolved, filtersBelow(resolved));
            return;
        }
        SourceTree.Glob glob = tree.glob(path);
        // --exclude also drops matches themselves, relative to where matching started, as in
        // BuildKit's documented "COPY --exclude=*.txt hom* /mydir/".
        PathFilter matchFilter = PathFilter.excluding(glob.base(), request.excludes());
        List<String> matches = glob.matches().stream().filter(matchFilter::accepts).toList();
        if (matches.size() > 1 && !destinationIsDirectory) {
            throw severalSources();
        }
        for (String match : matches) {
            // A match that is a dangling link leads nowhere, which BuildKit reports too.
            String resolved = tree.resolve(match).orElseThrow(() -> notFound(match));
            copyOne(match, resolved, filtersBelow(resolved));
        }
    }

    /**
     * {@code --parents}: the part after a {@code /./} (or the whole source) is a pattern, matched
     * below the part before it (or the root), and what it matches keeps its path from there on.
     */
    private void copyWithParents(String source) throws IOException {
        int pivot = source.indexOf("/./");
        String base = ContainerPaths.clean(pivot < 0 ? "" : source.substring(0, pivot));
        String pattern = ContainerPaths.clean(pivot < 0 ? source : source.substring(pivot + 3));
        boolean literal = !GoGlob.hasWildcards(base) && !GoGlob.hasWildcards(pattern);
        if (literal && tree.resolve(base.isEmpty() ? pattern : base + "/" + pattern).isEmpty()) {
            throw notFound(source);
        }
        List<String> bases = GoGlob.hasWildcards(base) ? tree.glob(base).matches() : List.of(base);
        Path target = Mkdirs.mkdirs(targetRoot, destination, owner().uid(), owner().gid(), PARENT_MODE);
        for (String b : bases) {
            Optional<String> resolved = tree.resolve(b);
            if (resolved.isEmpty() || !Files.isDirectory(tree.host(resolved.get()))) {
                continue;
            }
            List<PathFilter> filters = new ArrayList<>(filtersBelow(resolved.get()));
            if (!pattern.isEmpty()) {
                filters.add(PathFilter.including(resolved.get(), pattern));
            }
            copier.copy(resolved.get(), target, filters);
        }
    }

    /**
     * Copies one source, {@code named} as written or matched and {@code resolved} to what it leads
     * to, placing it as fsutil's {@code Copy} and {@code prepareTargetDir} do.
     */
    private void copyOne(String named, String resolved, List<PathFilter> filters) throws IOException {
        Ids owner = owner();
        String dest = destinationIsDirectory ? destination : parent(destination);
        Mkdirs.mkdirs(targetRoot, dest, owner.uid(), owner.gid(), PARENT_MODE);

        Path destHost = RootPath.resolve(targetRoot, destination, true);
        Path target = destHost;
        if (Files.isDirectory(tree.host(resolved))) {
            // Its contents go into the destination, created like a parent when missing; something
            // else there is the tree copier's "cannot copy to non-directory".
            if (!Files.exists(destHost, LinkOption.NOFOLLOW_LINKS)) {
                Mkdirs.mkdirs(targetRoot, RootPath.containerPath(targetRoot, destHost), owner.uid(), owner.gid(),
                        PARENT_MODE);
            }
        } else {
            if (Files.isDirectory(destHost)) {
                target = destHost.resolve(baseName(named));
            }
            // A link destination may point into a directory that does not exist yet.
            Mkdirs.mkdirs(targetRoot, RootPath.containerPath(targetRoot, target.getParent()), owner.uid(),
                    owner.gid(), PARENT_MODE);
        }
        copier.copy(resolved, target, filters);
    }

    /** The filters below a copied directory: the ignore file, and --exclude relative to it. */
    private List<PathFilter> filtersBelow(String copiedDirectory) throws BuildException {
        List<PathFilter> filters = new ArrayList<>();
        if (tree.ignore() != null) {
            filters.add(tree.ignore());
        }
        if (!request.excludes().isEmpty()) {
            filters.add(PathFilter.excluding(copiedDirectory, request.excludes()));
        }
        return filters;
    }

    /** Who owns the directories the copy creates: the --chown ids, else root. */
    private Ids owner() {
        return request.chown().orElse(Ids.of(0, 0));
    }

    private BuildException notFound(String source) {
        return new BuildException("COPY failed: \"" + source + "\" not found in "
                + (from.fromContext() ? "build context" : "stage"));
    }

    private static BuildException severalSources() {
        return new BuildException(
                "When using COPY with more than one source file, the destination must be a directory and end with a /");
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private static String baseName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
