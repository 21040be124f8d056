package dev.jbuild.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the private key of a client certificate ({@code client.key} in a certs.d directory) in the
 * PEM forms openssl writes: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 RSA ({@code RSA PRIVATE KEY}) and
 * SEC1 EC ({@code EC PRIVATE KEY}). The JDK reads only PKCS#8, so the other two are wrapped into
 * it: the same key with the algorithm named around it. Encrypted keys are refused with a message.
 */
final class PemKeys {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]*)PRIVATE KEY-----\\s*(?:[A-Za-z-]+:[^\\n]*\\n)*([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");
    private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
        0x01, 0x01};
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final byte[] NULL = {0x05, 0x00};

    private PemKeys() {
    }

    static PrivateKey read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = PEM.matcher(text);
        if (!m.find()) {
            throw new IOException(file + ": no PEM private key in it");
        }
        String kind = m.group(1).trim();
        if (kind.equals("ENCRYPTED") || text.contains("Proc-Type: 4,ENCRYPTED")) {
            throw new IOException(file + ": the key is encrypted; give jbuild an unencrypted key "
                    + "(openssl pkey -in KEY -out client.key)");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        byte[] pkcs8 = switch (kind) {
            case "" -> der;
            case "RSA" -> pkcs8(concat(RSA_OID, NULL), der);
            case "EC" -> pkcs8(concat(EC_OID, curveOf(der, file)), der);
            default -> throw new IOException(file + ": unsupported key type \"" + kind + " PRIVATE KEY\"");
        };
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException notThisOne) {
                // try the next algorithm
            }
        }
        throw new IOException(file + ": not an RSA, EC or EdDSA private key");
    }

    /** PrivateKeyInfo: SEQUENCE { INTEGER 0, SEQUENCE { algorithm }, OCTET STRING { key } }. */
    private static byte[] pkcs8(byte[] algorithm, byte[] key) {
        return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, tlv(0x30, algorithm), tlv(0x04, key)));
    }

    /**
     * The named-curve OID of a SEC1 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING key,
     * [0] { OID curve }, [1] public key }.
     */
    private static byte[] curveOf(byte[] sec1, Path file) throws IOException {
        int[] pos = {0};
        expect(sec1, pos, 0x30, file);
        length(sec1, pos);
        while (pos[0] < sec1.length) {
            int tag = sec1[pos[0]++] & 0xff;
            int len = length(sec1, pos);
            if (tag == 0xa0) {
                return Arrays.copyOfRange(sec1, pos[0], pos[0] + len);
            }
            pos[0] += len;
        }
        throw new IOException(file + ": the EC key names no curve");
    }

    private static void expect(byte[] der, int[] pos, int tag, Path file) throws IOException {
        if ((der[pos[0]++] & 0xff) != tag) {
            throw new IOException(file + ": malformed key");
        }
    }

    private static int length(byte[] der, int[] pos) {
        int first = der[pos[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int n = 0;
        for (int i = 0; i < (first & 0x7f); i++) {
            n = (n << 8) | (der[pos[0]++] & 0xff);
        }
        return n;
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = value.length;
        if (len < 0x80) {
            out.write(len);
        } else {
            int bytes = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(len >>> (8 * i));
            }
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
