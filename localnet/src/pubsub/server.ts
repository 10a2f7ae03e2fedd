// Solana PubSub over WebSocket: account, program, logs, signature and slot
// subscriptions with Agave's notification shapes.
//
// Notifications are sent when a block closes (Agave notifies when a bank is frozen, and
// confirmed/finalized when the slot reaches that commitment). Here processed and
// confirmed fire when the block closes, finalized 32 slots later.

import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { AccountState, BlockEvent, Chain, Commitment } from "../chain.js";
import { encodeAccount, encodeOptions, type EncodeOptions } from "../encoding/account.js";
import { parseJson, stringifyJson, JsonSyntaxError, type Json } from "../encoding/json.js";
import { SOLANA_CORE_VERSION, SYSTEM_PROGRAM } from "../solana/constants.js";
import { parseFilters, type AccountFilter } from "../rpc/methods/accounts.js";
import { INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, RpcError, invalidParams } from "../rpc/errors.js";
import { commitment, config, pubkey, str, type Params } from "../rpc/params.js";

type Sub =
  | { kind: "account"; id: number; ws: WebSocket; c: Commitment; addr: string; enc: EncodeOptions }
  | { kind: "program"; id: number; ws: WebSocket; c: Commitment; program: string; enc: EncodeOptions; filters: AccountFilter[] }
  | { kind: "logs"; id: number; ws: WebSocket; c: Commitment; mentions: string | null }
  | { kind: "signature"; id: number; ws: WebSocket; c: Commitment; sig: string }
  | { kind: "slot"; id: number; ws: WebSocket };

const NOTIFICATION: Record<Sub["kind"], string> = {
  account: "accountNotification",
  program: "programNotification",
  logs: "logsNotification",
  signature: "signatureNotification",
  slot: "slotNotification",
};

const UNSUBSCRIBE: Record<string, Sub["kind"]> = {
  accountUnsubscribe: "account",
  programUnsubscribe: "program",
  logsUnsubscribe: "logs",
  signatureUnsubscribe: "signature",
  slotUnsubscribe: "slot",
};

const DELETED: AccountState = { lamports: 0n, data: new Uint8Array(0), owner: SYSTEM_PROGRAM, executable: false, rentEpoch: 0n };

