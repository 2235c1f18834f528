// The analytics dashboard (GET /analytics/): visitors and hits per UTC day from the query API (/api/analytics), the
// range's top pages, countries and continents, and a live panel of the hub fed by the /analytics/live WebSocket alone.
import 'uplot/dist/uPlot.min.css'
import './analytics.css'
import uPlot from 'uplot'
import { claims, tokenForm } from './token.js'

const TOKEN_KEY = 'crowdwire.analytics.token'
const DAY_MS = 86400000
const DEFAULT_DAYS = 30
const CHART_HEIGHT = 280
// The live panel's close codes after which trying again cannot help: the token is refused, or the page spoke wrongly.
const FINAL_CLOSES = { 4001: 'the token was refused', 4030: 'the token lacks the analytics role', 4005: 'the token expired', 1003: 'the server refused a message', 1007: 'the server refused a message', 1009: 'the server refused a message' }
const RETRY_FIRST_MS = 1000
const RETRY_MAX_MS = 30000
const NUMBER = new Intl.NumberFormat('en-US')

const $ = (id) => document.getElementById(id)

let token = tokenFromFragment() ?? sessionStorage.getItem(TOKEN_KEY)
let chart = null
let live = null
let liveRetryMs = RETRY_FIRST_MS
let liveRetryTimer = null
/** Bumped for each range asked: an older answer that comes late is not shown over a newer one. */
let rangeAsked = 0

/** A link may carry the token as #token=...: it is kept in this tab and taken out of the address bar (and history). */
function tokenFromFragment () {
  const fragment = new URLSearchParams(location.hash.slice(1))
  const given = fragment.get('token')
  if (!given) return null
  sessionStorage.setItem(TOKEN_KEY, given)
  history.replaceState(null, '', location.pathname + location.search)
  return given
}

/** A UTC day as the API writes it. */
function isoDay (ms) {
  return new Date(ms).toISOString().slice(0, 10)
}

function dayMs (day) {
  return Date.parse(`${day}T00:00:00Z`)
}

function showError (text) {
  $('error').textContent = text
  $('error').hidden = !text
}

/** What an error answer says: the API's JSON {error: {code, message}}, or its status and text. */
async function problem (response) {
  const text = await response.text().catch(() => '')
  let error = null
  try {
    error = JSON.parse(text).error ?? null
  } catch {
    // not JSON: its text is shown
  }
  const what = error?.code ? `${error.code}: ${error.message ?? ''}` : (text.trim().slice(0, 200) || response.statusText)
  const hint = response.status === 401 ? ' (paste a valid token)' : response.status === 403 ? ' (the token lacks the analytics role)' : ''
  return `The analytics API answered ${response.status} ${what}${hint}`
}

function setFigure (id, value) {
  const element = $(id)
  element.dataset.value = String(value)
  element.textContent = typeof value === 'number' ? NUMBER.format(value) : value
}

function renderTop (id, items) {
  const body = $(id)
  body.replaceChildren(...items.map((item) => {
    const row = document.createElement('tr')
    const name = document.createElement('td')
    const hits = document.createElement('td')
    name.textContent = item.name
    name.dataset.testid = 'name'
    hits.textContent = NUMBER.format(item.hits)
    hits.dataset.testid = 'hits'
    hits.dataset.value = String(item.hits)
    row.append(name, hits)
    return row
  }))
  if (items.length === 0) {
    const row = document.createElement('tr')
    const empty = document.createElement('td')
    empty.colSpan = 2
    empty.className = 'hint'
    empty.textContent = 'Nothing counted in this range'
    row.append(empty)
    body.append(row)
  }
}

function renderChart (days) {
  const element = $('chart')
  element.dataset.days = String(days.length)
  const data = [
    days.map((day) => dayMs(day.day) / 1000),
    days.map((day) => day.uniqueVisitors),
    days.map((day) => day.hits)
  ]
  chart?.destroy()
  chart = new uPlot({
    width: Math.max(320, element.clientWidth),
    height: CHART_HEIGHT,
    // The days are UTC days: shown as such wherever the browser is.
    tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    series: [
      { label: 'Day', value: (u, seconds) => seconds == null ? '–' : isoDay(seconds * 1000) },
      { label: 'Visitors', stroke: '#1a7f37', width: 2, fill: 'rgba(26, 127, 55, 0.10)', points: { show: days.length < 60 } },
      { label: 'Hits', stroke: '#2563eb', width: 2, points: { show: days.length < 60 } }
    ],
    axes: [{}, { values: (u, ticks) => ticks.map((tick) => NUMBER.format(tick)) }]
  }, data, element)
}

function renderRange (range) {
  setFigure('total-hits', range.hits)
  setFigure('total-visitors', range.uniqueVisitors)
  setFigure('total-bots', range.bots)
  setFigure('total-days', range.days.length)
  $('range-label').textContent = `${range.from} to ${range.to} (UTC)`
  renderChart(range.days)
  renderTop('top-pages', range.top.pages)
  renderTop('top-countries', range.top.countries)
  renderTop('top-continents', range.top.continents)
  document.body.dataset.loaded = 'true'
}

