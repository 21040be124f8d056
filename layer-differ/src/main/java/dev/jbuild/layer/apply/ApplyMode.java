package dev.jbuild.layer.apply;

/**
 * What a layer's OCI whiteouts become when it is applied to a directory.
 *
 * <ul>
 *   <li>{@link #FLAT}: a plain root filesystem. {@code .wh.x} deletes {@code x} from what lower
 *       layers put there; {@code .wh..wh..opq} empties a directory of lower content. Works without
 *       root (ownership is then not kept).</li>
 *   <li>{@link #OVERLAY}: an overlayfs lower dir holding this layer alone, as the store keeps
 *       snapshots. {@code .wh.x} becomes a character device 0/0 named {@code x};
 *       {@code .wh..wh..opq} becomes the xattr {@code trusted.overlay.opaque=y} (or
 *       {@code user.overlay.opaque=y} for {@code userxattr} mounts) on its directory.</li>
 * </ul>
 * In both modes no {@code .wh.*} file is ever left in the output.
 */
public enum ApplyMode {
    FLAT,
    OVERLAY
}
