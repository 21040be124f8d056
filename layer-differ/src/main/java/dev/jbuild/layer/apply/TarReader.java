package dev.jbuild.layer.apply;

import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A streaming tar reader for the formats layers come in: ustar, GNU (long names {@code L}/{@code K},
 * base-256 numbers) and PAX (local and global records). It is ours rather than commons-compress
 * because applying a layer needs the names exactly as written (commons-compress silently strips a
 * leading {@code /} from PAX and GNU long names) and xattr values as raw bytes (commons-compress
 * decodes PAX values as UTF-8, which corrupts binary values such as {@code security.capability}).
 * Sparse files and multi-volume archives are refused: OCI layers SHOULD NOT use them and nothing that
 * builds images writes them.
 */
final class TarReader {
    private static final int BLOCK = 512;
    /** Bound on GNU long names and PAX headers, so a hostile size cannot make us allocate gigabytes. */
    private static final int MAX_META = 16 * 1024 * 1024;

    private final BlobPipe in;
    private final byte[] header = new byte[BLOCK];
    private final Map<String, byte[]> globalPax = new LinkedHashMap<>();
    private final List<String> warnings;
    private long dataLeft;
    private long padLeft;
    private boolean done;

    TarReader(BlobPipe in, List<String> warnings) {
        this.in = in;
        this.warnings = warnings;
    }

    /** The next entry, or null at the end of the archive. Unread data of the previous entry is skipped. */
    TarEntry next() throws IOException {
        skipRest();
        if (done) {
            return null;
        }
        String longName = null;
        String longLink = null;
        Map<String, byte[]> pax = null;
        while (true) {
            long offset = in.consumed();
            if (!in.readFully(header, 0, BLOCK)) {
                // A tar without end-of-archive blocks: GNU tar and Go accept it, so do we.
                done = true;
                return null;
            }
            if (isZero(header)) {
                // End of archive: one zero block is enough for us; the producer reads the rest for the diffID.
                done = true;
                if (longName != null || pax != null) {
                    throw new LayerApplyException(null, "the layer ends after a long-name or PAX header with no entry");
                }
                return null;
            }
            verifyChecksum(offset);
            char type = (char) (header[156] & 0xff);
            long size = number(124, 12, "size", offset);
            if (size < 0) {
                throw corrupt(offset, "negative size");
            }
            switch (type) {
                case 'L', 'K' -> {
                    String value = metaString(size, offset);
                    if (type == 'L') {
                        longName = value;
                    } else {
                        longLink = value;
                    }
                    continue;
                }
                case 'x', 'X' -> {
                    pax = parsePax(readMeta(size, offset), offset);
                    continue;
                }
                case 'g' -> {
                    globalPax.putAll(parsePax(readMeta(size, offset), offset));
                    continue;
                }
                case 'V' -> { // volume label: no file
                    skipData(size);
                    skipRest();
                    continue;
                }
                default -> {
                }
            }
            return entry(type, size, longName, longLink, pax, offset);
        }
    }

