import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Runs kubectl with arguments; resolves with its exit code and output (never rejects on a non-zero exit). */
export type Kubectl = (args: string[], options?: { timeoutMs?: number }) => Promise<{ code: number; stdout: string; stderr: string }>;

/** The full path of an executable on PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** A Kubectl runner for the kubectl on PATH, or undefined when there is none. */
export function kubectlOnPath(env: NodeJS.ProcessEnv = process.env): Kubectl | undefined {
  const file = findOnPath('kubectl', env);
  if (!file) return undefined;
  return (args, options = {}) =>
    new Promise((resolve) => {
      execFile(file, args, { timeout: options.timeoutMs ?? 30_000, maxBuffer: 10 * 1024 * 1024, env }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });
}

/** Quotes a shell word only when it needs it, for commands printed to the user. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(words: string[]): string {
  return words.map(shellWord).join(' ');
}
