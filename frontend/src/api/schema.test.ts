// The committed schema.d.ts must be what `npm run gen:api` makes from api/openapi.yaml now;
// otherwise the UI compiles against a contract the server no longer serves.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const frontend = resolve(__dirname, '../..');

describe('generated API types', () => {
  it('match api/openapi.yaml (run npm run gen:api -w frontend)', () => {
    const pkg = createRequire(join(frontend, 'package.json')).resolve('openapi-typescript/package.json');
    const cli = join(dirname(pkg), 'bin/cli.js');
    const out = join(mkdtempSync(join(tmpdir(), 'schema-')), 'schema.d.ts');
    execFileSync(process.execPath, [cli, '../api/openapi.yaml', '-o', out], { cwd: frontend, stdio: 'pipe' });
    const fresh = readFileSync(out, 'utf8');
    const committed = readFileSync(join(frontend, 'src/api/schema.d.ts'), 'utf8');
    expect(committed === fresh, 'src/api/schema.d.ts is stale: run `npm run gen:api -w frontend` and commit it').toBe(true);
  }, 30_000);
});
