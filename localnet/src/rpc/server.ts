// HTTP JSON-RPC server (POST /), plus GET /health like Agave.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { RpcContext } from "./context.js";
import { handleBody } from "./dispatch.js";

const MAX_BODY = 50 * 1024 * 1024;

export function createRpcServer(ctx: RpcContext, log: (msg: string) => void): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && (req.url === "/health" || req.url?.startsWith("/health?"))) {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (req.method === "OPTIONS") {
      res.writeHead(200, corsHeaders()).end();
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405, { "content-type": "text/plain", ...corsHeaders() }).end("Used HTTP Method is not allowed. POST or OPTIONS is required");
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (res.headersSent) return;
      let out: string | null;
      try {
        out = handleBody(Buffer.concat(chunks).toString("utf8"), ctx, log);
      } catch (e) {
        log(`rpc: ${(e as Error).stack ?? String(e)}`);
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", ...corsHeaders() }).end(out ?? "");
    });
  });
  // Idle connections outlive the clients' own idle timeout (Go's http.Transport: 90 s), so a
  // client never reuses a connection the server is closing at that moment: ECONNRESET on a
  // POST, which clients do not retry.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  return server;
}

function corsHeaders(): Record<string, string> {
  return {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "POST, OPTIONS",
    "access-control-allow-headers": "content-type, solana-client",
  };
}
