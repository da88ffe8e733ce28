# Klaxon worker and API (one image, two commands; see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund --no-save
COPY core ./core
COPY config ./config
COPY workflows ./workflows
COPY activities ./activities
COPY ledger ./ledger
COPY worker ./worker
COPY client ./client
COPY console ./console
COPY bin ./bin
COPY scripts ./scripts
COPY tsconfig.json ./
USER node
# The worker by default; the api service overrides the command.
CMD ["node_modules/.bin/tsx", "worker/main.ts"]