    private TarEntry entry(char type, long size, String longName, String longLink, Map<String, byte[]> localPax,
                           long offset) throws IOException {
        Map<String, byte[]> pax = localPax;
        if (!globalPax.isEmpty()) {
            pax = new LinkedHashMap<>(globalPax);
            if (localPax != null) {
                pax.putAll(localPax);
            }
        }
        String name = longName != null ? longName : headerName();
        String link = longLink != null ? longLink : string(157, 100);
        int mode = (int) (number(100, 8, "mode", offset) & 07777);
        long uid = number(108, 8, "uid", offset);
        long gid = number(116, 8, "gid", offset);
        FileTime mtime = FileTime.from(number(136, 12, "mtime", offset), TimeUnit.SECONDS);
        long major = number(329, 8, "devmajor", offset);
        long minor = number(337, 8, "devminor", offset);
        Map<String, byte[]> xattrs = Map.of();
        if (pax != null) {
            for (Map.Entry<String, byte[]> e : pax.entrySet()) {
                String key = e.getKey();
                byte[] v = e.getValue();
                switch (key) {
                    case "path" -> name = utf8(v);
                    case "linkpath" -> link = utf8(v);
                    case "size" -> size = paxLong(key, v, offset);
                    case "uid" -> uid = paxLong(key, v, offset);
                    case "gid" -> gid = paxLong(key, v, offset);
                    case "mtime" -> mtime = paxTime(v, offset);
                    case "SCHILY.devmajor" -> major = paxLong(key, v, offset);
                    case "SCHILY.devminor" -> minor = paxLong(key, v, offset);
                    default -> {
                        if (key.startsWith("SCHILY.xattr.")) {
                            xattrs = mutable(xattrs);
                            xattrs.put(key.substring("SCHILY.xattr.".length()), v);
                        } else if (key.startsWith("LIBARCHIVE.xattr.")) {
                            xattrs = mutable(xattrs);
                            String xname = java.net.URLDecoder.decode(key.substring("LIBARCHIVE.xattr.".length()),
                                    StandardCharsets.UTF_8);
                            try {
                                xattrs.putIfAbsent(xname, Base64.getDecoder().decode(stripPadding(utf8(v))));
                            } catch (IllegalArgumentException bad) {
                                throw corrupt(offset, "bad base64 in PAX record " + key);
                            }
                        } else if (key.startsWith("GNU.sparse.")) {
                            throw new LayerApplyException(name, "refused: sparse files are not supported in layers");
                        }
                    }
                }
            }
            if (size < 0) {
                throw corrupt(offset, "negative size");
            }
        }
        char t = switch (type) {
            case '\0' -> name.endsWith("/") ? TarEntry.DIRECTORY : TarEntry.REGULAR; // v7: a slash made a directory
            case '0', '7' -> TarEntry.REGULAR;
            case 'D' -> TarEntry.DIRECTORY; // GNU dumpdir: a directory with a listing we do not need
            case '1', '2', '3', '4', '5', '6' -> type;
            case 'S' -> throw new LayerApplyException(name, "refused: GNU sparse files are not supported in layers");
            case 'M' -> throw new LayerApplyException(name, "refused: multi-volume archives are not supported");
            default -> {
                warnings.add("skipped entry \"" + LayerApplyException.printable(name) + "\" of unknown tar type '"
                        + LayerApplyException.printable(String.valueOf(type)) + "'");
                yield '?';
            }
        };
        // As Go's archive/tar (which writes and reads most layers): these types carry no data, whatever the size field says.
        boolean headerOnly = (type >= '1' && type <= '6') || (t == TarEntry.DIRECTORY && type == '\0');
        long data = headerOnly ? 0 : size;
        dataLeft = data;
        padLeft = pad(data);
        return new TarEntry(name, t, t == TarEntry.REGULAR ? size : 0, mode, uid, gid, mtime, link, major, minor, xattrs);
    }

    private static String stripPadding(String s) {
        return s.replace("=", "");
    }

    private static Map<String, byte[]> mutable(Map<String, byte[]> m) {
        return m instanceof LinkedHashMap ? m : new LinkedHashMap<>();
    }

    BlobPipe input() {
        return in;
    }

    /** Records that the caller consumed the current entry's data itself. */
    void dataConsumed() {
        dataLeft = 0;
    }

    private void skipRest() throws IOException {
        if (dataLeft > 0) {
            in.skip(dataLeft);
            dataLeft = 0;
        }
        if (padLeft > 0) {
            in.skip(padLeft);
            padLeft = 0;
        }
    }

    private void skipData(long size) throws IOException {
        dataLeft = size;
        padLeft = pad(size);
    }

    private static long pad(long size) {
        long rem = size % BLOCK;
        return rem == 0 ? 0 : BLOCK - rem;
    }

    private byte[] readMeta(long size, long offset) throws IOException {
        if (size > MAX_META) {
            throw corrupt(offset, "long-name or PAX header of " + size + " bytes (limit " + MAX_META + ")");
        }
        byte[] b = new byte[(int) size];
        if (!in.readFully(b, 0, b.length)) {
            throw new EOFException("the layer ends inside a header");
        }
        in.skip(pad(size));
        return b;
    }

    private String metaString(long size, long offset) throws IOException {
        byte[] b = readMeta(size, offset);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return decode(b, 0, n);
    }

