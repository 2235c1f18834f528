// An emulation of the realtime part of VSKI's own client (@vski/sdk, class RocketBaseClient,
// public repository vski-ai/sdk, src/client.ts: collection(name).subscribe, connectRealtime,
// close, setToken, setDb), driven over stdio by the Java tests. It reproduces what that client
// does on the wire, written anew; README.md lists the behaviours and where they come from.
// The WebSocket is the `ws` package (the SDK uses the runtime's global WebSocket, which Node 20
// does not have: there the SDK's realtime silently does nothing).
//
//   node vski-client.mjs <base-url> [token] [db]
//
//   base-url  e.g. http://127.0.0.1:8080 (the SDK's constructor argument)
//   token     JWT, "" for none; when the argument is absent, $VSKI_TOKEN if set
//   db        database name, default "postgres" (the SDK's default)
//
// stdin, one JSON object per line:
//   {"subscribe": {"collection": "posts", "options": {"lastId": "...", "group": "...", ...},
//                  "callbackThrows": false}}
//        = client.collection("posts").subscribe(callback, options). The callback prints an
//          "event" line; with callbackThrows it then throws, as a failing application callback
//          would, so the SDK neither advances lastId nor ACKs that event.
//   {"unsubscribe": "posts"}   calls the function subscribe returned (the SDK sends nothing)
//   {"setToken": "jwt"|null}   = client.setToken(...)   (closes the socket; reconnect in 3 s)
//   {"setDb": "name"}          = client.setDb(...)      (same)
//   {"close": true}            = client.close(), then the process exits; so does the end of stdin
// stdout, one JSON object per line:
//   {"kind":"open"}                          each time a socket opens (before the re-SUBSCRIBEs)
//   {"kind":"close","code":N,"reason":"..."} each time a socket closes (the SDK's onclose)
//   {"kind":"close","code":N,"final":true}   after {"close":true}, just before exiting
//   {"kind":"sent","data":<msg>}             every message the client sends, as sent
//   {"kind":"received","data":<msg>}         every message parsed from the server (the SDK
//                                            ignores all but events; tests may wait for SUBSCRIBED)
//   {"kind":"event","collection":"posts","id":<e.id>,"data":<e.data>[,"ackId":...]}
//                                            every invocation of a subscription callback
//   {"kind":"error","message":"..."}         what a browser would log to the console

import readline from "node:readline";
import WebSocket from "ws";

// SDK: onclose schedules connectRealtime() after a fixed 3000 ms, no back-off, no jitter.
const RECONNECT_DELAY_MS = 3000;
// After {"close":true}: how long to wait for the socket to finish closing before exiting anyway.
const FINAL_CLOSE_GRACE_MS = 1000;

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

class VskiRealtimeClient {
  #subscriptions = new Map(); // collection name -> { callback, options }; one per name
  #socket = null;

  constructor(baseUrl, token, dbName) {
    // SDK constructor: drops one trailing slash.
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.slice(0, -1) : baseUrl;
    this.token = token || null;
    this.dbName = dbName || "postgres";
    // The raw event being handed to a callback: the SDK passes only e.data to the callback,
    // the harness reads the id and ackId from here to report them.
    this.delivering = null;
  }

  get socket() {
    return this.#socket;
  }

  // SDK: the first "http" in the base URL becomes "ws" (https -> wss); db always, auth only when
  // there is a token; neither is URL-encoded. No header carries the token.
  realtimeUrl() {
    const wsBase = this.baseUrl.replace("http", "ws");
    const auth = this.token ? `&auth=${this.token}` : "";
    return `${wsBase}/api/realtime?db=${this.dbName}${auth}`;
  }

  // SDK: collection(name).subscribe(callback, options)
  subscribe(name, callback, options) {
    this.#subscriptions.set(name, { callback, options });
    this.#connect();
    // Already open: subscribe right away. Still connecting: onopen will send it with the others.
    if (this.#socket?.readyState === WebSocket.OPEN) {
      this.#send({ type: "SUBSCRIBE", collection: name, ...options });
    }
    // The SDK's unsubscribe only forgets the subscription: no UNSUBSCRIBE is sent, the server's
    // events for it are then dropped, and it is not re-subscribed on the next connect.
    return () => {
      this.#subscriptions.delete(name);
    };
  }

  // SDK: setToken / setDb only close the socket; onclose then reconnects after the delay.
  setToken(token) {
    this.token = token;
    this.#socket?.close();
  }

  setDb(db) {
    this.dbName = db;
    this.#socket?.close();
  }

