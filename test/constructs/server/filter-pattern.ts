// A small local implementation of CloudWatch Logs' space-delimited filter patterns, enough to
// check the nginx metric filters against real nginx log lines without an AWS account:
//   - a log event is split into fields at spaces; a field that starts with " runs to the next ",
//     one that starts with [ runs to the next ] (each is one field, the delimiters dropped);
//   - the pattern `[a, b op v && b op w, ..., c = "x"]` names the fields in order; `...` once
//     matches any number of fields; without it the field count must match exactly;
//   - numeric comparisons (=, !=, <, <=, >, >=) need a numeric field; `= "text"` compares text
//     (`*` is a wildcard); `&&` joins conditions on one field.
// Anything else in a pattern throws, so a pattern this matcher does not understand fails the test.

/** Splits a log event into space-delimited fields ("..." and [...] are one field each). */
export function tokenize(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    const close = line[i] === '"' ? '"' : line[i] === '[' ? ']' : undefined;
    if (close) {
      const end = line.indexOf(close, i + 1);
      if (end < 0) throw new Error(`unterminated ${line[i]} in ${JSON.stringify(line)}`);
      fields.push(line.slice(i + 1, end));
      i = end + 1;
    } else {
      const end = line.indexOf(' ', i);
      fields.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length : end;
    }
  }
  return fields;
}

interface Condition {
  op: '=' | '!=' | '<' | '<=' | '>' | '>=';
  value: number | string;
}
interface Column {
  name: string;
  conditions: Condition[];
}

/** Parses `[name, name op value && name op value, ..., name = "text"]`. */
export function parsePattern(pattern: string): Column[] {
  const m = /^\[(.*)\]$/.exec(pattern.trim());
  if (!m) throw new Error(`not a space-delimited pattern: ${pattern}`);
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of m[1]!) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts.map((part) => {
    if (part === '...') return { name: '...', conditions: [] };
    const terms = part.split('&&').map((t) => t.trim());
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(terms[0]!)?.[0];
    if (!name) throw new Error(`no field name in ${JSON.stringify(part)}`);
    const conditions = terms
      .filter((t) => t !== name)
      .map((t) => {
        const c = /^([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|!=|=|<|>)\s*(?:"([^"]*)"|(-?\d+(?:\.\d+)?))$/.exec(t);
        if (!c || c[1] !== name) throw new Error(`unsupported condition ${JSON.stringify(t)} on field ${name}`);
        return { op: c[2] as Condition['op'], value: c[3] !== undefined ? c[3] : Number(c[4]) };
      });
    return { name, conditions };
  });
}

const NUMBER = /^-?\d+(?:\.\d+)?$/;

function holds(field: string, c: Condition): boolean {
  if (typeof c.value === 'string') {
    const re = new RegExp(`^${c.value.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    if (c.op === '=') return re.test(field);
    if (c.op === '!=') return !re.test(field);
    throw new Error(`text comparison ${c.op} is not supported`);
  }
  if (!NUMBER.test(field)) return false;
  const n = Number(field);
  switch (c.op) {
    case '=': return n === c.value;
    case '!=': return n !== c.value;
    case '<': return n < c.value;
    case '<=': return n <= c.value;
    case '>': return n > c.value;
    case '>=': return n >= c.value;
  }
}

/** The named fields of `line` when it matches `pattern`, else undefined. */
export function matchSpaceDelimited(pattern: string, line: string): Record<string, string> | undefined {
  const columns = parsePattern(pattern);
  const fields = tokenize(line);
  const dots = columns.findIndex((c) => c.name === '...');
  let pairs: [Column, string][];
  if (dots < 0) {
    if (fields.length !== columns.length) return undefined;
    pairs = columns.map((c, i) => [c, fields[i]!]);
  } else {
    const before = columns.slice(0, dots);
    const after = columns.slice(dots + 1);
    if (fields.length < before.length + after.length) return undefined;
    pairs = [...before.map((c, i): [Column, string] => [c, fields[i]!]), ...after.map((c, i): [Column, string] => [c, fields[fields.length - after.length + i]!])];
  }
  const named: Record<string, string> = {};
  for (const [column, field] of pairs) {
    if (!column.conditions.every((c) => holds(field, c))) return undefined;
    named[column.name] = field;
  }
  return named;
}

/** What a metric filter publishes for `line`: the metric value (`'1'` or `'$field'`), or undefined when the line does not match. */
export function metricValueOf(pattern: string, metricValue: string, line: string): number | undefined {
  const named = matchSpaceDelimited(pattern, line);
  if (!named) return undefined;
  if (!metricValue.startsWith('$')) return Number(metricValue);
  const raw = named[metricValue.slice(1)];
  if (raw === undefined || !NUMBER.test(raw)) throw new Error(`${metricValue} is not a numeric field of the pattern`);
  return Number(raw);
}
