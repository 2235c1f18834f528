// A real SockJS client (the `sockjs-client` package from npm), driven over stdio by the Java tests.
//
//   node sockjs-client.mjs <sockjs-url> [transports]
//
//   sockjs-url  e.g. http://127.0.0.1:8080/api/realtime/sockjs?db=postgres&auth=TOKEN
//   transports  optional comma-separated whitelist passed as the `transports` option,
//               e.g. "websocket" or "xhr-streaming,xhr-polling"; default: every transport.
//
// stdout, one JSON object per line:
//   {"kind":"open"}
//   {"kind":"message","data":<the message parsed as JSON, or the raw string if it is not JSON>}
//   {"kind":"close","code":N,"reason":"..."}      then the process exits with 0
//   {"kind":"error","message":"..."}
// stdin, one JSON object per line:
//   {"send": <any JSON value>}   sends JSON.stringify(value)
//   {"sendRaw": "text"}          sends the string as it is
//   {"close": true}              closes the connection and exits
// The end of stdin closes and exits too, so the process never outlives its parent.
// Sends that arrive before the connection is open are queued and flushed on open, so a test may
// send right after starting the process without waiting for "open".

import readline from "node:readline";
import SockJS from "sockjs-client";

// Once the socket is closed, wait this long for the close event before exiting anyway.
const CLOSE_GRACE_MS = 2000;

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

// A parent that went away must not leave us writing into a broken pipe forever.
process.stdout.on("error", () => process.exit(0));
process.on("uncaughtException", (err) => {
  emit({ kind: "error", message: `uncaught: ${err && err.stack ? err.stack : err}` });
  process.exit(1);
});

const [url, transportsArg] = process.argv.slice(2);
if (!url) {
  emit({ kind: "error", message: "usage: node sockjs-client.mjs <sockjs-url> [transports]" });
  process.exit(2);
}

const options = {};
if (transportsArg) {
  options.transports = transportsArg.split(",").map((t) => t.trim()).filter(Boolean);
}

const sock = new SockJS(url, null, options);
const pending = [];
let exiting = false;

function exitSoon() {
  if (exiting) return;
  exiting = true;
  // unref: if the close event comes first, its handler exits without waiting for this timer.
  setTimeout(() => process.exit(0), CLOSE_GRACE_MS).unref();
}

function closeAndExit() {
  if (sock.readyState === SockJS.CLOSED) {
    process.exit(0);
  }
  try {
    sock.close(1000, "client closing");
  } catch (err) {
    emit({ kind: "error", message: `close failed: ${err.message}` });
    process.exit(0);
  }
  exitSoon();
}

function send(text) {
  if (sock.readyState === SockJS.CONNECTING) {
    pending.push(text);
    return;
  }
  if (sock.readyState !== SockJS.OPEN) {
    // sockjs-client drops it silently; make that visible to the test
    emit({ kind: "error", message: "send while not open: dropped" });
    return;
  }
  try {
    sock.send(text);
  } catch (err) {
    emit({ kind: "error", message: `send failed: ${err.message}` });
  }
}

sock.onopen = () => {
  emit({ kind: "open", transport: sock.transport });
  for (const text of pending.splice(0)) send(text);
};

sock.onmessage = (e) => {
  let data = e.data;
  if (typeof data === "string") {
    try {
      data = JSON.parse(data);
    } catch {
      // not JSON: report the raw string, the test decides whether that is wrong
    }
  }
  emit({ kind: "message", data });
};

sock.onclose = (e) => {
  emit({ kind: "close", code: e.code, reason: e.reason ?? "" });
  process.exit(0);
};

// sockjs-client reports most failures as a close (1002 "Cannot connect to server", 2000 "All
// transports failed", ...), but say so when it does emit an error.
sock.onerror = (e) => {
  emit({ kind: "error", message: String((e && (e.message || e.type)) || e) });
};

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  if (!line.trim()) return;
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (err) {
    emit({ kind: "error", message: `bad command line (not JSON): ${line}` });
    return;
  }
  if (cmd === null || typeof cmd !== "object") {
    emit({ kind: "error", message: `bad command: ${line}` });
  } else if ("send" in cmd) {
    send(JSON.stringify(cmd.send));
  } else if ("sendRaw" in cmd) {
    send(String(cmd.sendRaw));
  } else if (cmd.close) {
    closeAndExit();
  } else {
    emit({ kind: "error", message: `unknown command: ${line}` });
  }
});
rl.on("close", closeAndExit);
