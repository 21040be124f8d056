package dev.jbuild.layer.apply;

import dev.jbuild.oci.Digest;
import java.util.Objects;
import java.util.Optional;

/**
 * Options for {@link LayerApplier}; start from {@link #defaults()}.
 *
 * @param expectedDiffId when present, the sha256 of the uncompressed tar must equal it, else the apply
 *     fails and the target is left as it was
 * @param privileged whether to do what only root can: keep uid/gid, create device nodes, set xattrs
 *     outside {@code user.*}; empty means "if the effective uid is 0"
 * @param overlayXattrs the xattr namespace overlay whiteouts use in {@link ApplyMode#OVERLAY} mode
 */
public record ApplyOptions(Optional<Digest> expectedDiffId, Optional<Boolean> privileged,
                           OverlayXattrs overlayXattrs) {

    /**
     * Which xattr namespace the overlay mount will read: {@code trusted.overlay.*} (the kernel
     * default, needs CAP_SYS_ADMIN to write) or {@code user.overlay.*} (mounts with the
     * {@code userxattr} option, as used in user namespaces since Linux 5.11).
     */
    public enum OverlayXattrs {
        TRUSTED("trusted.overlay."),
        USER("user.overlay.");

        private final String prefix;

        OverlayXattrs(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }
    }

    public ApplyOptions {
        Objects.requireNonNull(expectedDiffId, "expectedDiffId");
        Objects.requireNonNull(privileged, "privileged");
        Objects.requireNonNull(overlayXattrs, "overlayXattrs");
    }

    /** No diffID check, privileges detected from the effective uid, {@code trusted.overlay.*}. */
    public static ApplyOptions defaults() {
        return new ApplyOptions(Optional.empty(), Optional.empty(), OverlayXattrs.TRUSTED);
    }

    public ApplyOptions withExpectedDiffId(Digest diffId) {
        return new ApplyOptions(Optional.of(diffId), privileged, overlayXattrs);
    }

    public ApplyOptions withPrivileged(boolean value) {
        return new ApplyOptions(expectedDiffId, Optional.of(value), overlayXattrs);
    }

    public ApplyOptions withOverlayXattrs(OverlayXattrs value) {
        return new ApplyOptions(expectedDiffId, privileged, value);
    }
}
