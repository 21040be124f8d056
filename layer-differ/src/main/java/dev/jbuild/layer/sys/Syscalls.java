package dev.jbuild.layer.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The few Linux system calls the JDK lacks, through JNA: device nodes and fifos ({@code mknod}),
 * extended attributes outside {@code user.*} such as {@code security.capability} and
 * {@code trusted.overlay.opaque} ({@code l*xattr}, never following symlinks), and
 * {@code mount}/{@code umount2}. Everything else about files goes through {@code java.nio.file}.
 * Failures are {@link IOException}s naming the call, the path and the errno text.
 */
public final class Syscalls {
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFIFO = 0010000;
    private static final int ENODATA = 61;
    private static final int ERANGE = 34;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int ENOTSUP = 95;

    /** glibc, bound once; each method declares LastErrorException so JNA captures errno. */
    interface LibC extends Library {
        int mknod(String path, int mode, long dev) throws LastErrorException;

        int lsetxattr(String path, String name, byte[] value, long size, int flags) throws LastErrorException;

        long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;

        int mount(String source, String target, String fstype, long flags, String data) throws LastErrorException;

        int umount2(String target, int flags) throws LastErrorException;

        int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;

        String strerror(int errnum);
    }

    private static final class Holder {
        static final LibC C = Native.load("c", LibC.class);
    }

    /**
     * The calls made once per file of a large copy, bound directly (JNA's direct mapping): a call
     * through the {@link LibC} proxy costs several microseconds of reflection and conversions, which
     * for 20,000 files was a fifth of a second.
     */
    private static final class Direct {
        static {
            Native.register("c");
        }

        static native long llistxattr(String path, byte[] list, long size) throws LastErrorException;
    }

    private Syscalls() {
    }

    /** Linux's {@code makedev}. */
    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    public static long major(long dev) {
        return ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
    }

    public static long minor(long dev) {
        return ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
    }

    /** Creates a device node or fifo; {@code type} is {@link #S_IFCHR}, {@link #S_IFBLK} or {@link #S_IFIFO}. */
    public static void mknod(Path path, int type, int permissions, long device) throws IOException {
        try {
            Holder.C.mknod(path.toString(), type | (permissions & 07777), device);
        } catch (LastErrorException e) {
            throw failure("mknod", path, e);
        }
    }

    /**
     * Sets the access and modification times of the path itself, without opening it (so a fifo does
     * not block and a device sees nothing) and without following a symlink: {@code utimensat} with
     * {@code AT_SYMLINK_NOFOLLOW}. The JDK's {@code setTimes} opens the file instead.
     */
    public static void setTimesNoFollow(Path path, Instant time) throws IOException {
        long[] times = {time.getEpochSecond(), time.getNano(), time.getEpochSecond(), time.getNano()};
        try {
            Holder.C.utimensat(AT_FDCWD, path.toString(), times, AT_SYMLINK_NOFOLLOW);
        } catch (LastErrorException e) {
            throw failure("utimensat", path, e);
        }
    }

    /** Sets an extended attribute on the path itself, not on a symlink's target. */
    public static void setXattr(Path path, String name, byte[] value) throws IOException {
        try {
            Holder.C.lsetxattr(path.toString(), name, value, value.length, 0);
        } catch (LastErrorException e) {
            throw failure("lsetxattr " + name, path, e);
        }
    }

    /** An extended attribute of the path itself, or empty when it has none of that name. */
    public static Optional<byte[]> getXattr(Path path, String name) throws IOException {
        byte[] buf = new byte[256];
        while (true) {
            try {
                long n = Holder.C.lgetxattr(path.toString(), name, buf, buf.length);
                byte[] out = new byte[(int) n];
                System.arraycopy(buf, 0, out, 0, (int) n);
                return Optional.of(out);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ENODATA) {
                    return Optional.empty();
                }
                if (e.getErrorCode() != ERANGE) {
                    throw failure("lgetxattr " + name, path, e);
                }
                buf = new byte[buf.length * 4];
            }
        }
    }

    /** The names of the path's extended attributes (of the path itself), in the kernel's order. */
    public static List<String> listXattrs(Path path) throws IOException {
        String name = path.toString();
        // First without a buffer: most files have no attributes, and then that one call says so.
        byte[] buf = null;
        long n;
        while (true) {
            try {
                n = Direct.llistxattr(name, buf, buf == null ? 0 : buf.length);
                if (n == 0 || buf != null) {
                    break;
                }
                buf = new byte[(int) n + 256]; // room for an attribute added meanwhile
            } catch (LastErrorException e) {
                if (e.getErrorCode() != ERANGE) {
                    throw failure("llistxattr", path, e);
                }
                buf = new byte[Math.max(1024, buf == null ? 0 : buf.length * 4)];
            }
        }
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (buf[i] == 0) {
                if (i > start) {
                    names.add(new String(buf, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return names;
    }

    /**
     * Like {@link #listXattrs}, but empty when the file system does not support extended
     * attributes at all ({@code ENOTSUP}); every other failure is still an exception.
     */
    public static Optional<List<String>> listXattrsIfSupported(Path path) throws IOException {
        try {
            return Optional.of(listXattrs(path));
        } catch (ErrnoException e) {
            if (e.errno() == ENOTSUP) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** {@code mount(2)}; {@code data} is the file-system specific option string, or null. */
    public static void mount(String source, Path target, String fstype, long flags, String data) throws IOException {
        try {
            Holder.C.mount(source, target.toString(), fstype, flags, data);
        } catch (LastErrorException e) {
            throw failure("mount " + fstype, target, e);
        }
    }

    /** {@code umount2(2)}; {@code MNT_DETACH} is 2. */
    public static void umount(Path target, int flags) throws IOException {
        try {
            Holder.C.umount2(target.toString(), flags);
        } catch (LastErrorException e) {
            throw failure("umount", target, e);
        }
    }

    private static ErrnoException failure(String call, Path path, LastErrorException e) {
        return new ErrnoException(call + " " + path + ": " + Holder.C.strerror(e.getErrorCode())
                + " (errno " + e.getErrorCode() + ")", e.getErrorCode());
    }

    /** A failed system call, with its errno for callers that treat some as answers rather than errors. */
    public static final class ErrnoException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        ErrnoException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }
}
