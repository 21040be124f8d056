package dev.jbuild.builder.copy;

import java.util.List;

/**
 * What unpacking one archive wrote, counted as {@link CopyResult} counts a copy: regular files
 * (hardlinks included), directories, symbolic links, device nodes and fifos, and the bytes of file
 * content (the entry for the destination directory itself is not counted); and what it had to leave
 * out, one sentence per thing (a device node without the privilege to create it, an extended
 * attribute the file system refused).
 */
public record ExtractResult(long files, long directories, long symlinks, long specials, long bytes,
        List<String> warnings) {
    public ExtractResult {
        warnings = List.copyOf(warnings);
    }
}
