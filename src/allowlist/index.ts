import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { authenticodeSha256 } from '../pe/authenticode.js';
import type { AllowlistFiles, PeReport } from '../pe/types.js';
import type { SigningReport } from '../sign/types.js';
import { appLockerPublisher, formatAppLockerPolicy, parseSubject, type AppLockerRule } from './applocker.js';
import { formatBitdefenderExclusions } from './bitdefender.js';
import { formatCrowdStrikeIocs } from './crowdstrike.js';
import { formatDefenderIndicators } from './mde.js';
import { formatSha256Sums } from './sha256sums.js';

export { formatSha256Sums } from './sha256sums.js';
export { appLockerPublisher } from './applocker.js';

/** File names inside the allowlist folder. */
export const ALLOWLIST_FILES = {
  sha256sums: 'SHA256SUMS',
  applocker: 'applocker-policy.xml',
  defenderIndicators: 'defender-indicators.csv',
  crowdstrike: 'crowdstrike-iocs.csv',
  bitdefender: 'bitdefender-exclusions.csv',
} as const;

export interface AllowlistContext {
  /** Where the three files are written (created if missing). */
  dir: string;
  /** This run's signing report: its certificate names the publisher when the file's own signature does not. */
  signing?: SigningReport;
}

/**
 * Writes what IT departments need to allowlist the release binaries, into ctx.dir:
 * - SHA256SUMS, names relative to ctx.dir (so `sha256sum -c SHA256SUMS` passes when run there);
 * - applocker-policy.xml: publisher rules for signed binaries, Authenticode hash rules for unsigned ones;
 * - defender-indicators.csv: Defender for Endpoint "Allowed" file-hash indicators;
 * - crowdstrike-iocs.csv: CrowdStrike Falcon custom IOCs (sha256, allow, windows);
 * - bitdefender-exclusions.csv: Bitdefender GravityZone file-hash exclusions.
 * Returns the paths written and the hashes as plain data (the `hashes` output).
 */
export async function writeAllowlist(files: PeReport[], ctx: AllowlistContext): Promise<AllowlistFiles> {
  await mkdir(ctx.dir, { recursive: true });
  const certificateParts = ctx.signing?.certificate
    ? parseSubject(ctx.signing.certificate.subject)
    : undefined;
  const hashes: AllowlistFiles['hashes'] = [];
  const rules: AppLockerRule[] = [];
  for (const file of files) {
    const name = path.basename(file.path);
    hashes.push({ path: file.path, name, sha256: file.sha256 });
    const version = file.resources.version ?? {};
    const publisher = file.signature.present
      ? appLockerPublisher(
          file.signature.signerParts ??
            (file.signature.signer ? parseSubject(file.signature.signer) : (certificateParts ?? [])),
        )
      : undefined;
    if (publisher) {
      rules.push({
        kind: 'publisher',
        name: `${version.ProductName ?? name}: signed by ${publisher}`,
        publisher,
        product: version.ProductName || '*',
        binaryName: version.OriginalFilename || '*',
        lowVersion: file.resources.fixedFileVersion ?? '*',
        dll: file.isDll === true,
      });
    } else {
      rules.push({
        kind: 'hash',
        name: `${name} (SHA-256 ${file.sha256.slice(0, 12)}...)`,
        authenticodeSha256: await authenticodeSha256(file.path),
        fileName: name,
        fileLength: file.size,
        dll: file.isDll === true,
      });
    }
  }
  const crowdstrike = path.join(ctx.dir, ALLOWLIST_FILES.crowdstrike);
  const bitdefender = path.join(ctx.dir, ALLOWLIST_FILES.bitdefender);
  const written: AllowlistFiles = {
    sha256sums: path.join(ctx.dir, ALLOWLIST_FILES.sha256sums),
    applocker: path.join(ctx.dir, ALLOWLIST_FILES.applocker),
    defenderIndicators: path.join(ctx.dir, ALLOWLIST_FILES.defenderIndicators),
    crowdstrike,
    bitdefender,
    hashes,
  };
  await writeFile(written.sha256sums, formatSha256Sums(files, ctx.dir));
  await writeFile(written.applocker, formatAppLockerPolicy(rules));
  const rows = files.map((f) => {
    const version = f.resources.version ?? {};
    const what = [version.ProductName, version.FileVersion ?? f.goBuildInfo?.mainVersion]
      .filter(Boolean)
      .join(' ');
    const name = path.basename(f.path);
    return {
      sha256: f.sha256,
      name,
      description: `Release binary ${name}${what ? ` (${what})` : ''}, SHA-256 ${f.sha256}`,
    };
  });
  await writeFile(written.defenderIndicators, formatDefenderIndicators(rows));
  await writeFile(crowdstrike, formatCrowdStrikeIocs(rows));
  await writeFile(bitdefender, formatBitdefenderExclusions(rows));
  return written;
}
