package dev.jbuild.builder.fs;

import java.util.List;

/**
 * The numeric identity a process runs as or a file is owned by: user id, primary group id and, for
 * a process, the supplementary groups it also belongs to (empty for file ownership). Names are
 * resolved before an {@code Ids} exists, against the image's own {@code /etc/passwd} and
 * {@code /etc/group} (see {@link UserDb}).
 */
public record Ids(int uid, int gid, List<Integer> additionalGids) {
    public Ids {
        additionalGids = List.copyOf(additionalGids);
    }

    /** An owner: a user and a group, no supplementary groups. */
    public static Ids of(int uid, int gid) {
        return new Ids(uid, gid, List.of());
    }
}
