package dev.jbuild.builder.copy;

import dev.jbuild.builder.BuildException;
import dev.jbuild.builder.fs.ContainerPaths;
import dev.jbuild.layer.apply.Trees;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Performs a Dockerfile ADD with BuildKit's semantics: COPY, plus URLs and archives. Each source,
 * in order, is one of:
 * <ul>
 *   <li>an {@code http://} or {@code https://} URL: downloaded by {@link UrlFetcher} (mode 0600, mtime
 *       from {@code Last-Modified}), then placed as a COPY of that one file would be (a destination
 *       named as a directory gets it under the URL's file name); with {@code --unpack=true} a
 *       downloaded archive is unpacked instead. Remote archives are never unpacked by default.</li>
 *   <li>a local path (wildcards allowed): each file it matches that is an archive by its content
 *       ({@link Archives#detect}) is unpacked into the destination, taken as a directory, unless
 *       {@code --unpack=false}; everything else goes through {@link Copier} exactly as COPY. As in
 *       BuildKit, {@code --parents} copies directories, so nothing is unpacked with it, and
 *       {@code --chmod} does not apply to unpacked entries.</li>
 *   <li>a git URL: not supported yet, an error.</li>
 * </ul>
 * {@code --checksum} is only for a single URL source, as the Dockerfile frontend requires.
 */
public final class AddStep {
    /** The scp-like remote git accepts, {@code git@github.com:org/repo.git}: a user, a host, a colon. */
    private static final Pattern SCP_LIKE = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.-]*@[A-Za-z0-9.-]+:.*");

    private final CopySource from;
    private final AddRequest request;
    private final CopyRequest copy;
    private final Path targetRoot;
    private final Path tmpDir;
    private final SourceTree tree;
    private final Totals totals = new Totals();
    private UrlFetcher fetcher;

    private AddStep(CopySource from, AddRequest request, Path targetRoot, Path tmpDir) throws IOException {
        this.from = from;
        this.request = request;
        this.copy = request.copy();
        this.targetRoot = targetRoot;
        this.tmpDir = tmpDir;
        this.tree = new SourceTree(from);
    }

    /**
     * Adds the request's sources into {@code targetRoot}, reading local ones from {@code from} and
     * downloading URLs into {@code tmpDir} (each into a directory of its own, removed afterwards).
     *
     * @throws BuildException for what the user must fix: a misplaced or malformed {@code --checksum},
     *     a git source, a failed download, a refused archive entry, or anything COPY refuses
     */
    public static CopyResult add(CopySource from, AddRequest request, Path targetRoot, Path tmpDir) throws IOException {
        return new AddStep(from, request, targetRoot, tmpDir).run();
    }

    private CopyResult run() throws IOException {
        List<String> sources = copy.sources();
        if (request.checksum().isPresent()) {
            // The Dockerfile frontend's checks, with its wording.
            if (sources.size() != 1) {
                throw new BuildException("checksum can't be specified for multiple sources");
            }
            if (!isUrl(sources.get(0)) && !isGit(sources.get(0))) {
                throw new BuildException("checksum requires HTTP(S) or Git sources");
            }
        }
        for (String source : sources) {
            if (isGit(source)) {
                throw new BuildException("ADD from a git repository is not supported yet: " + shown(source));
            }
        }
        if (!copy.parents() && sources.size() > 1 && !destinationIsDirectory()) {
            throw severalSources();
        }
        for (String source : sources) {
            if (isUrl(source)) {
                addUrl(source);
            } else {
                addLocal(source);
            }
        }
        return totals.result();
    }

    private void addUrl(String source) throws IOException {
        URI url;
        try {
            url = new URI(source);
        } catch (URISyntaxException e) {
            throw new BuildException("ADD " + source + ": not a valid URL (" + e.getReason() + ")");
        }
        if (fetcher == null) {
            fetcher = new UrlFetcher();
        }
        Path dir = Files.createTempDirectory(tmpDir, "url-");
        try {
            UrlFetcher.FetchedFile fetched = fetcher.fetch(url, dir, request.checksum());
            if (request.unpack().orElse(false) && Archives.detect(fetched.file()).isPresent()) {
                totals.add(Archives.extract(fetched.file(), targetRoot, destination(), copy.chown()));
                return;
            }
            CopyRequest one = new CopyRequest(List.of(literal(fetched.name(), "")), copy.destination(), copy.workdir(),
                    copy.chown(), copy.chmod(), copy.link(), false, List.of());
            totals.add(Copier.copy(CopySource.stage(dir), one, targetRoot));
        } finally {
            Trees.deleteRecursively(dir);
        }
    }

    /**
     * A local source, as BuildKit's file backend does it: the source is expanded and every match
     * that is an archive is unpacked, the others copied. When no match is an archive the source
     * goes to {@link Copier} whole, so COPY's own rules and messages apply unchanged.
     */
    private void addLocal(String source) throws IOException {
        if (!request.unpack().orElse(true) || copy.parents()) {
            copyLocal(source);
            return;
        }
        String path = ContainerPaths.clean(source);
        if (!GoGlob.hasWildcards(path)) {
            Optional<Path> archive = archive(path);
            if (archive.isPresent()) {
                totals.add(Archives.extract(archive.get(), targetRoot, destination(), copy.chown()));
            } else {
                copyLocal(source);
            }
            return;
        }
        SourceTree.Glob glob = tree.glob(path);
        // --exclude drops matches too, relative to where matching started, as Copier does.
        PathFilter excluded = PathFilter.excluding(glob.base(), copy.excludes());
        List<String> matches = glob.matches().stream().filter(excluded::accepts).toList();
        List<Optional<Path>> archives = new ArrayList<>();
        for (String match : matches) {
            archives.add(archive(match));
        }
        if (archives.stream().noneMatch(Optional::isPresent)) {
            copyLocal(source);
            return;
        }
        if (glob.matches().size() > 1 && !destinationIsDirectory()) {
            throw severalSources();
        }
        for (int i = 0; i < matches.size(); i++) {
            if (archives.get(i).isPresent()) {
                totals.add(Archives.extract(archives.get(i).get(), targetRoot, destination(), copy.chown()));
            } else {
                copyLocal(literal(matches.get(i), glob.base()));
            }
        }
    }

    private void copyLocal(String source) throws IOException {
        CopyRequest one = new CopyRequest(List.of(source), copy.destination(), copy.workdir(), copy.chown(),
                copy.chmod(), copy.link(), copy.parents(), copy.excludes());
        totals.add(Copier.copy(from, one, targetRoot));
    }

    /** The host path of a source that is an archive (links followed inside the source root), if it is one. */
    private Optional<Path> archive(String path) throws IOException {
        Optional<String> resolved = tree.resolve(path);
        if (resolved.isEmpty()) {
            return Optional.empty();
        }
        Path host = tree.host(resolved.get());
        return Archives.detect(host).isPresent() ? Optional.of(host) : Optional.empty();
    }

    /**
     * A source path that names exactly {@code match} (found by matching below {@code base}) when
     * {@link Copier} reads it. Without wildcard characters it is taken literally. Otherwise each of
     * them is written as a one-character class ({@code [*]}), which matches only itself, and the
     * first component below {@code base} is always a pattern, so that Copier matches from the same
     * base and applies {@code --exclude} to the match exactly as to the original wildcard's.
     */
    static String literal(String match, String base) {
        if (!match.matches("(?s).*[*?\\[\\\\].*")) {
            return match;
        }
        String below = base.isEmpty() ? match : match.substring(base.length() + 1);
        StringBuilder b = new StringBuilder(base.isEmpty() ? "" : escape(base) + "/");
        if (!below.matches("(?s)[^/]*[*?\\[\\\\].*")) {
            // No wildcard character in that first component: make its first character a class.
            int first = below.codePointAt(0);
            b.append("[\\").appendCodePoint(first).append(']');
            below = below.substring(Character.charCount(first));
        }
        return b.append(escape(below)).toString();
    }

    private static String escape(String path) {
        StringBuilder b = new StringBuilder();
        for (char c : path.toCharArray()) {
            switch (c) {
                case '*', '?', '[' -> b.append('[').append(c).append(']');
                case '\\' -> b.append("[\\\\]");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** The destination as a container path: relative ones join WORKDIR, as in {@link Copier}. */
    private String destination() {
        String dest = copy.destination();
        return dest.startsWith("/") ? dest : copy.workdir() + "/" + dest;
    }

    /** Named as a directory: a trailing {@code /} or a final {@code .}, as in {@link Copier}. */
    private boolean destinationIsDirectory() {
        String dest = copy.destination();
        return dest.isEmpty() || dest.equals(".") || dest.endsWith("/") || dest.endsWith("/.");
    }

    /** A source as it may be printed: without the password a URL may carry. */
    private static String shown(String source) {
        try {
            return UrlFetcher.redacted(new URI(source));
        } catch (URISyntaxException e) {
            return source;
        }
    }

    private static BuildException severalSources() {
        return new BuildException(
                "When using COPY with more than one source file, the destination must be a directory and end with a /");
    }

    /** BuildKit's {@code isHTTPSource}: an http(s) URL that is not a git repository. */
    public static boolean isUrl(String source) {
        return (source.startsWith("http://") || source.startsWith("https://")) && !isGit(source);
    }

    /**
     * BuildKit's {@code isGitSource} ({@code dfgitutil.ParseGitRef}): a {@code git://} or
     * {@code ssh://} URL, an scp-like {@code user@host:path}, or an http(s) URL whose path ends in
     * {@code .git} (a {@code #ref:subdir} fragment and a query allowed). {@code github.com/org/repo}
     * without a scheme is a local path to the Dockerfile frontend, and so it is here.
     */
    static boolean isGit(String source) {
        if (source.startsWith("./") || source.startsWith("../")) {
            return false;
        }
        if (source.startsWith("git://") || source.startsWith("ssh://") || SCP_LIKE.matcher(source).matches()) {
            return true;
        }
        if (!source.startsWith("http://") && !source.startsWith("https://")) {
            return false;
        }
        String rest = source.substring(source.indexOf("://") + 3);
        int end = rest.length();
        for (char stop : new char[] {'#', '?'}) {
            int i = rest.indexOf(stop);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        int slash = rest.indexOf('/');
        return slash >= 0 && slash < end && rest.substring(slash, end).endsWith(".git");
    }

    /** Sums what the copies and extractions of one ADD wrote. */
    private static final class Totals {
        private long files;
        private long directories;
        private long symlinks;
        private long specials;
        private long bytes;

        void add(CopyResult r) {
            files += r.files();
            directories += r.directories();
            symlinks += r.symlinks();
            specials += r.specials();
            bytes += r.bytes();
        }

        void add(ExtractResult r) {
            files += r.files();
            directories += r.directories();
            symlinks += r.symlinks();
            specials += r.specials();
            bytes += r.bytes();
        }

        CopyResult result() {
            return new CopyResult(files, directories, symlinks, specials, bytes);
        }
    }
}
