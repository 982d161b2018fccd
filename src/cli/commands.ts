import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import type { Report } from '../report/model.js';
import type { Capability } from '../run.js';
import type { FlagSpec, ParsedFlags, Refusal } from './flags.js';
import { VERSION_FLAGS } from '../stamp/versioninfo.js';
import { demoCommand, detectionsCommand, verifyCommand } from './handlers.js';

/** What a command's own `run` gets from the CLI: its flags, and the CLI's way to build config and deps. */
export interface CommandContext {
  command: Command;
  flags: ParsedFlags;
  cwd: string;
  /** Flags -> Config, exactly as the pipeline commands get it (secrets from env or stdin). */
  config: () => Promise<Config>;
  /** The CLI's adapters for this config, with progress on stderr. */
  deps: (config: Config) => Deps;
  /** Prints a report (text or --json) and returns the exit code it calls for. */
  print: (report: Report) => number;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Runs the command's capabilities through the pipeline and prints the report. */
  pipeline: () => Promise<number>;
}

export interface Command {
  name: string;
  summary: string;
  /** Argument synopsis after the command name. */
  synopsis: string;
  /** The action.yml inputs this command takes as flags; their kind and help text come from action.yml. */
  inputs: string[];
  /** Flags that are CLI-only (not action inputs). */
  extra?: FlagSpec[];
  /** The input that positional arguments fill (glob patterns). */
  positionalInput?: 'sign' | 'analyze' | 'verify';
  /** Refuse to run without files (from arguments or the positional input's flag). */
  needsFiles?: string;
  /** Refuse to run off Windows unless one of these flags is given; the message says what to do instead. */
  windowsOnly?: { unless?: string; message: string };
  capabilities: Capability[];
  /** Extra lines of help. */
  notes?: string[];
  /** A command that is not a plain pipeline run; returns the exit code. */
  run?: (context: CommandContext) => Promise<number>;
  /** Input values this command implies when its flag is not given (`stamp` stamps: auto). */
  inputDefaults?: Record<string, string>;
}

const SIGN_INPUTS = [
  'certificate-file',
  'certificate-thumbprint',
  'certificate',
  'timestamp-urls',
  'digest',
  'description',
  'description-url',
  'skip-signed',
  'append-signature',
  'signtool-path',
  'if-no-files-found',
  'concurrency',
  'signer',
  'timestamp-timeout',
  'certificate-chain',
  'pkcs11-module',
  'pkcs11-key',
  'artifact-signing-endpoint',
  'artifact-signing-account',
  'artifact-signing-profile',
  'azure-key-vault-url',
  'azure-key-vault-certificate',
  'aws-kms-key',
];
export const SECRET_FLAGS: FlagSpec[] = [
  {
    name: 'certificate-env',
    kind: 'text',
    description:
      'Name of an environment variable holding a base64 PKCS#12 (.pfx) certificate (the action input `certificate`).',
  },
  {
    name: 'certificate-password-env',
    kind: 'text',
    description: 'Name of an environment variable holding the PKCS#12 password.',
  },
  {
    name: 'certificate-password-stdin',
    kind: 'boolean',
    description: 'Read the PKCS#12 password from standard input (one line).',
  },
  {
    name: 'pkcs11-pin-env',
    kind: 'text',
    description:
      'Name of an environment variable holding the PKCS#11 token PIN (the action input `pkcs11-pin`).',
  },
];
const EXCLUSION_INPUTS = [
  'exclusions',
  'exclusion-paths',
  'exclusion-processes',
  'allow-broad-exclusions',
  'dry-run',
  'restore',
];
const STAMP_INPUTS = ['stamp', 'version-info', 'icon'];
/** `--file-version 1.2.3 --company-name X`: the `version-info` lines, one flag each. */
export const VERSION_INFO_FLAGS: FlagSpec[] = Object.entries(VERSION_FLAGS).map(([name, key]) => ({
  name,
  kind: 'text',
  description: `The ${key} of the version resource (one line of version-info).`,
}));

/** Secrets have no flag of their own: argv is visible to every user of the machine and kept in shell history. */
export const REFUSED_FLAGS: Refusal[] = [
  {
    name: 'certificate-password',
    why: 'a password on the command line is visible to every user of this machine (ps, /proc) and stays in shell history; use --certificate-password-env VAR (the name of a variable that holds it) or --certificate-password-stdin',
  },
  {
    name: 'pkcs11-pin',
    why: 'a PIN on the command line is visible to every user of this machine (ps, /proc) and stays in shell history; use --pkcs11-pin-env VAR (the name of a variable that holds it)',
  },
  {
    name: 'github-token',
    why: 'the CLI never talks to GitHub, so it needs no token (the action uses it for checks and release uploads)',
  },
];

