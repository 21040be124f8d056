package dev.jbuild.builder.cache;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads what a {@link DataOutputStream} wrote to a cache file, from the file's bytes read whole:
 * a memo of 20,000 entries is a quarter of a million fields, and a {@link DataInputStream}
 * over a buffered stream takes a call through a lock and a copy for each. Reading past the end
 * is an {@link EOFException}, as a torn file should be.
 */
final class CacheInput {
    private final byte[] bytes;
    private int at;

    CacheInput(byte[] bytes) {
        this.bytes = bytes;
    }

    /** All the bytes (not copied: do not change them). */
    byte[] bytes() {
        return bytes;
    }

    /** Bytes not read yet. */
    int remaining() {
        return bytes.length - at;
    }

    /** Where the next read starts. */
    int position() {
        return at;
    }

    void skip(int n) throws EOFException {
        need(n);
        at += n;
    }

    byte readByte() throws EOFException {
        need(1);
        return bytes[at++];
    }

    int readUnsignedShort() throws EOFException {
        need(2);
        int v = (bytes[at] & 0xff) << 8 | bytes[at + 1] & 0xff;
        at += 2;
        return v;
    }

    int readInt() throws EOFException {
        need(4);
        int v = (bytes[at] & 0xff) << 24 | (bytes[at + 1] & 0xff) << 16 | (bytes[at + 2] & 0xff) << 8
                | bytes[at + 3] & 0xff;
        at += 4;
        return v;
    }

    long readLong() throws EOFException {
        return (long) readInt() << 32 | readInt() & 0xffffffffL;
    }

    byte[] readBytes(int n) throws EOFException {
        if (n < 0) {
            throw new EOFException("negative length " + n);
        }
        need(n);
        byte[] b = Arrays.copyOfRange(bytes, at, at + n);
        at += n;
        return b;
    }

    /**
     * What {@link DataOutputStream#writeUTF} wrote, as {@link DataInputStream#readUTF} reads it;
     * ASCII text (paths nearly always are) is taken as it is rather than decoded a character at a
     * time.
     */
    String readText() throws IOException {
        int length = readUnsignedShort();
        need(length);
        int from = at;
        at += length;
        for (int i = from; i < at; i++) {
            if (bytes[i] < 0) {
                byte[] utf = new byte[length + 2];
                System.arraycopy(bytes, from - 2, utf, 0, length + 2);
                return new DataInputStream(new ByteArrayInputStream(utf)).readUTF();
            }
        }
        return new String(bytes, from, length, StandardCharsets.ISO_8859_1);
    }

    private void need(int n) throws EOFException {
        if (n > bytes.length - at) {
            throw new EOFException("cache file ends " + (n - (bytes.length - at)) + " bytes short");
        }
    }
}
