#!/usr/bin/env node
// Initial JavaScript budget: sums the gzipped size of the scripts the built index.html loads
// before the first view renders (the entry module and its modulepreload links), prints it,
// and exits 1 above the budget. Lazy route chunks and CSS are not counted.
//
//   node scripts/bundle-size.mjs [dist-dir] [--budget-kb N]
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export const DEFAULT_BUDGET_KB = 350;

/** Local script URLs that index.html loads up front: module scripts and modulepreloads. */
export function initialScripts(html) {
  const urls = new Set();
  for (const tag of html.match(/<(script|link)\b[^>]*>/gi) ?? []) {
    const attr = (name) => tag.match(new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i'))?.[1];
    const isScript = /^<script/i.test(tag) && attr('src');
    const isPreload = /^<link/i.test(tag) && attr('rel')?.toLowerCase() === 'modulepreload';
    const url = isScript ? attr('src') : isPreload ? attr('href') : undefined;
    if (url && !/^(https?:)?\/\//i.test(url)) urls.add(url);
  }
  return [...urls];
}

/** Gzipped bytes per initial script, read from distDir. */
export function measure(distDir, readFile = (p) => readFileSync(p)) {
  const html = readFile(join(distDir, 'index.html')).toString('utf8');
  const files = initialScripts(html).map((url) => {
    const bytes = readFile(join(distDir, url.replace(/^\//, '').split(/[?#]/)[0]));
    return { url, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  if (files.length === 0) throw new Error(`${join(distDir, 'index.html')} loads no script: is it a Vite build?`);
  return { files, total: files.reduce((n, f) => n + f.gzip, 0) };
}

function main(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const i = argv.indexOf('--budget-kb');
  const budgetKb = i >= 0 ? Number(argv[i + 1]) : DEFAULT_BUDGET_KB;
  const positional = argv.filter((a, j) => !a.startsWith('--') && argv[j - 1] !== '--budget-kb');
  const dist = resolve(positional[0] ?? join(here, '../../backend/webui/dist'));
  let result;
  try {
    result = measure(dist);
  } catch (e) {
    console.error(`bundle-size: ${e.message} (run npm run build -w frontend first)`);
    return 2;
  }
  for (const f of result.files) console.log(`  ${(f.gzip / 1024).toFixed(1).padStart(7)} KB gzip  ${f.url}`);
  const kb = result.total / 1024;
  const verdict = kb > budgetKb ? 'OVER BUDGET' : 'ok';
  console.log(`initial JavaScript: ${kb.toFixed(1)} KB gzipped (budget ${budgetKb} KB): ${verdict}`);
  return kb > budgetKb ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
