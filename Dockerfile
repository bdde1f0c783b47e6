# syntax=docker/dockerfile:1
# jobgate: one image for every process; the command picks it
# (gateway, aggregator, worker, worker --temporal, migrate).

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Build: TypeScript and the GraphiQL bundle, with dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.build.json && node scripts/build-graphiql.mjs

# 2. Production dependencies only (glibc image: Temporal's native core-bridge needs it).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Run: no compiler, no dev dependencies, not root.
FROM ${NODE_IMAGE} AS run
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root scripts/healthcheck.mjs ./scripts/healthcheck.mjs
USER node
EXPOSE 4000
ENTRYPOINT ["node", "dist/src/cli/index.js"]
CMD ["gateway"]
