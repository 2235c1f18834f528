// One Yjs editor: a Y.Doc and the provider its target needs. Crowdwire and the y-websocket server take the
// unmodified y-websocket WebsocketProvider; Hocuspocus prefixes every message with the document name, so it
// gets its own @hocuspocus/provider. Either way one WebSocket per editor, and the same Y.Text edits.
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { HocuspocusProvider } from '@hocuspocus/provider';

export const KINDS = ['crowdwire', 'hocuspocus', 'ywebsocket'];

/** A ws WebSocket that counts the bytes it receives and remembers the close codes it sees. */
function countingSocket(stats) {
  return class extends WebSocket {
    constructor(...args) {
      super(...args);
      this.on('message', (data) => {
        stats.lastMessageUs = Number(process.hrtime.bigint() / 1000n);
        if (!stats.messages++) stats.firstMessageUs = stats.lastMessageUs;
        stats.bytes += data.byteLength;
      });
      this.on('close', (code, reason) => {
        if (stats.closing) return;
        const key = `${code} ${reason}`.trim();
        stats.closes[key] = (stats.closes[key] || 0) + 1;
        stats.lastCloseMs = Date.now();
        if (!stats.firstCloseMs) stats.firstCloseMs = stats.lastCloseMs;
      });
    }
  };
}

/**
 * Opens an editor of document `name` on server `url` (ws://host:port). Returns
 * {doc, text, stats, synced: Promise, close()}; stats.bytes counts what its socket received.
 */
export function openEditor(kind, url, name) {
  const doc = new Y.Doc();
  const stats = { bytes: 0, messages: 0, closes: {}, closing: false };
  const WS = countingSocket(stats);
  let provider;
  const synced = new Promise((resolve) => {
    if (kind === 'hocuspocus') {
      provider = new HocuspocusProvider({ url, name, document: doc, WebSocketPolyfill: WS });
      provider.on('synced', () => resolve());
    } else {
      // disableBc: editors of one document in this process must not talk over a BroadcastChannel, only
      // through the server. Crowdwire serves the protocol under /yjs/{name}, the y-websocket server at /{name}.
      provider = new WebsocketProvider(kind === 'crowdwire' ? `${url}/yjs` : url, name, doc, { WebSocketPolyfill: WS, disableBc: true });
      provider.on('sync', (isSynced) => { if (isSynced) resolve(); });
    }
  });
  return {
    doc, text: doc.getText('t'), stats, synced, provider,
    close() { stats.closing = true; provider.destroy(); doc.destroy(); },
  };
}
