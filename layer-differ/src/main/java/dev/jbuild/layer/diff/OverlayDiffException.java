package dev.jbuild.layer.diff;

import java.io.IOException;

/**
 * An overlay upper dir that cannot be turned into a layer faithfully, such as one written by a mount
 * with {@code redirect_dir} or {@code metacopy} enabled. The message names the path and says how to
 * mount instead; a caller may fall back to {@link TreeDiffer}.
 */
public final class OverlayDiffException extends IOException {
    private static final long serialVersionUID = 1L;

    public OverlayDiffException(String message) {
        super(message);
    }
}
