// An unmodified y-websocket WebsocketProvider (npm `y-websocket`, `yjs`) editing one Y.Text, driven over stdio by
// the Java tests.
//
//   node yjs-editor.mjs <server-url> <document> [token]
//
//   server-url  e.g. ws://127.0.0.1:8080/yjs (the provider adds /<document>?auth=<token>)
//
// stdout, one JSON object per line:
//   {"kind":"client","id":N}                      this editor's awareness client id, at start
//   {"kind":"status","status":"connected"|"disconnected"|"connecting"}
//   {"kind":"synced"}                              the provider counts itself synced (a step 2 arrived)
//   {"kind":"close","code":N,"reason":"..."}       the connection closed (the provider then reconnects)
//   {"kind":"awareness","states":{"<client id>":<state>,...}}   the remote states, on every change
//   {"kind":"text","text":"...","stateBytes":N,"madeBytes":N}   the answer to {"text": true}: the text, the size of
//                                                  the document's whole state (Y.encodeStateAsUpdate), and the bytes of
//                                                  every update this editor made
//   {"kind":"edited","count":N}                    after {"random": ...}
//   {"kind":"error","message":"..."}
// stdin, one JSON object per line:
//   {"insert": {"index": N, "text": "..."}}, {"delete": {"index": N, "length": N}}
//   {"random": {"count": N, "seed": N}}   N random inserts and deletes, one transaction (and one update) each
//   {"type": {"count": N, "seed": N}}     N keystrokes as a person types: characters at a cursor that moves on, now and
//                                         then a backspace, one transaction each (answered with "edited" too)
//   {"text": true}                        report the text
//   {"awareness": {...}}                  set this editor's local awareness state
//   {"disconnect": true}, {"connect": true}   take the provider off line and back (edits meanwhile are kept)
//   {"close": true}                       destroy the provider and exit
// The end of stdin closes and exits too.

import readline from 'node:readline'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
process.stdout.on('error', () => process.exit(0))
process.on('uncaughtException', (err) => {
  emit({ kind: 'error', message: `uncaught: ${err && err.stack ? err.stack : err}` })
  process.exit(1)
})

const [url, room, token] = process.argv.slice(2)
const doc = new Y.Doc()
const text = doc.getText('codemirror')
const provider = new WebsocketProvider(url, room, doc, {
  WebSocketPolyfill: WebSocket,
  params: token ? { auth: token } : {},
  disableBc: true,
  maxBackoffTime: 500
})
emit({ kind: 'client', id: doc.clientID })
provider.on('status', ({ status }) => emit({ kind: 'status', status }))
provider.on('sync', (synced) => { if (synced) emit({ kind: 'synced' }) })
provider.on('connection-close', (event) => emit({ kind: 'close', code: event ? event.code : null, reason: event ? String(event.reason) : '' }))
provider.awareness.on('change', () => {
  const states = {}
  provider.awareness.getStates().forEach((state, client) => { if (client !== doc.clientID) states[client] = state })
  emit({ kind: 'awareness', states })
})

let madeBytes = 0
doc.on('update', (update, origin) => { if (origin !== provider) madeBytes += update.length })

let seed = 1
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}

const close = () => {
  provider.destroy()
  setTimeout(() => process.exit(0), 100)
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line)
  if (command.insert) text.insert(Math.min(command.insert.index, text.length), command.insert.text)
  if (command.delete) text.delete(command.delete.index, Math.min(command.delete.length, text.length - command.delete.index))
  if (command.random) {
    seed = command.random.seed
    for (let i = 0; i < command.random.count; i++) {
      if (text.length > 0 && random() < 0.3) {
        const at = Math.floor(random() * text.length)
        text.delete(at, Math.min(1 + Math.floor(random() * 3), text.length - at))
      } else {
        text.insert(Math.floor(random() * (text.length + 1)), String.fromCharCode(97 + Math.floor(random() * 26)))
      }
    }
    emit({ kind: 'edited', count: command.random.count })
  }
  if (command.type) {
    seed = command.type.seed
    let cursor = Math.floor(random() * (text.length + 1))
    for (let i = 0; i < command.type.count; i++) {
      cursor = Math.min(cursor, text.length)
      if (cursor > 0 && random() < 0.1) {
        text.delete(--cursor, 1)
      } else {
        text.insert(cursor++, random() < 0.15 ? ' ' : String.fromCharCode(97 + Math.floor(random() * 26)))
      }
    }
    emit({ kind: 'edited', count: command.type.count })
  }
  if (command.text) emit({ kind: 'text', text: text.toString(), stateBytes: Y.encodeStateAsUpdate(doc).length, madeBytes })
  if (command.awareness) provider.awareness.setLocalState(command.awareness)
  if (command.disconnect) provider.disconnect()
  if (command.connect) provider.connect()
  if (command.close) close()
}).on('close', close)
