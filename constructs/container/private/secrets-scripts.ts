/**
 * The scripts that bring an app's secrets into its container (not part of the public API).
 */

/** Where the init container writes the secret values: a memory-backed `emptyDir`. */
export const SECRETS_MOUNT_PATH = '/run/app-secrets';

/**
 * Runs in the init container (aws-cli image, as a non-root user): reads each `<NAME>_SECRET_REF`
 * with the pod's EKS Pod Identity credentials and writes the value to a file in the memory-backed
 * volume. A failure fails the init container, so the pod never starts without its secrets.
 */
export const FETCH_SECRETS_SCRIPT = [
  'set -eu',
  'umask 077',
  `cd ${SECRETS_MOUNT_PATH}`,
  'for name in $SECRET_NAMES; do',
  '  ref=$(printenv "${name}_SECRET_REF")',
  '  case "$ref" in',
  '    ssm:*) aws ssm get-parameter --with-decryption --name "${ref#ssm:}" --query Parameter.Value --output text > "$name" ;;',
  '    secretsmanager:*) aws secretsmanager get-secret-value --secret-id "${ref#secretsmanager:}" --query SecretString --output text > "$name" ;;',
  '    *) echo "unknown secret reference for $name" >&2; exit 1 ;;',
  '  esac',
  'done',
].join('\n');

/** The app container's wrapper: exports each secret file as its variable, then execs the app's command. */
export function exportSecretsScript(secrets: { envName: string; jsonField?: string }[]): string {
  const dir = SECRETS_MOUNT_PATH;
  const lines = ['set -eu'];
  for (const s of secrets) {
    if (s.jsonField) {
      const field = JSON.stringify(s.jsonField).replace(/'/g, `'\\''`);
      lines.push(`export ${s.envName}="$(node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[${field}]))' ${dir}/${s.envName})"`);
    } else {
      lines.push(`export ${s.envName}="$(cat ${dir}/${s.envName})"`);
    }
  }
  lines.push('exec "$@"');
  return lines.join('\n');
}
