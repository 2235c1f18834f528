// Real Yjs updates for the Java decoder's tests: editors make random edits to every kind of shared type and
// exchange their updates; prints one JSON line per update, then what Yjs itself says of them.
// Usage: node yjs-updates.mjs <seed> <edits>
import * as Y from 'yjs'

let seed = Number(process.argv[2] ?? 1)
const edits = Number(process.argv[3] ?? 300)
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}
const pick = (n) => Math.floor(random() * n)
const anyValue = (depth = 0) => {
  switch (pick(depth > 2 ? 7 : 9)) {
    case 0: return pick(1000) - 500
    case 1: return random() * 1e6
    case 2: return 'héllo ✓ 😀'.slice(0, pick(10))
    case 3: return pick(2) === 0
    case 4: return null
    case 5: return new Uint8Array([pick(256), pick(256)])
    case 6: return 2 ** 40 + pick(100)
    case 7: return { a: anyValue(depth + 1), b: [anyValue(depth + 1)] }
    default: return [anyValue(depth + 1), anyValue(depth + 1)]
  }
}

const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
docs.forEach((doc, i) => { doc.clientID = 1000 + i * 7919 + (i === 2 ? 2 ** 31 : 0) })
const all = []
docs.forEach((doc, i) => doc.on('update', (update, origin) => {
  if (origin === 'remote') return
  all.push(update)
  console.log(JSON.stringify({ kind: 'update', update: Buffer.from(update).toString('base64') }))
  // Most updates reach the others at once; some later (offline editing), which leaves gaps meanwhile.
  docs.forEach((other, j) => { if (j !== i && random() < 0.8) Y.applyUpdate(other, update, 'remote') })
}))

for (let n = 0; n < edits; n++) {
  const doc = docs[pick(docs.length)]
  const text = doc.getText('code')
  const map = doc.getMap('meta')
  const array = doc.getArray('list')
  const xml = doc.getXmlFragment('xml')
  switch (pick(9)) {
    case 0: case 1: case 2:
      text.insert(pick(text.length + 1), 'abc😀é\n'.slice(0, 1 + pick(7)))
      break
    case 3:
      if (text.length > 0) { const at = pick(text.length); text.delete(at, Math.min(1 + pick(5), text.length - at)) }
      break
    case 4:
      map.set('k' + pick(5), anyValue())
      break
    case 5:
      if (pick(2) === 0) array.insert(pick(array.length + 1), [anyValue(), anyValue()])
      else if (array.length > 0) array.delete(pick(array.length), 1)
      break
    case 6:
      doc.transact(() => {
        const element = new Y.XmlElement('p')
        element.setAttribute('class', 'x' + pick(3))
        element.insert(0, [new Y.XmlText('t' + pick(9))])
        xml.insert(0, [element])
        text.format(0, Math.min(2, text.length), { bold: true })
        text.insertEmbed(0, { image: 'x.png' })
        map.set('sub', new Y.Map())
      })
      break
    case 7:
      map.set('doc' + pick(2), new Y.Doc({ guid: 'sub-' + pick(3) }))
      break
    default:
      map.set('bin', new Uint8Array([1, 2, 3]))
  }
}
// The stragglers arrive: every editor gets every update.
docs.forEach(doc => all.forEach(update => Y.applyUpdate(doc, update, 'remote')))

const vector = (encoded) => Object.fromEntries([...Y.decodeStateVector(encoded)].map(([c, k]) => [String(c), k]))
console.log(JSON.stringify({ kind: 'final', text: docs[0].getText('code').toString(),
  stateVector: vector(Y.encodeStateVector(docs[0])),
  fullState: Buffer.from(Y.encodeStateAsUpdate(docs[0])).toString('base64') }))
// A merge of every other update has gaps, which Yjs writes as Skip structs.
const gappy = Y.mergeUpdates(all.filter((u, i) => i % 2 === 1))
console.log(JSON.stringify({ kind: 'gappy', update: Buffer.from(gappy).toString('base64'),
  stateVector: vector(Y.encodeStateVectorFromUpdate(gappy)) }))
