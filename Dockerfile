# Multi-stage build following the README: `cargo xtask dist --release` builds the SPA (wasm +
# bindgen as a library, no CLI downloads), then the server is built in release mode. The
# runtime image starts the product on its embedded default: simulated venues, SQLite in /data.

FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN rustup target add wasm32-unknown-unknown
COPY . .
RUN cargo xtask dist --release \
    && cargo build --release -p server \
    && cp target/release/server /usr/local/bin/server

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app arb \
    && mkdir -p /app /data && chown arb /data
WORKDIR /app
COPY --from=build /usr/local/bin/server /usr/local/bin/server
COPY --from=build /src/dist /app/dist
USER arb
ENV ARB__SERVER__HOST=0.0.0.0 \
    ARB__SERVER__STATIC_DIR=/app/dist \
    ARB__DATABASE__URL=sqlite:///data/arb.db?mode=rwc
EXPOSE 8080
VOLUME ["/data"]
CMD ["server", "run"]
