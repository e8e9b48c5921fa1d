# rekindle runs its TypeScript sources directly on Node 24 (type stripping): no build step.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY drizzle ./drizzle
COPY src ./src
# The emulators and sample mailbox of `rekindle demo` (the compose file runs it once); never loaded otherwise.
COPY fakes ./fakes
# The compose file's local try generates its secrets once into a volume here (SECRETS_FILE):
# a named volume takes this folder's owner when first mounted.
RUN mkdir -p /var/lib/rekindle && chown node:node /var/lib/rekindle
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "src/cli.ts"]
CMD ["serve"]
