// The analytics dashboard (GET /analytics/) in headless Chromium, driven by playwright-core: opened with a token in
// its fragment, it shows the range's counts and its live panel; the test then changes the hub and asks what it shows.
//
//   node analytics-dashboard.mjs <base-url> <token> <screenshot-dir>
//
//   base-url        e.g. http://127.0.0.1:8080
//   token           a JWT with the analytics role (admin)
//   screenshot-dir  analytics-dashboard.png and analytics-live.png are written there
//
// Uses Debian's /usr/bin/chromium (never a browser of Playwright's own). stdin, one JSON object per line:
//   {"awaitConnections": N, "screenshot": "file.png"?}  waits until the live panel shows N connections (no reload)
//   {"wrongToken": "..."}                              opens the page in a second tab with that token: its errors
//   {"finish": true}                                   checks the page was never reloaded and saw no page errors
//   {"close": true}                                    closes the browser and exits; so does the end of stdin
// stdout, one JSON object per line:
//   {"kind":"step","step":"<name>","ok":true,...}        each step done, with what it saw
//   {"kind":"step","step":"<name>","ok":false,"message":"..."}   the step that failed (the script goes on reading)
//   {"kind":"console","page":"...","type":"...","text":"..."}   the pages' console warnings and errors
//   {"kind":"done","ok":true|false}                       after {"finish"}: whether every step passed

import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import readline from 'node:readline'
import { emit, launch, newPage } from './browser.mjs'

const WAIT_MS = 15000

const [base, token, screenshots] = process.argv.slice(2)
if (!screenshots) {
  emit({ kind: 'step', step: 'arguments', ok: false, message: 'usage: node analytics-dashboard.mjs <base-url> <token> <screenshot-dir>' })
  process.exit(2)
}
const pageErrors = []
let failed = false

async function step (name, action) {
  try {
    emit({ kind: 'step', step: name, ok: true, ...(await action()) })
  } catch (failure) {
    failed = true
    emit({ kind: 'step', step: name, ok: false, message: String(failure && failure.message ? failure.message : failure) })
  }
}

async function open (label, fragmentToken) {
  const page = await newPage(browser, label, { viewport: { width: 1280, height: 900 } }, pageErrors)
  const response = await page.goto(`${base}/analytics/#token=${encodeURIComponent(fragmentToken)}`)
  if (response.status() !== 200) throw new Error(`GET /analytics/: ${response.status()}`)
  return page
}

/** In the page: what it shows, read off its data-testid elements (data-value holds the unformatted number). */
function shown () {
  const value = (id) => {
    const element = document.querySelector(`[data-testid=${id}]`)
    return element?.dataset.value !== undefined ? Number(element.dataset.value) : null
  }
  const table = (id) => [...document.querySelectorAll(`[data-testid=${id}] tbody tr`)]
    .filter((row) => row.querySelector('[data-testid=name]'))
    .map((row) => ({ name: row.querySelector('[data-testid=name]').textContent, hits: Number(row.querySelector('[data-testid=hits]').dataset.value) }))
  return {
    hits: value('total-hits'),
    uniqueVisitors: value('total-visitors'),
    bots: value('total-bots'),
    days: value('total-days'),
    chartDays: Number(document.querySelector('[data-testid=chart]').dataset.days),
    chartCanvas: document.querySelector('[data-testid=chart] canvas') !== null,
    from: document.querySelector('[data-testid=from]').value,
    to: document.querySelector('[data-testid=to]').value,
    pages: table('top-pages'),
    countries: table('top-countries'),
    continents: table('top-continents'),
    error: document.querySelector('[data-testid=error]').hidden ? null : document.querySelector('[data-testid=error]').textContent,
    liveError: document.querySelector('[data-testid=live-error]').hidden ? null : document.querySelector('[data-testid=live-error]').textContent,
    live: {
      status: document.querySelector('[data-testid=live-status]').dataset.status,
      members: value('live-members'),
      connections: value('live-connections'),
      subscriptions: value('live-subscriptions'),
      channels: value('live-channels'),
      documents: value('live-documents'),
      eventsPerSecond: value('live-events')
    }
  }
}

