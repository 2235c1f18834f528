// The Bytecrowds editor page (GET /d/{name}): CodeMirror 6 on the document's Y.Text, synced through Crowdwire's
// /yjs endpoint, saved through the document API as Bytecrowds' editor does.
import './editor.css'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next'
import { EditorView, basicSetup } from 'codemirror'
import { Compartment, EditorState } from '@codemirror/state'
import { keymap } from '@codemirror/view'
import { claims, tokenForm } from './token.js'

const TOKEN_KEY = 'crowdwire.token'
const ANIMAL_KEY = 'crowdwire.animal'
const DEFAULT_LANGUAGE = 'javascript'
// Bytecrowds saves on a 100 ms timer; the server coalesces writes per document as well.
const SAVE_MS = 100
const RETRY_MS = 2000
// The server closes an editor with this code once the document is locked to e-mails that do not include its own.
const LOCKED_OUT = 4030
const LOCKED_OUT_MESSAGE = 'This document is locked to other e-mails'
// The document API's plain-text 401 (a token that does not verify gets a JSON error instead).
const NOT_AUTHORIZED = 'you need to be authorized to execute this operation'

// Each grammar is a chunk of its own, fetched when first shown: together they are most of the bundle.
const LANGUAGES = {
  javascript: ['JavaScript', () => import('@codemirror/lang-javascript').then((m) => m.javascript())],
  typescript: ['TypeScript', () => import('@codemirror/lang-javascript').then((m) => m.javascript({ typescript: true }))],
  jsx: ['JSX', () => import('@codemirror/lang-javascript').then((m) => m.javascript({ jsx: true }))],
  python: ['Python', () => import('@codemirror/lang-python').then((m) => m.python())],
  java: ['Java', () => import('@codemirror/lang-java').then((m) => m.java())],
  cpp: ['C / C++', () => import('@codemirror/lang-cpp').then((m) => m.cpp())],
  rust: ['Rust', () => import('@codemirror/lang-rust').then((m) => m.rust())],
  go: ['Go', () => import('@codemirror/lang-go').then((m) => m.go())],
  html: ['HTML', () => import('@codemirror/lang-html').then((m) => m.html())],
  css: ['CSS', () => import('@codemirror/lang-css').then((m) => m.css())],
  json: ['JSON', () => import('@codemirror/lang-json').then((m) => m.json())],
  markdown: ['Markdown', () => import('@codemirror/lang-markdown').then((m) => m.markdown())],
  sql: ['SQL', () => import('@codemirror/lang-sql').then((m) => m.sql())],
  php: ['PHP', () => import('@codemirror/lang-php').then((m) => m.php())],
  xml: ['XML', () => import('@codemirror/lang-xml').then((m) => m.xml())],
  yaml: ['YAML', () => import('@codemirror/lang-yaml').then((m) => m.yaml())],
  plaintext: ['Plain text', async () => []]
}

const ANIMALS = ['Axolotl', 'Badger', 'Capybara', 'Dolphin', 'Fox', 'Heron', 'Ibex', 'Koala', 'Lynx', 'Narwhal',
  'Otter', 'Panda', 'Quokka', 'Raccoon', 'Tapir', 'Walrus', 'Yak', 'Zebra']

const $ = (id) => document.getElementById(id)

