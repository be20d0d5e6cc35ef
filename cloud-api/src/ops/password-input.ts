import { createInterface } from 'node:readline';
import { type Readable, Writable } from 'node:stream';

/**
 * Reads a password the way `docker login --password-stdin` does: all of stdin, less one trailing
 * newline, so it never appears in the process list or the shell history.
 */
export async function readPasswordFromStream(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks for a password on a terminal, echoing nothing of what is typed. @throws when cancelled. */
export function promptPassword(prompt: string, input: Readable, output: Writable): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    const silent = new Writable({ write: (_chunk, _enc, done) => done() });
    const rl = createInterface({ input, output: silent, terminal: true });
    rl.question('', (answer) => {
      rl.close();
      output.write('\n');
      resolve(answer);
    });
    rl.on('SIGINT', () => {
      rl.close();
      reject(new Error('cancelled'));
    });
  });
}
