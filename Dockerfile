# One image with every wfm binary; the container's command picks the service
# (wfm-api, wfm-collector, wfm-scanner, wfm-backfill, or `wfm migrate`).
# No Docker engine runs on the development machines: this file is kept simple and
# is checked by tests/tests/compose.rs (targets, binaries, non-root user).

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --workspace --bins

FROM debian:bookworm-slim AS runtime
RUN useradd --system --uid 10001 --no-create-home wfm \
    && mkdir /results && chown 10001 /results
COPY --from=build /src/target/release/wfm /src/target/release/wfm-api \
     /src/target/release/wfm-collector /src/target/release/wfm-scanner \
     /src/target/release/wfm-backfill /usr/local/bin/
USER 10001
ENV WFM_LOG_FORMAT=json
CMD ["wfm-api"]