let browser
let dashboard
await step('launch', async () => {
  browser = await launch()
  return { version: browser.version() }
})
await step('open-with-token-in-fragment', async () => {
  dashboard = await open('dashboard', token)
  await dashboard.locator('body[data-loaded=true]').waitFor({ timeout: WAIT_MS })
  // A mark that a reload would lose: the live panel must change without one.
  await dashboard.evaluate(() => { window.notReloaded = true })
  const url = dashboard.url()
  if (url.includes('#') || url.includes('token')) throw new Error(`the token stayed in the address bar: ${url}`)
  const stored = await dashboard.evaluate(() => sessionStorage.getItem('crowdwire.analytics.token'))
  if (stored !== token) throw new Error('the token is not in session storage')
  return { url, subject: await dashboard.getByTestId('subject').innerText() }
})
await step('range-shown', async () => dashboard.evaluate(shown))
await step('live-shown', async () => {
  await dashboard.locator('[data-testid=live-status][data-status=live]').waitFor({ timeout: WAIT_MS })
  return (await dashboard.evaluate(shown)).live
})
await step('screenshot-dashboard', async () => {
  await mkdir(screenshots, { recursive: true })
  const file = join(screenshots, 'analytics-dashboard.png')
  await dashboard.screenshot({ path: file, fullPage: true })
  return { file }
})

async function awaitConnections (count, screenshot) {
  await dashboard.waitForFunction((n) => document.querySelector('[data-testid=live-connections]').dataset.value === String(n),
    count, { timeout: WAIT_MS }).catch(async () => {
    throw new Error(`the live panel shows ${JSON.stringify((await dashboard.evaluate(shown)).live)}, not ${count} connections`)
  })
  const result = { ...(await dashboard.evaluate(shown)).live, notReloaded: await dashboard.evaluate(() => window.notReloaded === true) }
  if (screenshot) {
    result.file = join(screenshots, screenshot)
    await dashboard.screenshot({ path: result.file, fullPage: true })
  }
  return result
}

async function wrongToken (given) {
  const page = await open('wrong-token', given)
  await page.locator('[data-testid=error]:not([hidden])').waitFor({ timeout: WAIT_MS })
  await page.locator('[data-testid=live-status][data-status=refused]').waitFor({ timeout: WAIT_MS })
  await page.locator('[data-testid=live-error]:not([hidden])').waitFor({ timeout: WAIT_MS })
  const seen = await page.evaluate(shown)
  await page.context().close()
  return { error: seen.error, live: seen.live.status, liveError: seen.liveError, hits: seen.hits }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
let done = false
async function finish () {
  if (done) return
  done = true
  rl.close()
  if (browser) await browser.close().catch(() => {})
}
// One command at a time, in order.
let queue = Promise.resolve()
rl.on('line', (line) => {
  if (!line.trim()) return
  queue = queue.then(async () => {
    const command = JSON.parse(line)
    if (command.awaitConnections !== undefined) {
      await step(`connections-${command.awaitConnections}`, () => awaitConnections(command.awaitConnections, command.screenshot))
    } else if (command.wrongToken !== undefined) {
      await step('wrong-token', () => wrongToken(command.wrongToken))
    } else if (command.finish) {
      await step('no-reload-no-page-errors', async () => {
        if (!(await dashboard.evaluate(() => window.notReloaded === true))) throw new Error('the dashboard was reloaded')
        if (pageErrors.length > 0) throw new Error(pageErrors.join('; '))
        return {}
      })
      emit({ kind: 'done', ok: !failed })
    } else if (command.close) {
      await finish()
    }
  }).catch((failure) => emit({ kind: 'step', step: 'command', ok: false, message: String(failure) }))
})
rl.on('close', () => { queue.then(finish) })
