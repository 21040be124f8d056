package dev.jbuild.registry.auth;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Docker's {@code config.json}, read and written the way the docker CLI does so that
 * {@code docker login} works for jbuild and the reverse. Credentials for a registry come from the
 * credential helper named in {@code credHelpers} for that host, else from the {@code credsStore}
 * helper, else from the {@code auths} section (base64 {@code auth}, {@code username}/{@code password},
 * {@code identitytoken}); a helper that has nothing falls back to {@code auths}. Docker Hub is keyed
 * {@code https://index.docker.io/v1/}, and {@code auths} keys are compared by host only, so
 * {@code https://localhost:5000/v2/} serves {@code localhost:5000}. Writes replace the file
 * atomically with mode 0600 and keep every field this class does not manage, in its order, because
 * the same file holds settings of docker, buildx and compose. Secrets never appear in messages.
 */
public final class DockerConfig {
    /** The file name inside the config directory. */
    public static final String FILE_NAME = "config.json";
    /** The key docker uses for Docker Hub, in {@code auths} and towards credential helpers. */
    public static final String HUB_KEY = "https://index.docker.io/v1/";

    // Every name Docker Hub goes by; jib accepts registry.hub.docker.com too, and so do we.
    private static final Set<String> HUB_HOSTS =
            Set.of("index.docker.io", "docker.io", "registry-1.docker.io", "registry.hub.docker.com");
    // Fields of an auths entry that hold or identify a secret; everything else in an entry is kept.
    private static final List<String> SECRET_FIELDS =
            List.of("auth", "username", "password", "identitytoken", "registrytoken");

    private static final ObjectMapper JSON = JsonMapper.builder()
            // Unknown numeric settings must come back out exactly as they went in.
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    // Tabs and "key": value, as docker's json.MarshalIndent(c, "", "\t") writes it, so a diff
    // after jbuild login shows only what changed.
    private static final ObjectWriter WRITER = JSON.writer(dockerStyle());

    private final Path file;
    private final List<Path> helperPath;
    private final Duration helperTimeout;
    private final Map<String, CredentialHelper> helpers = new HashMap<>();
    private ObjectNode root;

    private DockerConfig(Path file, List<Path> helperPath, Duration helperTimeout, ObjectNode root) {
        this.file = file;
        this.helperPath = helperPath;
        this.helperTimeout = helperTimeout;
        this.root = root;
    }

    /** Loads {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}. */
    public static DockerConfig load() throws IOException {
        return load(defaultDir(System.getenv(), System.getProperty("user.home")));
    }

    /**
     * Loads {@code config.json} from a directory. A missing file is an empty config.
     *
     * @throws IOException naming the file when it cannot be read or is not valid JSON
     */
    public static DockerConfig load(Path configDir) throws IOException {
        return load(configDir, CredentialHelper.searchPath(), CredentialHelper.DEFAULT_TIMEOUT);
    }

    /** Loads with helpers looked up in the given directories instead of {@code PATH}. */
    static DockerConfig load(Path configDir, List<Path> helperPath, Duration helperTimeout) throws IOException {
        Path file = configDir.resolve(FILE_NAME);
        return new DockerConfig(file, List.copyOf(helperPath), helperTimeout, read(file));
    }

    /**
     * Where docker looks: {@code $DOCKER_CONFIG}, else {@code $HOME/.docker}. Docker takes the home
     * directory from {@code $HOME} first, which differs from Java's {@code user.home} under
     * {@code sudo} with a kept environment, so we do the same.
     */
    static Path defaultDir(Map<String, String> env, String userHome) {
        String dir = env.get("DOCKER_CONFIG");
        if (dir != null && !dir.isEmpty()) {
            return Path.of(dir);
        }
        String home = env.get("HOME");
        return Path.of(home != null && !home.isEmpty() ? home : userHome, ".docker");
    }

    /** The {@code config.json} this was loaded from and writes to; it need not exist. */
    public Path file() {
        return file;
    }

    /**
     * The credentials for a registry, as docker would find them.
     *
     * @param registry the registry as {@link dev.jbuild.oci.ImageReference#registry()} gives it
     *     ({@code docker.io}, {@code ghcr.io}, {@code localhost:5000}, {@code [::1]:5000}); a URL such
     *     as {@code https://ghcr.io/v2/} is accepted too
     * @return the credentials, or empty when none are configured (anonymous access)
     * @throws IOException when the file's auth data is malformed or a configured helper fails
     */
    public synchronized Optional<Credentials> credentialsFor(String registry) throws IOException {
        Target t = target(registry);
        Optional<CredentialHelper> helper = helperFor(t);
        if (helper.isPresent()) {
            Optional<Credentials> c = helper.get().get(t.serverUrl);
            if (c.isPresent()) {
                return c;
            }
        }
        // Not in the store (or no store): docker falls back to what the file itself holds, and an
        // empty entry (what docker writes when a store keeps the secret) yields nothing.
        ObjectNode auths = auths(false);
        for (String key : matchingKeys(auths, t)) {
            Optional<Credentials> c = fromEntry(key, auths.get(key));
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    /**
     * Stores credentials as {@code docker login} would: in the {@code credHelpers} helper for the
     * host, else in the {@code credsStore} helper (leaving an empty {@code auths} entry, as docker
     * does, so tools listing {@code auths} still see the login), else base64-encoded in the file.
     * Other {@code auths} entries for the same registry under older key spellings are dropped, since
     * they would be stale and may hold a plain-text secret the user meant to move into a helper.
     */
    public synchronized void store(String registry, Credentials credentials) throws IOException {
        Objects.requireNonNull(credentials, "credentials");
        Target t = target(registry);
        // Re-read so a login by docker since we loaded is not overwritten with our stale copy.
        root = read(file);
        Optional<CredentialHelper> helper = helperFor(t);
        if (helper.isPresent()) {
            helper.get().store(t.serverUrl, credentials);
        }
        ObjectNode auths = auths(true);
        JsonNode existing = auths.get(t.serverUrl);
        ObjectNode entry = existing instanceof ObjectNode o ? o : JSON.createObjectNode();
        removeSecretFields(entry);
        if (helper.isEmpty()) {
            if (!credentials.username().equals(Credentials.TOKEN_USERNAME)) {
                entry.put("auth", credentials.basicAuth());
            }
            credentials.identityToken().ifPresent(token -> entry.put("identitytoken", token));
        }
        for (String key : matchingKeys(auths, t)) {
            if (!key.equals(t.serverUrl)) {
                auths.remove(key);
            }
        }
        auths.set(t.serverUrl, entry);
        write();
    }

    /**
     * Removes a registry's credentials, from its helper and from {@code auths} (every key that
     * names the registry, so an older spelling cannot keep the login alive).
     *
     * @return whether there was anything to remove
     */
    public synchronized boolean erase(String registry) throws IOException {
        Target t = target(registry);
        root = read(file);
        boolean found = false;
        Optional<CredentialHelper> helper = helperFor(t);
        if (helper.isPresent()) {
            found = helper.get().erase(t.serverUrl);
        }
        ObjectNode auths = auths(false);
        List<String> keys = matchingKeys(auths, t);
        if (!keys.isEmpty()) {
            keys.forEach(auths::remove);
            write();
            found = true;
        }
        return found;
    }

    @Override
    public String toString() {
        return "DockerConfig[" + file + "]";
    }

    // ---- where to look ----

    /** A registry as docker names it: the key towards helpers and the host for matching. */
    private record Target(String serverUrl, String host, boolean hub) { }

    private static Target target(String registry) {
        if (registry == null || registry.isBlank()) {
            throw new IllegalArgumentException("registry must not be empty");
        }
        String host = hostOf(registry.strip());
        boolean hub = HUB_HOSTS.contains(host.toLowerCase(Locale.ROOT));
        return new Target(hub ? HUB_KEY : host, host, hub);
    }

    /**
     * Docker's ConvertToHostname: drop an {@code http://} or {@code https://} scheme and anything
     * from the first {@code /}, so keys written by old docker versions ({@code https://host/v1/})
     * still match.
     */
    static String hostOf(String key) {
        String s = key;
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://")) {
            s = s.substring(7);
        } else if (lower.startsWith("https://")) {
            s = s.substring(8);
        }
        int slash = s.indexOf('/');
        return slash >= 0 ? s.substring(0, slash) : s;
    }

    /** Keys of an object naming the registry: the canonical key first, then others in file order. */
    private static List<String> matchingKeys(ObjectNode obj, Target t) {
        List<String> keys = new ArrayList<>();
        if (obj == null) {
            return keys;
        }
        if (obj.has(t.serverUrl)) {
            keys.add(t.serverUrl);
        }
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (key.equals(t.serverUrl)) {
                continue;
            }
            // Host names are case-insensitive, so "GHCR.io" and "ghcr.io" are one registry.
            String host = hostOf(key).toLowerCase(Locale.ROOT);
            if (t.hub ? HUB_HOSTS.contains(host) : host.equals(t.host.toLowerCase(Locale.ROOT))) {
                keys.add(key);
            }
        }
        return keys;
    }

    /**
     * The helper for a registry: {@code credHelpers[host]}, else {@code credsStore}. An empty
     * {@code credHelpers} value is docker's way to say "this host uses the file, not the store".
     */
    private Optional<CredentialHelper> helperFor(Target t) throws IOException {
        JsonNode credHelpers = field(root, "credHelpers");
        if (credHelpers != null && !credHelpers.isNull()) {
            if (!credHelpers.isObject()) {
                throw malformed("\"credHelpers\" must be an object of registry to helper name");
            }
            List<String> keys = matchingKeys((ObjectNode) credHelpers, t);
            if (!keys.isEmpty()) {
                String key = keys.get(0);
                JsonNode name = credHelpers.get(key);
                if (!name.isTextual()) {
                    throw malformed("\"credHelpers\" entry \"" + key + "\" must be a helper name (a string)");
                }
                return name.asText().isEmpty()
                        ? Optional.empty()
                        : Optional.of(helper(name.asText(), "credHelpers in " + file));
            }
        }
        JsonNode store = field(root, "credsStore");
        if (store == null || store.isNull()) {
            return Optional.empty();
        }
        if (!store.isTextual()) {
            throw malformed("\"credsStore\" must be a helper name (a string)");
        }
        return store.asText().isEmpty() ? Optional.empty() : Optional.of(helper(store.asText(), "credsStore in " + file));
    }

    private CredentialHelper helper(String name, String configuredAs) throws IOException {
        CredentialHelper h = helpers.get(name);
        if (h == null) {
            h = CredentialHelper.find(name, helperPath, configuredAs, helperTimeout);
            helpers.put(name, h);
        }
        return h;
    }

    // ---- the auths section ----

    private ObjectNode auths(boolean create) throws IOException {
        JsonNode auths = field(root, "auths");
        if (auths == null || auths.isNull()) {
            if (!create) {
                return null;
            }
            ObjectNode fresh = JSON.createObjectNode();
            root.set(auths == null ? "auths" : fieldName(root, "auths"), fresh);
            return fresh;
        }
        if (!auths.isObject()) {
            throw malformed("\"auths\" must be an object of registry to credentials");
        }
        return (ObjectNode) auths;
    }

    private Optional<Credentials> fromEntry(String key, JsonNode entry) throws IOException {
        if (entry == null || entry.isNull()) {
            return Optional.empty();
        }
        if (!entry.isObject()) {
            throw malformed("\"auths\" entry \"" + key + "\" must be an object");
        }
        String username = text(entry, "username", key);
        String password = text(entry, "password", key);
        String auth = text(entry, "auth", key).strip();
        if (!auth.isEmpty()) {
            // Docker lets the encoded pair win over the separate fields.
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw malformed("\"auths\" entry \"" + key + "\" has an \"auth\" that is not base64;"
                        + " run docker login " + key + " again");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw malformed("\"auths\" entry \"" + key + "\" has an \"auth\" that is not base64 of"
                        + " user:password; run docker login " + key + " again");
            }
            username = decoded.substring(0, colon);
            // Split at the first colon only: passwords and tokens may contain colons, user names not.
            // Docker strips NULs that some writers pad the password with.
            password = trimNul(decoded.substring(colon + 1));
        }
        String token = text(entry, "identitytoken", key);
        if (!token.isEmpty()) {
            return Optional.of(new Credentials(
                    username.isEmpty() ? Credentials.TOKEN_USERNAME : username, password, Optional.of(token)));
        }
        if (username.isEmpty()) {
            if (!password.isEmpty()) {
                throw malformed("\"auths\" entry \"" + key + "\" has a password but no username");
            }
            return Optional.empty();
        }
        return Optional.of(Credentials.basic(username, password));
    }

    private String text(JsonNode entry, String name, String key) throws IOException {
        JsonNode n = field(entry, name);
        if (n == null || n.isNull()) {
            return "";
        }
        if (!n.isTextual()) {
            throw malformed("\"auths\" entry \"" + key + "\" field \"" + name + "\" must be a string");
        }
        return n.asText();
    }

    private static void removeSecretFields(ObjectNode entry) {
        List<String> drop = new ArrayList<>();
        for (Iterator<String> it = entry.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (SECRET_FIELDS.contains(f.toLowerCase(Locale.ROOT))) {
                drop.add(f);
            }
        }
        entry.remove(drop);
    }

    private static String trimNul(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '\0') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '\0') {
            end--;
        }
        return s.substring(start, end);
    }

    /**
     * A field looked up as Go's encoding/json does, which docker uses: the exact name first, then
     * any case ({@code identityToken}, {@code Auth}), so files other tools wrote still load.
     */
    private static JsonNode field(JsonNode obj, String name) {
        String actual = fieldName(obj, name);
        return actual == null ? null : obj.get(actual);
    }

    private static String fieldName(JsonNode obj, String name) {
        if (obj.has(name)) {
            return name;
        }
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.equalsIgnoreCase(name)) {
                return f;
            }
        }
        return null;
    }

    private IOException malformed(String what) {
        return new IOException("invalid docker config " + file + ": " + what);
    }

    // ---- the file ----

    private static ObjectNode read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return JSON.createObjectNode();
        } catch (IOException e) {
            throw new IOException("cannot read docker config " + file + ": " + e.getMessage(), e);
        }
        // Docker treats an empty file as an empty config (its decoder accepts EOF).
        if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return JSON.createObjectNode();
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            // Only the position: Jackson's own message quotes the offending token, which in this
            // file may be part of a password.
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new IOException("invalid docker config " + file + ": malformed JSON" + where
                    + "; fix or remove the file");
        }
        if (tree == null || !tree.isObject()) {
            throw new IOException("invalid docker config " + file + ": the top level must be a JSON object");
        }
        return (ObjectNode) tree;
    }

    /**
     * Replaces the file atomically: a reader (docker, another jbuild) sees the old file or the new
     * one, never half of either, and a crash leaves the old one in place.
     */
    private void write() throws IOException {
        Path target = file;
        if (Files.isSymbolicLink(file)) {
            // Dotfile managers symlink config.json; replacing the link with a file would silently
            // detach it, so write where it points, as docker does.
            try {
                target = file.toRealPath();
            } catch (IOException e) {
                target = file.resolveSibling(Files.readSymbolicLink(file));
            }
        }
        Path dir = target.toAbsolutePath().getParent();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(dir)) {
            // 0700: the directory holds secrets, and docker creates it the same way.
            if (posix) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        }
        byte[] bytes = WRITER.writeValueAsBytes(root);
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        Path temp = Files.createTempFile(dir, "." + FILE_NAME + ".", ".tmp", attrs);
        try {
            if (posix) {
                // The umask cannot widen a mode, but be explicit: the file holds secrets.
                Files.setPosixFilePermissions(temp, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
            }
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
                // Data on disk before the rename, or a crash could leave an empty config.json.
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw new IOException("cannot write docker config " + target + ": " + e.getMessage(), e);
        }
        // Make the rename itself durable; not every file system lets a directory be synced.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // The file is written; only durability across a power cut is weaker here.
        }
    }

    private static DefaultPrettyPrinter dockerStyle() {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator(""));
        DefaultIndenter tab = new DefaultIndenter("\t", "\n");
        pp.indentObjectsWith(tab);
        pp.indentArraysWith(tab);
        return pp;
    }
}
