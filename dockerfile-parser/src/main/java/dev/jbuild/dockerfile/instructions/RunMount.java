package dev.jbuild.dockerfile.instructions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One {@code RUN --mount=…} option, parsed from its comma-separated {@code key=value} list with
 * BuildKit's keys, aliases and defaults. As in BuildKit, option values may use build variables
 * ({@code id=cache-$TARGETARCH}), so a mount is parsed in two phases: the Dockerfile keeps the raw
 * spec ({@link Instruction.Run#mountSpecs()}), checked at once when it has no variables, and the
 * build parses it again with its values expanded ({@link dev.jbuild.dockerfile.plan.StageScope#mounts}).
 * Only {@code from} may never use a variable.
 *
 * @param type bind (the default), cache, tmpfs, secret or ssh
 * @param target where it appears in the container
 * @param source the path inside {@code from} (bind, cache), if given
 * @param from the stage or image a bind or cache mount takes its content from
 * @param readOnly bind mounts are read-only unless {@code rw}
 * @param id the cache, secret or ssh id
 * @param sharing for cache mounts: shared, private or locked
 * @param mode file mode, octal, for cache, secret and ssh
 * @param uid owner for cache, secret and ssh
 * @param gid group for cache, secret and ssh
 * @param required for secret and ssh: fail if the build was not given it
 * @param sizeBytes tmpfs size
 * @param env for secrets: the environment variable to expose the secret in
 */
public record RunMount(String type, Optional<String> target, Optional<String> source, Optional<String> from,
                       boolean readOnly, Optional<String> id, String sharing, Optional<Integer> mode,
                       Optional<Integer> uid, Optional<Integer> gid, boolean required,
                       Optional<Long> sizeBytes, Optional<String> env) {

    private static final List<String> TYPES = List.of("bind", "cache", "tmpfs", "secret", "ssh");

    /** Expands the value of one {@code key=value} field; identity when parsing without variables. */
    @FunctionalInterface
    public interface ValueExpander {
        String expand(String value) throws Exception;
    }

    /** Whether the spec uses a variable, in which case it can only be checked once expanded. */
    static boolean usesVariables(String spec) {
        return spec.contains("$");
    }

    /**
     * The {@code from} of a spec and whether it is a tmpfs mount (which ignores {@code from}),
     * without expanding anything: enough for the build plan.
     */
    public static Optional<String> from(String spec) {
        Optional<String> from = Optional.empty();
        boolean tmpfs = false;
        try {
            for (String field : csv(spec)) {
                int eq = field.indexOf('=');
                String key = (eq < 0 ? field : field.substring(0, eq)).toLowerCase(Locale.ROOT);
                if (key.equals("from") && eq > 0) {
                    from = Optional.of(field.substring(eq + 1));
                } else if (key.equals("type") && eq > 0) {
                    tmpfs = field.substring(eq + 1).equalsIgnoreCase("tmpfs");
                }
            }
        } catch (InstructionException e) {
            return Optional.empty();
        }
        return tmpfs ? Optional.empty() : from;
    }

    /** Checks that {@code from} uses no variable: stages are resolved before anything is expanded. */
    static void checkFrom(String spec) throws InstructionException {
        Optional<String> from = from(spec);
        if (from.isPresent() && from.get().matches("(?s).*\\$.+")) {
            throw new InstructionException("'from' doesn't support variable expansion, define alias stage instead"
                    + " (FROM ${ARG} AS name, then from=name)");
        }
    }

    /** Parses the value of one {@code --mount} flag, expanding each value but {@code from}. */
    public static RunMount parse(String value, ValueExpander expander) throws InstructionException {
        String type = "bind";
        String target = null;
        String source = null;
        String from = null;
        Boolean readOnly = null;
        String id = null;
        String sharing = "shared";
        Integer mode = null;
        Integer uid = null;
        Integer gid = null;
        boolean required = false;
        Long size = null;
        String env = null;
        List<String> fields = csv(value);
        for (String field : fields) {
            int eq = field.indexOf('=');
            String key = (eq < 0 ? field : field.substring(0, eq)).toLowerCase(Locale.ROOT);
            String v = eq < 0 ? null : expand(key, field.substring(eq + 1), expander);
            switch (key) {
                case "readonly", "ro" -> readOnly = bool(key, v, field);
                case "readwrite", "rw" -> readOnly = !bool(key, v, field);
                case "required" -> required = bool(key, v, field);
                default -> {
                    if (v == null) {
                        throw new InstructionException("invalid field '" + field + "' must be a key=value pair");
                    }
                    switch (key) {
                        case "type" -> {
                            if (!TYPES.contains(v.toLowerCase(Locale.ROOT))) {
                                throw new InstructionException("unsupported mount type \"" + v
                                        + "\" (use bind, cache, tmpfs, secret or ssh)");
                            }
                            type = v.toLowerCase(Locale.ROOT);
                        }
                        case "target", "dst", "destination" -> target = v;
                        case "source", "src" -> source = v;
                        case "from" -> from = v;
                        case "id" -> id = v;
                        case "sharing" -> {
                            if (!List.of("shared", "private", "locked").contains(v.toLowerCase(Locale.ROOT))) {
                                throw new InstructionException("unsupported sharing value \"" + v
                                        + "\" (use shared, private or locked)");
                            }
                            sharing = v.toLowerCase(Locale.ROOT);
                        }
                        case "mode" -> mode = number(key, v, 8);
                        case "uid" -> uid = number(key, v, 10);
                        case "gid" -> gid = number(key, v, 10);
                        case "size" -> size = Sizes.parse(v);
                        case "env" -> env = v;
                        default -> throw new InstructionException("unexpected key '" + key + "' in '" + field + "'");
                    }
                }
            }
        }
        return validated(type, target, source, from, readOnly, id, sharing, mode, uid, gid, required, size, env);
    }

    private static RunMount validated(String type, String target, String source, String from, Boolean readOnly,
                                      String id, String sharing, Integer mode, Integer uid, Integer gid,
                                      boolean required, Long size, String env) throws InstructionException {
        switch (type) {
            case "secret" -> {
                if (id == null && target == null && env == null) {
                    throw new InstructionException("secret mount requires an id, a target or an env");
                }
                if (id == null) {
                    String base = target != null ? target.substring(target.lastIndexOf('/') + 1) : env;
                    id = base;
                }
                if (target == null && env == null) {
                    target = "/run/secrets/" + id;
                }
            }
            case "ssh" -> {
                if (id == null) {
                    id = "default";
                }
            }
            default -> {
                if (target == null) {
                    throw new InstructionException("mount type " + type + " requires a target (target=/path)");
                }
            }
        }
        boolean fileInfoAllowed = type.equals("cache") || type.equals("secret") || type.equals("ssh");
        if ((mode != null || uid != null || gid != null) && !fileInfoAllowed) {
            throw new InstructionException("mode, uid and gid are not allowed for \"" + type + "\" mounts"
                    + " (only cache, secret and ssh)");
        }
        if (required && !type.equals("secret") && !type.equals("ssh")) {
            throw new InstructionException("unexpected key 'required' for mount type '" + type + "'");
        }
        if (from != null && !type.equals("bind") && !type.equals("cache")) {
            throw new InstructionException("from= is only valid for bind and cache mounts");
        }
        if (size != null && !type.equals("tmpfs")) {
            throw new InstructionException("size= is only valid for tmpfs mounts");
        }
        if (type.equals("cache") && id == null) {
            id = target;
        }
        boolean ro = readOnly != null ? readOnly : type.equals("bind") || type.equals("secret") || type.equals("ssh");
        return new RunMount(type, Optional.ofNullable(target), Optional.ofNullable(source), Optional.ofNullable(from),
                ro, Optional.ofNullable(id), sharing, Optional.ofNullable(mode), Optional.ofNullable(uid),
                Optional.ofNullable(gid), required, Optional.ofNullable(size), Optional.ofNullable(env));
    }

    private static String expand(String key, String value, ValueExpander expander) throws InstructionException {
        if (key.equals("from")) {
            return value;
        }
        try {
            return expander.expand(value);
        } catch (InstructionException e) {
            throw e;
        } catch (Exception e) {
            throw new InstructionException(e.getMessage());
        }
    }

    private static boolean bool(String key, String v, String field) throws InstructionException {
        if (v == null) {
            return true;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "t" -> true;
            case "false", "0", "f" -> false;
            default -> throw new InstructionException("invalid value for " + key + ": " + v + " in '" + field + "'");
        };
    }

    private static int number(String key, String v, int radix) throws InstructionException {
        try {
            return Integer.parseInt(v, radix);
        } catch (NumberFormatException e) {
            throw new InstructionException("invalid value for " + key + ": " + v);
        }
    }

    /** Splits {@code a=1,"b=x,y"} on commas outside double quotes, removing the quotes. */
    private static List<String> csv(String value) throws InstructionException {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                if (quoted && i + 1 < value.length() && value.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (c == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (quoted) {
            throw new InstructionException("unterminated quote in --mount=" + value);
        }
        out.add(cur.toString());
        out.removeIf(String::isEmpty);
        return out;
    }
}