    private Map<String, byte[]> parsePax(byte[] b, long offset) throws LayerApplyException {
        Map<String, byte[]> records = new LinkedHashMap<>();
        int p = 0;
        while (p < b.length) {
            if (b[p] == 0) { // some writers pad with NULs
                break;
            }
            int sp = p;
            long len = 0;
            while (sp < b.length && b[sp] >= '0' && b[sp] <= '9') {
                len = len * 10 + (b[sp] - '0');
                if (len > b.length) {
                    throw corrupt(offset, "bad PAX record length");
                }
                sp++;
            }
            if (sp == p || sp >= b.length || b[sp] != ' ' || p + len > b.length || len < (sp - p) + 3) {
                throw corrupt(offset, "bad PAX record");
            }
            int end = (int) (p + len); // exclusive; b[end-1] is '\n'
            if (b[end - 1] != '\n') {
                throw corrupt(offset, "PAX record not ending in a newline");
            }
            int eq = sp + 1;
            while (eq < end - 1 && b[eq] != '=') {
                eq++;
            }
            if (eq >= end - 1) {
                throw corrupt(offset, "PAX record without '='");
            }
            String key = new String(b, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(b, eq + 1, end - 1);
            records.put(key, value);
            p = end;
        }
        return records;
    }

    private long paxLong(String key, byte[] v, long offset) throws LayerApplyException {
        try {
            return Long.parseLong(new String(v, StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            throw corrupt(offset, "bad PAX " + key + " \"" + LayerApplyException.printable(utf8(v)) + "\"");
        }
    }

    private FileTime paxTime(byte[] v, long offset) throws LayerApplyException {
        String s = new String(v, StandardCharsets.US_ASCII).trim();
        try {
            BigDecimal d = new BigDecimal(s);
            BigDecimal secs = d.setScale(0, java.math.RoundingMode.FLOOR);
            int nanos = d.subtract(secs).movePointRight(9).intValue();
            return FileTime.from(Instant.ofEpochSecond(secs.longValueExact(), nanos));
        } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
            throw corrupt(offset, "bad PAX mtime \"" + LayerApplyException.printable(s) + "\"");
        }
    }

    private String headerName() {
        String name = string(0, 100);
        boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r' && header[262] == 0;
        if (ustar && header[345] != 0) {
            name = string(345, 155) + "/" + name;
        }
        return name;
    }

    private String string(int off, int len) {
        int n = 0;
        while (n < len && header[off + n] != 0) {
            n++;
        }
        return decode(header, off, n);
    }

    /** Names are bytes; we read them as UTF-8, and say so when a name is not valid UTF-8. */
    private String decode(byte[] b, int off, int n) {
        boolean ascii = true;
        for (int i = off; i < off + n; i++) {
            if (b[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(b, off, n, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, n)).toString();
        } catch (CharacterCodingException e) {
            String s = new String(b, off, n, StandardCharsets.UTF_8);
            warnings.add("name \"" + LayerApplyException.printable(s) + "\" is not valid UTF-8; invalid bytes became U+FFFD");
            return s;
        }
    }

    private String utf8(byte[] v) {
        return decode(v, 0, v.length);
    }

    private long number(int off, int len, String field, long offset) throws LayerApplyException {
        int first = header[off] & 0xff;
        if ((first & 0x80) != 0) { // GNU base-256: big-endian two's complement
            long v = (first & 0x40) != 0 ? -1 : 0; // sign bit below the marker bit
            v = (v << 7) | (first & 0x7f);
            for (int i = 1; i < len; i++) {
                if ((v >>> 55) != 0 && (v >> 55) != -1) {
                    throw corrupt(offset, field + " does not fit in 64 bits");
                }
                v = (v << 8) | (header[off + i] & 0xff);
            }
            return v;
        }
        int i = off;
        int end = off + len;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        long v = 0;
        boolean any = false;
        while (i < end && header[i] >= '0' && header[i] <= '7') {
            if ((v >>> 60) != 0) {
                throw corrupt(offset, field + " does not fit in 64 bits");
            }
            v = (v << 3) | (header[i] - '0');
            i++;
            any = true;
        }
        while (i < end) {
            if (header[i] != ' ' && header[i] != 0) {
                throw corrupt(offset, "bad octal " + field + " field");
            }
            i++;
        }
        return any ? v : 0;
    }

    private void verifyChecksum(long offset) throws LayerApplyException {
        long expected = number(148, 8, "checksum", offset);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : header[i];
            unsigned += b & 0xff;
            signed += (byte) b;
        }
        if (expected != unsigned && expected != signed) {
            throw corrupt(offset, offset == 0
                    ? "not a tar archive (header checksum mismatch at the start; is the blob a layer?)"
                    : "tar header checksum mismatch");
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static LayerApplyException corrupt(long offset, String what) {
        return new LayerApplyException(null, "corrupt layer at tar offset " + offset + ": " + what);
    }
}
