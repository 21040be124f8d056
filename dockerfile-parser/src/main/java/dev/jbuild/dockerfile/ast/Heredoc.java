package dev.jbuild.dockerfile.ast;

/**
 * A here-document attached to a RUN, COPY or ADD instruction ({@code <<EOF} … {@code EOF}).
 *
 * @param name the delimiter word with quotes removed; also the file name COPY gives it
 * @param fileDescriptor the number written before {@code <<}, 0 when absent
 * @param expand false when any part of the delimiter was quoted, which turns expansion off
 * @param chomp true for {@code <<-}: leading tabs are stripped from the body and the delimiter
 * @param content the raw body, each line with its line ending, the delimiter line excluded
 */
public record Heredoc(String name, int fileDescriptor, boolean expand, boolean chomp, String content) {

    /** The body as the instruction uses it: with leading tabs removed from every line for {@code <<-}. */
    public String effectiveContent() {
        return chomp ? content.replaceAll("(?m)^\t+", "") : content;
    }
}
