# rollmaint image: one image, two roles (api, worker); docker-compose.yml picks the command.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Sources only: .dockerignore keeps out tests, secrets, node_modules and local state.
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Generated API keys (spec 7) land in /app/.rollmaint when ROLLMAINT_API_KEYS is not set.
RUN mkdir -p /app/.rollmaint /etc/rollmaint /var/lib/rollmaint-demo && chown node:node /app/.rollmaint /var/lib/rollmaint-demo
USER node
EXPOSE 8080
CMD ["node", "dist/api/server.js"]