const name = decodeURIComponent(location.pathname.replace(/^\/d\//, ''))
const storedToken = localStorage.getItem(TOKEN_KEY)
const tokenClaims = claims(storedToken)
const token = tokenClaims ? storedToken : null
const email = tokenClaims?.email ?? null
// A token without an e-mail still names its subject, a better name than an animal.
const userName = email ?? tokenClaims?.sub ?? anonymousName()

/** A colour per user, the same on every page that shows them. */
function colours (who) {
  let hash = 0
  for (const c of who) hash = (hash * 31 + c.charCodeAt(0)) >>> 0
  const hue = hash % 360
  return { color: `hsl(${hue} 65% 42%)`, colorLight: `hsl(${hue} 65% 42% / 0.22)` }
}

function anonymousName () {
  let animal = localStorage.getItem(ANIMAL_KEY)
  if (!animal) {
    animal = ANIMALS[Math.floor(Math.random() * ANIMALS.length)]
    localStorage.setItem(ANIMAL_KEY, animal)
  }
  return `Anonymous ${animal}`
}

function authorization () {
  return token ? { Authorization: `Bearer ${token}` } : {}
}

/** What the server said: the message of a JSON error, else the plain-text body. */
async function answerText (response) {
  const body = await response.text()
  try {
    return JSON.parse(body).error?.message ?? body
  } catch {
    return body
  }
}

// The shared document: the text y-codemirror.next binds, and the language every editor shows.
const ydoc = new Y.Doc()
const ytext = ydoc.getText('codemirror')
const meta = ydoc.getMap('meta')
const provider = new WebsocketProvider(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/yjs`, name, ydoc, {
  params: token ? { auth: token } : {},
  // Connected once the document API has said whether this caller may edit at all.
  connect: false,
  // A lock that leaves this editor out is final; y-websocket's own rule treats 4400-4499 as final too.
  shouldReconnect: (event) => event.code !== LOCKED_OUT && !(event.code >= 4400 && event.code < 4500)
})
provider.awareness.setLocalStateField('user', { name: userName, ...colours(userName) })

const languageCompartment = new Compartment()
const editableCompartment = new Compartment()
const view = new EditorView({
  parent: $('editor'),
  state: EditorState.create({
    doc: ytext.toString(),
    extensions: [
      // Undo and redo go to Yjs' undo manager, which undoes only this editor's own changes.
      keymap.of(yUndoManagerKeymap),
      basicSetup,
      languageCompartment.of([]),
      editableCompartment.of([]),
      yCollab(ytext, provider.awareness),
      EditorView.theme({
        '&': { height: '100%' },
        '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.55' },
        // Names stay on remote carets, not only on hover, so one sees who is where.
        '.cm-ySelectionInfo': { opacity: 1, fontFamily: 'var(--sans)', borderRadius: '3px 3px 3px 0', top: '-1.35em', padding: '1px 4px' }
      })
    ]
  })
})

const page = {
  language: null, // the one shown, or being loaded
  readOnly: false,
  hasSynced: false,
  stored: null, // the document as the API gave it on load; null for a new one
  dirtyText: false,
  pendingLanguage: null,
  saving: false,
  retryAt: 0
}

async function showLanguage (id) {
  const select = $('language')
  if (![...select.options].some((option) => option.value === id)) {
    // A language saved by another editor that this page cannot highlight: listed, shown as plain text.
    select.add(new Option(id, id))
  }
  select.value = id
  page.language = id
  const support = await (LANGUAGES[id] ?? LANGUAGES.plaintext)[1]()
  // Switched again while this one was loading: the later one wins.
  if (page.language === id) view.dispatch({ effects: languageCompartment.reconfigure(support) })
}

const STATUS_TEXT = { connecting: 'Connecting…', connected: 'Connected · syncing', synced: 'Connected · synced', disconnected: 'Disconnected' }

function renderStatus () {
  const status = provider.wsconnected ? 'connected' : provider.wsconnecting ? 'connecting' : 'disconnected'
  const synced = provider.wsconnected && provider.synced
  $('status').dataset.status = status
  $('status').dataset.synced = String(synced)
  $('status').textContent = page.readOnly && !provider.wsconnected ? 'Read only' : STATUS_TEXT[synced ? 'synced' : status]
}

function renderLock (text) {
  $('lock-state').textContent = text
  $('lock-state').dataset.locked = 'true'
  $('lock-form').hidden = true
}

function showNotice (text) {
  $('notice').textContent = text
  $('notice').hidden = false
}

function showSaveState (text, failed = false) {
  $('save-state').textContent = text
  $('save-state').classList.toggle('failed', failed)
}

/** The text stays visible, read only, and nothing more is sent. */
function readOnly (message) {
  page.readOnly = true
  view.dispatch({ effects: editableCompartment.reconfigure([EditorState.readOnly.of(true), EditorView.editable.of(false)]) })
  $('language').disabled = true
  provider.disconnect()
  showNotice(message)
  renderStatus()
}

function lockedOut () {
  readOnly(LOCKED_OUT_MESSAGE)
  renderLock(LOCKED_OUT_MESSAGE)
}

/** A 401 of the document API: locked to others, or a token that does not verify (expired, forged). */
async function refused (response) {
  const text = await answerText(response)
  if (text === NOT_AUTHORIZED) {
    lockedOut()
  } else {
    readOnly(`Your token was refused (${text}): sign out, or sign in again.`)
  }
}

function post (path, body) {
  return fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...authorization() },
    body: JSON.stringify(body)
  })
}

async function save () {
  if (page.saving || page.readOnly || !provider.synced || Date.now() < page.retryAt ||
      (!page.dirtyText && page.pendingLanguage === null)) return
  const body = { name }
  if (page.dirtyText) body.text = ytext.toString()
  if (page.pendingLanguage !== null) body.language = page.pendingLanguage
  page.dirtyText = false
  page.pendingLanguage = null
  page.saving = true
  try {
    const response = await post('/api/update', body)
    if (response.ok) {
      showSaveState(`Saved ${new Date().toLocaleTimeString()}`)
    } else if (response.status === 401) {
      await refused(response)
    } else {
      throw new Error(await answerText(response))
    }
  } catch (failure) {
    // Tried again a little later, with whatever is current then.
    page.dirtyText ||= 'text' in body
    page.pendingLanguage ??= body.language ?? null
    page.retryAt = Date.now() + RETRY_MS
    showSaveState(`Not saved: ${failure.message}`, true)
  } finally {
    page.saving = false
  }
}

async function lock () {
  const emails = $('emails').value.split(',').map((entry) => entry.trim()).filter((entry) => entry)
  $('lock-error').hidden = true
  let text
  try {
    const response = await post('/api/authorize', { name, emails })
    if (response.ok) {
      // The API never gives the list back: only this page knows it, the others hear that it is locked.
      renderLock(`Locked to: ${emails.join(', ')}`)
      meta.set('locked', true)
      return
    }
    text = await answerText(response)
  } catch (failure) {
    text = failure.message
  }
  $('lock-error').textContent = text
  $('lock-error').hidden = false
}

async function load () {
  let response
  try {
    response = await fetch(`/api/bytecrowds/${encodeURIComponent(name)}`, { headers: authorization() })
  } catch (failure) {
    response = { ok: false, status: 0, text: async () => failure.message }
  }
  if (response.status === 401) {
    await refused(response)
    return
  }
  if (response.ok) {
    page.stored = await response.json()
    showLanguage(page.stored.language || DEFAULT_LANGUAGE)
    if (page.stored.authorized) renderLock('Locked: only listed e-mails may edit')
  } else if (response.status !== 404) {
    showNotice(`The document could not be read (${await answerText(response)}); its changes are saved once it can.`)
  }
  provider.connect()
}

/** Once per page: the stored text is compared with what the editors have. */
function firstSync () {
  page.hasSynced = true
  // The Yjs document is the text: a document saved only through the API comes with its text from the server.
  if (ytext.toString() !== (page.stored?.text ?? '')) page.dirtyText = true
}

function setUp () {
  $('document-name').textContent = name
  document.title = `${name} · Bytecrowds`
  const select = $('language')
  for (const [id, [label]] of Object.entries(LANGUAGES)) select.add(new Option(label, id))
  showLanguage(DEFAULT_LANGUAGE)
  select.addEventListener('change', () => {
    meta.set('language', select.value)
    page.pendingLanguage = select.value
  })

  const link = `${location.origin}${location.pathname}`
  $('share-link').value = link
  $('copy-link').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(link)
    } catch {
      // No clipboard API outside secure contexts (plain http to another host than localhost).
      $('share-link').select()
      document.execCommand('copy')
    }
    $('copy-link').textContent = 'Copied'
    setTimeout(() => { $('copy-link').textContent = 'Copy link' }, 1500)
  })

  $('signed-out').hidden = token !== null
  $('signed-in').hidden = token === null
  $('email').textContent = userName
  // Another identity needs another connection and awareness name: the page starts over with it.
  tokenForm($('signed-out'), $('token'), (pasted) => {
    localStorage.setItem(TOKEN_KEY, pasted)
    location.reload()
  })
  $('sign-out').addEventListener('click', () => {
    localStorage.removeItem(TOKEN_KEY)
    location.reload()
  })
  $('lock').addEventListener('click', lock)
  if (!email) $('lock').title = 'Sign in with a token that has an e-mail to lock the document'
}

/**
 * Counts this page load as Bytecrowds' app did: the page's name only, never the document's (its link is its key).
 * Fire-and-forget: keepalive lets it finish if the page goes at once, and a failure changes nothing for the editor.
 */
function countLoad () {
  fetch('/analytics?page=/d', { method: 'POST', keepalive: true }).catch(() => {})
}

setUp()
countLoad()
meta.observe((event) => {
  if (event.keysChanged.has('language')) showLanguage(meta.get('language'))
  // Only a lock made while this page is open: on load, the document API says whether it is locked.
  if (event.keysChanged.has('locked') && page.hasSynced && !event.transaction.local && $('lock-state').dataset.locked !== 'true') {
    renderLock('Locked: only listed e-mails may edit')
  }
})
ytext.observe(() => {
  // Every change after the first sync, remote ones too: whichever editor saves last saves the converged text.
  if (page.hasSynced) page.dirtyText = true
})
provider.on('status', renderStatus)
provider.on('connection-close', (event) => {
  if (event?.code === LOCKED_OUT) lockedOut()
  renderStatus()
})
provider.on('sync', (synced) => {
  if (synced && !page.hasSynced) firstSync()
  renderStatus()
})
setInterval(save, SAVE_MS)
load()
