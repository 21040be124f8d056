package dev.jbuild.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one JSON setup of jbuild's image documents: how they are read, and the canonical form in
 * which they are written, so that the same image always has the same bytes and hence the same
 * digest.
 *
 * <p>Canonical form, as {@link #write(Object)} produces it:
 * <ul>
 * <li>UTF-8, no whitespace between tokens, no trailing newline.
 * <li>Members of the model records in the order Go's {@code encoding/json} writes the
 * image-spec structs that containerd and BuildKit use (e.g. a descriptor is {@code mediaType,
 * digest, size, urls, annotations, data, platform, artifactType}); unknown members follow, sorted.
 * The top level of an image config is entirely sorted by key, because BuildKit and moby both
 * re-marshal it through a Go map before writing it.
 * <li>Maps (labels, annotations, {@code ExposedPorts}, {@code Volumes}) and unknown objects,
 * recursively, sorted by key in code point order, which is the byte order Go sorts map keys in.
 * <li>No {@code null}; optional members that are empty are omitted (Go's {@code omitempty}), but
 * {@code layers}, {@code manifests}, {@code rootfs.diff_ids} and {@code config} are always present.
 * <li>Strings escaped as Go escapes them: {@code <}, {@code >}, {@code &}, U+2028 and U+2029 as
 * <code>&#92;u003c</code>-style escapes (Go's default HTML-safe escaping, which containerd and BuildKit
 * inherit by using {@code json.Marshal}); control characters as {@code \n}, {@code \t} … or
 * lower-case <code>&#92;u00xx</code>; everything else, including non-ASCII, as raw UTF-8. So a label such
 * as {@code a<b} gets the same bytes from jbuild as from BuildKit.
 * </ul>
 *
 * <p>Reading is lenient about members it does not know (they are kept, see {@link UnknownFields})
 * and strict about everything else: wrong types, invalid digests, duplicate keys (two parsers
 * could disagree on which one wins, the root of CVE-2021-41190-style confusion) and trailing
 * content are errors that name the document and the field. A document read and written again is
 * equal in value to the original but need not be equal in bytes (BuildKit indents manifests, for
 * example), so the digest of content that was read is always computed over the bytes as read.
 */
public final class Json {
    private Json() {
    }

    /**
     * Code point order: Go sorts map keys by their UTF-8 bytes, which is the same order; Java's
     * {@code String.compareTo} differs from it for characters outside the BMP.
     */
    static final Comparator<String> KEY_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    /** Reads and writes the documents (see {@link JsonTrees}), in the canonical form's escaping. */
    private static final JsonFactory FACTORY = factory();

    /**
     * Binds plain records and maps (small files such as {@code oci-layout}, remote blob records);
     * a holder, so the 50 ms an ObjectMapper takes to set up are spent only by the commands that
     * bind such a file, not by every rebuild.
     */
    private static final class Binder {
        static final ObjectMapper MAPPER = JsonMapper.builder(factory())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // Numbers in unknown members must survive exactly: 0.1 stays 0.1, 1.50 stays 1.50.
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                        JsonInclude.Include.NON_NULL))
                .build();
    }

    private static JsonFactory factory() {
        return new JsonFactoryBuilder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // Go writes lower-case hex in its escapes of control characters.
                .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
                // Go writes characters outside the BMP as 4 UTF-8 bytes, not as escaped surrogates.
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                .characterEscapes(new GoEscapes())
                .build();
    }

    private static final Pattern RFC3339 = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?(?:[Zz]|[+-]\\d{2}:\\d{2})");

    // Go's time.RFC3339Nano: fraction with trailing zeros removed, no fraction at all when zero.
    private static final DateTimeFormatter RFC3339_NANO = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .appendLiteral('Z')
            .toFormatter(Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    static JsonNodeFactory nodes() {
        return JsonNodeFactory.instance;
    }

    /**
     * The canonical bytes of a document. Accepts the model types of this package
     * ({@link Manifest}, {@link Index}, {@link ImageConfig}, {@link Descriptor}, {@link Platform}
     * and the parts of a config), a Jackson {@link JsonNode} (written with every object's keys
     * sorted), or a plain value such as a map or a record of strings, numbers and lists (converted
     * by Jackson, nulls dropped, keys sorted) for small files like {@code oci-layout}.
     */
    public static byte[] write(Object document) {
        JsonNode tree = toTree(document);
        try {
            return JsonTrees.write(FACTORY, tree);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + document.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("writing to a byte array cannot fail", e);
        }
    }

    /** The canonical form as a string, for messages and tests. */
    public static String writeString(Object document) {
        return new String(write(document), java.nio.charset.StandardCharsets.UTF_8);
    }

    static JsonNode toTree(Object document) {
        if (document instanceof Manifest m) {
            return m.toJson();
        } else if (document instanceof Index i) {
            return i.toJson();
        } else if (document instanceof ImageConfig c) {
            return c.toJson();
        } else if (document instanceof Descriptor d) {
            return d.toJson();
        } else if (document instanceof Platform p) {
            return p.toJson();
        } else if (document instanceof ContainerConfig c) {
            return c.toJson();
        } else if (document instanceof Healthcheck h) {
            return h.toJson();
        } else if (document instanceof HistoryEntry h) {
            return h.toJson();
        } else if (document instanceof RootFs r) {
            return r.toJson();
        } else if (document instanceof JsonNode n) {
            return sorted(n);
        } else if (document == null) {
            throw new IllegalArgumentException("cannot write null as a JSON document");
        }
        return sorted(Binder.MAPPER.valueToTree(document));
    }

    /**
     * Reads a document of one of the model types (or {@link ManifestDocument}, or
     * {@link JsonNode}, or a plain record or class Jackson can bind), naming it by its type in
     * errors.
     *
     * @throws InvalidDocumentException if the content is not valid JSON or not a valid document
     */
    public static <T> T read(byte[] content, Class<T> type) {
        return read(content, type, describe(type));
    }

    /**
     * Reads a document; {@code document} names it in errors, e.g.
     * {@code "image config sha256:…"} or {@code "manifest of docker.io/library/alpine:3.20"}.
     *
     * @throws InvalidDocumentException if the content is not valid JSON or not a valid document
     */
    public static <T> T read(byte[] content, Class<T> type, String document) {
        Object value;
        if (type == Manifest.class || type == Index.class || type == ManifestDocument.class) {
            ManifestDocument doc = ManifestDocument.read(content, Optional.empty(), document);
            if (!type.isInstance(doc)) {
                throw new InvalidDocumentException(document, "", type == Manifest.class
                        ? "expected an image manifest but this is an image index (" + doc.effectiveMediaType()
                                + "); select a platform's manifest from it first"
                        : "expected an image index but this is an image manifest (" + doc.effectiveMediaType() + ")");
            }
            value = doc;
        } else if (type == ImageConfig.class) {
            value = ImageConfig.fromJson(JsonFields.of(readTree(content, document), document, ""));
        } else if (type == Descriptor.class) {
            value = Descriptor.fromJson(JsonFields.of(readTree(content, document), document, ""));
        } else if (type == Platform.class) {
            value = Platform.fromJson(JsonFields.of(readTree(content, document), document, ""));
        } else if (JsonNode.class.isAssignableFrom(type)) {
            value = readTree(content, document);
            if (!type.isInstance(value)) {
                throw new InvalidDocumentException(document, "", "expected a " + type.getSimpleName() + ", got "
                        + JsonFields.kind((JsonNode) value));
            }
        } else {
            try {
                value = Binder.MAPPER.treeToValue(readTree(content, document), type);
            } catch (JsonProcessingException | IllegalArgumentException e) {
                String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
                throw new InvalidDocumentException(document, "", message, e);
            }
        }
        return type.cast(value);
    }

    /** Parses JSON text into a tree, strictly (no duplicate keys, nothing after the value). */
    static JsonNode readTree(byte[] content, String document) {
        if (content.length == 0) {
            throw new InvalidDocumentException(document, "", "the document is empty");
        }
        try {
            return JsonTrees.read(FACTORY, content)
                    .orElseThrow(() -> new InvalidDocumentException(document, "", "the document is empty"));
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new InvalidDocumentException(document, "", "not valid JSON: " + e.getOriginalMessage() + where, e);
        } catch (IOException e) {
            throw new IllegalStateException("reading from a byte array cannot fail", e);
        }
    }

    /** The digest jbuild names documents by: sha256 of the exact bytes. */
    public static Digest digestOf(byte[] content) {
        return Digest.sha256(content);
    }

    /**
     * An instant as Go's {@code time.RFC3339Nano} writes it in UTC, e.g.
     * {@code 2024-05-01T10:00:00.5Z}: what BuildKit writes for {@code created}, so that jbuild's
     * timestamps have the same shape. Timestamps read from documents are never re-formatted.
     */
    public static String timestamp(Instant instant) {
        return RFC3339_NANO.format(instant);
    }

    /** Checks the shape RFC 3339 (section 5.6) requires; what Go's {@code time.Time} accepts. */
    static String requireTimestamp(String text, String field) {
        if (RFC3339.matcher(text).matches()) {
            try {
                OffsetDateTime.parse(text.toUpperCase(Locale.ROOT));
                return text;
            } catch (DateTimeParseException e) {
                // out-of-range fields fall through to the message below
            }
        }
        throw new IllegalArgumentException(field + ": \"" + text
                + "\" is not an RFC 3339 timestamp (e.g. 2024-05-01T10:00:00Z)");
    }

    /** Parses a timestamp that {@link #requireTimestamp} accepted. */
    static Instant parseTimestamp(String text) {
        return OffsetDateTime.parse(text.toUpperCase(Locale.ROOT)).toInstant();
    }

    /** A deep copy with every object's members sorted by {@link #KEY_ORDER}. */
    static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
            members.sort(Map.Entry.comparingByKey(KEY_ORDER));
            ObjectNode out = nodes().objectNode();
            members.forEach(e -> out.set(e.getKey(), sorted(e.getValue())));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = nodes().arrayNode(node.size());
            node.forEach(element -> out.add(sorted(element)));
            return out;
        }
        return node.deepCopy();
    }

    private static String describe(Class<?> type) {
        if (type == Manifest.class) {
            return "image manifest";
        } else if (type == Index.class) {
            return "image index";
        } else if (type == ManifestDocument.class) {
            return "manifest";
        } else if (type == ImageConfig.class) {
            return "image config";
        } else if (type == Descriptor.class) {
            return "descriptor";
        } else if (type == Platform.class) {
            return "platform";
        }
        return "JSON document (" + type.getSimpleName() + ")";
    }

    /** Go's {@code encoding/json} string escaping, HTML-safe variant (its default). */
    private static final class GoEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private static final SerializedString LT = new SerializedString("\\u003c");
        private static final SerializedString GT = new SerializedString("\\u003e");
        private static final SerializedString AMP = new SerializedString("\\u0026");
        private static final SerializedString LINE_SEPARATOR = new SerializedString("\\u2028");
        private static final SerializedString PARAGRAPH_SEPARATOR = new SerializedString("\\u2029");

        private final int[] ascii;

        GoEscapes() {
            ascii = standardAsciiEscapesForJSON();
            ascii['<'] = ESCAPE_CUSTOM;
            ascii['>'] = ESCAPE_CUSTOM;
            ascii['&'] = ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            switch (ch) {
                case '<':
                    return LT;
                case '>':
                    return GT;
                case '&':
                    return AMP;
                case 0x2028:
                    return LINE_SEPARATOR;
                case 0x2029:
                    return PARAGRAPH_SEPARATOR;
                default:
                    return null;
            }
        }
    }
}
