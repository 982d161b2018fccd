import type { Finding, PeReport } from './types.js';

/**
 * Risk rules: facts about one binary -> findings with a stable id, a severity, why the fact matters to
 * antivirus and what to do. Pure; ids never change once published (users filter on them).
 */

/** Above this many bits per byte a section looks compressed or encrypted to heuristics. */
export const HIGH_ENTROPY = 7.2;
/** Small sections reach high entropy by chance; they are not worth a finding. */
const MIN_SECTION_FOR_ENTROPY = 4096;
/**
 * IMAGE_SCN_MEM_DISCARDABLE: never loaded as code or data. Go compresses its DWARF into such sections
 * (.zdebug_*), which are near-random by design and no sign of packing.
 */
const MEM_DISCARDABLE = 0x02000000;

const VERSION_TOOLS =
  'stamp the built file with go-av-guard (action input `stamp: auto` with `version-info`, or `go-av-guard stamp --file-version 1.2.3 --company-name ... FILES` before signing), or add a version resource at build time with github.com/tc-hib/go-winres or github.com/josephspurrier/goversioninfo (a .syso file that `go build` links in)';

export type RuleInput = Omit<PeReport, 'findings'> & { signatureProblem?: string };

export function evaluateRules(file: RuleInput): Finding[] {
  const findings: Finding[] = [];
  const signed = file.signature.present;
  if (!signed) {
    findings.push({
      id: 'GAV-PE-UNSIGNED',
      severity: 'warning',
      title: 'Not signed',
      why: 'Unsigned executables get no publisher reputation: SmartScreen warns, and machine-learning detections (e.g. Trojan:Win32/Wacatac!ml) hit unsigned Go binaries far more often.',
      advice:
        "Sign release binaries with an Authenticode certificate and an RFC 3161 timestamp (this action's `sign` input).",
    });
  } else if (file.signature.verdict && !file.signature.verdict.intact) {
    findings.push({
      id: 'GAV-PE-SIGNATURE-BROKEN',
      severity: 'error',
      title: 'Signature broken',
      why: `The Authenticode signature does not verify (${file.signature.verdict.detail}); Windows treats the file as tampered with, and AV engines flag exactly that.`,
      advice:
        'Rebuild or re-sign the file from the unsigned build output, and check that nothing modifies it after signing.',
    });
  } else if (file.signatureProblem) {
    findings.push({
      id: 'GAV-PE-SIGNATURE-UNREADABLE',
      severity: 'warning',
      title: 'Signature present but unreadable',
      why: `A certificate table exists but ${file.signatureProblem}; Windows will treat the file as unsigned or tampered with.`,
      advice:
        'Re-sign the file from the unsigned build output and verify it (signtool verify /pa, osslsigncode verify).',
    });
  } else if (!file.signature.timestamped) {
    findings.push({
      id: 'GAV-PE-NO-TIMESTAMP',
      severity: 'warning',
      title: 'Signed without a timestamp',
      why: 'Without a timestamp the signature stops validating when the certificate expires, and the file then looks unsigned to AV and SmartScreen.',
      advice: 'Sign with an RFC 3161 timestamp server (signtool /tr URL /td sha256, osslsigncode -ts URL).',
    });
  }
  if (!file.resources.versionInfo) {
    findings.push({
      id: 'GAV-PE-NO-VERSIONINFO',
      severity: 'warning',
      title: 'No version resource',
      why: 'Files without company, product and version details look like throwaway malware builds to heuristics, and AppLocker publisher rules cannot name a product.',
      advice: `Add version information: ${VERSION_TOOLS}.`,
    });
  }
  if (file.packer) {
    findings.push({
      id: 'GAV-PE-UPX',
      severity: 'error',
      title: `Packed with ${file.packer}`,
      why: 'Packers hide the program from static analysis, so many engines flag packed files on sight; UPX is a leading cause of false positives for Go binaries.',
      advice: 'Ship the unpacked binary; to make it smaller use `-ldflags "-s -w"` and -trimpath instead.',
    });
  }
  if (file.subsystem === 'windows-gui' && !signed) {
    findings.push({
      id: 'GAV-PE-GUI-UNSIGNED',
      severity: 'warning',
      title: 'GUI subsystem and unsigned',
      why: 'An unsigned program without a console window (-H=windowsgui) is the shape of droppers and stealers, so heuristics weigh it heavily.',
      advice: 'Sign it; if it does not need to hide its console, build without -H=windowsgui.',
    });
  }
  for (const section of file.sections) {
    const discardable = (section.characteristics & MEM_DISCARDABLE) !== 0;
    if (!discardable && section.rawSize >= MIN_SECTION_FOR_ENTROPY && section.entropy >= HIGH_ENTROPY) {
      findings.push({
        id: 'GAV-PE-HIGH-ENTROPY',
        severity: 'warning',
        title: `High-entropy section ${section.name} (${section.entropy.toFixed(2)} bits/byte)`,
        why: 'Near-random section contents look like packed or encrypted code, which heuristics treat as an attempt to hide it.',
        advice:
          section.name === '.rsrc'
            ? 'Compressed icons or embedded archives cause this; keep large embedded data out of resources (ship it beside the binary).'
            : 'Do not compress or encrypt the executable or large embedded payloads (go:embed of archives); ship data beside the binary.',
      });
    }
  }
  const ldflags = file.goBuildInfo?.settings['-ldflags'] ?? '';
  if (file.goBuildInfo && /(^|\s)-s(\s|$)|(^|\s)-w(\s|$)/.test(ldflags)) {
    findings.push({
      id: 'GAV-PE-STRIPPED',
      severity: 'notice',
      title: 'Symbols stripped (-ldflags "-s -w")',
      why: 'Stripping is harmless by itself, but stripped, unsigned, small Go binaries are common in malware families, and some ML models weigh it.',
      advice: 'Keep it if size matters, but then sign the binary and give it a version resource.',
    });
  }
  if (!file.hasRelocations) {
    findings.push({
      id: 'GAV-PE-NO-RELOC',
      severity: 'notice',
      title: 'No relocations (no ASLR)',
      why: 'Executables without a relocation table cannot be randomised (ASLR); hardening checks and some scanners flag that.',
      advice:
        'Build with Go 1.15 or later, where -buildmode=pie (with relocations) is the Windows default, and do not pass -buildmode=exe.',
    });
  }
  if (file.overlaySize > 0) {
    findings.push({
      id: 'GAV-PE-OVERLAY',
      severity: 'notice',
      title: `${file.overlaySize} bytes appended after the image`,
      why: 'Data appended after the last section (and after the signature, if any) is how droppers carry payloads; scanners look at it closely.',
      advice: 'Ship data as separate files, or embed it with go:embed so it lives inside a section.',
    });
  }
  return findings;
}
