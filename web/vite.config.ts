import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The generated TypeScript client (client/ts/src) is compiled with the app from its sources;
// its @solana/kit is the app's (dedupe), so one copy is bundled.
const client = fileURLToPath(new URL("../client/ts/src/index.ts", import.meta.url));

export default defineConfig(({ mode }) => ({
  plugins: [react()],
  // The generated client reads process.env["NODE_ENV"] (error messages in development only).
  define: { "process.env": JSON.stringify({ NODE_ENV: mode === "production" ? "production" : "development" }) },
  resolve: {
    alias: { "@gpunet/client": client },
    dedupe: ["@solana/kit", "react", "react-dom"],
  },
  server: {
    // `npm run dev` beside a running indexer (make dev): the API answers /v1 on the same origin.
    proxy: { "/v1": process.env.GPUNET_API ?? "http://127.0.0.1:8492" },
    fs: { allow: [".."] },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
}));
