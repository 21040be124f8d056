#!/usr/bin/env python3
"""Writes a large, realistic multi-stage Dockerfile (default 5,000 lines) to stdout."""
import sys

lines_wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
out = ["# syntax=docker/dockerfile:1", "ARG BASE=debian:bookworm", "ARG VERSION=1.0"]
stage = 0
while len(out) < lines_wanted:
    name = f"s{stage}"
    out.append(f"FROM ${{BASE}} AS {name}")
    out.append(f"ARG VERSION\nENV APP_HOME=/opt/app{stage} PATH=/opt/app{stage}/bin:$PATH")
    out.append("WORKDIR $APP_HOME")
    out.append("RUN --mount=type=cache,target=/var/cache/apt \\\n    apt-get update && \\\n"
               "    apt-get install -y --no-install-recommends curl ca-certificates && \\\n"
               "    rm -rf /var/lib/apt/lists/*")
    out.append(f'COPY --chown=1000:1000 --chmod=755 src/{stage}/ ./src/')
    if stage > 0:
        out.append(f"COPY --from=s{stage - 1} /opt/app{stage - 1}/bin/ /usr/local/bin/")
    out.append(f'LABEL org.opencontainers.image.version="$VERSION" stage="{stage}"')
    out.append('RUN <<EOF\nset -e\necho building\nmake -j2 all\nEOF')
    out.append('HEALTHCHECK --interval=30s --timeout=3s CMD ["curl", "-f", "http://localhost/"]')
    out.append('CMD ["/opt/app/bin/server", "--port", "8080"]')
    stage += 1
text = "\n".join(out).split("\n")[:lines_wanted]
# never cut a heredoc in half
while text and text[-1] not in ("EOF",) and any(l == "RUN <<EOF" for l in text[-4:]):
    text.pop()
print("\n".join(text))
