import type { Detection } from '../defender/types.js';
import type { Diagnosis, Verdict } from './types.js';

/**
 * Why did a smoke build or run fail? Pure: exit code and error text in, a verdict with evidence and the
 * next step out. The texts are Windows' own (FormatMessage for ERROR_VIRUS_INFECTED/DELETED, cmd.exe,
 * NTSTATUS as Go prints it), see ../shared/reference/windows-samples.md.
 */

export interface FailureInput {
  exitCode?: number | null;
  /** Build and run output, and any spawn error, as one text. */
  output: string;
  /** The build succeeded but the file was gone right after it, or before it could run. */
  vanishedAfterBuild?: boolean;
  /** Defender detections in the same time window that touch this variant's files. */
  detections?: Detection[];
  /** The start itself failed: Node's errno name and number (UNKNOWN / -4094 is where 225/226 end up). */
  spawnCode?: string;
  spawnErrno?: number;
  /** The program file was there when its start failed (EPERM/EACCES on a present file is a refusal). */
  fileExists?: boolean;
}

const ERROR_VIRUS_INFECTED = 225;
const ERROR_VIRUS_DELETED = 226;
const STATUS_DLL_NOT_FOUND = 0xc0000135;
const STATUS_ACCESS_VIOLATION = 0xc0000005;
/** ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION: "An Application Control policy has blocked this file." */
const ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION = 4551;
/** libuv's UV_UNKNOWN: Windows errors libuv has no name for, ERROR_VIRUS_INFECTED/DELETED among them. */
const UV_UNKNOWN = -4094;

const SUBMIT = 'report the false positive at https://www.microsoft.com/wdsi/filesubmission';

interface Rule {
  verdict: Verdict;
  match: (input: FailureInput, code: number | undefined) => string | undefined;
  summary: string;
  nextStep: string;
}

const find = (text: string, pattern: RegExp): string | undefined => text.match(pattern)?.[0];

