import type { ProcessRunner } from '../platform/process.js';
import { runPowerShell } from '../platform/powershell.js';

/*
 * The Windows certificate store, through constant PowerShell scripts: paths, passwords and thumbprints
 * travel as JSON in the environment ($In), never in the script text or on argv.
 */

/**
 * Deletes the persisted private key behind a certificate. X509Store.Remove() removes only the certificate:
 * without this the key container stays on disk. Throws for a key it does not know how to delete, so the
 * caller reports it instead of leaving it silently.
 */
const REMOVE_PERSISTED_KEY_FUNCTION = `
function Remove-PersistedKey([System.Security.Cryptography.X509Certificates.X509Certificate2]$c) {
  if (-not $c.HasPrivateKey) { return }
  $k = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($c)
  if ($null -eq $k) { $k = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($c) }
  if ($k -is [System.Security.Cryptography.RSACng] -or $k -is [System.Security.Cryptography.ECDsaCng]) { $k.Key.Delete() }
  elseif ($k -is [System.Security.Cryptography.RSACryptoServiceProvider]) { $k.PersistKeyInCsp = $false; $k.Clear() }
  # .NET off Windows (PowerShell 7 on Linux/macOS) keeps the key inside the store entry: it goes with it.
  elseif ($null -ne $k -and $k.GetType().Name -like '*OpenSsl') { }
  elseif ($null -ne $k) { throw "cannot delete a private key of type $($k.GetType().FullName)" }
}
`.trim();

/**
 * Imports a PKCS#12 into CurrentUser\My. The PKCS#12 comes as base64 ($In.base64: no file on disk) or as the
 * user's own file ($In.path). It is opened first with an ephemeral key, which persists nothing, to read the
 * thumbprint and check the store; only a certificate not already there is reopened with a persisted key and
 * added. If the add fails, the key it just persisted is deleted again.
 */
export const IMPORT_PFX_SCRIPT = `
if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
  throw 'this machine runs PowerShell in Constrained Language Mode: importing the certificate into the Windows certificate store (CurrentUser\\My) is skipped'
}
${REMOVE_PERSISTED_KEY_FUNCTION}
$flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]
# Assigned inside each branch: "$bytes = if ..." would unroll the byte[] into object[], and the
# constructor would then take it for a file name.
if ($In.base64) { $bytes = [Convert]::FromBase64String([string]$In.base64) } else { $bytes = [System.IO.File]::ReadAllBytes([string]$In.path) }
$probe = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($bytes, [string]$In.password, $flags::EphemeralKeySet)
$thumbprint = $probe.Thumbprint
$hasPrivateKey = $probe.HasPrivateKey
$probe.Reset()
$store = New-Object System.Security.Cryptography.X509Certificates.X509Store -ArgumentList @('My', 'CurrentUser')
$store.Open('ReadWrite')
try {
  # A certificate the user had already imported is used but not removed by the post step.
  $existed = @($store.Certificates.Find('FindByThumbprint', $thumbprint, $false)).Count -gt 0
  if (-not $existed) {
    $cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($bytes, [string]$In.password, [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'UserKeySet, PersistKeySet')
    try { $store.Add($cert) } catch { Remove-PersistedKey $cert; throw }
    $thumbprint = $cert.Thumbprint
    $hasPrivateKey = $cert.HasPrivateKey
  }
} finally { $store.Close() }
@{ thumbprint = $thumbprint; hasPrivateKey = $hasPrivateKey; existed = $existed }
`.trim();

/**
 * Removes certificates with their persisted keys. When the key cannot be deleted the certificate stays in the
 * store, so a later try can still find the key through it; every failure comes back as {thumbprint, reason}.
 */
export const REMOVE_CERTIFICATES_SCRIPT = `
if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
  throw 'this machine runs PowerShell in Constrained Language Mode: removing the imported certificate and its key from the Windows certificate store is skipped'
}
${REMOVE_PERSISTED_KEY_FUNCTION}
$removed = @()
$failed = @()
foreach ($t in @($In.thumbprints)) {
  $t = [string]$t
  try {
    $store = New-Object System.Security.Cryptography.X509Certificates.X509Store -ArgumentList @('My', 'CurrentUser')
    $store.Open('ReadWrite')
    try {
      foreach ($c in @($store.Certificates.Find('FindByThumbprint', $t, $false))) {
        Remove-PersistedKey $c
        $store.Remove($c)
      }
      $removed += $t
    } finally { $store.Close() }
  } catch { $failed += @{ thumbprint = $t; reason = $_.Exception.Message } }
}
@{ removed = @($removed); failed = @($failed) }
`.trim();

export const FIND_CERTIFICATE_SCRIPT = `
if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
  throw 'this machine runs PowerShell in Constrained Language Mode: looking the certificate up in the Windows certificate store is skipped'
}
$found = $null
foreach ($loc in @('CurrentUser', 'LocalMachine')) {
  $store = New-Object System.Security.Cryptography.X509Certificates.X509Store -ArgumentList @('My', $loc)
  # A store that cannot be opened (the machine store off Windows) holds nothing this run can use.
  try { $store.Open('ReadOnly') } catch { continue }
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

/** Where the PKCS#12 comes from: the user's own file, or base64 held in memory (never written to disk). */
export type Pkcs12Input = { path: string } | { base64: string };

export async function importPfx(
  run: ProcessRunner,
  pkcs12: Pkcs12Input,
  password: string,
): Promise<ImportResult> {
  const result = (await runPowerShell(run, IMPORT_PFX_SCRIPT, {
    ...pkcs12,
    password,
  })) as Partial<ImportResult> | null;
  return {
    thumbprint: String(result?.thumbprint ?? '').toUpperCase(),
    hasPrivateKey: Boolean(result?.hasPrivateKey),
    existed: Boolean(result?.existed),
  };
}

export interface RemovalFailure {
  thumbprint: string;
  reason: string;
}

/** PowerShell 5.1 turns a one-element array into a scalar; accept both. */
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v == null ? [] : [v]);

export async function removeCertificates(
  run: ProcessRunner,
  thumbprints: string[],
): Promise<{ removed: string[]; failed: RemovalFailure[] }> {
  const result = (await runPowerShell(run, REMOVE_CERTIFICATES_SCRIPT, { thumbprints })) as {
    removed?: unknown;
    failed?: unknown;
  } | null;
  const failed = list(result?.failed).map((f): RemovalFailure => {
    const { thumbprint, reason } = (f ?? {}) as { thumbprint?: unknown; reason?: unknown };
    return { thumbprint: String(thumbprint ?? '').toUpperCase(), reason: String(reason ?? 'unknown error') };
  });
  return { removed: list(result?.removed).map(String), failed };
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
