package dev.jbuild.builder.cache;

import dev.jbuild.layer.sys.Syscalls;
import dev.jbuild.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The extended attributes a COPY carries over from its source (all but the host's own: overlayfs
 * bookkeeping, which would change what the layer means, and the SELinux label, which is the
 * builder's), read once for both the copy and the cache key: BuildKit's content hash of a file
 * includes its attributes (as tar PAX records), so setting a capability on a context file must
 * miss the cache as a content change does.
 */
public final class CopiedAttributes {
    private static final List<String> NOT_COPIED = List.of("trusted.overlay.", "security.selinux");

    private CopiedAttributes() {
    }

    /** The attributes of {@code path} (a symlink not followed) that a copy carries over, by name. */
    public static SortedMap<String, byte[]> of(Path path) throws IOException {
        List<String> names = Syscalls.listXattrsIfSupported(path).orElse(List.of());
        if (names.isEmpty()) {
            return Collections.emptySortedMap(); // most files: nothing to allocate
        }
        SortedMap<String, byte[]> values = new TreeMap<>();
        for (String name : names) {
            if (NOT_COPIED.stream().noneMatch(name::startsWith)) {
                Optional<byte[]> value = Syscalls.getXattr(path, name);
                value.ifPresent(v -> values.put(name, v));
            }
        }
        return values;
    }

    /** The sha256 of {@code path}'s copied attributes (names and values), or "" when it has none. */
    public static String digest(Path path) throws IOException {
        SortedMap<String, byte[]> values = of(path);
        if (values.isEmpty()) {
            return "";
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> v : values.entrySet()) {
                out.writeUTF(v.getKey());
                out.writeInt(v.getValue().length);
                out.write(v.getValue());
            }
        }
        return Digest.sha256(bytes.toByteArray()).hex();
    }
}
