package dev.jbuild.layer.chunk;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A growable byte buffer for one member, reused from chunk to chunk (members are megabytes each):
 * a compressor writes into it, a {@link MemberCache} reads a member found into it.
 */
public final class MemberBytes extends ByteArrayOutputStream {
    public MemberBytes() {
        super(256 << 10);
    }

    /** The buffer; bytes {@code [0, size())} are the member. */
    public byte[] array() {
        return buf;
    }

    /** Makes room for {@code n} bytes written directly into {@link #array()}, then {@link #setSize}. */
    public void ensureCapacity(int n) {
        if (buf.length < n) {
            buf = Arrays.copyOf(buf, n);
        }
    }

    public void setSize(int n) {
        count = n;
    }
}