  // SDK: close() detaches the handlers (so no reconnect), closes, forgets every subscription.
  // Returns the socket it closed, if any, so the harness can wait for it.
  close() {
    const socket = this.#socket;
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.close();
      this.#socket = null;
    }
    this.#subscriptions.clear();
    return socket;
  }

  // SDK: connectRealtime()
  #connect() {
    const current = this.#socket;
    if (current && (current.readyState === WebSocket.CONNECTING || current.readyState === WebSocket.OPEN)) {
      return;
    }
    const socket = new WebSocket(this.realtimeUrl());
    this.#socket = socket;

    // The SDK sets no onerror: in a browser a failed upgrade (401, 503, refused) fires an error
    // event nobody handles, then close. `ws` would throw on an unhandled "error" instead, so
    // listen here, only to report it.
    socket.on("error", (err) => {
      if (!socket.closedForGood) emit({ kind: "error", message: err.message });
    });

    socket.onopen = () => {
      emit({ kind: "open" });
      // Re-subscribe everything, spreading the stored options (which carry the latest lastId).
      for (const [name, sub] of this.#subscriptions) {
        this.#send({ type: "SUBSCRIBE", collection: name, ...sub.options });
      }
    };

    socket.onmessage = (event) => {
      // In a browser an exception here is logged and the socket lives on; report it the same way.
      try {
        this.#onMessage(event.data);
      } catch (err) {
        emit({ kind: "error", message: `onmessage threw: ${err.message}` });
      }
    };

    socket.onclose = (event) => {
      emit({ kind: "close", code: event.code, reason: event.reason });
      if (this.#subscriptions.size > 0) {
        setTimeout(() => this.#connect(), RECONNECT_DELAY_MS);
      }
    };
  }

  #onMessage(data) {
    // The SDK calls JSON.parse(event.data). Browsers hand binary frames over as a Blob, which
    // does not parse; `ws` gives a Buffer, which would. Keep the browser's behaviour.
    const text = typeof data === "string" ? data : "[object Blob]";
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      throw new Error(`${err.message}; frame: ${text.slice(0, 200)}`);
    }
    emit({ kind: "received", data: msg });

    // The SDK never looks at msg.type: whatever names one of its collections and has events.
    const sub = this.#subscriptions.get(msg.collection);
    if (!sub || !msg.events) return;

    msg.events.forEach((e) => {
      try {
        this.delivering = e;
        sub.callback(e.data);
        // Only non-group subscriptions remember the cursor, even if e.id is missing.
        if (!sub.options?.group) {
          sub.options = { ...sub.options, lastId: e.id };
        }
        // Group deliveries are acknowledged after the callback, one ACK per event.
        if (e.ackId && sub.options?.group) {
          this.#send({ type: "ACK", collection: msg.collection, id: e.ackId, group: sub.options.group });
        }
      } catch (err) {
        emit({ kind: "error", message: `Error handling realtime event: ${err.message}` });
      } finally {
        this.delivering = null;
      }
    });
  }

  #send(msg) {
    const socket = this.#socket;
    const text = JSON.stringify(msg);
    if (socket?.readyState !== WebSocket.OPEN) {
      // A browser silently drops a send on a closing/closed socket.
      emit({ kind: "error", message: `send while not open, dropped: ${text}` });
      return;
    }
    emit({ kind: "sent", data: JSON.parse(text) });
    socket.send(text);
  }
}

// ---- stdio harness ----

process.stdout.on("error", () => process.exit(0));
process.on("uncaughtException", (err) => {
  emit({ kind: "error", message: `uncaught: ${err && err.stack ? err.stack : err}` });
  process.exit(1);
});

const [baseUrl, tokenArg, dbArg] = process.argv.slice(2);
if (!baseUrl) {
  emit({ kind: "error", message: "usage: node vski-client.mjs <base-url> [token] [db]" });
  process.exit(2);
}
const token = tokenArg !== undefined ? tokenArg : process.env.VSKI_TOKEN;
const client = new VskiRealtimeClient(baseUrl, token, dbArg);
const unsubscribers = new Map();
let finishing = false;

function subscribeCommand(spec) {
  const name = spec.collection;
  const callback = (data) => {
    const e = client.delivering ?? {};
    const line = { kind: "event", collection: name, id: e.id ?? null, data: data ?? null };
    if (e.ackId !== undefined) line.ackId = e.ackId;
    emit(line);
    if (spec.callbackThrows) throw new Error("callback failed on purpose (callbackThrows)");
  };
  unsubscribers.set(name, client.subscribe(name, callback, spec.options));
}

function finish() {
  if (finishing) return;
  finishing = true;
  const socket = client.close();
  if (!socket) process.exit(0);
  socket.closedForGood = true;
  if (socket.readyState === WebSocket.CLOSED) process.exit(0);
  socket.once("close", (code) => {
    emit({ kind: "close", code, final: true });
    process.exit(0);
  });
  setTimeout(() => process.exit(0), FINAL_CLOSE_GRACE_MS).unref();
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  if (!line.trim() || finishing) return;
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch {
    emit({ kind: "error", message: `bad command line (not JSON): ${line}` });
    return;
  }
  if (cmd === null || typeof cmd !== "object") {
    emit({ kind: "error", message: `bad command: ${line}` });
  } else if (cmd.subscribe) {
    if (typeof cmd.subscribe.collection !== "string") {
      emit({ kind: "error", message: `subscribe needs a collection: ${line}` });
      return;
    }
    subscribeCommand(cmd.subscribe);
  } else if ("unsubscribe" in cmd) {
    const off = unsubscribers.get(cmd.unsubscribe);
    unsubscribers.delete(cmd.unsubscribe);
    if (off) off();
  } else if ("setToken" in cmd) {
    client.setToken(cmd.setToken);
  } else if ("setDb" in cmd) {
    client.setDb(cmd.setDb);
  } else if (cmd.close) {
    finish();
  } else {
    emit({ kind: "error", message: `unknown command: ${line}` });
  }
});
rl.on("close", finish);