async function loadRange () {
  const from = $('from').value
  const to = $('to').value
  if (!token) {
    showError('Paste a token with the analytics role to see the counts.')
    return
  }
  if (!from || !to || from > to) {
    showError('Choose a range whose first day is not after its last.')
    return
  }
  const asked = ++rangeAsked
  document.body.dataset.loaded = 'false'
  let response
  try {
    response = await fetch(`/api/analytics/range?from=${from}&to=${to}`, { headers: { Authorization: `Bearer ${token}` } })
  } catch (failure) {
    if (asked === rangeAsked) showError(`The analytics API could not be reached: ${failure.message}`)
    return
  }
  if (asked !== rangeAsked) return
  if (!response.ok) {
    showError(await problem(response))
    document.body.dataset.loaded = 'error'
    return
  }
  showError('')
  renderRange(await response.json())
}

function setLiveStatus (status, text) {
  $('live-status').dataset.status = status
  $('live-status').textContent = text
}

function showLiveError (text) {
  $('live-error').textContent = text
  $('live-error').hidden = !text
}

function renderHub (hub) {
  setFigure('live-members', hub.members)
  setFigure('live-connections', hub.connections)
  setFigure('live-subscriptions', hub.subscriptions)
  setFigure('live-channels', hub.channels)
  setFigure('live-documents', hub.documents)
  setFigure('live-events', hub.eventsPerSecond)
  $('live-at').textContent = `As of ${new Date(hub.at).toISOString().replace('T', ' ').slice(0, 19)} UTC`
  setLiveStatus('live', 'Live')
}

/** The live panel: a WebSocket that sends its AUTH first, then only reads the hub's snapshots. */
function connectLive () {
  clearTimeout(liveRetryTimer)
  if (live) {
    live.onclose = null
    live.close(1000, 'token changed')
    live = null
  }
  if (!token) {
    setLiveStatus('idle', 'Waiting for a token')
    return
  }
  setLiveStatus('connecting', 'Connecting')
  showLiveError('')
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/analytics/live`)
  live = socket
  let refusal = null
  socket.onopen = () => socket.send(JSON.stringify({ type: 'AUTH', token }))
  socket.onmessage = (event) => {
    let message
    try {
      message = JSON.parse(event.data)
    } catch {
      return
    }
    if (message.type === 'HUB') {
      liveRetryMs = RETRY_FIRST_MS
      renderHub(message)
    } else if (message.type === 'ERROR') {
      refusal = `${message.code}: ${message.message}`
    }
  }
  socket.onclose = (event) => {
    if (live !== socket) return
    live = null
    const final = FINAL_CLOSES[event.code]
    if (final) {
      setLiveStatus('refused', `Closed: ${final}`)
      showLiveError(`The live panel closed (${event.code}): ${refusal ?? event.reason ?? final}`)
      return
    }
    setLiveStatus('reconnecting', `Reconnecting (${event.code}${event.reason ? ` ${event.reason}` : ''})`)
    liveRetryTimer = setTimeout(connectLive, liveRetryMs)
    liveRetryMs = Math.min(RETRY_MAX_MS, liveRetryMs * 2)
  }
}

function renderToken () {
  const who = token ? claims(token) : null
  $('signed-out').hidden = token !== null
  $('signed-in').hidden = token === null
  $('subject').textContent = who?.sub ?? '(a token without a subject)'
}

function useToken (given) {
  token = given
  if (given) {
    sessionStorage.setItem(TOKEN_KEY, given)
  } else {
    sessionStorage.removeItem(TOKEN_KEY)
  }
  renderToken()
  liveRetryMs = RETRY_FIRST_MS
  connectLive()
  if (given) {
    loadRange()
  } else {
    showError('')
  }
}

function setUp () {
  const today = Date.now()
  $('to').value = isoDay(today)
  $('from').value = isoDay(today - (DEFAULT_DAYS - 1) * DAY_MS)
  $('range').addEventListener('submit', (event) => {
    event.preventDefault()
    loadRange()
  })
  tokenForm($('sign-in-form'), $('token'), (pasted) => {
    $('token').value = ''
    useToken(pasted)
  })
  $('sign-out').addEventListener('click', () => useToken(null))
  window.addEventListener('hashchange', () => {
    const given = tokenFromFragment()
    if (given) useToken(given)
  })
  window.addEventListener('resize', () => chart?.setSize({ width: Math.max(320, $('chart').clientWidth), height: CHART_HEIGHT }))
  renderToken()
  connectLive()
  if (token) {
    loadRange()
  } else {
    showError('Paste a token with the analytics role to see the counts.')
  }
}

setUp()
