// The editor page (GET /d/{name}) in two headless Chromium browsers, one per instance, driven by playwright-core:
// what one types, its caret and its language reach the other, the document is saved, and a lock that leaves the
// other out makes its editor read only.
//
//   node editor-page.mjs <base-url-a> <base-url-b> <document> <token> <screenshot-dir>
//
//   base-url-a/b    e.g. http://127.0.0.1:8080; A signs in with <token> through the page, B stays anonymous
//   token           a JWT with an `email` claim
//   screenshot-dir  editor-a.png, editor-b.png and editor-b-locked-out.png are written there
//
// Uses Debian's /usr/bin/chromium (never a browser of Playwright's own). stdout, one JSON object per line:
//   {"kind":"step","step":"<name>","ok":true,...}       each step done, with what it saw
//   {"kind":"step","step":"<name>","ok":false,"message":"..."}   the step that failed; then exit 1
//   {"kind":"console","page":"a"|"b","type":"...","text":"..."}  the pages' console warnings and errors
//   {"kind":"done","ok":true|false}                      the end: all steps passed (exit 0), or one failed (exit 1)

import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { emit, launch, newPage } from './browser.mjs'

const WAIT_MS = 15000
// A desktop Chrome's: the page counts its loads (POST /analytics?page=/d), and a headless browser's would count as a bot.
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'
const TYPED = ['let crowd = 1', "let wire = 'crowd' + 1"]

const [baseA, baseB, documentName, token, screenshots] = process.argv.slice(2)
if (!screenshots) {
  emit({ kind: 'step', step: 'arguments', ok: false, message: 'usage: node editor-page.mjs <base-url-a> <base-url-b> <document> <token> <screenshot-dir>' })
  process.exit(2)
}
const email = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).email
const pageErrors = []

async function step (name, action) {
  try {
    emit({ kind: 'step', step: name, ok: true, ...(await action()) })
  } catch (failure) {
    emit({ kind: 'step', step: name, ok: false, message: String(failure && failure.message ? failure.message : failure) })
    throw failure
  }
}

async function open (browser, label, base) {
  const page = await newPage(browser, label, { viewport: { width: 1280, height: 760 }, userAgent: USER_AGENT }, pageErrors)
  const response = await page.goto(`${base}/d/${documentName}`)
  if (response.status() !== 200) throw new Error(`GET /d/${documentName} on ${label}: ${response.status()}`)
  return page
}

/** In the page: the editor's text as CodeMirror renders it, without the remote carets and their name labels. */
function renderedText () {
  return [...document.querySelectorAll('[data-testid=editor] .cm-line')].map((line) => {
    const copy = line.cloneNode(true)
    copy.querySelectorAll('.cm-ySelectionCaret, .cm-widgetBuffer').forEach((widget) => widget.remove())
    return copy.textContent.replace(/\u2060/g, '')
  }).join('\n')
}

const editorText = (page) => page.evaluate(renderedText)

