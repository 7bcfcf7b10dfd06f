// Every TypeScript and JavaScript code block of the docs (README.md, constructs/*/README.md, docs/*.md)
// is a complete program a user can copy: this test compiles them all and synthesizes the ones that build
// an App, so the examples cannot rot.
//
// The convention, for doc writers:
// - A ```ts / ```typescript / ```tsx / ```js / ```javascript block is compiled as it is written: with its
//   imports, `import ... from 'cdk-orchestration'` (or `/server`, `/vm`, `/container`, `/serverless`) as a
//   user writes it. A block that creates an `App` is also run and synthesized; it must synthesize at least
//   one stack, every stack with resources and no error annotations, and contain the resource of every
//   main construct it creates (EXPECTED_RESOURCES, EXPECTED_OUTPUTS).
// - A block that cannot be a complete program (a fragment of props, a type signature) is preceded by
//   `<!-- not-compiled: why -->` (the reason is required). Prefer a complete program; the counts of
//   compiled blocks per file (MIN_COMPILED) make a mass skip visible.
// - The blocks run in a fresh project folder: each block is a file at its root (so `__dirname` is the
//   project folder and relative paths resolve from it, as under `cdk synth`), which has the folders the
//   examples read (PROJECT_FOLDERS, copies of the sample app, and `build.zip`) and a `package.json` of
//   type commonjs (so `__dirname` works, as in a TypeScript CDK app). Other languages (sh, json, text)
//   are not in scope.
//
// How: the blocks are written as files into one temp folder, type-checked by ONE run of the project's
// tsc (TypeScript 7 has no compiler API), with tsconfig `paths` mapping the package name to the repo's
// sources; errors are reported at the markdown file and line. The blocks that build an App run in ONE
// child process under tsx (which honours the same `paths`), with no AWS credentials; every App they
// create is caught through aws-cdk-lib's App init hook and synthesized, and the child reports the
// stacks back as JSON.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CDK_CONTEXT, ROOT, SAMPLE_APP_DIR } from '../helpers';

const execFileAsync = promisify(execFile);

/** The markdown files whose code blocks are examples (relative to the repo root, `/` separators). */
function docFiles(): string[] {
  const constructs = fs
    .readdirSync(path.join(ROOT, 'constructs'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, 'constructs', d.name, 'README.md')))
    .map((d) => `constructs/${d.name}/README.md`);
  const docs = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  return ['README.md', ...constructs.sort(), ...docs.sort()];
}

/**
 * At least this many compiled blocks per file: skipping blocks (or deleting them) shows up here. Raise
 * the numbers when you add examples; lowering one is a decision a reviewer sees.
 */
const MIN_COMPILED: Record<string, number> = {
  'README.md': 3,
  'constructs/container/README.md': 2,
  'constructs/server/README.md': 1,
  'constructs/serverless/README.md': 1,
  'constructs/vm/README.md': 2,
  'docs/cli.md': 1,
  'docs/network.md': 1,
};

/** Folders of the project the blocks run in, as a user has them: each a copy of the sample app. */
const PROJECT_FOLDERS = ['app', 'handler', 'sample-app', 'other', 'dist/handler'];

/** The resource type a synthesized block must contain for each main construct it creates (`new X(`). */
const EXPECTED_RESOURCES: Record<string, string> = {
  FunctionService: 'AWS::Lambda::Function',
  VmService: 'AWS::AutoScaling::AutoScalingGroup',
  ServerService: 'AWS::EC2::Instance',
  ContainerService: 'Custom::AWSCDK-EKS-KubernetesResource',
  AppCluster: 'AWS::EKS::Cluster',
  AppNetwork: 'AWS::EC2::VPC',
};

/** The stack outputs a synthesized block must have for each construct it creates that writes outputs. */
const EXPECTED_OUTPUTS: Record<string, string[]> = {
  OrchestrationOutputs: ['Style', 'Region'],
};

const LANGUAGES: Record<string, 'ts' | 'tsx' | 'js'> = { ts: 'ts', typescript: 'ts', tsx: 'tsx', js: 'js', javascript: 'js' };

interface Block {
  /** The markdown file, relative to the repo root. */
  doc: string;
  /** 1-based line of the opening fence. */
  fenceLine: number;
  /** Indentation of the fence (stripped from the code, added back to reported columns). */
  indent: number;
  lang: 'ts' | 'tsx' | 'js';
  code: string;
  /** The reason of a `<!-- not-compiled: reason -->` marker, '' for a marker without one; undefined: compiled. */
  skip?: string;
  /** The file name in the temp project. */
  file: string;
}