export class PubSub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  private readonly subs = new Map<number, Sub>();
  private nextId = 0;

  constructor(
    private readonly chain: Chain,
    private readonly log: (msg: string) => void,
  ) {
    this.wss.on("connection", (ws) => this.onConnection(ws));
    chain.on("block", (ev: BlockEvent, level: "confirmed" | "finalized") => this.onBlock(ev, level));
    chain.on("slot", (s: { slot: number; parent: number; root: number }) => this.onSlot(s));
  }

  /** Accepts WebSocket upgrades from an HTTP server. */
  attach(server: Server): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private onConnection(ws: WebSocket): void {
    ws.on("message", (data) => {
      let req: Json;
      try {
        req = parseJson(data.toString());
      } catch (e) {
        if (e instanceof JsonSyntaxError) this.send(ws, { jsonrpc: "2.0", error: { code: PARSE_ERROR, message: "Parse error" }, id: null });
        return;
      }
      const reqs = Array.isArray(req) ? req : [req];
      const out = reqs.map((r) => this.handle(ws, r));
      this.send(ws, Array.isArray(req) ? out : out[0]);
    });
    ws.on("close", () => {
      for (const [id, s] of this.subs) if (s.ws === ws) this.subs.delete(id);
    });
    ws.on("error", () => ws.terminate());
  }

  private handle(ws: WebSocket, req: Json): unknown {
    const r = (req ?? {}) as Record<string, Json>;
    const id = r.id ?? null;
    if (typeof r !== "object" || r.jsonrpc !== "2.0" || typeof r.method !== "string") {
      return { jsonrpc: "2.0", error: { code: INVALID_REQUEST, message: "Invalid request" }, id };
    }
    const params = (Array.isArray(r.params) ? r.params : []) as Params;
    try {
      return { jsonrpc: "2.0", result: this.dispatch(ws, r.method, params), id };
    } catch (e) {
      if (e instanceof RpcError) return { jsonrpc: "2.0", error: { code: e.code, message: e.message }, id };
      this.log(`pubsub ${r.method}: ${(e as Error).stack ?? String(e)}`);
      return { jsonrpc: "2.0", error: { code: -32603, message: "Internal error" }, id };
    }
  }

  private dispatch(ws: WebSocket, method: string, p: Params): unknown {
    const add = (s: Sub) => {
      this.subs.set(s.id, s);
      return s.id;
    };
    switch (method) {
      case "accountSubscribe": {
        const addr = pubkey(p[0]);
        const cfg = config(p, 1);
        return add({ kind: "account", id: this.nextId++, ws, c: commitment(cfg), addr, enc: encodeOptions(cfg, "binary") });
      }
      case "programSubscribe": {
        const program = pubkey(p[0], "program id");
        const cfg = config(p, 1);
        return add({
          kind: "program",
          id: this.nextId++,
          ws,
          c: commitment(cfg),
          program,
          enc: encodeOptions(cfg, "binary"),
          filters: parseFilters(cfg.filters),
        });
      }
      case "logsSubscribe": {
        const f = p[0];
        let mentions: string | null = null;
        if (f === "all" || f === "allWithVotes") mentions = null;
        else if (f && typeof f === "object" && !Array.isArray(f) && Array.isArray((f as Record<string, Json>).mentions)) {
          const m = (f as Record<string, Json[]>).mentions;
          if (m.length !== 1) throw invalidParams("Invalid Request: Only 1 address supported");
          mentions = pubkey(m[0], "mention");
        } else throw invalidParams("Invalid params: expected \"all\", \"allWithVotes\" or {\"mentions\": [address]}");
        return add({ kind: "logs", id: this.nextId++, ws, c: commitment(config(p, 1)), mentions });
      }
      case "signatureSubscribe": {
        const sig = str(p[0], "signature");
        const c = commitment(config(p, 1));
        const id = this.nextId++;
        const rec = this.chain.ledger.txs.get(sig);
        if (rec && rec.slot <= this.chain.slotAt(c)) {
          // Already at the requested commitment: notify once right after the reply.
          const err = rec.meta.err ? rec.meta.err.json : null;
          setImmediate(() => this.notify({ kind: "signature", id, ws, c, sig }, { context: this.ctx(rec.slot), value: { err } }));
          return id;
        }
        return add({ kind: "signature", id, ws, c, sig });
      }
      case "slotSubscribe":
        return add({ kind: "slot", id: this.nextId++, ws });
      default: {
        const kind = UNSUBSCRIBE[method];
        if (!kind) throw new RpcError(METHOD_NOT_FOUND, "Method not found");
        const id = p[0];
        const s = typeof id === "number" ? this.subs.get(id) : undefined;
        if (!s || s.kind !== kind || s.ws !== ws) throw new RpcError(INVALID_PARAMS, "Invalid subscription id.");
        this.subs.delete(id as number);
        return true;
      }
    }
  }

  private ctx(slot: number): unknown {
    return { apiVersion: SOLANA_CORE_VERSION, slot };
  }

  private notify(s: Sub, result: unknown): void {
    this.send(s.ws, { jsonrpc: "2.0", method: NOTIFICATION[s.kind], params: { result, subscription: s.id } });
  }

  private send(ws: WebSocket, msg: unknown): void {
    if (ws.readyState === ws.OPEN) ws.send(stringifyJson(msg));
  }

  private matches(s: { c: Commitment }, level: "confirmed" | "finalized"): boolean {
    return level === "finalized" ? s.c === "finalized" : s.c !== "finalized";
  }

  private onBlock(ev: BlockEvent, level: "confirmed" | "finalized"): void {
    const slot = ev.block.slot;
    for (const s of [...this.subs.values()]) {
      if (s.kind === "slot" || !this.matches(s, level)) continue;
      try {
        if (s.kind === "account") {
          if (!ev.accounts.has(s.addr)) continue;
          const st = ev.accounts.get(s.addr) ?? DELETED;
          this.notify(s, { context: this.ctx(slot), value: encodeAccount(this.chain, st, s.enc) });
        } else if (s.kind === "program") {
          for (const [addr, st] of ev.accounts) {
            if (!st || st.owner !== s.program || !s.filters.every((f) => f(addr, st))) continue;
            this.notify(s, { context: this.ctx(slot), value: { pubkey: addr, account: encodeAccount(this.chain, st, s.enc) } });
          }
        } else if (s.kind === "logs") {
          for (const tx of ev.txs) {
            if (s.mentions !== null && !tx.accountKeys.includes(s.mentions)) continue;
            this.notify(s, {
              context: this.ctx(slot),
              value: { signature: tx.signature, err: tx.meta.err ? tx.meta.err.json : null, logs: tx.meta.logMessages },
            });
          }
        } else if (s.kind === "signature") {
          const tx = ev.txs.find((t) => t.signature === s.sig);
          if (!tx) continue;
          this.notify(s, { context: this.ctx(slot), value: { err: tx.meta.err ? tx.meta.err.json : null } });
          this.subs.delete(s.id);
        }
      } catch (e) {
        // An encoding the account cannot be sent in (e.g. base58 over 128 bytes) drops that notification.
        this.log(`pubsub notify ${s.kind} ${s.id}: ${(e as Error).message}`);
      }
    }
  }

  private onSlot(info: { slot: number; parent: number; root: number }): void {
    for (const s of this.subs.values()) {
      if (s.kind === "slot") this.notify(s, { parent: info.parent, root: info.root, slot: info.slot });
    }
  }
}
