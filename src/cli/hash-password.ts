/**
 * `holdgate hash-password`: reads a password from stdin (one line) and prints the
 * scrypt hash to paste into mqtt.devices[].password_hash. Nothing is echoed or stored.
 */
import { hashPassword } from '../ingest/mqtt/credentials.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export async function hashPasswordCommand(): Promise<number> {
  if (process.stdin.isTTY) console.error('Type the password, then Enter and Ctrl-D:');
  const password = await readStdin();
  if (password.length < 8) {
    console.error('refusing: the password is shorter than 8 characters');
    return 2;
  }
  console.log(await hashPassword(password));
  return 0;
}
