/**
 * The environment a child process gets: only what programs need to run (paths, temp, locale, Go's own
 * settings), never the runner's INPUT_* values, tokens or secrets. Windows names are case-insensitive.
 */
const ALLOWED_NAMES = new Set(
  [
    'PATH',
    'PATHEXT',
    'SYSTEMROOT',
    'WINDIR',
    'SYSTEMDRIVE',
    'COMSPEC',
    'TEMP',
    'TMP',
    'TMPDIR',
    'HOME',
    'USERPROFILE',
    'HOMEDRIVE',
    'HOMEPATH',
    'LOCALAPPDATA',
    'APPDATA',
    'PROGRAMDATA',
    'PROGRAMFILES',
    'PROGRAMFILES(X86)',
    'PROGRAMW6432',
    'COMMONPROGRAMFILES',
    'COMMONPROGRAMFILES(X86)',
    'PSMODULEPATH',
    'NUMBER_OF_PROCESSORS',
    'PROCESSOR_ARCHITECTURE',
    'PROCESSOR_ARCHITEW6432',
    'OS',
    'USER',
    'USERNAME',
    'LOGNAME',
    'LANG',
    'LANGUAGE',
    'TZ',
    'TERM',
    'CC',
    'CXX',
    'AR',
    'XDG_CACHE_HOME',
    'XDG_CONFIG_HOME',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'SOFTHSM2_CONF',
    'RUNNER_TEMP',
  ].map((n) => n.toUpperCase()),
);
const ALLOWED_PREFIXES = ['GO', 'CGO_', 'LC_', 'PKG_CONFIG'];
/** Even under an allowed prefix, a name that says it holds a secret stays out (GOAUTH tokens, ...). */
const SECRET_LOOKING = /TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|PRIVATE_KEY|APIKEY|API_KEY|PIN$|^GOAUTH$/i;

export function isAllowedInChild(name: string): boolean {
  const upper = name.toUpperCase();
  if (SECRET_LOOKING.test(upper)) return false;
  return ALLOWED_NAMES.has(upper) || ALLOWED_PREFIXES.some((p) => upper.startsWith(p));
}

/** The allowlisted part of `parent`, plus `extra` (what the caller passes by name; undefined removes). */
export function childEnvironment(
  parent: NodeJS.ProcessEnv,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent))
    if (value !== undefined && isAllowedInChild(name)) env[name] = value;
  for (const [name, value] of Object.entries(extra)) {
    for (const existing of Object.keys(env))
      if (existing.toUpperCase() === name.toUpperCase()) delete env[existing];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
