// Bundles the pages into the directory given as the first argument (Maven gives target/classes/webroot): the editor's
// editor.js and editor.css, minified, a chunk per language grammar (named by its hash), and index.html; the analytics
// dashboard's analytics.js and analytics.css (uPlot with them) and analytics.html.
//
//   node build.mjs <output directory>    (emptied first)
import { createHash } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as esbuild from 'esbuild'

const out = process.argv[2]
if (!out) {
  console.error('usage: node build.mjs <output directory>')
  process.exit(2)
}
// Emptied first: chunks of an earlier build, named by their old hashes, would stay in the jar.
await rm(out, { recursive: true, force: true })
await esbuild.build({
  entryPoints: ['src/editor.js', 'src/analytics.js'],
  bundle: true,
  minify: true,
  // The grammars are imported when first shown: chunks of their own, loaded by the ES module that needs them.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  target: 'es2020',
  outdir: out,
  logLevel: 'warning'
})

// The assets are cached for long: chunks are named by their hash, and each page names its script and style with a hash
// of their content, so a new build is fetched.
const PAGES = { 'index.html': ['editor.js', 'editor.css'], 'analytics.html': ['analytics.js', 'analytics.css'] }
for (const [file, assets] of Object.entries(PAGES)) {
  let page = await readFile(file, 'utf8')
  for (const asset of assets) {
    const hash = createHash('sha256').update(await readFile(join(out, asset))).digest('hex').slice(0, 16)
    page = page.replace(`/assets/${asset}"`, `/assets/${asset}?v=${hash}"`)
  }
  await writeFile(join(out, file), page)
}
