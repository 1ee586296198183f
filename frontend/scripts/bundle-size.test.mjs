import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { initialScripts, measure } from './bundle-size.mjs';

const html = `<!doctype html><html><head>
<script type="module" crossorigin src="/assets/index-abc.js"></script>
<link rel="modulepreload" crossorigin href="/assets/vendor-def.js">
<link rel="stylesheet" href="/assets/index-abc.css">
<link rel="icon" href="/favicon.svg">
<script src="https://cdn.example/x.js"></script>
</head><body><div id="root"></div></body></html>`;

function fakeDist(files) {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-size-'));
  mkdirSync(join(dir, 'assets'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

describe('bundle-size', () => {
  it('finds the entry and modulepreloads, not CSS, icons or remote scripts', () => {
    expect(initialScripts(html)).toEqual(['/assets/index-abc.js', '/assets/vendor-def.js']);
  });

  it('sums gzipped sizes', () => {
    const a = 'console.log("a");'.repeat(100);
    const b = 'export const b = 1;';
    const dir = fakeDist({ 'index.html': html, 'assets/index-abc.js': a, 'assets/vendor-def.js': b });
    const r = measure(dir);
    expect(r.total).toBe(gzipSync(a, { level: 9 }).length + gzipSync(b, { level: 9 }).length);
  });

  it('exits 1 over budget and 0 within', () => {
    // Random bytes do not compress: 40 KB stays about 40 KB gzipped.
    const big = Buffer.from(Array.from({ length: 40 * 1024 }, () => Math.floor(Math.random() * 256)));
    const dir = fakeDist({ 'index.html': html, 'assets/index-abc.js': big, 'assets/vendor-def.js': 'x' });
    const run = (budget) => {
      try {
        execFileSync(process.execPath, [join(import.meta.dirname, 'bundle-size.mjs'), dir, '--budget-kb', String(budget)], {
          stdio: 'pipe',
        });
        return 0;
      } catch (e) {
        return e.status;
      }
    };
    expect(run(30)).toBe(1);
    expect(run(100)).toBe(0);
  });
});
