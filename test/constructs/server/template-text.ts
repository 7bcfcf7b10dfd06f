// Reads CloudFormation values as text in tests: Ref/GetAtt become ${...} placeholders, Fn::Base64 is read through.
/** Renders a template value to text: Ref/GetAtt become ${...} placeholders, Fn::Base64 is read through. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const v = value as Record<string, any>;
  if (v.Ref) return `\${${v.Ref}}`;
  if (v['Fn::GetAtt']) return `\${${v['Fn::GetAtt'].join('.')}}`;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
  if (v['Fn::Base64'] !== undefined) return flatten(v['Fn::Base64']);
  if (v['Fn::Select']) return `\${Select(${v['Fn::Select'][0]})}`;
  if (v['Fn::Sub']) return typeof v['Fn::Sub'] === 'string' ? v['Fn::Sub'] : v['Fn::Sub'][0];
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}