/** Whether `condition` (async) holds within WAIT_MS, asked every 50 ms. */
async function eventually (condition) {
  for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline;) {
    if (await condition()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return condition()
}

async function awaitSynced (page) {
  await page.locator('[data-testid=status][data-status=connected][data-synced=true]').waitFor({ timeout: WAIT_MS })
  return page.getByTestId('status').innerText()
}

async function awaitCaret (page, name) {
  const label = page.locator('[data-testid=editor] .cm-ySelectionInfo', { hasText: name })
  await label.waitFor({ timeout: WAIT_MS })
  if (await page.locator('[data-testid=editor] .cm-ySelectionCaret').count() === 0) throw new Error('no remote caret')
  return label.innerText()
}

async function awaitStored (base) {
  const deadline = Date.now() + WAIT_MS
  let last
  while (Date.now() < deadline) {
    const response = await fetch(`${base}/api/bytecrowds/${documentName}`, { headers: { Authorization: `Bearer ${token}` } })
    last = response.ok ? await response.json() : { status: response.status }
    if (last.text === TYPED.join('\n') && last.language === 'python') return last
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`not saved as typed in python: ${JSON.stringify(last)}`)
}

let browser
try {
  await step('launch', async () => {
    browser = await launch()
    return { version: browser.version() }
  })
  let a, b
  await step('open-a-and-sign-in', async () => {
    a = await open(browser, 'a', baseA)
    await a.getByTestId('token').fill(token)
    await Promise.all([a.waitForEvent('load'), a.getByTestId('sign-in').click()])
    const shown = await a.getByTestId('email').innerText()
    if (shown !== email) throw new Error(`signed in as "${shown}", expected ${email}`)
    const link = await a.getByTestId('share-link').inputValue()
    if (link !== `${baseA}/d/${documentName}`) throw new Error(`share link ${link}`)
    return { email: shown, shareLink: link }
  })
  await step('open-b', async () => {
    b = await open(browser, 'b', baseB)
    return { signedIn: await b.getByTestId('email').isVisible() }
  })
  await step('synced', async () => ({ a: await awaitSynced(a), b: await awaitSynced(b) }))
  await step('typed-in-a-shown-in-b', async () => {
    await a.locator('[data-testid=editor] .cm-content').click()
    await a.keyboard.type(TYPED[0])
    await a.keyboard.press('Enter')
    await a.keyboard.type(TYPED[1])
    const expected = TYPED.join('\n')
    // Polled from here: a predicate given as a string is eval'ed in the page, which its policy forbids.
    if (!(await eventually(async () => (await editorText(b)) === expected))) {
      throw new Error(`B shows ${JSON.stringify(await editorText(b))}, A ${JSON.stringify(await editorText(a))}`)
    }
    return { a: await editorText(a), b: await editorText(b) }
  })
  await step('remote-caret-in-b', async () => ({ label: await awaitCaret(b, email) }))
  await step('remote-caret-in-a', async () => {
    await b.locator('[data-testid=editor] .cm-line').first().click()
    return { label: await awaitCaret(a, 'Anonymous ') }
  })
  await step('language-a-to-python-shown-in-b', async () => {
    await a.getByTestId('language').selectOption('python')
    await b.waitForFunction(() => document.querySelector('[data-testid=language]').value === 'python', null, { timeout: WAIT_MS })
    // The grammar switched too (CodeMirror names it on the content element), not only the select.
    await b.locator('[data-testid=editor] .cm-content[data-language=python]').waitFor({ timeout: WAIT_MS })
    return { b: await b.getByTestId('language').inputValue() }
  })
  await step('saved', async () => {
    const stored = await awaitStored(baseB)
    return { text: stored.text, language: stored.language, saveState: await a.getByTestId('save-state').innerText() }
  })
  await step('screenshots', async () => {
    await mkdir(screenshots, { recursive: true })
    const files = [join(screenshots, 'editor-a.png'), join(screenshots, 'editor-b.png')]
    await a.screenshot({ path: files[0] })
    await b.screenshot({ path: files[1] })
    return { files }
  })
  await step('lock-in-a-locks-out-b', async () => {
    await a.getByTestId('emails').fill(email)
    await a.getByTestId('lock').click()
    await a.getByTestId('lock-state').getByText(`Locked to: ${email}`).waitFor({ timeout: WAIT_MS })
    await b.getByTestId('notice').getByText('This document is locked to other e-mails').waitFor({ timeout: WAIT_MS })
    await b.locator('[data-testid=editor] .cm-content[contenteditable=false]').waitFor({ timeout: WAIT_MS })
    const file = join(screenshots, 'editor-b-locked-out.png')
    await b.screenshot({ path: file })
    return { a: await a.getByTestId('lock-state').innerText(), b: await b.getByTestId('lock-state').innerText(), file }
  })
  await step('no-page-errors', async () => {
    if (pageErrors.length > 0) throw new Error(pageErrors.join('; '))
    return {}
  })
  emit({ kind: 'done', ok: true })
} catch {
  emit({ kind: 'done', ok: false })
  process.exitCode = 1
} finally {
  if (browser) await browser.close()
}
