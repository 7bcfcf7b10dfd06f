import { Token } from 'aws-cdk-lib';

/**
 * Deploy-time values (tokens) in the container style: what the chart can pass through to the
 * manifest (CloudFormation resolves it inside the `Manifest` property) and what must be known at synth.
 * Not part of the public API.
 */

/**
 * Walks a JSON value: returns a copy in which every token is replaced by '<token>' (so a hash of it
 * is the same on every synth) and the tokens themselves, as strings, in order of appearance.
 */
export function separateTokens(value: unknown): { normalised: unknown; tokens: string[] } {
  const tokens: string[] = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number' && Token.isUnresolved(v)) {
      tokens.push(Token.asString(v));
      return '<token>';
    }
    if (typeof v === 'string') {
      if (!Token.isUnresolved(v)) return v;
      tokens.push(v);
      return v.replace(/\$\{Token\[[^\]]*\]\}/g, '<token>');
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { normalised: walk(value), tokens };
}
