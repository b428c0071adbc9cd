# One image with every wfm binary; the container's command picks the service
# (wfm-api, wfm-collector, wfm-scanner, wfm-backfill, or `wfm migrate`).
# wfm-api also serves the web console, built in its own Node stage.
# No Docker engine runs on the development machines: this file is kept simple and
# is checked by tests/tests/compose.rs (targets, binaries, console, non-root user).

FROM node:20-bookworm-slim AS console
WORKDIR /web
COPY services/web/package.json services/web/package-lock.json ./
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
COPY services/web/ ./
RUN npm run build

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
COPY --from=console /web/dist /usr/share/wfm/console
USER 10001
ENV WFM_LOG_FORMAT=json
ENV WFM_CONSOLE_DIR=/usr/share/wfm/console
CMD ["wfm-api"]
