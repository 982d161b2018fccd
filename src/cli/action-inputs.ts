// Generated from action.yml by scripts/action-inputs.mjs: do not edit; run `npm run action-inputs`.

/** action.yml's inputs, as written there: the CLI takes each one as a flag. */
export const ACTION_INPUTS: Readonly<Record<string, { description: string; default?: string }>> = {
  go: {
    description: 'The Go command to use for `go env` and smoke builds.',
    default: 'go',
  },
  exclusions: {
    description:
      'Add the Defender exclusions a Go job needs: auto (only where real-time protection is on and they are missing; warn when that cannot be done), true (fail the step when they cannot be added), false.',
    default: 'auto',
  },
  'exclusion-paths': {
    description:
      'Extra folders to exclude, one per line (relative paths are resolved against the workspace).',
    default: '',
  },
  'exclusion-processes': {
    description: 'Extra process exclusions, one full path per line.',
    default: '',
  },
  'allow-broad-exclusions': {
    description:
      'Accept exclusions that switch scanning off far beyond a Go job: a drive root, a leading wildcard, a whole system folder, or a shell, script host or interpreter as a process (refused otherwise).',
    default: 'false',
  },
  'dry-run': {
    description: 'Plan and report exclusions but change nothing.',
    default: 'false',
  },
  restore: {
    description:
      'Remove the exclusions this run added in the post step (never those that were there before).',
    default: 'true',
  },
  smoke: {
    description:
      'Build and run a hello program to prove this runner lets Go build and run binaries: auto (when Go is found; a warning when it is not), true (required: no Go fails the step), false.',
    default: 'auto',
  },
  'smoke-variants': {
    description:
      'Variants to build, one per line or comma-separated, among default, cgo-off, stripped, windowsgui, test, run.',
    default: 'default\ntest\n',
  },
  sign: {
    description: 'Glob patterns of files to sign, one per line (`!` excludes). Empty means no signing.',
    default: '',
  },
  certificate: {
    description:
      'Base64-encoded PKCS#12 (.pfx) signing certificate (use a secret), or `ephemeral` for a throwaway self-signed certificate made on the spot (fork PRs without secrets).',
    default: '',
  },
  'certificate-file': {
    description: 'Path of a .pfx/.p12 file, instead of `certificate`.',
    default: '',
  },
  'certificate-password': {
    description: 'Password of the PKCS#12 certificate (use a secret). Never placed on a command line.',
    default: '',
  },
  'certificate-thumbprint': {
    description:
      'SHA-1 thumbprint of a certificate already in the Windows certificate store, instead of a PFX.',
    default: '',
  },
  'certificate-chain': {
    description:
      'PEM file with the signing certificate first, then intermediates, for pkcs11-key (optional when the token holds the certificate beside the key) and aws-kms-key, or intermediates for azure-key-vault-certificate.',
    default: '',
  },
  'pkcs11-module': {
    description:
      "Path of the token's or HSM's PKCS#11 library (such as libsofthsm2.so or eTPKCS11.dll), for pkcs11-key.",
    default: '',
  },
  'pkcs11-key': {
    description:
      "RFC 7512 URI of the signing key on a PKCS#11 token or HSM, such as `pkcs11:token=ci;object=signing`. Signs through OpenSSL's pkcs11 engine (libp11); the key never leaves the token.",
    default: '',
  },
  'pkcs11-pin': {
    description:
      'PIN of the PKCS#11 token (use a secret). Reaches the token through a pipe, never a command line or a file.',
    default: '',
  },
  'artifact-signing-endpoint': {
    description:
      "Azure Artifact Signing (formerly Trusted Signing) endpoint of the account's region, such as https://eus.codesigning.azure.net. Credentials come from the environment (AZURE_CLIENT_ID, AZURE_TENANT_ID and a client secret, GitHub OIDC with `id-token: write`, Azure CLI, managed identity).",
    default: '',
  },
  'artifact-signing-account': {
    description: 'Azure Artifact Signing account name.',
    default: '',
  },
  'artifact-signing-profile': {
    description: 'Azure Artifact Signing certificate profile name.',
    default: '',
  },
  'azure-key-vault-url': {
    description:
      'Azure Key Vault URL, such as https://myvault.vault.azure.net, for azure-key-vault-certificate. Same credentials as Artifact Signing.',
    default: '',
  },
  'azure-key-vault-certificate': {
    description:
      'Name (or name/version) of the Key Vault certificate to sign with; its key stays in the vault.',
    default: '',
  },
  'aws-kms-key': {
    description:
      'AWS KMS key (id, ARN or alias) of an asymmetric SIGN_VERIFY key; needs certificate-chain. Credentials and region the AWS way (aws-actions/configure-aws-credentials with GitHub OIDC, or AWS_* variables).',
    default: '',
  },
  'timestamp-urls': {
    description:
      'RFC 3161 timestamp servers, one per line, tried in order with retries. Empty: DigiCert, Sectigo, GlobalSign, SSL.com. `none`: sign without a timestamp (the signature then expires with the certificate).',
    default: '',
  },
  digest: {
    description: 'File digest algorithm: sha256, sha384 or sha512.',
    default: 'sha256',
  },
  description: {
    description: 'Program description embedded in the signature.',
    default: '',
  },
  'description-url': {
    description: 'URL embedded in the signature.',
    default: '',
  },
  'skip-signed': {
    description: 'Leave files that already carry a signature unchanged.',
    default: 'true',
  },
  'append-signature': {
    description: 'Add a nested signature to already-signed files instead of skipping them.',
    default: 'false',
  },
  'signtool-path': {
    description: "Path of signtool.exe; default is the newest Windows SDK's for this host's architecture.",
    default: '',
  },
  'if-no-files-found': {
    description: 'What to do when `sign` matches nothing: error, warn or ignore.',
    default: 'error',
  },
  concurrency: {
    description: "How many files to sign at once (default scales with the runner's cores).",
    default: '',
  },
  signer: {
    description:
      'Which tool signs: auto (signtool on Windows for PFX and store certificates, the built-in engine elsewhere), built-in, signtool or osslsigncode.',
    default: 'auto',
  },
  'timestamp-timeout': {
    description:
      'Seconds one timestamp request may take before that server is given up for the rest of the run.',
    default: '30',
  },
  stamp: {
    description:
      'Write a version resource and an application manifest (asInvoker, supported Windows versions, long paths, UTF-8) into the binaries to sign (or, without `sign`, to analyze) before they are signed: auto (only binaries without a version resource), true (every binary, replacing its version), false.',
    default: 'false',
  },
  'version-info': {
    description:
      'Version resource strings for stamp, one `Key: value` per line: FileVersion, ProductVersion, CompanyName, ProductName, FileDescription, LegalCopyright, OriginalFilename, InternalName, Comments, LegalTrademarks. Without FileVersion the release tag (v1.2.3) is the version.',
    default: '',
  },
  icon: {
    description: 'Path of an .ico file that stamp writes into binaries that have no icon.',
    default: '',
  },
  analyze: {
    description:
      'Glob patterns of binaries for the PE risk report, one per line. Empty: the files this run signed.',
    default: '',
  },
  'allowlist-dir': {
    description:
      "Folder for SHA256SUMS, the AppLocker policy and the Defender for Endpoint indicator CSV (default is allowlist in this run's own folder under RUNNER_TEMP).",
    default: '',
  },
  'fail-on-findings': {
    description: 'Fail the step on analysis findings of this severity or worse: error, warning or none.',
    default: 'none',
  },
  detections: {
    description: 'Read Defender detections during the job and annotate those that touch its files.',
    default: 'true',
  },
  'fail-on-detection': {
    description:
      "Fail the step when a detection touches the Go toolchain, the workspace or this run's files.",
    default: 'true',
  },
  scan: {
    description: 'Scan signed/analysed files with Defender (MpCmdRun) on copies: auto, true or false.',
    default: 'auto',
  },
  checks: {
    description:
      "Send annotations beyond the runner's 10-per-type limit through the Checks API: auto (when the token may), true or false.",
    default: 'auto',
  },
  'github-token': {
    description: 'Token for the Checks API and release uploads.',
    default: '${{ github.token }}',
  },
  'upload-release-assets': {
    description:
      'On a release event (or for release-tag), upload signed files, SHA256SUMS and allowlisting files.',
    default: 'false',
  },
  'release-tag': {
    description: 'Tag of the release to upload to, when not running on a release event.',
    default: '',
  },
};
