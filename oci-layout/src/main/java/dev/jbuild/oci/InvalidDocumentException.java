package dev.jbuild.oci;

/**
 * A JSON document (manifest, index, image config, descriptor) that jbuild cannot accept: not JSON,
 * a field of the wrong type, an invalid digest, an unsupported schema. The message names the
 * document and the field ({@code image manifest sha256:…: layers[1].digest: …}) so a user can find
 * what is wrong without a stack trace. Unchecked, because a malformed document is a property of the
 * input, reported once at the edge, not a condition callers recover from locally.
 */
public class InvalidDocumentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String document;
    private final String field;

    public InvalidDocumentException(String document, String field, String problem) {
        this(document, field, problem, null);
    }

    public InvalidDocumentException(String document, String field, String problem, Throwable cause) {
        super(document + ": " + (field.isEmpty() ? "" : field + ": ") + problem, cause);
        this.document = document;
        this.field = field;
    }

    /** What was being read, e.g. {@code image manifest} or {@code image config sha256:…}. */
    public String document() {
        return document;
    }

    /** The path of the offending field ({@code layers[1].digest}), or empty for the whole document. */
    public String field() {
        return field;
    }
}
