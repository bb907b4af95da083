# One image for every Node service of the workspace (gateway, subgraphs, writers, projectors,
# migrations); docker-compose.yml picks the command. The JVM engines run from their own images.
FROM node:20-bookworm-slim
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npm run build
USER node
