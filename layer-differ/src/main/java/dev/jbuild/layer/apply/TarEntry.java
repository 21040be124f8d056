package dev.jbuild.layer.apply;

import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * One tar entry after its GNU long-name and PAX records have been applied.
 *
 * @param name the entry name as the layer spells it, not yet checked
 * @param type the tar type flag, normalised: {@code '0'} for every regular file form
 * @param size the data bytes of a regular file; 0 for every other type (the reader skips any data
 *     other types carry)
 * @param mode permission bits including setuid, setgid and sticky
 * @param linkName the target of a symlink or hardlink, else empty
 * @param xattrs extended attributes from {@code SCHILY.xattr.*} / {@code LIBARCHIVE.xattr.*}, raw bytes
 */
record TarEntry(String name, char type, long size, int mode, long uid, long gid, FileTime mtime, String linkName,
                long devMajor, long devMinor, Map<String, byte[]> xattrs) {
    static final char REGULAR = '0';
    static final char HARDLINK = '1';
    static final char SYMLINK = '2';
    static final char CHAR = '3';
    static final char BLOCK = '4';
    static final char DIRECTORY = '5';
    static final char FIFO = '6';

    String typeName() {
        return switch (type) {
            case REGULAR -> "file";
            case HARDLINK -> "hardlink";
            case SYMLINK -> "symlink";
            case CHAR -> "character device";
            case BLOCK -> "block device";
            case DIRECTORY -> "directory";
            case FIFO -> "fifo";
            default -> "type '" + type + "'";
        };
    }
}
