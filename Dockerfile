# aircall-mcp in a container: the wheel built from this tree on a slim Python, run as a non-root user.
#   docker build -t aircall-mcp .
# Grants live in the /grants volume (the examples are there on first use), the audit trail in /audit.
# The default command serves Streamable HTTP on port 8000; see the README for stdio and HTTP `docker run` lines.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AIRCALL_MCP_GRANTS=/grants \
    AIRCALL_MCP_AUDIT_LOG=/audit/audit.jsonl
COPY --from=build /wheels /tmp/wheels
COPY constraints.txt /tmp/constraints.txt
RUN pip install --no-cache-dir --disable-pip-version-check -c /tmp/constraints.txt /tmp/wheels/*.whl \
    && rm -r /tmp/wheels /tmp/constraints.txt
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin aircall \
    && mkdir -p /grants /audit \
    && aircall-mcp init --grants /grants > /dev/null \
    && chown -R aircall:aircall /grants /audit \
    && chmod 0700 /audit
USER aircall
VOLUME ["/grants", "/audit"]
EXPOSE 8000
# For the HTTP transport (the default command). A stdio container has no HTTP server: run it with --no-healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["aircall-mcp"]
# 0.0.0.0 so the published port reaches it; Host checks allow localhost until you add your host names.
CMD ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8000", \
     "--allowed-host", "localhost:*", "--allowed-host", "127.0.0.1:*", "--audit-stderr"]
