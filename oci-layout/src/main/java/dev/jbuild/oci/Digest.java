package dev.jbuild.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A content digest, {@code algorithm:hex}, as the OCI image-spec defines it. Only sha256 and sha512
 * are accepted, with the exact hex length each needs, lower case, so that two spellings of one
 * digest can never name two blobs.
 *
 * @param algorithm {@code sha256} or {@code sha512}
 * @param hex the lower-case hex encoding of the hash
 */
public record Digest(String algorithm, String hex) {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

    public Digest {
        int length = switch (algorithm) {
            case "sha256" -> 64;
            case "sha512" -> 128;
            default -> throw new IllegalArgumentException("unsupported digest algorithm \"" + algorithm
                    + "\" (sha256 or sha512)");
        };
        if (hex.length() != length || !HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("invalid " + algorithm + " digest \"" + hex + "\": expected "
                    + length + " lower-case hex characters");
        }
    }

    /** Parses {@code sha256:…}; the message of the exception says what is wrong. */
    public static Digest parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("invalid digest \"" + text + "\": expected algorithm:hex, e.g. sha256:…");
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /** The sha256 digest of some bytes (small documents; stream large content through {@link #sha256()}). */
    public static Digest sha256(byte[] content) {
        return fromHash("sha256", sha256().digest(content));
    }

    /** A fresh SHA-256 hasher. */
    public static MessageDigest sha256() {
        return hasher("SHA-256");
    }

    /** A fresh hasher for this digest's algorithm, to verify content against it. */
    public MessageDigest newHasher() {
        return hasher(algorithm.toUpperCase(Locale.ROOT).replace("SHA", "SHA-"));
    }

    public static Digest fromHash(String algorithm, byte[] hash) {
        return new Digest(algorithm, HexFormat.of().formatHex(hash));
    }

    private static MessageDigest hasher(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(name + " is part of every JDK", e);
        }
    }

    /** The first 12 hex characters, as image IDs are usually shown. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
