// A lean WebSocket client (RFC 6455) for the load generator: a plain net.Socket and an inline frame parser,
// without the stream and event layers of the `ws` package, so that thousands of sockets receiving one small
// frame per event cost the generator as little CPU as possible. Client side only: text frames out (masked),
// text/binary/continuation/ping/pong/close in. The `ws` package stays available (client=ws) to cross-check.
import net from 'node:net';
import { randomBytes, createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const EMPTY = Buffer.alloc(0);
// One read buffer for every socket of the process (net's `onread`): a read is parsed at once and whatever must
// outlive it (a partial frame, a fragment, a text) is copied, so no Buffer is allocated per read.
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

export const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;

/**
 * new RawWebSocket(url, {localAddress, handshakeTimeout}, handlers)
 * handlers: onOpen(), onMessage(text), onClose(code), onError(message), onUnexpectedResponse(status)
 */
export class RawWebSocket {
  constructor(url, opts, h) {
    const u = new URL(url);
    this.h = h;
    this.readyState = CONNECTING;
    this.key = randomBytes(16).toString('base64');
    this.buf = null;          // unparsed bytes
    this.fragments = null;    // payloads of a fragmented message
    this.closeCode = 1006;
    this.closed = false;
    const port = Number(u.port || (u.protocol === 'wss:' ? 443 : 80));
    if (u.protocol === 'wss:') throw new Error('wss is not supported by the raw client; use client=ws');
    const s = net.connect({
      host: u.hostname, port, localAddress: opts.localAddress,
      onread: { buffer: READ_BUFFER, callback: (n, buf) => { this.onRead(buf.subarray(0, n)); } },
    });
    this.socket = s;
    s.setNoDelay(true);
    this.timer = setTimeout(() => { this.h.onError && this.h.onError('handshake timeout'); s.destroy(); }, opts.handshakeTimeout || 30000);
    s.on('connect', () => {
      s.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
        + `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    s.on('error', (err) => { this.h.onError && this.h.onError(err.code || err.message); });
    s.on('close', () => this.finish());
  }

  onRead(chunk) {
    if (this.closed) return;
    if (this.readyState === CONNECTING) this.handshake(chunk); else this.frames(chunk);
  }

  handshake(chunk) {
    const data = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    const end = data.indexOf('\r\n\r\n');
    if (end < 0) { this.buf = Buffer.from(data); if (data.length > 16384) this.socket.destroy(); return; }
    this.buf = null;
    clearTimeout(this.timer);
    const head = data.toString('latin1', 0, end).split('\r\n');
    const status = Number(head[0].split(' ')[1]);
    if (status !== 101) {
      this.h.onUnexpectedResponse && this.h.onUnexpectedResponse(status);
      this.socket.destroy();
      return;
    }
    const accept = head.find((l) => /^sec-websocket-accept:/i.test(l));
    const want = createHash('sha1').update(this.key + GUID).digest('base64');
    if (!accept || accept.slice(accept.indexOf(':') + 1).trim() !== want) {
      this.h.onError && this.h.onError('bad Sec-WebSocket-Accept');
      this.socket.destroy();
      return;
    }
    this.readyState = OPEN;
    this.h.onOpen && this.h.onOpen();
    if (data.length > end + 4) this.frames(data.subarray(end + 4));
  }

  frames(chunk) {
    let b = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = null;
    let o = 0;
    const n = b.length;
    while (n - o >= 2) {
      const b0 = b[o], b1 = b[o + 1];
      let len = b1 & 0x7f, p = o + 2;
      if (len === 126) { if (n - o < 4) break; len = b.readUInt16BE(o + 2); p = o + 4; }
      else if (len === 127) { if (n - o < 10) break; len = Number(b.readBigUInt64BE(o + 2)); p = o + 10; }
      const masked = (b1 & 0x80) !== 0;
      if (masked) p += 4;
      if (n < p + len) break;
      let payload = b.subarray(p, p + len);
      if (masked) {
        const m = b.subarray(p - 4, p);
        payload = Buffer.from(payload);
        for (let i = 0; i < payload.length; i++) payload[i] ^= m[i & 3];
      }
      o = p + len;
      this.frame(b0 & 0x80, b0 & 0x0f, payload);
      if (this.closed) return;
    }
    if (o < n) this.buf = Buffer.from(b.subarray(o));   // keep the partial frame, not the whole chunk
  }

  frame(fin, opcode, payload) {
    if (opcode === 0x1 || opcode === 0x2) {
      if (fin) { this.h.onMessage(payload.toString('utf8')); return; }
      this.fragments = [Buffer.from(payload)];
    } else if (opcode === 0x0) {
      if (!this.fragments) return;
      this.fragments.push(Buffer.from(payload));
      if (fin) { const all = Buffer.concat(this.fragments); this.fragments = null; this.h.onMessage(all.toString('utf8')); }
    } else if (opcode === 0x9) {
      this.sendFrame(0xA, payload);
    } else if (opcode === 0x8) {
      this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      if (this.readyState === OPEN) this.sendFrame(0x8, payload.length >= 2 ? payload.subarray(0, 2) : EMPTY);
      this.readyState = CLOSING;
      this.socket.end();
    }
  }

  sendFrame(opcode, payload) {
    if (this.socket.destroyed || !this.socket.writable) return;
    const len = payload.length;
    const hl = len < 126 ? 2 : len < 65536 ? 4 : 10;
    const f = Buffer.allocUnsafe(hl + 4 + len);
    f[0] = 0x80 | opcode;
    if (hl === 2) f[1] = 0x80 | len;
    else if (hl === 4) { f[1] = 0x80 | 126; f.writeUInt16BE(len, 2); }
    else { f[1] = 0x80 | 127; f.writeBigUInt64BE(BigInt(len), 2); }
    const mask = randomBytes(4);
    mask.copy(f, hl);
    for (let i = 0; i < len; i++) f[hl + 4 + i] = payload[i] ^ mask[i & 3];
    this.socket.write(f);
  }

  send(text) { if (this.readyState === OPEN) this.sendFrame(0x1, Buffer.from(text, 'utf8')); }

  close(code = 1000) {
    if (this.readyState === OPEN) {
      const p = Buffer.alloc(2); p.writeUInt16BE(code, 0);
      this.sendFrame(0x8, p);
      this.readyState = CLOSING;
      setTimeout(() => this.socket.destroy(), 5000).unref();
    } else {
      this.socket.destroy();
    }
  }

  terminate() { this.socket.destroy(); }

  finish() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.readyState = CLOSED;
    this.h.onClose && this.h.onClose(this.closeCode);
  }
}
