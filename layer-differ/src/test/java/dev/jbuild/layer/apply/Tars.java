package dev.jbuild.layer.apply;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds test layers with commons-compress, one call per entry. */
final class Tars {
    static final long MTIME = 1_500_000_000_000L;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    Tars() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    static Tars layer() {
        return new Tars();
    }

    Tars dir(String name) {
        return dir(name, 0755);
    }

    Tars dir(String name, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
        e.setMode(mode);
        e.setModTime(MTIME);
        return put(e, null);
    }

    Tars file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    Tars file(String name, byte[] content, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setMode(mode);
        e.setSize(content.length);
        e.setModTime(MTIME);
        return put(e, content);
    }

    Tars symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(target);
        e.setMode(0777);
        e.setModTime(MTIME);
        return put(e, null);
    }

    Tars hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        e.setLinkName(target);
        e.setMode(0644);
        e.setModTime(MTIME);
        return put(e, null);
    }

    Tars whiteout(String name) {
        return file(name, new byte[0], 0);
    }

    /** Any entry, customised by the caller (owner, mode, xattrs, devices). */
    Tars put(TarArchiveEntry e, byte[] content) {
        try {
            if (content != null) {
                e.setSize(content.length);
            }
            tar.putArchiveEntry(e);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
            return this;
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    byte[] tar() {
        try {
            tar.close();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] tar) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(tar);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return out.toByteArray();
    }

    static byte[] zstd(byte[] tar) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out)) {
            z.write(tar);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return out.toByteArray();
    }

    static ApplyResult apply(byte[] blob, Path target, ApplyMode mode) throws IOException {
        return LayerApplier.apply(new ByteArrayInputStream(blob), target, mode, ApplyOptions.defaults());
    }

    static ApplyResult apply(byte[] blob, Path target, ApplyMode mode, ApplyOptions options) throws IOException {
        return LayerApplier.apply(new ByteArrayInputStream(blob), target, mode, options);
    }
}
