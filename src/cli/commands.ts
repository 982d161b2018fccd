import type { Capability } from '../run.js';
import type { FlagKind } from './flags.js';

export interface Command {
  name: string;
  summary: string;
  /** Argument synopsis after the command name. */
  synopsis: string;
  flags: Record<string, FlagKind>;
  /** Flags that are CLI-only (not action inputs). */
  extra?: Record<string, 'text' | 'boolean'>;
  /** The input that positional arguments fill (glob patterns). */
  positionalInput?: 'sign' | 'analyze' | 'verify';
  capabilities: Capability[];
  /** Extra lines of help. */
  notes?: string[];
}

const GO: Record<string, FlagKind> = { go: 'text' };
const SIGN_FLAGS: Record<string, FlagKind> = {
  'certificate-file': 'text',
  'certificate-thumbprint': 'text',
  certificate: 'text',
  'certificate-chain': 'text',
  'pkcs11-module': 'text',
  'pkcs11-key': 'text',
  'artifact-signing-endpoint': 'text',
  'artifact-signing-account': 'text',
  'artifact-signing-profile': 'text',
  'azure-key-vault-url': 'text',
  'azure-key-vault-certificate': 'text',
  'aws-kms-key': 'text',
  'timestamp-urls': 'lines',
  digest: 'text',
  description: 'text',
  'description-url': 'text',
  'skip-signed': 'boolean',
  'append-signature': 'boolean',
  'signtool-path': 'text',
  'if-no-files-found': 'text',
  concurrency: 'text',
  signer: 'text',
  'timestamp-timeout': 'text',
};
const SECRET_FLAGS = {
  'certificate-env': 'text',
  'certificate-password-env': 'text',
  'certificate-password-stdin': 'boolean',
  'pkcs11-pin-env': 'text',
} as const;
const EXCLUSION_FLAGS: Record<string, FlagKind> = {
  exclusions: 'text',
  'exclusion-paths': 'lines',
  'exclusion-processes': 'lines',
  'dry-run': 'boolean',
  restore: 'boolean',
};

export const COMMANDS: Command[] = [
  {
    name: 'doctor',
    summary:
      "Report Go, the signing tool and (on Windows) Defender's state, and what it means for your builds.",
    synopsis: '[--json] [--go PATH] [--signtool-path PATH]',
    flags: { ...GO, 'signtool-path': 'text' },
    capabilities: ['doctor'],
  },
  {
    name: 'smoke',
    summary:
      'Build and run a hello program in the variants antivirus treats differently, and explain failures.',
    synopsis: '[--json] [--smoke-variants V]...',
    flags: { ...GO, 'smoke-variants': 'lines' },
    capabilities: ['smoke'],
  },
  {
    name: 'sign',
    summary: 'Authenticode-sign, timestamp and verify Windows binaries.',
    synopsis:
      '[--json] (--certificate-file F | --certificate-env VAR | --certificate ephemeral | --certificate-thumbprint T | --pkcs11-key URI | --artifact-signing-profile P | --azure-key-vault-certificate C) [flags] <paths or globs...>',
    flags: { ...GO, ...SIGN_FLAGS },
    extra: SECRET_FLAGS,
    positionalInput: 'sign',
    capabilities: ['sign'],
    notes: [
      'The PKCS#12 password comes from --certificate-password-env VAR or --certificate-password-stdin, never from argv.',
      'A base64 PKCS#12 comes from --certificate-env VAR; --certificate takes only "ephemeral".',
      'A PKCS#11 PIN comes from --pkcs11-pin-env VAR. Azure sources read AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or the Azure CLI login) from the environment.',
    ],
  },
  {
    name: 'verify',
    summary:
      'Verify Authenticode signatures in process: intact (exit 0) or broken/unsigned (exit 1), and whether trusted.',
    synopsis: '[--json] [--require-trusted] [--ca-file PEM] <files...>',
    flags: {},
    extra: { 'require-trusted': 'boolean', 'ca-file': 'text' },
    positionalInput: 'verify',
    capabilities: [],
    notes: ['Trust anchors: the system CA bundle, plus --ca-file (a private CA or test root).'],
  },
  {
    name: 'analyze',
    summary: 'Static PE risk report with allowlisting files (SHA256SUMS, AppLocker, Defender for Endpoint).',
    synopsis: '[--json] [--allowlist-dir DIR] <paths or globs...>',
    flags: { ...GO, 'allowlist-dir': 'text' },
    positionalInput: 'analyze',
    capabilities: ['analyze'],
  },
  {
    name: 'exclusions',
    summary:
      'Plan (and unless --dry-run, add and verify) the Defender exclusions a Go job needs. Windows only.',
    synopsis: '[--json] [--dry-run] [--exclusions auto|true|false] [--exclusion-paths P]...',
    flags: { ...GO, ...EXCLUSION_FLAGS },
    capabilities: ['exclusions'],
  },
  {
    name: 'detections',
    summary: 'Defender detections since a time (live, Windows), or parsed from a saved file (any OS).',
    synopsis: '[--json] [--since TIME] [--from-file FILE]',
    flags: { ...GO },
    extra: { since: 'text', 'from-file': 'text' },
    capabilities: ['detections'],
    notes: [
      '--from-file reads saved Get-MpThreatDetection / Get-MpThreat JSON or event XML (wevtutil qe /f:xml, Get-WinEvent .ToXml()).',
    ],
  },
  {
    name: 'run',
    summary: 'The whole pipeline, as the action runs it.',
    synopsis: '[--json] [any flag above]',
    flags: {
      ...GO,
      'signtool-path': 'text',
      'smoke-variants': 'lines',
      smoke: 'boolean',
      ...SIGN_FLAGS,
      sign: 'lines',
      analyze: 'lines',
      'allowlist-dir': 'text',
      ...EXCLUSION_FLAGS,
      detections: 'boolean',
      'fail-on-detection': 'boolean',
      scan: 'text',
      'fail-on-findings': 'text',
    },
    extra: SECRET_FLAGS,
    capabilities: ['doctor', 'exclusions', 'smoke', 'sign', 'analyze', 'detections', 'scan'],
  },
  {
    name: 'demo',
    summary:
      'Run the whole pipeline offline on this machine with throwaway inputs, and write a summary to open.',
    synopsis: '[--json]',
    flags: { ...GO },
    capabilities: ['doctor'],
  },
];

export function findCommand(name: string | undefined): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
