# One image for every service; the command picks which one runs (see docker-compose.yml).
# Node 24 LTS, the same release as the `node` devDependency the tests run on (test/runtime.test.ts).
ARG NODE_VERSION=24.21.0
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY platform platform
COPY gateway gateway
COPY subgraphs subgraphs
COPY scripts scripts
COPY schema schema
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# A 32 MB young generation (V8's default is 16): a request's garbage dies young, and with the
# default the scavenger ran often enough that V8's helper threads took a quarter of the gateway's
# CPU under load; measured in docs/performance.md ("Young generation").
ENV NODE_ENV=production HOST=0.0.0.0 NODE_OPTIONS=--max-semi-space-size=32
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/schema ./schema
USER node
EXPOSE 4000 4001 4002 4003 4004
CMD ["node", "dist/gateway/index.js"]
