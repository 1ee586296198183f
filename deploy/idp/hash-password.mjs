#!/usr/bin/env node
// Prints a scrypt hash for deploy/idp/users.json.
//
//   node hash-password.mjs 'the password'      # quick, but lands in shell history
//   printf '%s' 'the password' | node hash-password.mjs
import { hashPassword } from './passwords.mjs';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  // Drop one trailing newline so `echo secret | node hash-password.mjs` hashes "secret".
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help') || args.length > 1) {
  process.stderr.write('usage: node hash-password.mjs [password]   (reads stdin when no argument)\n');
  process.exit(args.length > 1 ? 2 : 0);
}

const password = args.length === 1 ? args[0] : await readStdin();
if (!password) {
  process.stderr.write('hash-password: empty password\n');
  process.exit(2);
}
process.stdout.write(`${await hashPassword(password)}\n`);
