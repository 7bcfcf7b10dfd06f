// A minimal client of the jsii kernel process, speaking the protocol the Python, Java and .NET
// bindings speak: the process is `@jsii/runtime`'s webpack bundle (the same file those bindings
// embed and start with `node`), requests are JSON lines on its stdin, answers JSON lines on its
// stdout, and its own stdout/stderr come back on stderr as `{"stderr": <base64>}` lines.
// Values cross the wire as the bindings send them: objects by reference (`$jsii.byref`), structs as
// `{"$jsii.struct": {fqn, data}}` with plain JSON data, maps as `$jsii.map`, enums as `$jsii.enum`
// (see @jsii/python-runtime's `_make_reference_for_native`).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

/** A reference to an object living in the kernel. */
export interface ObjRef {
  readonly '$jsii.byref': string;
}

/** The kernel's answer to a failed request: `name` is `@jsii/kernel.Fault` (misuse of the API) or `@jsii/kernel.RuntimeError` (the JavaScript code threw). */
export class KernelError extends Error {
  constructor(
    public readonly kernelName: string,
    message: string,
    public readonly jsStack: string,
  ) {
    super(message);
    this.name = 'KernelError';
  }
}

/** A struct as the bindings send it. */
export const struct = (fqn: string, data: Record<string, unknown>) => ({ '$jsii.struct': { fqn, data } });
/** A string-keyed map (`Record<string, T>` in TypeScript, a dict in Python). */
export const map = (data: Record<string, unknown>) => ({ '$jsii.map': data });
/** An enum member. */
export const enumMember = (fqn: string, member: string) => ({ '$jsii.enum': `${fqn}/${member}` });

/** Where the runtime bundle lives: `@jsii/runtime/webpack`, not its `lib/` (which needs `@jsii/kernel` installed). */
export function runtimeEntry(root: string): string {
  return path.join(root, 'node_modules', '@jsii', 'runtime', 'webpack', 'bin', 'jsii-runtime.js');
}

export class JsiiKernel {
  /** The runtime's own output (CDK warnings, stack traces), for failure messages. */
  public readonly log: string[] = [];
  public readonly hello: Promise<string>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: Array<(line: string) => void> = [];
  private readonly lines: string[] = [];
  private exited = false;
  private readonly exit: Promise<void>;

  /** Starts the runtime with `env` (TMPDIR pointing into the test's own folder: the kernel unpacks the tarballs there). */
  constructor(entry: string, env: NodeJS.ProcessEnv) {
    // Its own process group, so that stop() can end the runtime and the kernel process it starts.
    this.child = spawn(process.execPath, [entry], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.exit = new Promise((resolve) => this.child.once('exit', () => ((this.exited = true), resolve())));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const waiter = this.pending.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { stderr?: string; stdout?: string };
        this.log.push(Buffer.from(msg.stderr ?? msg.stdout ?? '', 'base64').toString('utf8'));
      } catch {
        this.log.push(line); // the runtime's own notices (for example Node version warnings)
      }
    });
    this.hello = this.nextLine().then((line) => (JSON.parse(line) as { hello: string }).hello);
  }

  public get pid(): number {
    return this.child.pid!;
  }

  private nextLine(): Promise<string> {
    const ready = this.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.exited) return Promise.reject(new Error(`the jsii runtime exited:\n${this.log.join('')}`));
    return new Promise((resolve, reject) => {
      this.pending.push(resolve);
      void this.exit.then(() => reject(new Error(`the jsii runtime exited:\n${this.log.join('')}`)));
    });
  }

  /** Sends one request and returns its `ok` payload; a failed request throws a {@link KernelError}. */
  public async request<T = any>(api: string, body: Record<string, unknown>): Promise<T> {
    await this.hello;
    this.child.stdin.write(`${JSON.stringify({ api, ...body })}\n`);
    const answer = JSON.parse(await this.nextLine()) as { ok?: T; error?: string; name?: string; stack?: string; callback?: unknown };
    if (answer.callback !== undefined) throw new Error(`unexpected callback (this client registers no overrides): ${JSON.stringify(answer.callback)}`);
    if (answer.error !== undefined) throw new KernelError(answer.name ?? '', answer.error, answer.stack ?? '');
    return answer.ok as T;
  }

  public load(name: string, version: string, tarball: string): Promise<{ assembly: string; types: number }> {
    return this.request('load', { name, version, tarball });
  }

  public async create(fqn: string, args: unknown[] = []): Promise<ObjRef> {
    return this.request<ObjRef>('create', { fqn, args, overrides: [], interfaces: [] });
  }

  public async invoke<T = any>(objref: ObjRef, method: string, args: unknown[] = []): Promise<T> {
    return (await this.request<{ result: T }>('invoke', { objref, method, args })).result;
  }

  public async sinvoke<T = any>(fqn: string, method: string, args: unknown[] = []): Promise<T> {
    return (await this.request<{ result: T }>('sinvoke', { fqn, method, args })).result;
  }

  public async get<T = any>(objref: ObjRef, property: string): Promise<T> {
    return (await this.request<{ value: T }>('get', { objref, property })).value;
  }

  public async sget<T = any>(fqn: string, property: string): Promise<T> {
    return (await this.request<{ value: T }>('sget', { fqn, property })).value;
  }

  /**
   * Ends the runtime as the Python binding does (`{"exit":0}`, then stdin closed), which lets the
   * kernel remove its work folder; whatever of its process group still runs a few seconds later is
   * killed. True when no process of the group is left.
   */
  public async stop(): Promise<boolean> {
    if (!this.exited) {
      this.child.stdin.end(`${JSON.stringify({ exit: 0 })}\n`);
      await Promise.race([this.exit, new Promise((r) => setTimeout(r, 10_000))]);
    }
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      if (!this.groupAlive()) return true;
      process.kill(-this.child.pid!, signal);
      await new Promise((r) => setTimeout(r, 1000));
    }
    return !this.groupAlive();
  }

  /** Whether a process of the runtime's group (the runtime, the kernel process it started) still runs. */
  private groupAlive(): boolean {
    try {
      process.kill(-this.child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** A value as the kernel returned it, with `$jsii.map` wrappers removed (plain JSON for assertions). */
export function unwrap(value: unknown): any {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  if ('$jsii.map' in obj) return unwrap(obj['$jsii.map']);
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrap(v)]));
}
