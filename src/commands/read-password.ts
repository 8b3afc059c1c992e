// Reads a password for the CLI: from a prompt without echo on a terminal, else the first line of stdin (scripts).

import { createInterface } from 'node:readline';
import { UsageError } from './calls';

export async function readPassword(prompt: string, input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin): Promise<string> {
  if (input.isTTY) {
    const stderr = process.stderr;
    const rl = createInterface({ input, output: stderr, terminal: true });
    // Nothing of what is typed is echoed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.includes(prompt)) stderr.write(prompt);
    };
    const answer = await new Promise<string>((resolve) => rl.question(prompt, resolve));
    rl.close();
    stderr.write('\n');
    return answer;
  }
  const rl = createInterface({ input, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  throw new UsageError('no password on stdin');
}

/** At least 12 characters, one line: the floor for a password that guards recordings of people. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 12) return 'the password needs at least 12 characters';
  if (/[\r\n]/.test(password)) return 'the password must be one line';
  return undefined;
}
