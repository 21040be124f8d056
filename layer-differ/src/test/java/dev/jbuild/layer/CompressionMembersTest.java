package dev.jbuild.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Streams of several gzip members (chunked layers, pigz -i, bgzip) are read to their end. */
class CompressionMembersTest {
    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes());
        }
        return out.toByteArray();
    }

    /**
     * Like a pipe whose writer sends one member at a time: each read ends at a member's end and
     * nothing is ever reported available. JDK 17's GZIPInputStream alone stops after member one.
     */
    private static InputStream memberByMember(List<byte[]> members) {
        return new InputStream() {
            int member;
            int pos;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (member == members.size()) {
                    return -1;
                }
                byte[] m = members.get(member);
                int n = Math.min(len, m.length - pos);
                System.arraycopy(m, pos, b, off, n);
                pos += n;
                if (pos == m.length) {
                    member++;
                    pos = 0;
                }
                return n;
            }

            @Override
            public int available() {
                return 0;
            }
        };
    }

    @Test
    void everyMemberIsReadEvenWhenNothingIsBuffered() throws IOException {
        List<byte[]> members = List.of(gzip("first "), gzip("second "), gzip("third"));
        try (InputStream in = Compression.GZIP.decompress(memberByMember(members))) {
            assertEquals("first second third", new String(in.readAllBytes()));
        }
        try (InputStream in = Compression.decompressing(memberByMember(members))) {
            assertEquals("first second third", new String(in.readAllBytes()));
        }
    }
}