/** The code blocks of a markdown file in the languages in scope, with their markers. */
function codeBlocks(doc: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(lines[end]!)) end++;
    const lang = LANGUAGES[info.toLowerCase()];
    if (lang) {
      // The HTML comments right above the fence (blank lines allowed), nearest first.
      const comments: string[] = [];
      for (let j = i - 1; j >= 0; j--) {
        const l = lines[j]!.trim();
        if (l === '') continue;
        if (!/^<!--.*-->$/.test(l)) break;
        comments.push(l);
      }
      const marker = comments.map((c) => /^<!--\s*not-compiled\b:?\s*(.*?)\s*-->$/.exec(c)).find(Boolean);
      const code = lines
        .slice(i + 1, end)
        .map((l) => l.slice(Math.min(indent.length, l.length - l.trimStart().length)))
        .join('\n');
      const esm = lang === 'js' && /^\s*(import|export)\s/m.test(code) && !/\brequire\(/.test(code);
      const ext = lang === 'js' ? (esm ? 'mjs' : 'js') : lang;
      blocks.push({
        doc,
        fenceLine: i + 1,
        indent: indent.length,
        lang,
        code: code + '\n',
        skip: marker ? marker[1] : undefined,
        file: `${doc.replace(/\.md$/, '').replace(/[^\w]+/g, '_')}_L${i + 1}.${ext}`,
      });
    }
    i = end;
  }
  return blocks;
}

const DOCS = docFiles();
const BLOCKS = DOCS.flatMap((doc) => codeBlocks(doc, fs.readFileSync(path.join(ROOT, doc), 'utf8')));
const COMPILED = BLOCKS.filter((b) => b.skip === undefined);
/** Blocks that build an App: run and synthesized. */
const builds = (b: Block) => /\bnew\s+(?:\w+\.)?App\s*\(/.test(b.code);

/** Whether a block creates a construct (`new X(`). */
const creates = (b: Block, construct: string) => new RegExp(`\\bnew\\s+${construct}\\s*\\(`).test(b.code);

/** What the child process reports for one synthesized block. */
interface SynthResult {
  file: string;
  error?: string;
  stacks: { name: string; resourceTypes: string[]; outputs: string[]; errors: string[] }[];
}

/** A tsc diagnostic on a block, at its markdown file and line; others as tsc printed them. */
function mapDiagnostics(output: string): string[] {
  const byFile = new Map(COMPILED.map((b) => [b.file, b]));
  return output
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^(.*?)\((\d+),(\d+)\): (.*)$/.exec(l);
      const b = m && byFile.get(path.basename(m[1]!));
      if (!m || !b) return l;
      return `${b.doc}:${b.fenceLine + Number(m[2])}:${Number(m[3]) + b.indent}: ${m[4]}`;
    });
}

