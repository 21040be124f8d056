package dev.jbuild.builder.fs;

import dev.jbuild.builder.BuildException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Turns the user and group names of {@code USER} and {@code --chown} into numeric ids, reading the
 * {@code /etc/passwd} and {@code /etc/group} of the image being built (through {@link RootPath}, so a
 * symlinked {@code /etc} is followed inside the image and the host's files are never read).
 *
 * <p>{@code USER} follows runc's {@code GetExecUser}, which BuildKit uses for RUN; {@code --chown}
 * follows BuildKit's file-operation {@code readUser}. The two differ on purpose, as in BuildKit: a
 * bare user name takes its primary group from passwd in both, but only RUN also gets the
 * supplementary groups, and a bare numeric {@code --chown} uses the uid as gid whereas a bare
 * numeric {@code USER} takes the gid from passwd (0 without an entry).
 */
public final class UserDb {
    private static final String PASSWD = "/etc/passwd";
    private static final String GROUP = "/etc/group";

    private final Path rootfs;
    private List<Account> accounts;
    private List<Group> groups;

    private UserDb(Path rootfs) {
        this.rootfs = rootfs;
    }

    /**
     * The identity of a RUN under {@code USER spec} ({@code user}, {@code uid}, {@code user:group},
     * {@code uid:gid}; an empty user means root). With {@code user:group} the process gets that
     * group only; otherwise its primary group comes from passwd and its supplementary groups are the
     * groups of {@code /etc/group} that list the user's name.
     *
     * @throws BuildException when a name is not in the image's files, with Docker's wording
     */
    public static Ids forRun(Path rootfs, String spec) throws IOException {
        UserDb db = new UserDb(rootfs);
        int colon = spec.indexOf(':');
        String user = colon < 0 ? spec : spec.substring(0, colon);
        String group = colon < 0 ? "" : spec.substring(colon + 1);

        // An empty user part (":group") keeps runc's default user, root.
        OptionalInt numericUser = user.isEmpty() ? OptionalInt.of(0) : numeric(user);
        Optional<Account> account = user.isEmpty() ? Optional.empty() : db.account(user, numericUser);
        if (account.isEmpty() && numericUser.isEmpty()) {
            throw noUser(user);
        }
        int uid = account.map(Account::uid).orElse(numericUser.orElse(0));
        if (!group.isEmpty()) {
            // An explicit group replaces the primary group and drops the supplementary ones (runc).
            return Ids.of(uid, db.groupId(group));
        }
        if (account.isEmpty()) {
            return Ids.of(uid, 0);
        }
        String name = account.get().name();
        List<Integer> supplementary = new ArrayList<>();
        for (Group g : db.groups()) {
            if (g.members().contains(name)) {
                supplementary.add(g.gid());
            }
        }
        return new Ids(uid, account.get().gid(), supplementary);
    }

    /**
     * The owner {@code COPY --chown=spec} (and WORKDIR, for USER) gives to what it creates
     * ({@code user}, {@code uid}, {@code user:group}, {@code uid:gid}, {@code :group}). A bare uid
     * is also the gid; a bare name takes its primary group from passwd; an empty user part means
     * root. As BuildKit's {@code readUser}, a name the image does not know is not an error: an
     * unknown user is 0:0, an unknown group keeps the gid of the user part. Numeric parts never
     * read the files.
     */
    public static Ids forChown(Path rootfs, String spec) throws IOException {
        UserDb db = new UserDb(rootfs);
        int colon = spec.indexOf(':');
        String user = colon < 0 ? spec : spec.substring(0, colon);
        String group = colon < 0 ? "" : spec.substring(colon + 1);

        int uid = 0;
        int gid = 0;
        if (!user.isEmpty()) {
            OptionalInt numericUser = numeric(user);
            if (numericUser.isPresent()) {
                uid = numericUser.getAsInt();
                gid = uid;
            } else {
                // BuildKit's readUser: a name the image does not know owns nothing special: 0:0.
                Optional<Account> account = db.account(user, numericUser);
                uid = account.map(Account::uid).orElse(0);
                gid = account.map(Account::gid).orElse(0);
            }
        }
        if (!group.isEmpty()) {
            gid = db.knownGroupId(group).orElse(gid);
        }
        return Ids.of(uid, gid);
    }

    /**
     * The ids of a {@code --chown} spec made of numbers only ({@code 1000}, {@code 1000:1000},
     * {@code :50}), which {@link #forChown} gives whatever the image's passwd and group files say;
     * empty for a spec with a name in it, which needs them.
     */
    public static Optional<Ids> numericChown(String spec) throws BuildException {
        int colon = spec.indexOf(':');
        String user = colon < 0 ? spec : spec.substring(0, colon);
        String group = colon < 0 ? "" : spec.substring(colon + 1);
        OptionalInt uid = user.isEmpty() ? OptionalInt.of(0) : numeric(user);
        if (uid.isEmpty() || (!group.isEmpty() && numeric(group).isEmpty())) {
            return Optional.empty();
        }
        int gid = group.isEmpty() ? (user.isEmpty() ? 0 : uid.getAsInt()) : numeric(group).getAsInt();
        return Optional.of(Ids.of(uid.getAsInt(), gid));
    }

    /**
     * The HOME a RUN under {@code USER spec} gets when the image sets none: the user's home in
     * passwd, else {@code /} (as BuildKit).
     */
    public static String home(Path rootfs, String spec) throws IOException {
        String user = spec.isEmpty() ? "root" : spec.split(":", 2)[0];
        Optional<Account> account = new UserDb(rootfs).account(user, numeric(user));
        return account.map(Account::home).filter(h -> !h.isEmpty()).orElse("/");
    }

    /** The passwd entry named {@code user}, or with uid {@code numeric} when the name is a number. */
    private Optional<Account> account(String user, OptionalInt numeric) throws IOException {
        for (Account a : accounts()) {
            if (numeric.isPresent() ? a.uid() == numeric.getAsInt() : a.name().equals(user)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** The gid of a group name or number, or empty when it is a name the image does not know. */
    private OptionalInt knownGroupId(String group) throws IOException {
        try {
            return OptionalInt.of(groupId(group));
        } catch (BuildException unknownName) {
            return OptionalInt.empty();
        }
    }

    /** The gid of a group name, or the number itself (an entry with that gid is not required). */
    private int groupId(String group) throws IOException {
        OptionalInt numeric = numeric(group);
        for (Group g : groups()) {
            if (numeric.isPresent() ? g.gid() == numeric.getAsInt() : g.name().equals(group)) {
                return g.gid();
            }
        }
        if (numeric.isPresent()) {
            return numeric.getAsInt();
        }
        throw new BuildException("unable to find group " + group + ": no matching entries in group file");
    }

    private List<Account> accounts() throws IOException {
        if (accounts == null) {
            accounts = new ArrayList<>();
            for (String[] f : records(PASSWD)) {
                // name:password:uid:gid:gecos:home:shell
                OptionalInt uid = f.length > 3 ? fileId(f[2]) : OptionalInt.empty();
                OptionalInt gid = f.length > 3 ? fileId(f[3]) : OptionalInt.empty();
                if (uid.isPresent() && gid.isPresent()) {
                    accounts.add(new Account(f[0], uid.getAsInt(), gid.getAsInt(), f.length > 5 ? f[5] : ""));
                }
            }
        }
        return accounts;
    }

    private List<Group> groups() throws IOException {
        if (groups == null) {
            groups = new ArrayList<>();
            for (String[] f : records(GROUP)) {
                // name:password:gid:member,member
                OptionalInt gid = f.length > 2 ? fileId(f[2]) : OptionalInt.empty();
                if (gid.isPresent()) {
                    List<String> members = f.length > 3 && !f[3].isEmpty() ? List.of(f[3].split(",")) : List.of();
                    groups.add(new Group(f[0], gid.getAsInt(), members));
                }
            }
        }
        return groups;
    }

    /**
     * The colon-separated records of a file of the image; none when it is missing or not a regular
     * file (an image without /etc/passwd still runs as a numeric user). Blank lines, comments and
     * NIS {@code +}/{@code -} entries are skipped.
     */
    private List<String[]> records(String containerPath) throws IOException {
        Path file = RootPath.resolve(rootfs, containerPath, true);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        // Decoded leniently: a stray non-UTF-8 byte in a GECOS field must not fail the build.
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        List<String[]> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith("+") || trimmed.startsWith("-")) {
                continue;
            }
            out.add(trimmed.split(":", -1));
        }
        return out;
    }

    /**
     * The value of a decimal id, or empty when the text is not one (then it is a name). Ids run
     * from 0 to 2^31-1 as in runc; a number beyond that is an error, not a name.
     */
    private static OptionalInt numeric(String text) throws BuildException {
        if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(text));
        } catch (NumberFormatException e) {
            throw new BuildException("uids and gids must be in range 0-2147483647, not " + text);
        }
    }

    /** An id field of the files: an entry whose id is not a valid number is skipped, not fatal. */
    private static OptionalInt fileId(String text) {
        try {
            return numeric(text);
        } catch (BuildException e) {
            return OptionalInt.empty();
        }
    }

    private static BuildException noUser(String user) {
        return new BuildException("unable to find user " + user + ": no matching entries in passwd file");
    }

    private record Account(String name, int uid, int gid, String home) {
    }

    private record Group(String name, int gid, List<String> members) {
    }
}
