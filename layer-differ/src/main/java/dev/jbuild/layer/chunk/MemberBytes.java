package dev.jbuild.layer.chunk;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/** A growable byte buffer for one member, reused from chunk to chunk (members are megabytes each). */
final class MemberBytes extends ByteArrayOutputStream {
    MemberBytes() {
        super(256 << 10);
    }

    /** The buffer; bytes {@code [0, size())} are the member. */
    byte[] array() {
        return buf;
    }

    /** Makes room for {@code n} bytes written directly into {@link #array()}, then {@link #setSize}. */
    void ensureCapacity(int n) {
        if (buf.length < n) {
            buf = Arrays.copyOf(buf, n);
        }
    }

    void setSize(int n) {
        count = n;
    }
}