/** First match wins, so the order is from certain to vague. */
const RULES: Rule[] = [
  {
    verdict: 'av-certain',
    match: ({ output }, code) =>
      find(output, /Operation did not complete successfully because the file contains a virus[^\r\n]*/i) ??
      find(output, /0x800700E1\b/i) ??
      (code === ERROR_VIRUS_INFECTED
        ? `exit code ${ERROR_VIRUS_INFECTED} (ERROR_VIRUS_INFECTED)`
        : undefined),
    summary:
      'Antivirus blocked the file (ERROR_VIRUS_INFECTED): Windows refused to open or run it because a scanner flagged it.',
    nextStep: `Exclude Go's build folders (GOCACHE, GOTMPDIR, the output folder) from antivirus, e.g. with this action's exclusions input on a self-hosted runner, and ${SUBMIT}.`,
  },
  {
    verdict: 'av-certain',
    // Older Windows lacks "or potentially unwanted software": match the common prefix.
    match: ({ output }, code) =>
      find(output, /This file contains a virus[^\r\n]*/i) ??
      find(output, /0x800700E2\b/i) ??
      (code === ERROR_VIRUS_DELETED ? `exit code ${ERROR_VIRUS_DELETED} (ERROR_VIRUS_DELETED)` : undefined),
    summary:
      'Antivirus removed the file (ERROR_VIRUS_DELETED): a scanner flagged it and deleted or quarantined it.',
    nextStep: `Exclude Go's build folders (GOCACHE, GOTMPDIR, the output folder) from antivirus, restore nothing from quarantine by hand, and ${SUBMIT}.`,
  },
  {
    verdict: 'av-certain',
    // CreateProcess refused with 225/226; Node's spawn throws it as UNKNOWN (-4094), the one start
    // failure a freshly built, present file gets from antivirus.
    match: ({ spawnCode, spawnErrno }) =>
      spawnErrno === ERROR_VIRUS_INFECTED || spawnErrno === ERROR_VIRUS_DELETED
        ? `the start failed with error ${spawnErrno}`
        : spawnCode === 'UNKNOWN' || spawnErrno === UV_UNKNOWN
          ? `the start failed with ${spawnCode ?? 'UNKNOWN'} (${spawnErrno ?? UV_UNKNOWN}), which is how Node reports Windows' ERROR_VIRUS_INFECTED/ERROR_VIRUS_DELETED (225/226)`
          : undefined,
    summary:
      'Blocked by antivirus: Windows refused to start the program (ERROR_VIRUS_INFECTED/DELETED, which Node reports as spawn UNKNOWN).',
    nextStep: `Exclude Go's build folders (GOCACHE, GOTMPDIR, the output folder) from antivirus, e.g. with this action's exclusions input on a self-hosted runner, and ${SUBMIT}.`,
  },
  {
    verdict: 'possibly-av',
    match: ({ output, spawnErrno }, code) =>
      find(output, /[^\r\n]*Application Control policy has blocked this file[^\r\n]*/i) ??
      find(output, /0x800711C7\b/i) ??
      (code === ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION ||
      spawnErrno === ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION
        ? `error ${ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION} (ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION)`
        : undefined),
    summary:
      'Blocked by application control: a Windows Defender Application Control (WDAC) or AppLocker policy refused to run this unsigned, freshly built program. This is policy, not a virus verdict.',
    nextStep:
      'Ask the machine administrator to allow the build output folder or a signer in the WDAC/AppLocker policy (go-av-guard writes an AppLocker publisher rule for signed files), or run the builds on a runner without that policy.',
  },
  {
    verdict: 'quarantined-likely',
    match: ({ vanishedAfterBuild }) =>
      vanishedAfterBuild ? 'the built file was gone right after a successful build' : undefined,
    summary:
      'The build succeeded but the file vanished before it could run: most likely quarantined by antivirus on write.',
    nextStep: `Check the antivirus protection history (Get-MpThreatDetection) for this path, exclude the Go output and temp folders, and ${SUBMIT}.`,
  },
  {
    verdict: 'missing-dll',
    match: ({ output }, code) =>
      find(output, /exit status 0xc0000135/i) ??
      find(output, /STATUS_DLL_NOT_FOUND/i) ??
      (code === STATUS_DLL_NOT_FOUND
        ? `exit code ${STATUS_DLL_NOT_FOUND} (0xc0000135, STATUS_DLL_NOT_FOUND)`
        : undefined),
    summary:
      'A DLL the program needs was not found (STATUS_DLL_NOT_FOUND, 0xc0000135). This is not antivirus.',
    nextStep:
      'Put the missing DLL (often a cgo dependency such as a MinGW runtime DLL) next to the binary or on PATH, or build with CGO_ENABLED=0.',
  },
  {
    verdict: 'not-av',
    match: ({ output }, code) =>
      find(output, /exit status 0xc0000005/i) ??
      (code === STATUS_ACCESS_VIOLATION
        ? `exit code ${STATUS_ACCESS_VIOLATION} (0xc0000005, access violation)`
        : undefined),
    summary:
      'The program crashed with an access violation (0xc0000005). Microsoft Defender does not cause this; third-party antivirus that injects hooks into processes has.',
    nextStep:
      'If another antivirus product is installed, retry with its exclusions for the Go folders; otherwise debug the crash (it is in the program or a cgo dependency).',
  },
  {
    verdict: 'possibly-av',
    match: ({ spawnCode, fileExists }) =>
      (spawnCode === 'EPERM' || spawnCode === 'EACCES') && fileExists
        ? `the start failed with ${spawnCode} although the file exists`
        : undefined,
    summary:
      'Possibly blocked (antivirus or application control): Windows refused to start a program file that exists.',
    nextStep:
      "Check the antivirus protection history and the Code Integrity / AppLocker event logs for this file, and exclude Go's output and temp folders; make sure no other process holds the file.",
  },
  {
    verdict: 'possibly-av',
    match: ({ output }) =>
      find(output, /[^\r\n]*Access is denied\.?/i) ??
      find(output, /The system cannot execute the specified program\.?/i),
    summary:
      'Windows refused access to the file. Antivirus holding or blocking a freshly written file causes this, but so do other processes and permissions.',
    nextStep:
      "Retry once; if it repeats, check the antivirus protection history and exclude Go's temp folder (point GOTMPDIR at an excluded folder), and make sure no earlier process still holds the file.",
  },
];

const NOT_AV: Omit<Diagnosis, 'evidence'> = {
  verdict: 'not-av',
  summary: 'The failure does not look like antivirus.',
  nextStep:
    'Read the build or run output below: a compiler error, a missing toolchain or a program error is the usual cause.',
};

/** Windows exit codes arrive as unsigned (3221225781) or signed (-1073741515) numbers: compare unsigned. */
function unsignedCode(code: number | null | undefined): number | undefined {
  return typeof code === 'number' && Number.isInteger(code) ? code >>> 0 : undefined;
}

export function classifyFailure(input: FailureInput): Diagnosis {
  const code = unsignedCode(input.exitCode);
  let diagnosis: Diagnosis = { ...NOT_AV };
  for (const rule of RULES) {
    const evidence = rule.match(input, code);
    if (evidence) {
      diagnosis = {
        verdict: rule.verdict,
        summary: rule.summary,
        nextStep: rule.nextStep,
        evidence: evidence.trim(),
      };
      break;
    }
  }
  const threats = (input.detections ?? []).map((d) => d.threatName ?? `detection ${d.id}`);
  if (threats.length === 0) return diagnosis;
  const cited = [...new Set(threats)];
  const named = cited.join(', ');
  // A detection on this variant's own files, in the same window, turns a suspicion into certainty.
  if (diagnosis.verdict === 'quarantined-likely' || diagnosis.verdict === 'possibly-av') {
    return {
      verdict: 'av-certain',
      summary: `Antivirus acted on this build's files: Defender detected ${named} in the same window. ${diagnosis.summary}`,
      nextStep: diagnosis.nextStep,
      evidence: diagnosis.evidence,
      detections: cited,
    };
  }
  return {
    ...diagnosis,
    summary: `${diagnosis.summary} Defender also detected ${named} in the same window.`,
    detections: cited,
  };
}
