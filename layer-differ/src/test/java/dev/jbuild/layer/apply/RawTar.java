package dev.jbuild.layer.apply;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes tar bytes exactly as told, for cases commons-compress would normalise on the way out:
 * PAX {@code path}/{@code linkpath} records, raw binary xattr values, GNU long names, odd names.
 */
final class RawTar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    RawTar entry(String name, char type, byte[] data, int mode, String link) {
        byte[] h = header(name.getBytes(StandardCharsets.UTF_8), type, data.length, mode, link, 0, 0, 1_600_000_000L);
        out.writeBytes(h);
        data(data);
        return this;
    }

    RawTar file(String name, String content) {
        return entry(name, '0', content.getBytes(StandardCharsets.UTF_8), 0644, "");
    }

    RawTar pax(Map<String, byte[]> records) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
            int rest = 1 + key.length + 1 + r.getValue().length + 1; // ' ' key '=' value '\n'
            int len = rest + 1;
            while (len != rest + Integer.toString(len).length()) {
                len = rest + Integer.toString(len).length();
            }
            body.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
            body.writeBytes(key);
            body.write('=');
            body.writeBytes(r.getValue());
            body.write('\n');
        }
        byte[] b = body.toByteArray();
        out.writeBytes(header("PaxHeaders/x".getBytes(StandardCharsets.US_ASCII), 'x', b.length, 0644, "", 0, 0, 0));
        data(b);
        return this;
    }

    RawTar gnuLongName(String name) {
        byte[] b = (name + "\0").getBytes(StandardCharsets.UTF_8);
        out.writeBytes(header("././@LongLink".getBytes(StandardCharsets.US_ASCII), 'L', b.length, 0644, "", 0, 0, 0));
        data(b);
        return this;
    }

    RawTar rawBytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    private void data(byte[] data) {
        out.writeBytes(data);
        int pad = (512 - data.length % 512) % 512;
        out.writeBytes(new byte[pad]);
    }

    byte[] finish() {
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    /** Without end-of-archive blocks, for truncation tests. */
    byte[] unfinished() {
        return out.toByteArray();
    }

    static byte[] header(byte[] name, char type, long size, int mode, String link, long uid, long gid, long mtime) {
        byte[] h = new byte[512];
        System.arraycopy(name, 0, h, 0, Math.min(name.length, 100));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        h[156] = (byte) type;
        byte[] l = link.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(l, 0, h, 157, Math.min(l.length, 100));
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        String s = String.format("%06o", sum);
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = String.format("%0" + (len - 1) + "o", v);
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
        h[off + len - 1] = 0;
    }
}