/** Every command, one row each: a new command is a new row here. */
export const COMMANDS: Command[] = [
  {
    name: 'doctor',
    summary:
      "Report Go, the signing tool and (on Windows) Defender's state, and what it means for your builds.",
    synopsis: '[flags]',
    inputs: ['go', 'signtool-path', 'exclusion-paths', 'exclusion-processes'],
    extra: [
      {
        name: 'fleet-policy',
        kind: 'text',
        description:
          'Write the exclusions a Go job wants on this runner to DIR, as a Group Policy .reg file and Intune (Policy CSP) settings.',
      },
    ],
    capabilities: ['doctor'],
  },
  {
    name: 'smoke',
    summary:
      'Build and run a hello program in the variants antivirus treats differently, and explain failures.',
    synopsis: '[--smoke-variants V]...',
    inputs: ['go', 'smoke-variants'],
    capabilities: ['smoke'],
  },
  {
    name: 'sign',
    summary: 'Authenticode-sign, timestamp and verify Windows binaries.',
    synopsis:
      '(--certificate-file F | --certificate-env VAR | --certificate ephemeral | --certificate-thumbprint T | --pkcs11-key URI | --artifact-signing-profile P | --azure-key-vault-certificate C | --aws-kms-key K) [flags] <paths or globs...>',
    inputs: ['go', ...SIGN_INPUTS],
    extra: SECRET_FLAGS,
    positionalInput: 'sign',
    needsFiles: 'name the binaries to sign, e.g. go-av-guard sign --certificate ephemeral dist/*.exe',
    capabilities: ['sign'],
    notes: [
      'The PKCS#12 password comes from --certificate-password-env VAR or --certificate-password-stdin, never from argv.',
      'A base64 PKCS#12 comes from --certificate-env VAR; --certificate takes only "ephemeral".',
      'A PKCS#11 PIN comes from --pkcs11-pin-env VAR. Azure sources read AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or the Azure CLI login) from the environment.',
    ],
  },
  {
    name: 'stamp',
    summary:
      'Write a version resource and an application manifest (and optionally an icon) into Go-built Windows binaries.',
    synopsis: '[--file-version V] [--company-name N] [--icon FILE.ico] [flags] <paths or globs...>',
    inputs: ['go', ...STAMP_INPUTS],
    extra: VERSION_INFO_FLAGS,
    positionalInput: 'analyze',
    needsFiles: 'name the binaries to stamp, e.g. go-av-guard stamp --file-version 1.2.3 dist/*.exe',
    capabilities: ['stamp', 'analyze'],
    inputDefaults: { stamp: 'auto' },
    notes: [
      'A signed file is refused: stamping removes the signature. Stamp first, then sign (the action does both in one run).',
    ],
  },
  {
    name: 'verify',
    summary:
      'Verify Authenticode signatures in process: intact (exit 0) or broken/unsigned (exit 1), and whether trusted.',
    synopsis: '[--require-trusted] [--ca-file PEM] <files...>',
    inputs: [],
    extra: [
      {
        name: 'require-trusted',
        kind: 'boolean',
        description: 'Also fail (exit 1) when a signature is intact but its chain is not trusted here.',
      },
      {
        name: 'ca-file',
        kind: 'text',
        description:
          'A PEM file of extra trust anchors (a private CA or a test root), besides the system bundle.',
      },
    ],
    positionalInput: 'verify',
    needsFiles: 'name the files to verify, e.g. go-av-guard verify dist/*.exe',
    capabilities: [],
    notes: ['Trust anchors: the system CA bundle, plus --ca-file (a private CA or test root).'],
    run: verifyCommand,
  },
  {
    name: 'analyze',
    summary: 'Static PE risk report with allowlisting files (SHA256SUMS, AppLocker, Defender for Endpoint).',
    synopsis: '[--allowlist-dir DIR] <paths or globs...>',
    inputs: ['go', 'allowlist-dir'],
    positionalInput: 'analyze',
    needsFiles: 'name the binaries to analyse, e.g. go-av-guard analyze dist/*.exe',
    capabilities: ['analyze'],
  },
  {
    name: 'exclusions',
    summary:
      'Plan (and unless --dry-run, add and verify) the Defender exclusions a Go job needs. Windows only.',
    synopsis: '[--dry-run] [--exclusions auto|true|false] [--exclusion-paths P]...',
    inputs: ['go', ...EXCLUSION_INPUTS],
    capabilities: ['exclusions'],
  },
  {
    name: 'detections',
    summary: 'Defender detections since a time (live, Windows), or parsed from a saved file (any OS).',
    synopsis: '[--since TIME] [--from-file FILE]',
    inputs: ['go'],
    extra: [
      {
        name: 'since',
        kind: 'text',
        description: 'Start of the window: an ISO 8601 time or a duration back from now (30m, 2h, 1d).',
      },
      {
        name: 'from-file',
        kind: 'text',
        description:
          'Read saved Get-MpThreatDetection / Get-MpThreat JSON or event XML (wevtutil qe /f:xml, Get-WinEvent .ToXml()) instead of this machine.',
      },
    ],
    windowsOnly: {
      unless: 'from-file',
      message:
        'live detections come from Defender, which runs only on Windows; here, read a saved file with --from-file FILE',
    },
    capabilities: ['detections'],
    run: detectionsCommand,
  },
  {
    name: 'run',
    summary: 'The whole pipeline, as the action runs it.',
    synopsis: '[flags]',
    inputs: [
      'go',
      'signtool-path',
      'smoke',
      'smoke-variants',
      ...STAMP_INPUTS,
      'sign',
      ...SIGN_INPUTS,
      'analyze',
      'allowlist-dir',
      ...EXCLUSION_INPUTS,
      'detections',
      'fail-on-detection',
      'scan',
      'fail-on-findings',
    ],
    extra: [...SECRET_FLAGS, ...VERSION_INFO_FLAGS],
    capabilities: ['doctor', 'exclusions', 'smoke', 'stamp', 'sign', 'analyze', 'detections', 'scan'],
  },
  {
    name: 'demo',
    summary:
      'Run the whole pipeline offline on this machine with throwaway inputs, and write a summary to open.',
    synopsis: '[--go PATH]',
    inputs: ['go'],
    capabilities: ['doctor'],
    run: demoCommand,
  },
];

export function findCommand(name: string | undefined): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
