# Multi-stage build following the README: `cargo xtask dist --release` builds the SPA (wasm +
# bindgen as a library, no CLI downloads), then the server is built in release mode. The
# runtime image starts the product on its embedded default: simulated venues, all state (SQLite,
# journals, event log, backups, logs) under /data, the only directory it writes. The user `arb`
# owns /data and nothing else; /app is read-only to it. `server/tests/deploy` runs the binary
# this way in CI (no Docker engine runs there, so this file itself is not built).

FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN rustup target add wasm32-unknown-unknown
COPY . .
RUN cargo xtask dist --release \
    && cargo build --release -p server \
    && cp target/release/server /usr/local/bin/server

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app arb \
    && mkdir -p /app /data && chown arb /data
WORKDIR /app
COPY --from=build /usr/local/bin/server /usr/local/bin/server
COPY --from=build /src/dist /app/dist
USER arb
ENV ARB__SERVER__HOST=0.0.0.0 \
    ARB__SERVER__STATIC_DIR=/app/dist \
    ARB__DATA_DIR=/data
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/api/v1/health || exit 1
CMD ["server", "run"]
