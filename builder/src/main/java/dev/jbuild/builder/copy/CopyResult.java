package dev.jbuild.builder.copy;

/**
 * What one COPY wrote: regular files (hard links to a file already copied included), directories,
 * symbolic links, device nodes and fifos, and the bytes of file content copied (hard links add none).
 */
public record CopyResult(long files, long directories, long symlinks, long specials, long bytes) {
}