/** An error's stack with the block files' positions (tsx maps them to the source) at their markdown lines. */
function atMarkdownLines(text: string, dir: string): string {
  let out = text;
  for (const b of COMPILED) {
    out = out.replaceAll(new RegExp(`${escapeRegExp(path.join(dir, b.file))}:(\\d+):(\\d+)`, 'g'), (_m, line: string, col: string) => `${b.doc}:${b.fenceLine + Number(line)}:${Number(col) + b.indent}`);
  }
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The child's script: imports each block under tsx, synthesizes every App it created, prints JSON. */
const RUNNER = `
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
const [, , listFile, outFile] = process.argv;
const results = [];
const apps = [];
globalThis[Symbol.for('@aws-cdk/core.App#initHook')] = (app) => apps.push(app);
for (const file of JSON.parse(fs.readFileSync(listFile, 'utf8'))) {
  apps.length = 0;
  process.env.CDK_OUTDIR = path.resolve('cdk.out', file);
  const exitHooks = new Set(process.listeners('beforeExit'));
  const result = { file, stacks: [] };
  try {
    await import(pathToFileURL(path.resolve(file)).href);
    if (apps.length === 0) throw new Error('the block creates no App');
    for (const app of apps) {
      for (const stack of app.synth({ errorOnDuplicateSynth: false }).stacks) {
        result.stacks.push({
          name: stack.stackName,
          resourceTypes: Object.values(stack.template.Resources ?? {}).map((r) => r.Type),
          outputs: Object.keys(stack.template.Outputs ?? {}),
          errors: stack.messages.filter((m) => m.level === "error").map((m) => m.id + ': ' + m.entry.data),
        });
      }
    }
  } catch (e) {
    result.error = e && e.stack ? e.stack : String(e);
  }
  // aws-cdk-lib's auto-synth at exit (CDK_OUTDIR is set): done above already.
  for (const l of process.listeners('beforeExit')) if (!exitHooks.has(l)) process.removeListener('beforeExit', l);
  results.push(result);
}
fs.writeFileSync(outFile, JSON.stringify(results));
`;

describe('codeBlocks: how a markdown file is read', () => {
  const md = [
    '# Title', //                                          1
    '<!-- not-compiled: a fragment of props -->', //       2
    '```ts', //                                            3
    'memorySize: 256,', //                                 4
    '```', //                                              5
    '<!-- consumer-example:ts -->', //                     6
    '', //                                                 7
    '```typescript', //                                    8
    "import { App } from 'aws-cdk-lib';", //               9
    '```', //                                             10
    '- a list item', //                                   11
    '', //                                                12
    '  ```js', //                                         13
    "  const { App } = require('aws-cdk-lib');", //       14
    '    new App();', //                                  15
    '  ```', //                                           16
    '<!-- not-compiled -->', //                           17
    '```tsx', //                                          18
    '```', //                                             19
    '```sh', //                                           20
    'npm test', //                                        21
    '```', //                                             22
    '```', //                                             23
    "const notInScope = 'a block with no language';", //  24
    '```', //                                             25
    '````md', //                                          26
    '```ts', //                                           27
    'inside a longer fence: not a block of its own', //  28
    '```', //                                             29
    '````', //                                            30
  ].join('\n');
  const blocks = codeBlocks('docs/x.md', md);

  it('takes the ts, typescript, tsx, js and javascript blocks, with their lines and indentation', () => {
    expect(blocks.map((b) => [b.fenceLine, b.lang, b.indent, b.file])).toEqual([
      [3, 'ts', 0, 'docs_x_L3.ts'],
      [8, 'ts', 0, 'docs_x_L8.ts'],
      [13, 'js', 2, 'docs_x_L13.js'],
      [18, 'tsx', 0, 'docs_x_L18.tsx'],
    ]);
    expect(blocks[2]!.code).toBe("const { App } = require('aws-cdk-lib');\n  new App();\n");
  });

  it('reads a not-compiled marker and its reason; other comments (consumer-example) are not markers', () => {
    expect(blocks.map((b) => b.skip)).toEqual(['a fragment of props', undefined, undefined, '']);
  });
});

describe('docs code blocks', () => {
  let dir: string;
  let tsc: { status: number; diagnostics: string[] };
  let synth: Map<string, SynthResult>;
  let synthStderr = '';

  beforeAll(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'docs-blocks-'))); // as stack traces print it
    // The project: the repo's node_modules (aws-cdk-lib, constructs, @types/node: one copy, shared with
    // the sources the `paths` point to), a CommonJS package.json, the folders the examples read.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'junction');
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'docs-blocks', private: true, type: 'commonjs' }));
    for (const folder of PROJECT_FOLDERS) fs.cpSync(SAMPLE_APP_DIR, path.join(dir, folder), { recursive: true });
    fs.writeFileSync(path.join(dir, 'build.zip'), ''); // a bundle the user built (`lambda.Code.fromAsset('build.zip')`)
    for (const b of COMPILED) fs.writeFileSync(path.join(dir, b.file), b.code);
    const entry = (p: string) => [path.join(ROOT, p)];
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: {
            // A user's project (cdk init's settings, strict), plus unused imports reported: a stale import
            // in an example is a defect too.
            target: 'ES2022',
            lib: ['ES2023'],
            module: 'nodenext',
            moduleResolution: 'nodenext',
            moduleDetection: 'force',
            strict: true,
            noImplicitReturns: true,
            noUnusedLocals: true,
            esModuleInterop: true,
            skipLibCheck: true,
            resolveJsonModule: true,
            allowJs: true,
            checkJs: true,
            jsx: 'preserve',
            types: ['node'],
            noEmit: true,
            paths: {
              'cdk-orchestration': entry('index.ts'),
              'cdk-orchestration/server': entry('constructs/server/index.ts'),
              'cdk-orchestration/vm': entry('constructs/vm/index.ts'),
              'cdk-orchestration/container': entry('constructs/container/index.ts'),
              'cdk-orchestration/serverless': entry('constructs/serverless/index.ts'),
            },
          },
          files: COMPILED.map((b) => b.file),
        },
        null,
        2,
      ),
    );
    fs.writeFileSync(path.join(dir, 'runner.mjs'), RUNNER);
    const toSynth = COMPILED.filter(builds).map((b) => b.file);
    fs.writeFileSync(path.join(dir, 'synth.json'), JSON.stringify(toSynth));

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_VALIDATION: 'false',
      CDK_CONTEXT_JSON: JSON.stringify(CDK_CONTEXT),
      TSX_TSCONFIG_PATH: path.join(dir, 'tsconfig.json'),
    };
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'CDK_OUTDIR']) delete env[k];
    // The type check and the synth overlap (two processes).
    const tscRun = execFileAsync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--pretty', 'false'], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      (r) => ({ status: 0, diagnostics: mapDiagnostics(r.stdout + r.stderr) }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ status: e.code ?? 1, diagnostics: mapDiagnostics(`${e.stdout ?? ''}${e.stderr ?? ''}`) }),
    );
    const tsxLoader = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
    const synthRun = execFileAsync(process.execPath, ['--import', tsxLoader, 'runner.mjs', 'synth.json', 'synth-results.json'], {
      cwd: dir,
      env,
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      (r) => r.stderr,
      (e: { stderr?: string; message: string }) => `${e.message}\n${e.stderr ?? ''}`,
    );
    [tsc, synthStderr] = await Promise.all([tscRun, synthRun]);
    const results: SynthResult[] = fs.existsSync(path.join(dir, 'synth-results.json')) ? JSON.parse(fs.readFileSync(path.join(dir, 'synth-results.json'), 'utf8')) : [];
    synth = new Map(results.map((r) => [r.file, r]));
  }, 120_000);

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds the docs and their blocks', () => {
    expect(DOCS).toContain('README.md');
    expect(DOCS).toContain('docs/network.md');
    expect(COMPILED.length).toBeGreaterThan(0);
  });

  it('gives a reason for every block it does not compile', () => {
    const noReason = BLOCKS.filter((b) => b.skip === '').map((b) => `${b.doc}:${b.fenceLine}`);
    expect(noReason, 'write <!-- not-compiled: why --> above these blocks').toEqual([]);
  });

  // The counts per file are in the test names (the reporter shows them), the skipped blocks with their reasons.
  it.each(
    DOCS.map((doc) => {
      const mine = BLOCKS.filter((b) => b.doc === doc);
      const compiled = mine.filter((b) => b.skip === undefined);
      const skipped = mine.filter((b) => b.skip !== undefined).map((b) => `line ${b.fenceLine}: ${b.skip}`);
      const name = `${doc}: ${compiled.length} compiled, ${compiled.filter(builds).length} synthesized, ${skipped.length} skipped${skipped.length ? ` (${skipped.join('; ')})` : ''}`;
      return [name, doc, compiled.length] as const;
    }),
  )('%s', (name, doc, compiled) => {
    expect(compiled, `${name}: fewer than MIN_COMPILED`).toBeGreaterThanOrEqual(MIN_COMPILED[doc] ?? 0);
  });

  it('type-checks every compiled block as a user writes it (errors at the markdown line)', () => {
    expect(tsc.diagnostics).toEqual([]);
    expect(tsc.status).toBe(0);
  });

  it.each(COMPILED.filter(builds).map((b) => [`${b.doc}:${b.fenceLine}`, b] as const))('synthesizes %s', (_name, b) => {
    const result = synth.get(b.file);
    expect(result, `no result from the synth process:\n${synthStderr}`).toBeDefined();
    expect(result!.error && atMarkdownLines(result!.error, dir), `${b.doc}:${b.fenceLine} failed to run`).toBeUndefined();
    expect(result!.stacks.length).toBeGreaterThan(0);
    const all = result!.stacks.flatMap((s) => s.resourceTypes);
    for (const s of result!.stacks) {
      expect(s.errors, `error annotations on ${s.name}`).toEqual([]);
      expect(s.resourceTypes.length, `resources of ${s.name}`).toBeGreaterThan(0);
    }
    for (const [construct, type] of Object.entries(EXPECTED_RESOURCES)) {
      if (creates(b, construct)) expect(all, `${construct} in ${b.doc}:${b.fenceLine}`).toContain(type);
    }
    const outputs = result!.stacks.flatMap((s) => s.outputs);
    for (const [construct, names] of Object.entries(EXPECTED_OUTPUTS)) {
      if (creates(b, construct)) expect(outputs, `outputs of ${construct} in ${b.doc}:${b.fenceLine}`).toEqual(expect.arrayContaining(names));
    }
  });
});
