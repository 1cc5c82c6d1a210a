# syntax=docker/dockerfile:1
# The bridge as a container: compiled JavaScript and production dependencies only, run as a
# non-root user. Build: docker build -t mosip-bridge . — see README "Deployment".

FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY . .
# npm ci builds every package (prepare); then only the server's production dependencies stay,
# and the files the bridge runs from are gathered in /out.
RUN npm ci --no-audit --no-fund \
  && rm -rf node_modules packages/*/node_modules \
  && npm ci --omit=dev --workspace=@mosip-bridge/server --no-audit --no-fund \
  && sh deploy/assemble-runtime.sh /out

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
  PORT=2024 \
  SQLITE_DATABASE_PATH=/data/mosip-bridge.db
WORKDIR /app
COPY --from=build /out ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 2024
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 2024) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# V8's heap grows by half of what is live after each full collection, not up to four times, and
# its young generation stays at 8 MB per half: a bridge's live heap is small (≈ 35 MB) but it
# allocates fast, so the defaults let its resident memory reach ≈ 240 MB where ≈ 150 MB does, at
# a CPU cost within the noise of `npm run bench` (up to ≈ 10 %). No hard limit: a burst of large
# payloads still fits.
CMD ["node", "--heap-growing-percent=50", "--max-semi-space-size=8", "packages/server/bin/mosip-bridge.js", "serve"]
