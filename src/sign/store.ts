import type { ProcessRunner } from '../platform/process.js';
import { runPowerShell } from '../platform/powershell.js';

/*
 * The Windows certificate store, through constant PowerShell scripts: paths, passwords and thumbprints
 * travel as JSON in the environment ($In), never in the script text or on argv.
 */

export const IMPORT_PFX_SCRIPT = `
$flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'UserKeySet, PersistKeySet'
$cert = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList @([string]$In.path, [string]$In.password, $flags)
$store = New-Object System.Security.Cryptography.X509Certificates.X509Store -ArgumentList @('My', 'CurrentUser')
$store.Open('ReadWrite')
try {
  # A certificate the user had already imported is used but not removed by the post step.
  $existed = @($store.Certificates.Find('FindByThumbprint', $cert.Thumbprint, $false)).Count -gt 0
  if (-not $existed) { $store.Add($cert) }
} finally { $store.Close() }
@{ thumbprint = $cert.Thumbprint; hasPrivateKey = $cert.HasPrivateKey; existed = $existed }
`.trim();

export const REMOVE_CERTIFICATES_SCRIPT = `
$removed = @()
$failed = @()
foreach ($t in @($In.thumbprints)) {
  $store = New-Object System.Security.Cryptography.X509Certificates.X509Store -ArgumentList @('My', 'CurrentUser')
  $store.Open('ReadWrite')
  try {
    foreach ($c in @($store.Certificates.Find('FindByThumbprint', [string]$t, $false))) {
      try {
        # Remove() leaves the persisted private key behind; delete it first.
        $k = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($c)
        if ($k -is [System.Security.Cryptography.RSACng]) { $k.Key.Delete() }
        elseif ($k -is [System.Security.Cryptography.RSACryptoServiceProvider]) { $k.PersistKeyInCsp = $false; $k.Clear() }
      } catch { $failed += "$t key: $($_.Exception.Message)" }
      $store.Remove($c)
      $removed += [string]$t
    }
  } catch { $failed += "$t: $($_.Exception.Message)" } finally { $store.Close() }
}
@{ removed = @($removed); failed = @($failed) }
`.trim();

export const FIND_CERTIFICATE_SCRIPT = `
$found = $null
foreach ($loc in @('CurrentUser', 'LocalMachine')) {
  $store = New-Object System.Security.Cryptography.X509Certificates.X509Store -ArgumentList @('My', $loc)
  $store.Open('ReadOnly')
  try { $c = @($store.Certificates.Find('FindByThumbprint', [string]$In.thumbprint, $false)) | Select-Object -First 1 } finally { $store.Close() }
  if ($c) {
    $ekus = @($c.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension] } | ForEach-Object { $_.EnhancedKeyUsages | ForEach-Object { $_.Value } })
    $found = @{
      location = $loc; subject = $c.Subject; issuer = $c.Issuer; thumbprint = $c.Thumbprint
      notBefore = $c.NotBefore.ToUniversalTime().ToString('o'); notAfter = $c.NotAfter.ToUniversalTime().ToString('o')
      hasPrivateKey = $c.HasPrivateKey; hasEku = [bool]($c.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension] }); ekus = $ekus
    }
    break
  }
}
$found
`.trim();

export interface StoreCertificate {
  location: 'CurrentUser' | 'LocalMachine';
  subject: string;
  issuer: string;
  thumbprint: string;
  notBefore: string;
  notAfter: string;
  hasPrivateKey: boolean;
  hasEku: boolean;
  ekus: string[];
}

export interface ImportResult {
  thumbprint: string;
  hasPrivateKey: boolean;
  /** Already in CurrentUser\My before this run: left there by cleanup. */
  existed: boolean;
}

export async function importPfx(
  run: ProcessRunner,
  pfxPath: string,
  password: string,
): Promise<ImportResult> {
  const result = (await runPowerShell(run, IMPORT_PFX_SCRIPT, {
    path: pfxPath,
    password,
  })) as Partial<ImportResult> | null;
  return {
    thumbprint: String(result?.thumbprint ?? '').toUpperCase(),
    hasPrivateKey: Boolean(result?.hasPrivateKey),
    existed: Boolean(result?.existed),
  };
}

export async function removeCertificates(
  run: ProcessRunner,
  thumbprints: string[],
): Promise<{ removed: string[]; failed: string[] }> {
  const result = (await runPowerShell(run, REMOVE_CERTIFICATES_SCRIPT, { thumbprints })) as {
    removed?: unknown;
    failed?: unknown;
  } | null;
  // PowerShell 5.1 turns a one-element array into a scalar; accept both.
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v == null ? [] : [String(v)]);
  return { removed: list(result?.removed), failed: list(result?.failed) };
}

export async function findStoreCertificate(
  run: ProcessRunner,
  thumbprint: string,
): Promise<StoreCertificate | undefined> {
  const result = (await runPowerShell(run, FIND_CERTIFICATE_SCRIPT, { thumbprint })) as
    (Omit<StoreCertificate, 'ekus'> & { ekus?: unknown }) | null;
  if (!result) return undefined;
  const ekus = Array.isArray(result.ekus)
    ? result.ekus.map(String)
    : result.ekus == null
      ? []
      : [String(result.ekus)];
  return { ...result, ekus };
}
