// What the browser tests' scripts share: Debian's Chromium launched as the tests need it, their JSON lines on stdout,
// and a page watched for the errors that fail a test.
import { chromium } from 'playwright-core'

const CHROMIUM = '/usr/bin/chromium'
// Root needs --no-sandbox; the rest keep Chromium from reaching out to Google's services, which fails on a closed
// network and slows every start.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']

export const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
process.stdout.on('error', () => process.exit(0))

/** launch() gives the browser a new, empty profile of its own (a user data dir that is removed on close). */
export function launch () {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
}

/**
 * A new page in a context of its own (Playwright's context options: `viewport`, `userAgent`...), whose console
 * warnings and errors are reported and whose page errors and Content Security Policy violations are added to
 * `pageErrors`.
 */
export async function newPage (browser, label, options, pageErrors) {
  const context = await browser.newContext(options)
  const page = await context.newPage()
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      emit({ kind: 'console', page: label, type: message.type(), text: message.text() })
      if (message.text().includes('Content Security Policy')) pageErrors.push(`${label}: ${message.text()}`)
    }
  })
  page.on('pageerror', (error) => pageErrors.push(`${label}: ${error.message}`))
  return page
}
