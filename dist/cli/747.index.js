export const id = 747;
export const ids = [747];
export const modules = {

/***/ 7747:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  main: () => (/* binding */ main)
});

// EXTERNAL MODULE: external "node:stream/consumers"
var consumers_ = __webpack_require__(8321);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: ./src/stamp/versioninfo.ts
var versioninfo = __webpack_require__(1991);
// EXTERNAL MODULE: ./src/platform/files.ts
var files = __webpack_require__(4924);
;// CONCATENATED MODULE: ./src/config.ts





/**
 * Inputs (action) and flags (CLI) become this one typed config. Parsing is pure: it takes a reader for
 * raw values and the environment, and either returns a Config or throws a ConfigError that names every
 * bad input with the values it accepts.
 */
const TRI_STATES = ['auto', 'true', 'false'];
const IF_NO_FILES_FOUND = ['error', 'warn', 'ignore'];
const DIGESTS = ['sha256', 'sha384', 'sha512'];
const SMOKE_VARIANTS = ['default', 'cgo-off', 'stripped', 'windowsgui', 'test', 'run'];
/** Which tool signs: signtool on Windows for PFX and store certificates (auto), else the built-in engine. */
const SIGNERS = ['auto', 'built-in', 'signtool', 'osslsigncode'];
const FAIL_ON_FINDINGS = ['error', 'warning', 'none'];
/** Public RFC 3161 servers, tried in order; each gets a few attempts before the next one is asked. */
const DEFAULT_TIMESTAMP_URLS = [
    'http://timestamp.digicert.com',
    'http://timestamp.sectigo.com',
    'http://timestamp.globalsign.com/tsa/r6advanced1',
    'http://ts.ssl.com',
];
class ConfigError extends Error {
    problems;
    constructor(problems) {
        super(problems.join('\n'));
        this.problems = problems;
        this.name = 'ConfigError';
    }
}
const NO_CERTIFICATE = 'sign: files to sign were given but no certificate; set certificate (or "ephemeral"), certificate-file, certificate-thumbprint, pkcs11-key, artifact-signing-profile, azure-key-vault-certificate or aws-kms-key';
/** The inputs whose values are secrets: registered with the runner's masker before anything can print. */
const SECRET_INPUTS = (/* unused pure expression or super */ null && (['certificate', 'certificate-password', 'pkcs11-pin', 'github-token']));
/** Every secret the parsed config holds beyond SECRET_INPUTS: credentials written into URLs. */
function configSecrets(config) {
    return urlCredentials(config.sign.timestampUrls);
}
function parseConfig(read, env = process.env) {
    const problems = [];
    const p = new Parser(read, problems);
    const workspace = external_node_path_default().resolve(env.GITHUB_WORKSPACE || process.cwd());
    const runnerTemp = env.RUNNER_TEMP || (0,external_node_os_.tmpdir)();
    const tempDir = external_node_path_default().join(runnerTemp, 'go-av-guard');
    const inWorkspace = (file) => external_node_path_default().resolve(workspace, file);
    const config = {
        workspace,
        tempDir,
        go: p.text('go') || 'go',
        exclusions: parseExclusions(p, inWorkspace),
        smoke: parseSmoke(p),
        sign: {
            patterns: p.lines('sign'),
            certificate: parseCertificate(p, inWorkspace),
            timestampUrls: parseTimestampUrls(p),
            digest: p.choice('digest', DIGESTS, 'sha256'),
            description: p.plainText('description') || undefined,
            descriptionUrl: p.url('description-url', { credentials: false }),
            skipSigned: p.boolean('skip-signed', true),
            appendSignature: p.boolean('append-signature', false),
            signtoolPath: p.text('signtool-path') ? inWorkspace(p.text('signtool-path')) : undefined,
            ifNoFilesFound: p.choice('if-no-files-found', IF_NO_FILES_FOUND, 'error'),
            concurrency: p.integer('concurrency', defaultConcurrency(), 1, 64),
            signer: p.choice('signer', SIGNERS, 'auto'),
            timestampTimeoutMs: p.integer('timestamp-timeout', 30, 1, 600) * 1000,
        },
        stamp: parseStamp(p, inWorkspace, env),
        analyze: {
            patterns: p.lines('analyze'),
            allowlistDir: p.text('allowlist-dir') ? inWorkspace(p.text('allowlist-dir')) : undefined,
        },
        detections: {
            enabled: p.boolean('detections', true),
            failOnDetection: p.boolean('fail-on-detection', true),
            scan: p.choice('scan', TRI_STATES, 'auto'),
        },
        report: {
            checks: p.choice('checks', TRI_STATES, 'auto'),
            token: p.text('github-token') || undefined,
            failOnFindings: p.choice('fail-on-findings', FAIL_ON_FINDINGS, 'none'),
            uploadReleaseAssets: p.boolean('upload-release-assets', false),
            releaseTag: p.text('release-tag') || undefined,
            reportDir: tempDir,
        },
    };
    if (config.report.uploadReleaseAssets && config.sign.patterns.length === 0) {
        problems.push('upload-release-assets: needs files to upload; set `sign` to the binaries to sign and upload');
    }
    if (problems.length > 0)
        throw new ConfigError(problems);
    return config;
}
/** The largest certificate file accepted: a PFX with a long chain is tens of kilobytes. */
const MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;
/**
 * The checks an input needs the disk for, done before anything is touched: a certificate file must be a
 * regular file under the size limit (not /dev/zero, a FIFO or a folder), and an output folder must be
 * creatable and writable (not /proc/nope), each within a time bound. Throws a ConfigError naming each.
 */
async function checkInputsOnDisk(config, uses) {
    const problems = [];
    const certificate = config.sign.certificate;
    if (uses.sign && config.sign.patterns.length > 0 && certificate?.kind === 'pkcs12-file') {
        // A missing file is signing's to report (in the report, with its advice); what must never reach a
        // reader is a device, a FIFO, a folder or a huge file.
        const problem = await (0,files/* smallRegularFileProblem */.rP)(certificate.path, MAX_CERTIFICATE_FILE_BYTES);
        if (problem && (0,external_node_fs_.existsSync)(certificate.path))
            problems.push(`certificate-file: ${problem}`);
    }
    if (uses.analyze && config.analyze.allowlistDir) {
        const problem = await (0,files/* writableFolderProblem */.Ou)(config.analyze.allowlistDir);
        if (problem)
            problems.push(`allowlist-dir: ${problem}`);
    }
    if (problems.length > 0)
        throw new ConfigError(problems);
}
/** Signing waits mostly on timestamp servers, so several workers per core pay off. */
function defaultConcurrency() {
    return Math.min(32, Math.max(8, (0,external_node_os_.availableParallelism)() * 4));
}
function parseCertificate(p, inWorkspace) {
    const certificate = p.secret('certificate');
    const file = p.text('certificate-file');
    const thumbprint = p.text('certificate-thumbprint');
    const password = p.secret('certificate-password');
    const remote = parseKeySource(p, inWorkspace);
    const given = [
        certificate && 'certificate',
        file && 'certificate-file',
        thumbprint && 'certificate-thumbprint',
        ...remote.given,
    ].filter(Boolean);
    if (given.length > 1) {
        p.problem(`certificate: give exactly one certificate source (certificate, certificate-file, certificate-thumbprint, pkcs11-key, artifact-signing-profile, azure-key-vault-certificate or aws-kms-key), got ${given.join(' and ')}`);
        return undefined;
    }
    if (remote.given.length > 0)
        return remote.source;
    if (p.text('certificate-chain'))
        p.problem('certificate-chain: goes with pkcs11-key, azure-key-vault-certificate or aws-kms-key; a PFX carries its own chain');
    if (certificate.trim().toLowerCase() === 'ephemeral')
        return { kind: 'ephemeral' };
    if (certificate) {
        const base64 = certificate.replace(/\s+/g, '');
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) {
            p.problem('certificate: expected a base64-encoded PKCS#12 (.pfx) file or "ephemeral", got text that is not base64');
            return undefined;
        }
        return { kind: 'pkcs12-base64', base64, password };
    }
    if (file)
        return { kind: 'pkcs12-file', path: inWorkspace(file), password };
    if (thumbprint) {
        const normalized = thumbprint.replace(/[\s:]/g, '').toUpperCase();
        if (!/^[0-9A-F]{40}$/.test(normalized)) {
            p.problem(`certificate-thumbprint: expected 40 hexadecimal digits (a SHA-1 thumbprint), got "${thumbprint}"`);
            return undefined;
        }
        return { kind: 'thumbprint', thumbprint: normalized };
    }
    if (p.lines('sign').length > 0) {
        p.problem(NO_CERTIFICATE);
    }
    return undefined;
}
function parseStamp(p, inWorkspace, env) {
    const { input, problems } = (0,versioninfo/* parseVersionInfoLines */.B$)(p.lines('version-info'));
    for (const problem of problems)
        p.problem(problem);
    const tagRef = env.GITHUB_REF?.startsWith('refs/tags/') ? env.GITHUB_REF.slice('refs/tags/'.length) : '';
    return {
        mode: p.choice('stamp', TRI_STATES, 'false'),
        version: input,
        iconPath: p.text('icon') ? inWorkspace(p.text('icon')) : undefined,
        releaseTag: p.text('release-tag') || tagRef || undefined,
    };
}
/** smoke: auto (run when Go is found), true (required: no Go is a failure) or false. */
function parseSmoke(p) {
    const mode = p.choice('smoke', TRI_STATES, 'auto');
    return {
        enabled: mode !== 'false',
        variants: p.choices('smoke-variants', SMOKE_VARIANTS, ['default', 'test']),
        required: mode === 'true',
    };
}
function parseExclusions(p, inWorkspace) {
    const allowBroad = p.boolean('allow-broad-exclusions', false);
    const paths = p.lines('exclusion-paths');
    const processes = p.lines('exclusion-processes');
    if (!allowBroad) {
        const hint = 'set allow-broad-exclusions: true if you really mean it';
        for (const line of paths) {
            const why = broadPathReason(line);
            if (why)
                p.problem(`exclusion-paths: ${JSON.stringify(line)} ${why}; ${hint}`);
        }
        for (const line of processes) {
            const why = broadProcessReason(line);
            if (why)
                p.problem(`exclusion-processes: ${JSON.stringify(line)} ${why}; ${hint}`);
        }
    }
    return {
        mode: p.choice('exclusions', TRI_STATES, 'auto'),
        extraPaths: paths.map(inWorkspace),
        extraProcesses: processes,
        dryRun: p.boolean('dry-run', false),
        restore: p.boolean('restore', true),
        allowBroad,
    };
}
/** Top-level Windows folders: excluding one of them turns scanning off for most of the machine. */
const SYSTEM_FOLDERS = ['windows', 'users', 'programdata', 'program files', 'program files (x86)'];
/** Why a path exclusion would switch scanning off far beyond a Go job, or undefined. */
function broadPathReason(line) {
    const text = line.replace(/\//g, '\\').replace(/\\+$/, '');
    const rest = text.replace(/^(\\\\\?\\)?[A-Za-z]:/, '').replace(/^\\+/, '');
    const first = rest.split('\\')[0] ?? '';
    if (rest === '')
        return 'is a whole drive or file-system root';
    if (/[*?]/.test(first))
        return 'starts with a wildcard, which matches whole drives';
    if (/^%[^%]+%$/.test(first) && !rest.includes('\\'))
        return 'is a whole folder named by an environment variable (a profile, the system drive)';
    if (rest.split('\\').length === 1 && SYSTEM_FOLDERS.includes(first.toLowerCase()))
        return 'is a whole system folder';
    return undefined;
}
/**
 * Shells, script hosts and interpreters: a process exclusion for one of them lets every script it runs, and
 * every file those scripts open, past real-time scanning (the defence-evasion shape EDR looks for).
 */
const BROAD_PROCESSES = ('cmd powershell powershell_ise pwsh wscript cscript mshta rundll32 regsvr32 bash sh wsl node python ' +
    'pythonw py perl ruby java javaw msbuild installutil explorer svchost').split(' ');
/** Why a process exclusion is too broad, or undefined. */
function broadProcessReason(line) {
    const name = line.replace(/\//g, '\\').split('\\').at(-1) ?? '';
    if (/[*?]/.test(name))
        return 'uses a wildcard, which matches many programs';
    const stem = name.toLowerCase().replace(/\.(exe|com)$/, '');
    if (BROAD_PROCESSES.includes(stem))
        return 'is a shell, script host or system process: excluding it lets anything it runs past scanning';
    return undefined;
}
/**
 * PKCS#11, Azure Artifact Signing and Key Vault: each source's inputs come as a set; a missing or stray
 * one is named. `given` lists the sources asked for, so "exactly one source" is checked with the others.
 */
function parseKeySource(p, inWorkspace) {
    const chain = p.text('certificate-chain');
    const chainFile = chain ? inWorkspace(chain) : undefined;
    const pkcs11 = { module: p.text('pkcs11-module'), key: p.text('pkcs11-key'), pin: p.secret('pkcs11-pin') };
    // Presence is read from the raw text, so a malformed URL gets its own message and not "also set".
    const signing = {
        endpoint: p.text('artifact-signing-endpoint') &&
            (p.url('artifact-signing-endpoint', { credentials: false }) ?? ' '),
        account: p.text('artifact-signing-account'),
        profile: p.text('artifact-signing-profile'),
    };
    const vault = {
        url: p.text('azure-key-vault-url') && (p.url('azure-key-vault-url', { credentials: false }) ?? ' '),
        certificate: p.text('azure-key-vault-certificate'),
    };
    for (const [name, url] of [
        ['artifact-signing-endpoint', signing.endpoint],
        ['azure-key-vault-url', vault.url],
    ])
        if (url.startsWith('http:'))
            p.problem(`${name}: expected an https URL (an access token never travels in the clear), got "${url}"`);
    const given = [];
    let source;
    const missing = (source, names) => {
        const absent = names.filter(([, v]) => !v).map(([n]) => n);
        if (absent.length > 0)
            p.problem(`${source}: also set ${absent.join(' and ')}`);
        return absent.length > 0;
    };
    if (pkcs11.module || pkcs11.key || pkcs11.pin) {
        given.push('pkcs11-key');
        if (!missing('pkcs11-key', [
            ['pkcs11-module', pkcs11.module],
            ['pkcs11-key', pkcs11.key],
        ])) {
            if (!/^pkcs11:/i.test(pkcs11.key))
                p.problem(`pkcs11-key: expected an RFC 7512 URI such as pkcs11:token=ci;object=signing, got "${pkcs11.key}"`);
            else if (/pin-value=/i.test(pkcs11.key))
                p.problem('pkcs11-key: the URI carries a PIN; remove pin-value and give the PIN in pkcs11-pin (a secret)');
            source = {
                kind: 'pkcs11',
                module: pkcs11.module,
                key: pkcs11.key,
                pin: pkcs11.pin,
                ...(chainFile ? { chainFile } : {}),
            };
        }
    }
    if (signing.endpoint || signing.account || signing.profile) {
        given.push('artifact-signing-profile');
        if (chainFile)
            p.problem('certificate-chain: Artifact Signing returns its own chain; remove certificate-chain');
        if (!missing('artifact-signing-profile', [
            ['artifact-signing-endpoint', signing.endpoint],
            ['artifact-signing-account', signing.account],
            ['artifact-signing-profile', signing.profile],
        ]))
            source = {
                kind: 'artifact-signing',
                endpoint: signing.endpoint,
                account: signing.account,
                profile: signing.profile,
            };
    }
    if (vault.url || vault.certificate) {
        given.push('azure-key-vault-certificate');
        if (!missing('azure-key-vault-certificate', [
            ['azure-key-vault-url', vault.url],
            ['azure-key-vault-certificate', vault.certificate],
        ])) {
            if (!/^[0-9A-Za-z-]+(\/[0-9A-Za-z]+)?$/.test(vault.certificate))
                p.problem(`azure-key-vault-certificate: expected a certificate name (letters, digits, dashes), optionally name/version, got "${vault.certificate}"`);
            source = {
                kind: 'azure-key-vault',
                vaultUrl: vault.url,
                certificate: vault.certificate,
                ...(chainFile ? { chainFile } : {}),
            };
        }
    }
    const kmsKey = p.text('aws-kms-key');
    if (kmsKey) {
        given.push('aws-kms-key');
        if (!chainFile)
            p.problem('aws-kms-key: also set certificate-chain (KMS holds the key, not its certificate)');
        else
            source = { kind: 'aws-kms', keyId: kmsKey, chainFile };
    }
    return { given, ...(source ? { source } : {}) };
}
function parseTimestampUrls(p) {
    const lines = p.lines('timestamp-urls');
    if (lines.length === 0)
        return [...DEFAULT_TIMESTAMP_URLS];
    if (lines.length === 1 && lines[0]?.toLowerCase() === 'none')
        return [];
    for (const line of lines) {
        if (!isHttpUrl(line))
            p.problem(`timestamp-urls: expected http(s) URLs, one per line, or "none", got ${JSON.stringify(maskUrlCredentials(line))}`);
    }
    return lines;
}
/**
 * The parts of http(s) URLs that are secrets: a user name and password written into the URL. They are
 * registered with the log masker, and the report shows the URL through maskUrlCredentials.
 */
function urlCredentials(urls) {
    const secrets = [];
    for (const text of urls) {
        const url = parseUrl(text);
        if (!url || (!url.username && !url.password))
            continue;
        const userInfo = `${url.username}${url.password ? `:${url.password}` : ''}`;
        // Not the user name alone: masking a common word everywhere would blank unrelated text.
        for (const value of [userInfo, url.password, safeDecode(url.password)])
            if (value && !secrets.includes(value))
                secrets.push(value);
    }
    return secrets;
}
/** `https://user:pass@host/x` as `https://***@host/x` (any scheme); other text unchanged. */
function maskUrlCredentials(text) {
    return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1***@');
}
const parseUrl = (text) => {
    try {
        return new URL(text);
    }
    catch {
        return undefined;
    }
};
const safeDecode = (text) => {
    try {
        return decodeURIComponent(text);
    }
    catch {
        return text;
    }
};
function isHttpUrl(text) {
    try {
        const url = new URL(text);
        return url.protocol === 'http:' || url.protocol === 'https:';
    }
    catch {
        return false;
    }
}
class Parser {
    read;
    problems;
    constructor(read, problems) {
        this.read = read;
        this.problems = problems;
    }
    problem(message) {
        this.problems.push(message);
    }
    text(name) {
        return this.read(name).trim();
    }
    /** One-line text for humans and signatures: no control characters (ESC, newlines) or bidi overrides. */
    plainText(name) {
        const value = this.text(name);
        // eslint-disable-next-line no-control-regex -- finding control characters is the point
        if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(value))
            this.problem(`${name}: control characters (escape, newline, bidi override) are not allowed`);
        return value;
    }
    /** Secrets keep their inner spaces: a password may begin or end with one. */
    secret(name) {
        return this.read(name);
    }
    /** Multiline input: one value per line; blank lines and whitespace-only lines are dropped. */
    lines(name) {
        return this.read(name)
            .split(/\r?\n/)
            .map((line) => line.trim())
            .filter((line) => line !== '');
    }
    boolean(name, fallback) {
        const value = this.text(name);
        if (value === '')
            return fallback;
        if (['true', 'True', 'TRUE'].includes(value))
            return true;
        if (['false', 'False', 'FALSE'].includes(value))
            return false;
        this.problem(`${name}: expected true or false, got ${JSON.stringify(value)}`);
        return fallback;
    }
    choice(name, allowed, fallback) {
        const value = this.text(name);
        if (value === '')
            return fallback;
        const match = allowed.find((a) => a === value.toLowerCase());
        if (match)
            return match;
        this.problem(`${name}: expected ${listOf(allowed)}, got ${JSON.stringify(value)}`);
        return fallback;
    }
    choices(name, allowed, fallback) {
        const values = this.lines(name).flatMap((line) => line
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean));
        if (values.length === 0)
            return fallback;
        const chosen = [];
        for (const value of values) {
            const match = allowed.find((a) => a === value.toLowerCase());
            if (!match)
                this.problem(`${name}: expected any of ${listOf(allowed)}, got ${JSON.stringify(value)}`);
            else if (!chosen.includes(match))
                chosen.push(match);
        }
        return chosen;
    }
    integer(name, fallback, min, max) {
        const value = this.text(name);
        if (value === '')
            return fallback;
        // Plain decimal digits only: Number() would also take 0x10, 1e1, 0b1 and " 8 ".
        const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
        if (n >= min && n <= max)
            return n;
        this.problem(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
        return fallback;
    }
    url(name, options) {
        const value = this.text(name);
        if (value === '')
            return undefined;
        if (!isHttpUrl(value)) {
            this.problem(`${name}: expected an http(s) URL, got ${JSON.stringify(maskUrlCredentials(value))}`);
            return undefined;
        }
        if (!options.credentials && urlCredentials([value]).length > 0) {
            this.problem(`${name}: the URL holds a user name or password, which would be written into every signed file; remove it`);
            return undefined;
        }
        return value;
    }
}
function listOf(values) {
    return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: ./src/platform/process.ts
var platform_process = __webpack_require__(9638);
;// CONCATENATED MODULE: ./src/report/file.ts


function reportFilePath(report, dir) {
    return external_node_path_default().join(dir, `report-${report.phase}.json`);
}
/** Writes the JSON report (the full record, never cut) and returns its path. */
async function writeReportFile(report, dir) {
    await (0,promises_.mkdir)(dir, { recursive: true });
    const file = reportFilePath(report, dir);
    await (0,promises_.writeFile)(file, `${JSON.stringify(report, null, 2)}\n`);
    return file;
}

;// CONCATENATED MODULE: ./src/report/inert.ts
/**
 * Untrusted text (file names, threat names, descriptions, tool output) made inert for each place it is
 * shown. Every renderer calls these and nothing else decides how text is escaped.
 */
/** C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides that reorder what a reader sees. */
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/**
 * Text for a terminal: escape sequences (colours, cursor moves, OSC 52 clipboard writes, title changes)
 * lose their ESC/BEL/C1 introducers and print as harmless text; a lone carriage return cannot overwrite
 * the line it ends.
 */
function terminalSafe(text) {
    return text.replace(/\r\n/g, '\n').replace(TERMINAL_UNSAFE, (c) => (c === '\r' ? ' ' : ''));
}
/** JSON for stdout: JSON.stringify leaves C1 controls and U+2028/9 raw; escape them too. */
function jsonSafe(value) {
    return `${JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
/** Every line break GitHub's Markdown parser or a browser honours, \r alone included. */
// eslint-disable-next-line no-control-regex
const LINE_BREAKS = /\r\n|[\r\n\u000b\u000c\u0085\u2028\u2029]/g;
/**
 * Text inside HTML in the job summary. Besides <>&"', the characters Markdown gives meaning to are written
 * as character references, and line breaks become <br>: a raw newline could end the HTML block, and
 * whatever followed (a heading, an image beacon, a link) would be read as Markdown.
 */
function htmlText(text) {
    return terminalSafe(text.replace(LINE_BREAKS, '\n'))
        .replace(/[&<>"'`*_[\]!#|~\\]/g, (c) => `&#${c.charCodeAt(0)};`)
        .replace(/\n/g, '<br>');
}
/** Longest run of characters without a chance to break the line in a table cell. */
const RUN = 24;
/**
 * `htmlText` in which every word longer than 24 characters (a path, URL or hash) gets <wbr> break chances
 * after its separators and inside long runs, so it wraps in a table cell instead of making the table scroll.
 */
function htmlBreakable(text) {
    return text
        .split(/(\s+)/)
        .map((word) => word.length <= RUN
        ? htmlText(word)
        : word
            .split(/(?<=[/\\\-_.,;:=&?@)\]])/)
            .flatMap((piece) => piece.match(new RegExp(`[^]{1,${RUN}}`, 'g')) ?? [])
            .map(htmlText)
            .join('<wbr>'))
        .join('');
}
/** One line of plain text for places with no room for breaks (headings, link text, annotation titles). */
function oneLine(text) {
    return terminalSafe(text.replace(LINE_BREAKS, ' '));
}

;// CONCATENATED MODULE: ./src/report/html.ts

/**
 * The job summary is GitHub-flavoured Markdown in which every value is written as HTML: GitHub renders no
 * Markdown inside an HTML block, so nothing here relies on it. Untrusted text goes through `htmlText` (and
 * nowhere else), which also keeps line breaks from ending an HTML block.
 */
function escapeHtml(text) {
    return text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;');
}
/** Prose with `code` spans (advice naming commands): the spans become <code>, everything is escaped. */
function proseHtml(text) {
    const parts = text.split('`');
    // Parts at odd indices were between backticks; with an odd number of backticks the last one is unpaired.
    const paired = parts.length % 2 === 1 ? parts.length : parts.length - 1;
    return parts
        .map((part, i) => {
        if (i % 2 === 1 && i < paired)
            return `<code>${htmlBreakable(part)}</code>`;
        return htmlBreakable(i % 2 === 1 ? `\`${part}` : part);
    })
        .join('');
}
/** Characters of a hash shown in tables: enough to tell files apart and to find the full value. */
const SHORT_HASH = 12;
function cellHtml(value) {
    if (typeof value === 'string')
        return proseHtml(value);
    if ('artifact' in value)
        return `<code>${htmlBreakable(value.artifact.split(/[\\/]/).pop() ?? '')}</code> (in the go-av-guard artifact)`;
    if ('hash' in value)
        return `<code>${htmlText(value.hash.slice(0, SHORT_HASH))}…</code>`;
    return value.code === '' ? '' : `<code>${htmlBreakable(value.code)}</code>`;
}
function rowsHtml(t, rows) {
    const head = `<tr>${t.headers.map((h) => `<th>${htmlText(h)}</th>`).join('')}</tr>`;
    const row = (r) => `<tr>${r.map((c) => `<td>${cellHtml(c)}</td>`).join('')}</tr>`;
    return `<table>\n${head}\n${rows.map(row).join('\n')}\n</table>\n`;
}
function tableHtml(t) {
    if (t.rows.length === 0)
        return '';
    const shown = t.fold !== undefined && t.rows.length > t.fold ? t.rows.slice(0, t.fold) : t.rows;
    const caption = t.caption ? `<p><strong>${htmlText(t.caption)}</strong></p>\n` : '';
    let html = `${caption}${rowsHtml(t, shown)}`;
    if (shown.length < t.rows.length) {
        const rest = t.rows.slice(shown.length);
        html += `<details><summary>${rest.length} more</summary>\n${rowsHtml(t, rest)}</details>\n`;
    }
    return html;
}
const ICON = { info: 'ℹ️', warning: '⚠️', error: '❌' };
const STATUS_ICON = {
    ok: '✅',
    warning: '⚠️',
    error: '❌',
    skipped: '➖',
};
function notesHtml(notes) {
    if (notes.length === 0)
        return '';
    return `<ul>\n${notes.map((n) => `<li>${ICON[n.level]} ${proseHtml(n.message)}</li>`).join('\n')}\n</ul>\n`;
}
/**
 * One capability: a heading, its verdict, warnings and errors in view, and the rest (facts, tables,
 * informational notes) folded into <details>.
 */
function sectionHtml(view) {
    const icon = view.status ? `${STATUS_ICON[view.status]} ` : '';
    const lead = view.lead ? `<p>${icon}${proseHtml(view.lead)}</p>\n` : '';
    const loud = view.notes.filter((n) => n.level !== 'info');
    const quiet = view.notes.filter((n) => n.level === 'info');
    const tables = view.tables.map(tableHtml).filter(Boolean);
    const details = tables.length > 0 || quiet.length > 0
        ? `<details><summary>Details</summary>\n${notesHtml(quiet)}${tables.join('')}</details>\n`
        : '';
    return `## ${htmlText(oneLine(view.title))}\n\n${lead}${notesHtml(loud)}${details}`;
}

;// CONCATENATED MODULE: ./src/pe/types.ts
/** A file the PE reader could read, as opposed to one it reports an error for. */
function isPeReport(file) {
    return !('error' in file);
}

;// CONCATENATED MODULE: ./src/report/paths.ts

/** Workspace-relative with forward slashes inside the workspace (what GitHub links to), else as given. */
function annotationPath(file, workspace) {
    const windows = /^[a-z]:[\\/]/i.test(workspace) || /^[a-z]:[\\/]/i.test(file);
    const p = windows ? (external_node_path_default()).win32 : (external_node_path_default()).posix;
    const relative = p.relative(workspace, file);
    if (relative === '' || relative.startsWith('..') || p.isAbsolute(relative))
        return file;
    return relative.split(p.sep).join('/');
}

;// CONCATENATED MODULE: ./src/report/view.ts

const codeCell = (value) => ({ code: value });
/** A hash: shortened in the job summary's tables (the JSON report and SHA256SUMS keep the whole value). */
const hashCell = (value) => (value ? { hash: value } : '');
/**
 * A file the run leaves outside the workspace and uploads in its artifact (report, public certificate):
 * the terminal shows where it is, the job summary its name in the artifact.
 */
const artifactCell = (file, workspace) => {
    const shown = annotationPath(file, workspace);
    return shown === file ? { artifact: file } : { code: shown };
};
/** A file as the user knows it: relative to the workspace where it lies inside, else as given. */
const pathCell = (file, workspace) => ({
    code: annotationPath(file, workspace),
});
function yesNo(value) {
    return value === undefined ? 'unknown' : value ? 'yes' : 'no';
}
/** The worst level among notes, as a section status. */
function statusOf(notes, fallback = 'ok') {
    if (notes.some((n) => n.level === 'error'))
        return 'error';
    if (notes.some((n) => n.level === 'warning'))
        return 'warning';
    return fallback;
}
/** "1 file", "3 files". */
function count(n, word, plural = `${word}s`) {
    return `${n} ${n === 1 ? word : plural}`;
}

;// CONCATENATED MODULE: ./src/report/sections/analysis.ts



const SEVERITY_ORDER = { error: 0, warning: 1, notice: 2 };
function analysisView(analysis, workspace) {
    const reports = analysis.files.filter(isPeReport);
    const errors = analysis.files.filter((f) => !isPeReport(f));
    const fileRows = reports.map((r) => [
        pathCell(r.path, workspace),
        `${r.format} ${r.machine}`,
        r.subsystem,
        yesNo(r.signature.present) + (r.signature.present ? `, timestamp ${yesNo(r.signature.timestamped)}` : ''),
        yesNo(r.resources.versionInfo),
        r.packer ?? '',
        r.goBuildInfo?.goVersion ?? '',
        String(r.findings.length),
    ]);
    const groups = groupFindings(reports);
    const findingRows = groups.map((g) => [
        g.finding.severity,
        `${g.finding.title} (${g.finding.id}). ${g.finding.why}`,
        { code: g.files.map((f) => annotationPath(f, workspace)).join('\n') },
        g.finding.advice,
    ]);
    const notes = errors.map((e) => ({
        level: 'error',
        message: `${e.path}: ${'error' in e ? e.error : ''}`,
    }));
    const total = groups.reduce((n, g) => n + g.files.length, 0);
    const worst = groups[0]?.finding.severity;
    return {
        title: 'PE risk report',
        lead: `${count(reports.length, 'file')} analysed, ${count(total, 'finding')}${total > groups.length ? ` of ${count(groups.length, 'kind')}` : ''}${errors.length ? `, ${errors.length} unreadable` : ''}.`,
        status: errors.length > 0 || worst === 'error' ? 'error' : worst === 'warning' ? 'warning' : 'ok',
        tables: [
            {
                headers: ['File', 'Format', 'Subsystem', 'Signed', 'Version info', 'Packer', 'Go', 'Findings'],
                rows: fileRows,
                fold: 25,
            },
            {
                caption: 'Findings',
                headers: ['Severity', 'Finding and why it matters', 'Files', 'What to do'],
                rows: findingRows,
                fold: 30,
            },
        ],
        notes,
    };
}
function allowlistView(analysis, workspace) {
    const files = analysis.allowlist;
    if (!files)
        return undefined;
    return {
        title: 'Allowlisting files',
        status: 'ok',
        lead: `${files.hashes.length} binary hash(es) ready for IT departments.`,
        tables: [
            {
                headers: ['File', 'What it is', 'How to use it'],
                rows: [
                    [
                        pathCell(files.sha256sums, workspace),
                        'SHA-256 list (sha256sum format)',
                        'Verify downloads: sha256sum -c SHA256SUMS',
                    ],
                    [
                        pathCell(files.applocker, workspace),
                        'AppLocker policy (publisher rule if signed, hash rule otherwise)',
                        'Set-AppLockerPolicy -XmlPolicy <file> -Merge, or import in the Group Policy editor',
                    ],
                    [
                        pathCell(files.defenderIndicators, workspace),
                        'Defender for Endpoint indicators (allow by SHA-256)',
                        'Microsoft Defender portal: Settings > Endpoints > Indicators > File hashes > Import',
                    ],
                ],
            },
            {
                caption: 'Hashes',
                headers: ['File', 'SHA-256'],
                rows: files.hashes.map((h) => [h.name, hashCell(h.sha256)]),
                fold: 25,
            },
        ],
        notes: [],
    };
}
/** One entry per finding that reads the same for every file it applies to, most severe first. */
function groupFindings(reports) {
    const groups = new Map();
    for (const r of reports) {
        for (const f of r.findings) {
            const key = JSON.stringify([f.id, f.severity, f.title, f.why, f.advice]);
            const group = groups.get(key) ?? { finding: f, files: [] };
            group.files.push(r.path);
            groups.set(key, group);
        }
    }
    return [...groups.values()].sort((a, b) => SEVERITY_ORDER[a.finding.severity] - SEVERITY_ORDER[b.finding.severity]);
}

;// CONCATENATED MODULE: ./src/report/sections/detections.ts

function detectionRow(d, withWhy) {
    const files = d.resources
        .map((r) => (r.archiveMember ? `${r.path} -> ${r.archiveMember}` : r.path))
        .join('\n');
    const row = [
        d.time ?? '',
        d.threatName ?? `threat ${d.threatId ?? '?'}`,
        codeCell(files),
        [d.action, d.status].filter(Boolean).join(', '),
        d.process ?? '',
    ];
    if (withWhy)
        row.push(`${d.relevantBecause ?? ''}${d.advice ? `. ${d.advice}` : ''}`);
    return row;
}
function detectionsView(report) {
    const title = report.phase === 'post' ? 'Defender detections (whole job)' : 'Defender detections';
    if (!report.available)
        return {
            title,
            lead: `Not read: ${report.reason ?? 'unavailable'}`,
            status: 'skipped',
            tables: [],
            notes: report.notes,
        };
    const events = report.events.map((e) => ({
        level: 'info',
        message: `${e.time ?? ''} event ${e.id}: ${e.message}`,
    }));
    const lead = report.relevant.length === 0
        ? `No detection touched this job's files between ${report.since} and ${report.until}.`
        : `${report.relevant.length} detection(s) touched this job's files between ${report.since} and ${report.until}.`;
    const headers = ['Time', 'Threat', 'Files', 'Action', 'Process'];
    return {
        title,
        lead,
        status: report.relevant.length > 0 ? 'error' : statusOf(report.notes),
        tables: [
            {
                caption: 'Relevant to this job',
                headers: [...headers, 'Why and what to do'],
                rows: report.relevant.map((d) => detectionRow(d, true)),
                fold: 20,
            },
            {
                caption: 'Other detections on this machine',
                headers,
                rows: report.other.map((d) => detectionRow(d, false)),
                fold: 10,
            },
        ],
        notes: [...report.notes, ...events],
    };
}
function scanView(scan, workspace) {
    return {
        title: 'Artifact scan',
        status: !scan.performed ? 'skipped' : scan.files.some((f) => f.status === 'detected') ? 'error' : 'ok',
        lead: scan.performed
            ? `Scanned with engine ${scan.engineVersion ?? '?'}, signatures ${scan.signatureVersion ?? '?'}.`
            : `Not scanned: ${scan.reason ?? ''}`,
        tables: [
            {
                headers: ['File', 'Result', 'Detail'],
                rows: scan.files.map((f) => [
                    pathCell(f.path, workspace),
                    f.threatName ? `${f.status}: ${f.threatName}` : f.status,
                    f.detail ?? '',
                ]),
            },
        ],
        notes: scan.limits.map((message) => ({ level: 'info', message })),
    };
}

;// CONCATENATED MODULE: ./src/report/sections/doctor.ts

function doctorView(doctor) {
    const rows = [
        [
            'Platform',
            `${doctor.platform} ${doctor.arch} (${doctor.osRelease})${doctor.hostedRunner ? ', GitHub-hosted' : ''}`,
        ],
    ];
    if (doctor.elevated !== undefined)
        rows.push(['Elevated', yesNo(doctor.elevated)]);
    if (doctor.go.found) {
        const go = doctor.go.env;
        rows.push(['Go', `${go.version} ${go.goos}/${go.goarch}`]);
        rows.push(['GOROOT', codeCell(go.goroot)], ['GOPATH', codeCell(go.gopath)], ['GOCACHE', codeCell(go.gocache)]);
        rows.push(['GOMODCACHE', codeCell(go.gomodcache)], ['GOTMPDIR', go.gotmpdir ? codeCell(go.gotmpdir) : '(unset: the OS temp dir)']);
    }
    else {
        rows.push(['Go', `not found: ${doctor.go.reason}`]);
    }
    const tool = doctor.signingTool;
    const toolName = tool.name === 'built-in'
        ? 'built-in Authenticode engine'
        : `${tool.name}${tool.version ? ` ${tool.version}` : ''}`;
    rows.push([
        'Signing tool',
        !tool.found
            ? `${tool.name} not found`
            : tool.path
                ? `${toolName} at ${tool.path}`
                : `${toolName} (in process)`,
    ]);
    const d = doctor.defender;
    if (d) {
        if (d.available) {
            rows.push([
                'Defender',
                `${d.amRunningMode ?? 'running'}, product ${d.productVersion ?? '?'}, engine ${d.engineVersion ?? '?'}`,
            ]);
            rows.push(['Real-time protection', yesNo(d.realTimeProtectionEnabled)]);
            rows.push(['Tamper protection', yesNo(d.isTamperProtected)]);
            rows.push([
                'Signatures',
                `${d.signatureVersion ?? '?'}${d.signatureLastUpdated ? `, updated ${d.signatureLastUpdated}` : ''}`,
            ]);
        }
        else {
            rows.push(['Defender', `not available${d.errorCode ? ` (${d.errorCode})` : ''}: ${d.error ?? ''}`]);
        }
        const ex = d.exclusions;
        const listed = [
            ...ex.paths,
            ...ex.processes.map((p) => `process ${p}`),
            ...ex.extensions.map((e) => `extension ${e}`),
        ];
        rows.push([
            'Exclusions',
            ex.hidden && listed.length === 0 ? 'hidden from local administrators' : listed.join('\n') || 'none',
        ]);
    }
    const facts = [
        doctor.go.found ? `Go ${doctor.go.env.version.replace(/^go/, '')}` : 'Go not found',
        tool.found ? toolName : `${tool.name} not found`,
        d
            ? d.available
                ? `Defender ${d.amRunningMode ?? 'running'}, real-time protection ${d.realTimeProtectionEnabled ? 'on' : 'off'}`
                : 'Defender not available'
            : '',
    ].filter(Boolean);
    return {
        title: 'Doctor',
        lead: `${facts.join('; ')}.`,
        status: statusOf(doctor.advice, doctor.go.found ? 'ok' : 'warning'),
        tables: [{ headers: ['Check', 'Result'], rows }],
        notes: doctor.advice,
    };
}

;// CONCATENATED MODULE: ./src/report/sections/exclusions.ts

const ACTION_TEXT = { add: 'to add', present: 'already there', covered: 'covered' };
function exclusionsView(ex) {
    const added = new Set(ex.added.map((a) => `${a.kind}\u0000${a.value.toLowerCase()}`));
    const failed = new Map(ex.notApplied.map((n) => [`${n.kind}\u0000${n.value.toLowerCase()}`, n.reason]));
    const rows = ex.planned.map((p) => {
        const key = `${p.kind}\u0000${p.value.toLowerCase()}`;
        let state = ACTION_TEXT[p.action];
        if (p.action === 'covered' && p.coveredBy)
            state = `covered by ${p.coveredBy}`;
        if (added.has(key))
            state = 'added and verified';
        if (failed.has(key))
            state = `not applied: ${failed.get(key)}`;
        if (p.action === 'add' && ex.dryRun)
            state = 'would add (dry run)';
        return [p.kind, codeCell(p.value), p.reason, state];
    });
    const tables = [{ headers: ['Kind', 'Entry', 'Why', 'State'], rows, fold: 20 }];
    if (ex.restore) {
        tables.push({
            headers: ['Restored', 'Entry', 'Why', 'State'],
            rows: [
                ...ex.restore.removed.map((r) => ['removed', codeCell(r.value), r.reason, 'removed']),
                ...ex.restore.failed.map((r) => ['not removed', codeCell(r.value), r.reason, r.reason]),
            ],
            fold: 20,
        });
    }
    const lead = ex.skipped
        ? `Nothing to change: ${ex.skipped}`
        : ex.dryRun
            ? `Dry run: ${ex.planned.filter((p) => p.action === 'add').length} exclusion(s) would be added.`
            : `${ex.added.length} exclusion(s) added and verified, ${ex.notApplied.length} not applied.`;
    const gotmp = ex.gotmpdir
        ? [
            {
                level: 'info',
                message: `GOTMPDIR points at ${ex.gotmpdir} for the later steps of this job.`,
            },
        ]
        : [];
    const notes = [...ex.notes, ...gotmp];
    const status = ex.failure
        ? 'error'
        : ex.notApplied.length > 0
            ? 'warning'
            : ex.skipped
                ? 'skipped'
                : statusOf(notes);
    return { title: 'Defender exclusions', lead, status, tables, notes };
}

;// CONCATENATED MODULE: ./src/allowlist/falsepositive.ts
/**
 * What a Microsoft false-positive submission needs (learn.microsoft.com, "Submit files for analysis";
 * the form at https://www.microsoft.com/en-us/wdsi/filesubmission): the file or its hashes, who signed
 * it, and the detection name. Plain data; the report renders it.
 */
const MICROSOFT_SUBMISSION_URL = 'https://www.microsoft.com/en-us/wdsi/filesubmission';
function falsePositiveChecklist(files) {
    const unsigned = files.filter((f) => !f.signer).length;
    return {
        url: MICROSOFT_SUBMISSION_URL,
        files: [...files],
        steps: [
            `Open ${MICROSOFT_SUBMISSION_URL} and choose "Software developer" (sign in with a Microsoft account so you can follow the submission).`,
            'Select "Microsoft Defender Antivirus" as the product and "Incorrectly detected as malware/malicious" as the reason.',
            'Upload the exact binary (or a zip of it) and give the detection name Defender reported (for example Trojan:Win32/Wacatac.B!ml) and the SHA-256 below.',
            ...(unsigned > 0
                ? [
                    `${unsigned} file(s) are unsigned: sign them first; signed files with a timestamp are judged by their publisher and are flagged far less often.`,
                ]
                : [
                    'Name the publisher (the signer below) in the comments, so the analyst can match other releases.',
                ]),
            'After Microsoft clears the file, users update their definitions (Update-MpSignature, or `MpCmdRun.exe -SignatureUpdate`) before it stops being flagged.',
        ],
    };
}

;// CONCATENATED MODULE: ./src/report/sections/falsepositive.ts




/** The other vendors' allowlisting files, and what to send Microsoft when Defender flags a release. */
function falsePositiveView(analysis, workspace) {
    const files = analysis.files.filter(isPeReport);
    if (files.length === 0)
        return undefined;
    const checklist = falsePositiveChecklist(files.map((f) => ({
        name: annotationPath(f.path, workspace),
        sha256: f.sha256,
        ...(f.signature.present && f.signature.signer ? { signer: f.signature.signer } : {}),
        ...(f.resources.version?.FileVersion ? { fileVersion: f.resources.version.FileVersion } : {}),
    })));
    const allowlist = analysis.allowlist;
    const vendorRows = [
        ...(allowlist?.crowdstrike
            ? [
                [
                    pathCell(allowlist.crowdstrike, workspace),
                    'CrowdStrike Falcon custom IOCs (sha256, allow, windows)',
                    'Falcon console: IOC management > import (columns are the IOC API field names)',
                ],
            ]
            : []),
        ...(allowlist?.bitdefender
            ? [
                [
                    pathCell(allowlist.bitdefender, workspace),
                    'Bitdefender GravityZone file-hash exclusions (SHA-256)',
                    'GravityZone: Policies > Antimalware > Exclusions (or Configuration profiles > Exclusions): add each SHA-256 as a File hash exclusion (a list, not an import file)',
                ],
            ]
            : []),
    ];
    return {
        title: 'If antivirus flags a release',
        lead: `Submit false positives to Microsoft at ${checklist.url}; allowlist the hashes in other products.`,
        tables: [
            ...(vendorRows.length > 0
                ? [{ caption: 'Other vendors', headers: ['File', 'What it is', 'How to use it'], rows: vendorRows }]
                : []),
            {
                caption: 'Microsoft false-positive submission checklist',
                headers: ['File', 'SHA-256', 'Signer', 'File version'],
                rows: checklist.files.map((f) => [
                    codeCell(f.name),
                    codeCell(f.sha256),
                    f.signer ?? 'unsigned',
                    f.fileVersion ?? '',
                ]),
                fold: 25,
            },
            { headers: ['Step'], rows: checklist.steps.map((s) => [s]) },
        ],
        notes: [],
    };
}

;// CONCATENATED MODULE: ./src/report/sections/stamping.ts

function stampingView(stamping, workspace) {
    const counts = ['stamped', 'skipped', 'failed'].map((s) => `${stamping.files.filter((f) => f.status === s).length} ${s}`);
    return {
        title: 'Version resource and manifest',
        lead: `${counts.join(', ')} (stamp: ${stamping.mode}, version from ${stamping.versionSource}).`,
        tables: [
            {
                headers: ['File', 'Status', 'Written', 'File version', 'Detail'],
                rows: stamping.files.map((f) => [
                    pathCell(f.path, workspace),
                    f.status,
                    (f.added ?? []).join(', '),
                    f.fileVersion ?? '',
                    f.reason ?? (f.signatureDropped ? 'its old signature was removed; this run signs it again' : ''),
                ]),
                fold: 25,
            },
        ],
        notes: stamping.notes,
    };
}
function fleetPolicyView(fleet, workspace) {
    return {
        title: 'Fleet exclusions for self-hosted runners',
        lead: `${fleet.paths.length} path and ${fleet.processes.length} process exclusion(s), ready to deploy once instead of per job.`,
        tables: [
            {
                headers: ['File', 'How to deploy it'],
                rows: [
                    [
                        pathCell(fleet.reg, workspace),
                        'Group Policy registry keys (Defender Path/Process Exclusions policy): reg import, or a GPO registry preference',
                    ],
                    [
                        pathCell(fleet.intune, workspace),
                        'Intune: Devices > Configuration > Create > Templates > Custom, one OMA-URI (String) row per entry',
                    ],
                ],
            },
        ],
        notes: fleet.skipped.map((s) => ({
            level: 'warning',
            message: `Not in the policy files: ${s.value}: ${s.reason}`,
        })),
    };
}

;// CONCATENATED MODULE: ./src/report/sections/signing.ts

function signingView(signing, workspace) {
    const cert = signing.certificate;
    const certRows = cert
        ? [
            ['Subject', cert.subject],
            ['Issuer', cert.issuer],
            ['Thumbprint', codeCell(cert.thumbprint)],
            ['Valid', `${cert.notBefore} to ${cert.notAfter}`],
            ['Source', `${cert.source}${cert.selfSigned ? ' (self-signed)' : ''}`],
            ...(cert.publicCertPath
                ? [['Public certificate', artifactCell(cert.publicCertPath, workspace)]]
                : cert.publicCertPem
                    ? [['Public certificate', 'in the JSON report (--json): signing.certificate.publicCertPem']]
                    : []),
        ]
        : [];
    const fileRows = signing.files.map((f) => [
        pathCell(f.path, workspace),
        f.status,
        f.reason ?? (f.verification ? f.verification.detail : ''),
        f.timestampServer ? `${f.timestampServer}${f.timestampTime ? ` at ${f.timestampTime}` : ''}` : '',
        hashCell(f.sha256 ?? ''),
    ]);
    const counts = ['signed', 'skipped', 'failed'].map((s) => `${signing.files.filter((f) => f.status === s).length} ${s}`);
    const lead = signing.error
        ? `Signing failed: ${signing.error}`
        : `${counts.join(', ')} with ${signing.tool}, digest ${signing.digest}.`;
    const failed = Boolean(signing.error) || signing.files.some((f) => f.status === 'failed');
    // The engine's own "signed N, skipped N" note repeats the lead word for word.
    // The error note repeats the lead too.
    const notes = signing.notes.filter((n) => !/^signed \d+, skipped \d+, failed \d+/.test(n.message) && n.message !== signing.error);
    return {
        title: 'Signing',
        lead,
        status: failed ? 'error' : statusOf(notes),
        tables: [
            { headers: ['Certificate', ''], rows: certRows },
            { headers: ['File', 'Status', 'Detail', 'Timestamp', 'SHA-256'], rows: fileRows, fold: 25 },
        ],
        notes,
    };
}

;// CONCATENATED MODULE: ./src/report/sections/smoke.ts

const VERDICT_TEXT = {
    'av-certain': 'blocked by antivirus',
    'quarantined-likely': 'quarantined after build, most likely',
    'possibly-av': 'possibly antivirus',
    'missing-dll': 'missing DLL (not antivirus)',
    'not-av': 'not antivirus',
};
const ms = (value) => (value === undefined ? '' : `${value} ms`);
function smokeView(smoke) {
    const rows = smoke.variants.map((v) => [
        v.variant,
        v.status === 'skipped' ? `skipped: ${v.skipReason ?? ''}` : v.status,
        ms(v.buildMs),
        ms(v.runMs),
        v.exitCode === undefined || v.exitCode === null ? '' : String(v.exitCode),
        v.existedAfterBuild === undefined ? '' : v.existedAfterBuild ? 'yes' : 'no',
        v.diagnosis ? VERDICT_TEXT[v.diagnosis.verdict] : '',
    ]);
    const notes = smoke.variants
        .filter((v) => v.diagnosis)
        .map((v) => ({
        level: v.status === 'failed' ? 'error' : 'warning',
        message: `${v.variant}: ${v.diagnosis?.summary ?? ''} Next: ${v.diagnosis?.nextStep ?? ''}${v.diagnosis?.evidence ? ` (evidence: ${v.diagnosis.evidence})` : ''}`,
    }));
    const lead = smoke.result === 'skipped' ? `Skipped: ${smoke.reason ?? ''}` : `Smoke build ${smoke.result}.`;
    return {
        title: 'Smoke builds',
        lead,
        status: smoke.result === 'failed' ? 'error' : smoke.result === 'skipped' ? 'skipped' : statusOf(notes),
        tables: [{ headers: ['Variant', 'Result', 'Build', 'Run', 'Exit', 'Binary kept', 'Diagnosis'], rows }],
        notes,
    };
}

;// CONCATENATED MODULE: ./src/report/views.ts










/** One view per capability that ran, in pipeline order. */
function reportViews(report) {
    const views = [
        report.doctor && doctorView(report.doctor),
        report.fleetPolicy && fleetPolicyView(report.fleetPolicy, report.workspace),
        report.exclusions && exclusionsView(report.exclusions),
        report.smoke && smokeView(report.smoke),
        report.stamping && stampingView(report.stamping, report.workspace),
        report.signing && signingView(report.signing, report.workspace),
        report.analysis && analysisView(report.analysis, report.workspace),
        report.analysis && allowlistView(report.analysis, report.workspace),
        report.analysis && falsePositiveView(report.analysis, report.workspace),
        report.detections && detectionsView(report.detections),
        report.scan && scanView(report.scan, report.workspace),
    ];
    return views.filter((v) => v !== undefined);
}
/** The verdict line at the top of the summary and the CLI output. */
function headline(report) {
    const phase = report.phase === 'post' ? ' (post step)' : '';
    if (report.failures.length > 0) {
        // The failures themselves are the first next steps: a heading holds no text a file or tool chose.
        return `go-av-guard${phase}: ${count(report.failures.length, 'problem')} to fix`;
    }
    const findings = (report.analysis?.files ?? []).flatMap((f) => ('findings' in f ? f.findings : [])).length;
    return findings > 0
        ? `go-av-guard${phase}: passed, with ${count(findings, 'finding')} to review`
        : `go-av-guard${phase}: all checks passed`;
}
/** At most this many next steps: the first few are the ones that matter. */
const NEXT_STEPS = 6;
/**
 * What to do next, most important first: each failure, then each kind of finding once (with how many
 * files it concerns), then the warnings of each section. Empty when there is nothing to do.
 */
function nextSteps(report, views = reportViews(report)) {
    const steps = report.failures.map((f) => `Fix: ${f}`);
    const reports = report.analysis?.files.filter(isPeReport) ?? [];
    for (const g of groupFindings(reports))
        steps.push(`${g.finding.title} (${count(g.files.length, 'file')}): ${g.finding.advice}`);
    // A note that repeats a failure is said once, as the failure.
    const failed = report.failures.join('\n');
    for (const view of views)
        for (const note of view.notes.filter((n) => n.level !== 'info' && !failed.includes(n.message)))
            steps.push(`${view.title}: ${note.message}`);
    const unique = [...new Set(steps)];
    return unique.length > NEXT_STEPS
        ? [...unique.slice(0, NEXT_STEPS - 1), `${unique.length - NEXT_STEPS + 1} more in the sections below.`]
        : unique;
}

;// CONCATENATED MODULE: ./src/report/summary.ts



/** GitHub refuses a job summary over 1 MiB; stay well under it and leave room for the cut note. */
const SUMMARY_LIMIT_BYTES = 1024 * 1024 - 64 * 1024;
/**
 * The job summary for one step, for a reader on GitHub: the verdict and what to do next first, an overview
 * of each capability, then one short section each with the details folded. Sections that would pass the
 * limit are left out whole (never cut in the middle of a table) and a note says where the full report is.
 */
function renderSummary(report, links = {}, limit = SUMMARY_LIMIT_BYTES) {
    const views = reportViews(report);
    const steps = nextSteps(report, views);
    const verdict = report.failures.length > 0 ? '❌' : steps.length > 0 ? '⚠️' : '✅';
    const top = [
        `<h2>${verdict} ${htmlText(headline(report))}</h2>`,
        steps.length > 0
            ? `<p><strong>What to do next</strong></p>\n<ol>\n${steps.map((s) => `<li>${proseHtml(s)}</li>`).join('\n')}\n</ol>`
            : '<p>Nothing to do.</p>',
        report.notes.length > 0
            ? `<ul>\n${report.notes.map((n) => `<li>${proseHtml(n.message)}</li>`).join('\n')}\n</ul>`
            : '',
        views.length > 0
            ? `<table>\n<tr><th>Check</th><th>Result</th></tr>\n${views
                .map((v) => `<tr><td>${v.status ? `${STATUS_ICON[v.status]} ` : ''}${htmlText(v.title)}</td><td>${proseHtml(v.lead ?? '')}</td></tr>`)
                .join('\n')}\n</table>`
            : '',
        filesLine(links),
    ]
        .filter(Boolean)
        .join('\n');
    let out = `${top}\n\n`;
    // A section that was skipped and has nothing more to show is said in full by its overview row.
    const sections = views
        .filter((v) => !(v.status === 'skipped' &&
        v.tables.every((t) => t.rows.length === 0) &&
        v.notes.every((n) => n.level === 'info')))
        .map(sectionHtml);
    for (let i = 0; i < sections.length; i++) {
        const next = `${sections[i]}\n`;
        if (Buffer.byteLength(out + next) > limit) {
            const left = sections.length - i;
            const where = links.artifact
                ? ` The full report is in the ${escapeHtml(links.artifact.name)} artifact.`
                : links.reportFile
                    ? ` The full report is in ${proseHtml(links.reportFile)}.`
                    : '';
            const cut = `\n<p>ℹ️ This summary was cut at ${Math.round(limit / 1024)} KiB: ${left} section(s) left out.${where}</p>\n`;
            return cutAtRow(out + next, limit - Buffer.byteLength(cut)) + cut;
        }
        out += next;
    }
    return out;
}
function filesLine(links) {
    if (links.artifact)
        return `<p>📦 JSON report, allowlisting files and public certificate: <a href="${escapeHtml(links.artifact.url)}">${htmlText(links.artifact.name)}</a> (workflow artifact).</p>`;
    if (links.reportFile)
        return `<p>📄 Full report: ${proseHtml(links.reportFile)}.</p>`;
    return '';
}
/** Cuts HTML at the last whole table row that fits, then closes the table (and <details>) it was in. */
function cutAtRow(html, maxBytes) {
    const fitting = Buffer.from(html)
        .subarray(0, Math.max(0, maxBytes - 64))
        .toString('utf8');
    const lastRow = fitting.lastIndexOf('</tr>');
    const lastTableEnd = fitting.lastIndexOf('</table>');
    if (lastRow < 0 || lastTableEnd > lastRow)
        return fitting.slice(0, fitting.lastIndexOf('\n') + 1);
    let cut = `${fitting.slice(0, lastRow + '</tr>'.length)}\n</table>\n`;
    const open = (tag) => cut.split(`<${tag}>`).length - cut.split(`</${tag}>`).length;
    for (let n = open('details'); n > 0; n--)
        cut += '</details>\n';
    return cut;
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/pe/headers.ts
/**
 * PE headers: DOS stub, COFF file header, optional header and section table (Microsoft PE/COFF
 * specification, "PE Format" on learn.microsoft.com). Everything is bounds-checked, so a damaged file
 * becomes one PeFormatError with a sentence a user can act on, never an exception from a Buffer read.
 */
/** A file that is not a PE image, or a damaged one. The message is meant for the user as is. */
class PeFormatError extends Error {
    constructor(message) {
        super(message);
        this.name = 'PeFormatError';
    }
}
const DIRECTORY = {
    export: 0,
    import: 1,
    resource: 2,
    exception: 3,
    security: 4,
    baseReloc: 5,
    debug: 6,
    tls: 9,
};
const hex = (n) => `0x${n.toString(16)}`;
/** Parses the headers with a few small reads; `size` is the file size, used for every bounds check. */
async function readHeaders(readAt, size) {
    if (size === 0)
        throw new PeFormatError('empty file (0 bytes): not a Windows executable');
    const dos = await readAt(0, 64);
    if (dos.length < 2 || dos[0] !== 0x4d || dos[1] !== 0x5a) {
        throw new PeFormatError(`not a PE file: no "MZ" signature at the start (starts with ${describeStart(dos)})`);
    }
    if (dos.length < 64)
        throw new PeFormatError(`truncated: ${size} bytes is too short for a DOS header (64 bytes)`);
    const peOffset = dos.readUInt32LE(0x3c);
    if (peOffset + 24 > size) {
        throw new PeFormatError(`e_lfanew (${hex(peOffset)}) points past the end of the file (${size} bytes): truncated or not a PE file`);
    }
    const coff = await readAt(peOffset, 24);
    if (coff.length < 24 || coff.readUInt32LE(0) !== 0x00004550) {
        throw new PeFormatError(`not a PE file: no "PE\\0\\0" signature at e_lfanew (${hex(peOffset)}); an MS-DOS program or a damaged file`);
    }
    const machine = coff.readUInt16LE(4);
    const sectionCount = coff.readUInt16LE(6);
    const optionalSize = coff.readUInt16LE(20);
    const optionalOffset = peOffset + 24;
    if (optionalOffset + optionalSize > size) {
        throw new PeFormatError(`truncated: the optional header (${optionalSize} bytes at ${hex(optionalOffset)}) extends past the end of the file (${size} bytes)`);
    }
    const optional = await readAt(optionalOffset, optionalSize);
    if (optional.length < 2)
        throw new PeFormatError('not a PE image: no optional header (an object file, not an executable)');
    const magic = optional.readUInt16LE(0);
    if (magic !== 0x10b && magic !== 0x20b)
        throw new PeFormatError(`not a PE image: unknown optional header magic ${hex(magic)}`);
    const format = magic === 0x20b ? 'PE32+' : 'PE32';
    const directoriesAt = format === 'PE32+' ? 112 : 96;
    if (optional.length < directoriesAt) {
        throw new PeFormatError(`damaged optional header: ${optional.length} bytes, a ${format} header needs at least ${directoriesAt}`);
    }
    const declared = optional.readUInt32LE(directoriesAt - 4);
    const directoryCount = Math.min(declared, 16, Math.floor((optional.length - directoriesAt) / 8));
    const directories = [];
    for (let i = 0; i < directoryCount; i++) {
        directories.push({
            rva: optional.readUInt32LE(directoriesAt + i * 8),
            size: optional.readUInt32LE(directoriesAt + i * 8 + 4),
        });
    }
    const tableOffset = optionalOffset + optionalSize;
    const tableSize = sectionCount * 40;
    if (tableOffset + tableSize > size) {
        throw new PeFormatError(`truncated: the section table (${sectionCount} sections at ${hex(tableOffset)}) extends past the end of the file (${size} bytes)`);
    }
    const table = await readAt(tableOffset, tableSize);
    const sections = [];
    for (let i = 0; i < sectionCount; i++) {
        const at = i * 40;
        const section = {
            name: table.toString('latin1', at, at + 8).replace(/\0.*$/s, ''),
            virtualSize: table.readUInt32LE(at + 8),
            virtualAddress: table.readUInt32LE(at + 12),
            rawSize: table.readUInt32LE(at + 16),
            rawOffset: table.readUInt32LE(at + 20),
            characteristics: table.readUInt32LE(at + 36),
        };
        if (section.rawSize > 0 && section.rawOffset + section.rawSize > size) {
            throw new PeFormatError(`truncated: section ${JSON.stringify(section.name)} (${section.rawSize} bytes at ${hex(section.rawOffset)}) extends past the end of the file (${size} bytes)`);
        }
        sections.push(section);
    }
    const headers = {
        peOffset,
        machine,
        timeDateStamp: coff.readUInt32LE(8),
        symbolTableOffset: coff.readUInt32LE(12),
        symbolCount: coff.readUInt32LE(16),
        characteristics: coff.readUInt16LE(22),
        format,
        imageBase: format === 'PE32+' ? optional.readBigUInt64LE(24) : BigInt(optional.readUInt32LE(28)),
        sizeOfHeaders: optional.readUInt32LE(60),
        checksumOffset: optionalOffset + 64,
        securityEntryOffset: optionalOffset + directoriesAt + DIRECTORY.security * 8,
        subsystem: optional.readUInt16LE(68),
        dllCharacteristics: optional.readUInt16LE(70),
        directories,
        sections,
    };
    await checkTrailingTables(headers, readAt, size);
    return headers;
}
/** The COFF symbol table (Go writes one unless -s) and the certificate table must also fit in the file. */
async function checkTrailingTables(headers, readAt, size) {
    if (headers.symbolTableOffset > 0 && headers.symbolCount > 0) {
        const stringsAt = headers.symbolTableOffset + headers.symbolCount * 18;
        if (stringsAt + 4 > size) {
            throw new PeFormatError(`truncated: the COFF symbol table (${headers.symbolCount} symbols at ${hex(headers.symbolTableOffset)}) extends past the end of the file (${size} bytes)`);
        }
        const length = (await readAt(stringsAt, 4)).readUInt32LE(0);
        if (stringsAt + length > size) {
            throw new PeFormatError(`truncated: the COFF string table (${length} bytes at ${hex(stringsAt)}) extends past the end of the file (${size} bytes)`);
        }
    }
    const security = headers.directories[DIRECTORY.security];
    if (security && security.size > 0 && security.rva + security.size > size) {
        throw new PeFormatError(`truncated: the signature (${security.size} bytes at ${hex(security.rva)}) extends past the end of the file (${size} bytes)`);
    }
}
/** The end of everything the headers account for; bytes beyond it are the overlay. */
function endOfImage(headers, stringTableLength) {
    let end = headers.sizeOfHeaders;
    for (const s of headers.sections)
        if (s.rawSize > 0)
            end = Math.max(end, s.rawOffset + s.rawSize);
    if (headers.symbolTableOffset > 0 && headers.symbolCount > 0) {
        end = Math.max(end, headers.symbolTableOffset + headers.symbolCount * 18 + stringTableLength);
    }
    const security = headers.directories[DIRECTORY.security];
    if (security && security.size > 0)
        end = Math.max(end, security.rva + security.size);
    return end;
}
/** Maps a relative virtual address to a file offset, or undefined when it has no bytes in the file. */
function rvaToOffset(headers, rva) {
    if (rva < headers.sizeOfHeaders)
        return rva;
    for (const s of headers.sections) {
        const span = Math.max(s.virtualSize, s.rawSize);
        if (rva >= s.virtualAddress && rva < s.virtualAddress + span) {
            const delta = rva - s.virtualAddress;
            return delta < s.rawSize ? s.rawOffset + delta : undefined;
        }
    }
    return undefined;
}
function describeStart(bytes) {
    if (bytes.length === 0)
        return 'nothing';
    const text = bytes.subarray(0, 16).toString('latin1');
    return /^[\x20-\x7e\t\r\n]+$/.test(text)
        ? `text ${JSON.stringify(text.trimEnd())}`
        : `bytes ${bytes.subarray(0, 4).toString('hex')}`;
}
const MACHINES = {
    0x14c: 'i386',
    0x8664: 'amd64',
    0x1c0: 'arm',
    0x1c4: 'armnt',
    0xaa64: 'arm64',
    0x200: 'ia64',
};
const SUBSYSTEMS = {
    1: 'native',
    2: 'windows-gui',
    3: 'windows-cui',
    5: 'os2-cui',
    7: 'posix-cui',
    9: 'windows-ce-gui',
    10: 'efi-application',
    11: 'efi-boot-service-driver',
    12: 'efi-runtime-driver',
    13: 'efi-rom',
    14: 'xbox',
    16: 'windows-boot-application',
};
const machineName = (m) => MACHINES[m] ?? `unknown (${hex(m)})`;
const subsystemName = (s) => SUBSYSTEMS[s] ?? `unknown (${s})`;

;// CONCATENATED MODULE: ./src/pe/authenticode.ts



/**
 * The Authenticode SHA-256 of a PE file ("Windows Authenticode Portable Executable Signature Format",
 * "Calculating the PE Image Hash"): the file hashed without its CheckSum field, the certificate table
 * entry and the certificate table itself. AppLocker file hash rules and WDAC use this, not the flat
 * SHA-256, so a hash rule written with the flat hash would never match.
 */
const CHUNK = 1 << 20;
async function authenticodeSha256(file) {
    const size = (await (0,promises_.stat)(file)).size;
    const handle = await (0,promises_.open)(file, 'r');
    try {
        const readAt = async (offset, length) => {
            const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
            return buffer.subarray(0, bytesRead);
        };
        const headers = await readHeaders(readAt, size);
        const security = headers.directories[DIRECTORY.security] ?? { rva: 0, size: 0 };
        const ranges = [
            [0, headers.checksumOffset],
            [headers.checksumOffset + 4, headers.securityEntryOffset],
            [headers.securityEntryOffset + 8, headers.sizeOfHeaders],
        ];
        let hashed = headers.sizeOfHeaders;
        const sections = headers.sections.filter((s) => s.rawSize > 0).sort((a, b) => a.rawOffset - b.rawOffset);
        for (const s of sections) {
            ranges.push([s.rawOffset, s.rawOffset + s.rawSize]);
            hashed += s.rawSize;
        }
        // Extra data after the sections (COFF symbols, padding), less the certificate table.
        const extra = size - (hashed + security.size);
        if (extra > 0)
            ranges.push([hashed, hashed + extra]);
        const hash = (0,external_node_crypto_.createHash)('sha256');
        const buffer = Buffer.alloc(CHUNK);
        for (const [from, to] of ranges) {
            for (let at = from; at < to;) {
                const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, to - at), at);
                if (bytesRead === 0)
                    break;
                hash.update(buffer.subarray(0, bytesRead));
                at += bytesRead;
            }
        }
        return hash.digest('hex');
    }
    finally {
        await handle.close();
    }
}

;// CONCATENATED MODULE: ./src/allowlist/xml.ts
/** Escapes text for an XML attribute or element (both quote kinds, so it is safe in either). */
function escapeXml(text) {
    return (text
        // Characters XML 1.0 cannot carry at all (its Char production) are dropped rather than written invalid.
        // eslint-disable-next-line no-control-regex
        .replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&apos;'));
}

;// CONCATENATED MODULE: ./src/allowlist/applocker.ts


const EVERYONE = 'S-1-1-0';
/**
 * AppLocker names a publisher by the certificate subject without CN, in O, L, S, C order and in capitals,
 * as Get-AppLockerFileInformation shows it; a certificate with no O (ephemeral, test) falls back to CN.
 */
function appLockerPublisher(parts) {
    const pick = (key) => parts.filter((p) => p.key === key).map((p) => p.value);
    const order = pick('O').length > 0 ? ['O', 'L', 'S', 'C'] : ['CN', 'L', 'S', 'C'];
    const named = order.flatMap((key) => pick(key).map((value) => ({ key, value })));
    if (named.length === 0)
        return undefined;
    return named
        .map(({ key, value }) => {
        const upper = value.toUpperCase();
        return `${key}=${/[,+"\\<>;=]/.test(upper) ? `"${upper.replace(/"/g, '""')}"` : upper}`;
    })
        .join(', ');
}
/** "CN=x, O=y, C=z" (as signing reports it) back into parts; quoted values may hold commas. */
function parseSubject(subject) {
    const parts = [];
    const pattern = /\s*([A-Za-z0-9.]+)\s*=\s*("(?:[^"]|"")*"|[^,]*)\s*(?:,|$)/g;
    for (const match of subject.matchAll(pattern)) {
        const [, key, raw] = match;
        if (!key || raw === undefined)
            continue;
        const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.trim();
        parts.push({ key: key.toUpperCase() === 'ST' ? 'S' : key.toUpperCase(), value });
    }
    return parts;
}
function formatAppLockerPolicy(rules) {
    const collections = [
        ['Exe', rules.filter((r) => !r.dll)],
        ['Dll', rules.filter((r) => r.dll)],
    ];
    const body = collections
        .filter(([, list]) => list.length > 0)
        .map(([type, list]) => `  <RuleCollection Type="${type}" EnforcementMode="NotConfigured">\n${list.map(formatRule).join('')}  </RuleCollection>\n`)
        .join('');
    return `<?xml version="1.0" encoding="utf-8"?>\n<AppLockerPolicy Version="1">\n${body}</AppLockerPolicy>\n`;
}
function formatRule(rule) {
    const a = escapeXml;
    const id = ruleId(rule);
    if (rule.kind === 'publisher') {
        return [
            `    <FilePublisherRule Id="${id}" Name="${a(rule.name)}" Description="Allow ${a(rule.binaryName)} signed by ${a(rule.publisher)} (written by go-av-guard)" UserOrGroupSid="${EVERYONE}" Action="Allow">`,
            '      <Conditions>',
            `        <FilePublisherCondition PublisherName="${a(rule.publisher)}" ProductName="${a(rule.product)}" BinaryName="${a(rule.binaryName)}">`,
            `          <BinaryVersionRange LowSection="${a(rule.lowVersion)}" HighSection="*" />`,
            '        </FilePublisherCondition>',
            '      </Conditions>',
            '    </FilePublisherRule>',
            '',
        ].join('\n');
    }
    return [
        `    <FileHashRule Id="${id}" Name="${a(rule.name)}" Description="Allow this exact build of ${a(rule.fileName)} (unsigned; written by go-av-guard)" UserOrGroupSid="${EVERYONE}" Action="Allow">`,
        '      <Conditions>',
        '        <FileHashCondition>',
        `          <FileHash Type="SHA256" Data="0x${rule.authenticodeSha256.toUpperCase()}" SourceFileName="${a(rule.fileName)}" SourceFileLength="${rule.fileLength}" />`,
        '        </FileHashCondition>',
        '      </Conditions>',
        '    </FileHashRule>',
        '',
    ].join('\n');
}
/** A GUID derived from the rule's content, so the same binaries give the same policy on every run. */
function ruleId(rule) {
    const h = (0,external_node_crypto_.createHash)('sha256').update(JSON.stringify(rule)).digest('hex');
    const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

;// CONCATENATED MODULE: ./src/allowlist/mde.ts
/**
 * Microsoft Defender for Endpoint custom indicators, CSV import (Settings > Endpoints > Indicators >
 * File hashes > Import; learn.microsoft.com/defender-endpoint/indicator-manage, "Import a list of IoCs",
 * whose sample CSV has these columns). One "Allowed" FileSha256 indicator per binary: MDE file
 * indicators match the flat SHA-256 of the file.
 */
const MDE_COLUMNS = [
    'IndicatorType',
    'IndicatorValue',
    'ExpirationTime',
    'Action',
    'Severity',
    'Title',
    'Description',
    'RecommendedActions',
    'RbacGroups',
    'Category',
    'MitreTechniques',
    'GenerateAlert',
];
function formatDefenderIndicators(rows) {
    const lines = [MDE_COLUMNS.join(',')];
    for (const row of rows) {
        const values = {
            IndicatorType: 'FileSha256',
            IndicatorValue: row.sha256.toLowerCase(),
            ExpirationTime: '',
            Action: 'Allowed',
            Severity: 'Informational',
            Title: `Allow ${row.name}`,
            Description: row.description,
            RecommendedActions: '',
            RbacGroups: '',
            Category: '',
            MitreTechniques: '',
            GenerateAlert: 'FALSE',
        };
        lines.push(MDE_COLUMNS.map((c) => csvField(values[c])).join(','));
    }
    return `${lines.join('\r\n')}\r\n`;
}
/** RFC 4180 quoting; a leading = + - @ is neutralised so a file name cannot become a spreadsheet formula. */
function csvField(value) {
    const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

;// CONCATENATED MODULE: ./src/allowlist/bitdefender.ts

/**
 * Bitdefender GravityZone antimalware exclusions of type "File hash" (Policies > Antimalware >
 * Exclusions, or Configuration profiles > Exclusions; bitdefender.com/business/support/en/77209-1180477-exclusions.html:
 * "File hash: the file with the specified hash. GravityZone supports the SHA-256 hash algorithm").
 * One row per release binary: the exclusion type, the SHA-256, the scan modules it applies to and a
 * description. This column layout is ours, built from the fields that page documents: no public Bitdefender
 * document the project found gives an import file or an API request for antimalware exclusions (the
 * documented CSV import and addToBlocklist are for the Blocklist, which blocks; createCustomRule exclusions
 * only stop EDR incidents). An administrator adds each SHA-256 as a "File hash" exclusion in the console;
 * see __tests__/fixtures/allowlist/README.md.
 */
const BITDEFENDER_COLUMNS = ['Type', 'Excluded item', 'Modules', 'Description'];
/**
 * Short forms of the scanning methods the page lists for in-policy exclusions (on-access, on-execute and
 * on-demand scanning, Advanced Threat Control); the page also lists Ransomware Mitigation, not included here.
 */
const BITDEFENDER_MODULES = ['On-access', 'On-execute', 'On-demand', 'ATC/IDS'];
function formatBitdefenderExclusions(rows) {
    const lines = [BITDEFENDER_COLUMNS.join(',')];
    for (const row of rows) {
        lines.push(['File hash', row.sha256.toLowerCase(), BITDEFENDER_MODULES.join('|'), row.description]
            .map(csvField)
            .join(','));
    }
    return `${lines.join('\r\n')}\r\n`;
}

;// CONCATENATED MODULE: ./src/allowlist/crowdstrike.ts

/**
 * CrowdStrike Falcon custom IOCs (IOC management): one `sha256` indicator per release binary with the
 * action `allow`, platform `windows`. The columns are the indicator fields of the Falcon IOC API
 * (`POST /iocs/entities/indicators/v1`: type, value, action, platforms, severity, description, filename
 * via metadata, applied_globally), as documented for PSFalcon's New-FalconIoc
 * (github.com/CrowdStrike/psfalcon/wiki/New-FalconIoc: action allow|detect|no_action|prevent|prevent_no_ui,
 * platform windows|mac|linux|...). The Falcon console's own import template is behind the support portal;
 * these are the API's public field names (see __tests__/fixtures/allowlist/README.md).
 * Severity is only meaningful for detect/prevent, so an allow indicator leaves it empty.
 */
const CROWDSTRIKE_COLUMNS = [
    'type',
    'value',
    'action',
    'platforms',
    'severity',
    'description',
    'filename',
    'applied_globally',
];
const CROWDSTRIKE_ACTIONS = (/* unused pure expression or super */ null && (['allow', 'no_action']));
function formatCrowdStrikeIocs(rows, action = 'allow') {
    const lines = [CROWDSTRIKE_COLUMNS.join(',')];
    for (const row of rows) {
        const values = {
            type: 'sha256',
            value: row.sha256.toLowerCase(),
            action,
            platforms: 'windows',
            severity: '',
            description: row.description,
            filename: row.name,
            applied_globally: 'true',
        };
        lines.push(CROWDSTRIKE_COLUMNS.map((c) => csvField(values[c])).join(','));
    }
    return `${lines.join('\r\n')}\r\n`;
}

;// CONCATENATED MODULE: ./src/allowlist/sha256sums.ts

/**
 * GNU coreutils `sha256sum` format: `<hex>  <name>` (two spaces: text mode). A name holding a backslash
 * or a newline is escaped and its line starts with a backslash, as `sha256sum` itself writes it.
 * Names are relative to the folder SHA256SUMS lives in, with forward slashes, so
 * `sha256sum -c SHA256SUMS` works when run in that folder, wherever the binaries are.
 */
function formatSha256Sums(entries, baseDir) {
    return entries
        .map(({ path: file, sha256 }) => {
        let name = external_node_path_default().relative(baseDir, file);
        // Another drive on Windows has no relative path: keep it absolute.
        if (external_node_path_default().isAbsolute(name) || name === '')
            name = external_node_path_default().resolve(file);
        name = name.split((external_node_path_default()).sep).join('/');
        const escaped = /[\\\n\r]/.test(name);
        const written = escaped
            ? name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
            : name;
        return `${escaped ? '\\' : ''}${sha256.toLowerCase()}  ${written}\n`;
    })
        .join('');
}

;// CONCATENATED MODULE: ./src/allowlist/index.ts










/** File names inside the allowlist folder. */
const ALLOWLIST_FILES = {
    sha256sums: 'SHA256SUMS',
    applocker: 'applocker-policy.xml',
    defenderIndicators: 'defender-indicators.csv',
    crowdstrike: 'crowdstrike-iocs.csv',
    bitdefender: 'bitdefender-exclusions.csv',
};
/**
 * Writes what IT departments need to allowlist the release binaries, into ctx.dir:
 * - SHA256SUMS, names relative to ctx.dir (so `sha256sum -c SHA256SUMS` passes when run there);
 * - applocker-policy.xml: publisher rules for signed binaries, Authenticode hash rules for unsigned ones;
 * - defender-indicators.csv: Defender for Endpoint "Allowed" file-hash indicators;
 * - crowdstrike-iocs.csv: CrowdStrike Falcon custom IOCs (sha256, allow, windows);
 * - bitdefender-exclusions.csv: Bitdefender GravityZone file-hash exclusions.
 * Returns the paths written and the hashes as plain data (the `hashes` output).
 */
async function writeAllowlist(files, ctx) {
    await (0,promises_.mkdir)(ctx.dir, { recursive: true });
    const certificateParts = ctx.signing?.certificate
        ? parseSubject(ctx.signing.certificate.subject)
        : undefined;
    const hashes = [];
    const rules = [];
    for (const file of files) {
        const name = external_node_path_default().basename(file.path);
        hashes.push({ path: file.path, name, sha256: file.sha256 });
        const version = file.resources.version ?? {};
        const publisher = file.signature.present
            ? appLockerPublisher(file.signature.signerParts ??
                (file.signature.signer ? parseSubject(file.signature.signer) : (certificateParts ?? [])))
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
        }
        else {
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
    const crowdstrike = external_node_path_default().join(ctx.dir, ALLOWLIST_FILES.crowdstrike);
    const bitdefender = external_node_path_default().join(ctx.dir, ALLOWLIST_FILES.bitdefender);
    const written = {
        sha256sums: external_node_path_default().join(ctx.dir, ALLOWLIST_FILES.sha256sums),
        applocker: external_node_path_default().join(ctx.dir, ALLOWLIST_FILES.applocker),
        defenderIndicators: external_node_path_default().join(ctx.dir, ALLOWLIST_FILES.defenderIndicators),
        crowdstrike,
        bitdefender,
        hashes,
    };
    await (0,promises_.writeFile)(written.sha256sums, formatSha256Sums(files, ctx.dir));
    await (0,promises_.writeFile)(written.applocker, formatAppLockerPolicy(rules));
    const rows = files.map((f) => {
        const version = f.resources.version ?? {};
        const what = [version.ProductName, version.FileVersion ?? f.goBuildInfo?.mainVersion]
            .filter(Boolean)
            .join(' ');
        const name = external_node_path_default().basename(f.path);
        return {
            sha256: f.sha256,
            name,
            description: `Release binary ${name}${what ? ` (${what})` : ''}, SHA-256 ${f.sha256}`,
        };
    });
    await (0,promises_.writeFile)(written.defenderIndicators, formatDefenderIndicators(rows));
    await (0,promises_.writeFile)(crowdstrike, formatCrowdStrikeIocs(rows));
    await (0,promises_.writeFile)(bitdefender, formatBitdefenderExclusions(rows));
    return written;
}

// EXTERNAL MODULE: ./src/platform/powershell.ts
var platform_powershell = __webpack_require__(1022);
// EXTERNAL MODULE: ./src/platform/psjson.ts
var psjson = __webpack_require__(1796);
// EXTERNAL MODULE: ./src/report/note.ts
var note = __webpack_require__(1860);
// EXTERNAL MODULE: ./src/defender/paths.ts
var paths = __webpack_require__(9599);
// EXTERNAL MODULE: ./src/defender/plan.ts
var defender_plan = __webpack_require__(3568);
// EXTERNAL MODULE: ./src/defender/psfragments.ts
var psfragments = __webpack_require__(2437);
// EXTERNAL MODULE: ./src/defender/readback.ts
var readback = __webpack_require__(4000);
;// CONCATENATED MODULE: ./src/defender/apply.ts







/**
 * One PowerShell start: add each missing entry, then read the lists back. With hidden lists, each path is
 * asked about with MpCmdRun -CheckExclusion before (already excluded: leave it) and after (did it stick?).
 * Every entry it adds, and every present one another live go-av-guard job added (Claims), is recorded
 * with this job as an owner in the machine-wide record (see PS_OWNER_RECORD).
 * Input: { Entries: [{ Kind: 'path'|'process', Value }], Hidden: bool, Owner: { Job, Pid }, Claims: [{ Kind, Value }] }.
 */
const APPLY_EXCLUSIONS_SCRIPT = psfragments/* PS_ERROR_INFO */.it +
    psfragments/* PS_MPCMDRUN */.Jm +
    psfragments/* PS_OWNER_RECORD */.iY +
    String.raw `
$mp = if ($In.Hidden) { Find-MpCmdRun } else { $null }
$record = Open-OwnerRecord
try {
  Invoke-OwnerReap $record
  $me = New-Owner $In.Owner
  # Exclusions another live go-av-guard job added and this one needs too: share them, so neither post
  # step removes what the other still uses.
  $claimed = @(foreach ($c in @($In.Claims)) {
    $entry = Find-OwnedEntry $record ([string]$c.Kind) ([string]$c.Value)
    if (-not $entry) { continue }
    $entry.Owners = @(@($entry.Owners | Where-Object { $_.Job -ne $me.Job }) + $me)
    [ordered]@{ Kind = $entry.Kind; Value = $entry.Value; Owners = @($entry.Owners | ForEach-Object { $_.Job }) }
  })
  $results = @(foreach ($e in @($In.Entries)) {
    $r = [ordered]@{ Kind = [string]$e.Kind; Value = [string]$e.Value }
    if ($In.Hidden -and $r.Kind -eq 'path') {
      $r.Before = Test-MpExclusion $mp $r.Value
      if ($r.Before -and $r.Before.Output -match 'is excluded' -and $r.Before.Output -notmatch 'is not excluded') { $r; continue }
    }
    try {
      if ($r.Kind -eq 'path') { Add-MpPreference -ExclusionPath $r.Value -Force }
      else { Add-MpPreference -ExclusionProcess $r.Value -Force }
      $r.Called = $true
    } catch { $r.Error = Get-ErrorInfo $_ }
    # Only an entry known to be new is this job's to own (lists read, or MpCmdRun said "not excluded").
    $known = -not $In.Hidden -or ($r.Before -and $r.Before.ExitCode -eq 0 -and $r.Before.Output -match 'is not excluded')
    if ($r.Called -and $known) {
      $entry = Find-OwnedEntry $record $r.Kind $r.Value
      if ($entry) { $entry.Owners = @(@($entry.Owners | Where-Object { $_.Job -ne $me.Job }) + $me) }
      else { $record.Entries += [ordered]@{ Kind = $r.Kind; Value = $r.Value; Owners = @($me) } }
    }
    $r
  })
} finally { Close-OwnerRecord $record }
$out = [ordered]@{ Results = $results; MpCmdRun = $mp; Claimed = $claimed; Reaped = $record.Reaped }` +
    psfragments/* PS_READ_EXCLUSIONS */.tT +
    String.raw `if ($In.Hidden) {
  foreach ($r in $results) { if ($r.Called -and $r.Kind -eq 'path') { $r.After = Test-MpExclusion $mp $r.Value } }
}
$out
`;
/**
 * Plans the job's exclusions and, unless dry-run, adds the missing ones and verifies each. Records in
 * state exactly the entries added and verified, so the post step removes those and nothing else.
 */
async function guardExclusions(config, doctor, ctx, deps) {
    const report = {
        mode: config.mode,
        dryRun: config.dryRun,
        planned: [],
        added: [],
        notApplied: [],
        notes: [],
    };
    if (config.mode === 'false')
        return { ...report, skipped: 'exclusions is false' };
    if (doctor.platform !== 'win32') {
        const skipped = 'Defender exclusions apply to Windows only';
        return { ...report, skipped, notes: [(0,note/* info */.pq)(`${skipped}; nothing to do on ${doctor.platform}.`)] };
    }
    const go = doctor.go.found ? doctor.go.env : undefined;
    if (!go)
        report.notes.push((0,note/* warning */.$e)('Go was not found, so only the workspace, the Go temp dir and the extra paths can be excluded.'));
    // Later steps get GOTMPDIR pointed here, unless the user already chose one.
    if (!go?.gotmpdir)
        report.gotmpdir = ctx.goTmpDir;
    const defender = doctor.defender;
    const current = defender?.exclusions ?? { paths: [], processes: [], extensions: [], hidden: false };
    const plan = (0,defender_plan/* planExclusions */.Zj)((0,defender_plan/* wantedExclusions */.jI)(go, config, ctx), current, defender, config.mode, doctor.elevated);
    report.planned = plan.planned;
    report.notes.push(...plan.notes);
    if (plan.skipped)
        report.skipped = plan.skipped;
    if (plan.failure)
        report.failure = plan.failure;
    if (plan.skipped || plan.failure)
        return report;
    report.notApplied.push(...plan.held);
    const held = new Set(plan.held.map((h) => `${h.kind}|${h.value}`));
    const toAdd = plan.planned.filter((p) => p.action === 'add' && !held.has(`${p.kind}|${p.value}`));
    if (config.dryRun) {
        report.notes.push((0,note/* info */.pq)(`Dry run: ${toAdd.length} exclusion(s) would be added; nothing was changed.`));
        return report;
    }
    // Present verbatim: maybe added by another go-av-guard job still running here; if so, share it.
    const claims = plan.planned.filter((p) => p.action === 'present');
    if (toAdd.length === 0 && claims.length === 0)
        return failIfStrict(report, held);
    const previous = (0,readback/* recordedExclusions */.cv)(deps.state);
    const unrecorded = (entries) => entries.filter((a) => !previous.some((p) => p.kind === a.kind && p.value === a.value));
    // With the lists readable, every entry to add is known to be absent now: record it before the call, so
    // a PowerShell start killed half-way still leaves the post step the entries to remove.
    if (!current.hidden)
        (0,readback/* recordExclusions */.ps)(deps.state, [...previous, ...unrecorded(toAdd.map(asWanted))]);
    const owner = (0,readback/* exclusionOwner */.CL)(deps.state, deps.env, ctx.runnerPid ?? process.ppid);
    let raw;
    try {
        raw = await (0,platform_powershell/* runPowerShell */.N5)(deps.run, APPLY_EXCLUSIONS_SCRIPT, {
            Entries: toAdd.map((p) => ({ Kind: p.kind, Value: p.value })),
            Hidden: current.hidden,
            Owner: { Job: owner.job, Pid: owner.pid },
            Claims: claims.map((p) => ({ Kind: p.kind, Value: p.value })),
        });
    }
    catch (error) {
        const after = current.hidden ? '' : '; the post step removes any that did get added';
        const reason = `adding exclusions failed: ${error instanceof Error ? error.message : String(error)}${after}`;
        report.notApplied.push(...toAdd.map((p) => ({ kind: p.kind, value: p.value, reason })));
        return failIfStrict(report, held);
    }
    const data = (raw ?? {});
    const readBack = (0,readback/* parseReadBack */.F7)(data);
    const results = (0,psjson/* asArray */._j)(data.Results);
    for (const wanted of toAdd) {
        const result = (0,readback/* resultFor */.T2)(results, wanted);
        const outcome = judge(wanted, result, readBack, current.hidden);
        if (outcome === 'verified')
            report.added.push({ kind: wanted.kind, value: wanted.value, reason: wanted.reason });
        // Found excluded by MpCmdRun before the change: show it as covered in the plan, never record it.
        else if (outcome === 'already')
            Object.assign(wanted, {
                action: 'covered',
                coveredBy: 'an existing exclusion (hidden; MpCmdRun -CheckExclusion)',
            });
        else
            report.notApplied.push({ kind: wanted.kind, value: wanted.value, reason: outcome.reason });
    }
    // Shared with another live job: this job's post step gives up its share (and removes the entry if it
    // is the last one needing it).
    const shared = (0,psjson/* asArray */._j)(data.Claimed).flatMap((c) => {
        const claim = claims.find((p) => p.kind === (0,psjson/* asString */.oJ)(c.Kind) && p.value === (0,psjson/* asString */.oJ)(c.Value));
        return claim ? [asWanted(claim)] : [];
    });
    if (shared.length > 0)
        report.notes.push((0,note/* info */.pq)(`Sharing ${shared.length} exclusion(s) another go-av-guard job on this machine added: ${shared.map((e) => e.value).join('; ')}; the last job to finish removes them.`));
    const reaped = (0,psjson/* asArray */._j)(data.Reaped);
    if (reaped.length > 0)
        report.notes.push((0,note/* info */.pq)(`Removed ${reaped.length} exclusion(s) left by go-av-guard jobs whose runner is gone: ${reaped.map((r) => (0,psjson/* asString */.oJ)(r.Value)).join('; ')}.`));
    // Now the facts are known: exactly the verified additions (and the shares) stay recorded.
    (0,readback/* recordExclusions */.ps)(deps.state, [...previous, ...unrecorded([...report.added, ...shared])]);
    if (report.added.length > 0) {
        const after = config.restore ? 'the post step removes them' : 'they stay after the job (restore: false)';
        report.notes.push((0,note/* info */.pq)(`Added ${report.added.length} Defender exclusion(s), each verified after the change; ${after}.`));
    }
    if (readBack.error && !current.hidden)
        report.notes.push((0,note/* warning */.$e)(`Reading the exclusions back failed: ${readBack.error}`));
    return failIfStrict(report, held);
}
function asWanted(p) {
    return { kind: p.kind, value: p.value, reason: p.reason };
}
/**
 * Is `folder` excluded once this report's changes are made: already there, covered by a parent (C:\ on
 * hosted runners), or added and verified? Decides whether later steps may point GOTMPDIR at it.
 */
function folderExcludedAfter(report, folder) {
    const same = (value) => (0,paths/* normalizeWindowsPath */.U8)(value) === (0,paths/* normalizeWindowsPath */.U8)(folder);
    if (report.added.some((a) => a.kind === 'path' && same(a.value)))
        return true;
    return report.planned.some((p) => p.kind === 'path' && same(p.value) && (p.action === 'present' || p.action === 'covered'));
}
/** Did one entry take effect? Tamper protection can accept the call and change nothing: only a read-back counts. */
function judge(wanted, result, readBack, hidden) {
    if (!result)
        return { reason: 'the PowerShell script did not report on this entry' };
    if ((0,readback/* parseCheckExclusion */.k1)(result.Before) === true && !result.Called)
        return 'already';
    const error = (0,readback/* describeDefenderError */.NB)(result.Error);
    if (error)
        return { reason: `Add-MpPreference failed: ${error}` };
    // With the lists unknown, only MpCmdRun saying "not excluded" before the change proves this run added
    // the entry; anything less could be a pre-existing one, which the post step must never remove.
    const provenNew = !hidden || (0,readback/* parseCheckExclusion */.k1)(result.Before) === false;
    const inEffect = (0,readback/* readBackHas */.Gn)(readBack, wanted) || (0,readback/* parseCheckExclusion */.k1)(result.After) === true;
    if (inEffect && provenNew)
        return 'verified';
    if (inEffect) {
        return {
            reason: 'in effect, but exclusions are hidden and MpCmdRun gave no answer before the change, so it may have existed already; left in place after the job rather than risk removing a pre-existing entry',
        };
    }
    const after = (0,readback/* parseCheckExclusion */.k1)(result.After);
    if (after === false)
        return {
            reason: 'MpCmdRun -CheckExclusion says the path is still not excluded after Add-MpPreference succeeded (tamper protection or policy?)',
        };
    if (hidden || readBack.hidden) {
        return {
            reason: 'added, but it could not be verified (exclusions are hidden and MpCmdRun.exe gave no answer); not recorded for removal',
        };
    }
    if (readBack.error)
        return {
            reason: `added, but reading the exclusions back failed: ${readBack.error}; not recorded for removal`,
        };
    return {
        reason: 'Add-MpPreference reported success but the exclusion is not there when read back (tamper protection or a policy ignored the change)',
    };
}
/** Entries held back on purpose (hidden process exclusions) are reported but never fail the step. */
function failIfStrict(report, held) {
    const failed = report.notApplied.filter((n) => !held.has(`${n.kind}|${n.value}`));
    if (failed.length === 0)
        return report;
    const list = failed.map((n) => `${n.value} (${n.reason})`).join('; ');
    if (report.mode === 'true')
        report.failure = `exclusions: true, but ${failed.length} exclusion(s) did not take effect: ${list}`;
    else
        report.notes.push((0,note/* warning */.$e)(`${failed.length} Defender exclusion(s) did not take effect: ${list}`));
    return report;
}

// EXTERNAL MODULE: ./src/defender/status.ts
var defender_status = __webpack_require__(909);
;// CONCATENATED MODULE: ./src/defender/scanoutput.ts
/**
 * What `MpCmdRun.exe -Scan -ScanType 3 -File <f> -DisableRemediation` printed, as a verdict:
 *   "Scanning <f> found no threats."                      -> clean (exit 0)
 *   "Scanning <f> found N threats." + a threat list with "Threat : <name>" lines -> detected (exit 2)
 *   "CmdTool: Failed with hr = 0x........"                -> error
 * On localized Windows the text is not read: exit 0 is clean, anything else without a verdict an error.
 */
function parseScanOutput(output, exitCode) {
    const text = output.replace(/\r\n/g, '\n');
    const found = /found (\d+) threats?/i.exec(text);
    const threats = [...text.matchAll(/^\s*Threat\s*:\s*(.+?)\s*$/gim)].map((m) => m[1]);
    if ((found && Number(found[1]) > 0) || threats.length > 0) {
        const names = [...new Set(threats)];
        return {
            status: 'detected',
            ...(names.length ? { threatName: names.join(', ') } : {}),
            detail: `MpCmdRun found ${found?.[1] ?? names.length} threat(s)`,
        };
    }
    const hr = /Failed with hr = (0x[0-9a-f]{8})/i.exec(text)?.[1];
    if (hr)
        return { status: 'error', detail: `MpCmdRun failed with ${hr.toLowerCase()}${describeHr(hr)}` };
    // Exit 0 means no threats in every language; 2 is shared by "threats found" and errors, so without
    // a verdict line it stays an error (unknown), never a guess.
    if (exitCode === 0)
        return { status: 'clean' };
    if (/found no threats/i.test(text) && exitCode === null)
        return { status: 'clean' };
    const last = text.trim().split('\n').slice(-2).join(' | ');
    return {
        status: 'error',
        detail: `MpCmdRun exited with code ${exitCode ?? 'none'} without a verdict${last ? `: ${last}` : ''}`,
    };
}
const KNOWN_HR = {
    '0x80070002': 'the file was not found (removed before the scan?)',
    '0x80070005': 'access denied',
    '0x800106ba': 'the Defender service is not running or another product replaced it',
    '0x80508023': 'the engine could not find the file',
};
function describeHr(hr) {
    const known = KNOWN_HR[hr.toLowerCase()];
    return known ? ` (${known})` : '';
}

;// CONCATENATED MODULE: ./src/defender/scan.ts










/**
 * One PowerShell start. Creates the candidate folders in order until MpCmdRun -CheckExclusion says one is
 * not excluded; copies each file there, asks again about the copy itself (extension exclusions), scans it
 * with -DisableRemediation (no quarantine, no event), and removes every copy and folder it created.
 * Input: { Folders: [path, ...], Files: [path, ...] }.
 */
const SCAN_ARTIFACTS_SCRIPT = psfragments/* PS_ERROR_INFO */.it +
    psfragments/* PS_MPCMDRUN */.Jm +
    String.raw `
$mp = Find-MpCmdRun
$out = [ordered]@{ MpCmdRun = $mp; Folder = $null; AllExcluded = $false; Folders = @(); Files = @() }
if (-not $mp) { return $out }
$created = @()
foreach ($candidate in @($In.Folders)) {
  $entry = [ordered]@{ Path = [string]$candidate }
  try {
    $null = New-Item -ItemType Directory -Path $entry.Path -Force
    $created += $entry.Path
    $entry.Check = Test-MpExclusion $mp $entry.Path
  } catch { $entry.Error = Get-ErrorInfo $_ }
  $out.Folders += $entry
  if ($entry.Check -and $entry.Check.Output -match 'is not excluded') { $out.Folder = $entry.Path; break }
}
if (-not $out.Folder -and $created.Count -gt 0) { $out.Folder = $created[0]; $out.AllExcluded = $true }
if ($out.Folder) {
  $i = 0
  foreach ($file in @($In.Files)) {
    $f = [ordered]@{ Source = [string]$file }
    $f.Copy = Join-Path $out.Folder ('{0}-{1}' -f $i, (Split-Path -Path $f.Source -Leaf))
    $i++
    try {
      Copy-Item -LiteralPath $f.Source -Destination $f.Copy -Force
      $f.Present = Test-Path -LiteralPath $f.Copy
      if ($f.Present) {
        $f.Check = Test-MpExclusion $mp $f.Copy
        $f.Scan = Invoke-MpCmdRun $mp @('-Scan', '-ScanType', '3', '-File', $f.Copy, '-DisableRemediation')
      }
    } catch { $f.Error = Get-ErrorInfo $_ }
    if (Test-Path -LiteralPath $f.Copy) {
      try { Remove-Item -LiteralPath $f.Copy -Force } catch { $f.RemoveError = Get-ErrorInfo $_ }
    }
    $out.Files += $f
  }
}
foreach ($dir in $created) {
  try { Remove-Item -LiteralPath $dir -Recurse -Force } catch { $out.FolderRemoveError = Get-ErrorInfo $_ }
}
$out
`;
const win = (external_node_path_default()).win32;
/**
 * Scans copies of the files this run signed or analysed with the local Defender engine, in a folder no
 * exclusion covers (asked of MpCmdRun, not assumed), and says what such a scan cannot see.
 */
async function scanArtifacts(files, mode, doctor, ctx, deps) {
    const report = { performed: false, limits: [], files: [] };
    const notPerformed = (reason) => notPerformedReport(report, reason, mode);
    if (mode === 'false')
        return { ...report, reason: 'scan is false' };
    if (deps.platform !== 'win32')
        return {
            ...report,
            reason: `the Defender artifact scan runs on Windows only (this is ${deps.platform})`,
        };
    if (files.length === 0)
        return { ...report, reason: 'no files were signed or analysed by this run' };
    const defender = doctor.defender;
    if (!defender?.available) {
        return notPerformed(`${(0,defender_status/* defenderDidNotAnswer */.et)(defender)}, so its engine cannot scan here`);
    }
    const folders = candidateFolders(ctx.tempDir, deps.env, defender.exclusions.paths);
    let data;
    try {
        data = ((await (0,platform_powershell/* runPowerShell */.N5)(deps.run, SCAN_ARTIFACTS_SCRIPT, { Folders: folders, Files: files }, { timeoutMs: 600_000 })) ?? {});
    }
    catch (error) {
        return notPerformed(`the scan could not run: ${error instanceof Error ? error.message : String(error)}`);
    }
    return readScanReply(files, data, doctor, mode);
}
function notPerformedReport(report, reason, mode) {
    return { ...report, reason, ...(mode === 'true' ? { failure: `scan: true, but ${reason}` } : {}) };
}
/** The scan script's reply as a report: which folder was used, and a verdict per file. */
function readScanReply(files, data, doctor, mode = 'auto') {
    const defender = doctor.defender;
    const report = { performed: false, limits: [], files: [] };
    if (defender?.engineVersion)
        report.engineVersion = defender.engineVersion;
    if (defender?.signatureVersion)
        report.signatureVersion = defender.signatureVersion;
    const notPerformed = (reason) => notPerformedReport(report, reason, mode);
    if (!(0,psjson/* asString */.oJ)(data.MpCmdRun))
        return notPerformed('MpCmdRun.exe was found neither under the Defender platform folder nor in Program Files');
    const folder = (0,psjson/* asString */.oJ)(data.Folder);
    if (!folder) {
        const why = (0,psjson/* asArray */._j)(data.Folders)
            .map((f) => `${(0,psjson/* asString */.oJ)(f.Path)}: ${(0,readback/* describeDefenderError */.NB)(f.Error) ?? 'not created'}`)
            .join('; ');
        return notPerformed(`no folder for the copies could be created (${why})`);
    }
    report.performed = true;
    report.folder = folder;
    report.limits.push(...limitsOf(doctor, data.AllExcluded === true, folder));
    const results = (0,psjson/* asArray */._j)(data.Files);
    report.files = files.map((file) => judgeFile(file, results.find((r) => (0,psjson/* asString */.oJ)(r.Source) === file)));
    const leftovers = [
        ...results
            .filter((r) => r.RemoveError)
            .map((r) => `${(0,psjson/* asString */.oJ)(r.Copy)}: ${(0,readback/* describeDefenderError */.NB)(r.RemoveError)}`),
        ...(data.FolderRemoveError ? [`${folder}: ${(0,readback/* describeDefenderError */.NB)(data.FolderRemoveError)}`] : []),
    ];
    if (leftovers.length)
        report.limits.push(`Some scan copies could not be removed; delete them by hand: ${leftovers.join('; ')}`);
    return report;
}
/**
 * Fresh folders to scan in, those no visible exclusion covers first: this run's temp dir, %TEMP%, and the
 * system drive's ProgramData. The script still asks MpCmdRun about each, since lists can be hidden.
 */
function candidateFolders(tempDir, env, exclusions) {
    const name = `go-av-guard-scan-${(0,external_node_crypto_.randomUUID)().slice(0, 8)}`;
    const bases = [
        tempDir,
        env.TEMP ?? env.TMP,
        env.ProgramData ?? env.PROGRAMDATA ?? `${env.SystemDrive ?? 'C:'}\\ProgramData`,
    ];
    const folders = [
        ...new Set(bases.filter((b) => !!b && /^[a-z]:\\|^\\\\/i.test(b)).map((b) => win.join(b, name))),
    ];
    const covered = (f) => exclusions.some((e) => (0,defender_plan/* pathExclusionCovers */.Kt)(e, f));
    return [...folders.filter((f) => !covered(f)), ...folders.filter(covered)];
}
function limitsOf(doctor, allExcluded, folder) {
    const defender = doctor.defender;
    const limits = [];
    const versions = [
        defender?.engineVersion && `engine ${defender.engineVersion}`,
        defender?.signatureVersion && `signatures ${defender.signatureVersion}`,
    ]
        .filter(Boolean)
        .join(', ');
    limits.push(`Local scan only${versions ? ` (${versions})` : ''}: users with newer signatures may see a different verdict.`);
    if (defender?.cloudProtection === false) {
        limits.push('Cloud-delivered protection (MAPS) is off here: no cloud verdicts, so the machine-learning "!ml" detections users with cloud protection may get cannot show up.');
    }
    else if (defender?.cloudProtection === undefined) {
        limits.push('Whether cloud-delivered protection is on is unknown: "!ml" cloud verdicts may be missing.');
    }
    if (allExcluded) {
        limits.push(`Every candidate folder is excluded from Defender (on GitHub-hosted runners C:\\ and D:\\ are); the copies were scanned in ${folder} anyway, ` +
            'relying on -DisableRemediation, which MpCmdRun documents as ignoring file exclusions. A "clean" here is weaker evidence than on a machine without drive exclusions.');
    }
    return limits;
}
function judgeFile(file, r) {
    if (!r)
        return { path: file, status: 'not-scanned', detail: 'the scan script did not report on this file' };
    const error = (0,readback/* describeDefenderError */.NB)(r.Error);
    if (error) {
        // Writing the copy can itself trip real-time protection: that is a verdict, not a failure. The
        // HRESULT (ERROR_VIRUS_INFECTED / _DELETED) reads the same in every language; the English text is a
        // second chance for errors that carry no code.
        const code = (0,defender_status/* errorInfo */.fH)(r.Error)?.code;
        if (code === '0x800700e1' || code === '0x800700e2' || /virus|potentially unwanted/i.test(error))
            return { path: file, status: 'detected', detail: `writing the copy was blocked: ${error}` };
        return { path: file, status: 'error', detail: error };
    }
    if (r.Present === false) {
        return {
            path: file,
            status: 'not-scanned',
            detail: 'the copy vanished right after it was written: real-time protection probably removed it (see the detections)',
        };
    }
    const scan = (r.Scan ?? {});
    const exitCode = typeof scan.ExitCode === 'number' ? scan.ExitCode : null;
    const verdict = parseScanOutput((0,psjson/* asString */.oJ)(scan.Output) ?? '', exitCode);
    const excluded = (0,readback/* parseCheckExclusion */.k1)(r.Check) === true;
    const note = excluded
        ? 'the copy itself is excluded (an extension or path exclusion); -DisableRemediation scans it regardless'
        : undefined;
    const detail = [verdict.detail, note].filter(Boolean).join('; ');
    return { path: file, ...verdict, ...(detail ? { detail } : {}) };
}

;// CONCATENATED MODULE: ./src/defender/fleet.ts


/**
 * The exclusions a Go job wants, as files an administrator deploys once to a fleet of self-hosted
 * runners instead of the action adding them per job:
 *
 * - a .reg file with the keys the Group Policy setting "Path Exclusions" / "Process Exclusions"
 *   (WindowsDefender.admx, Exclusions_Paths / Exclusions_Processes) writes: a DWORD 1 that turns the
 *   policy on under `HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\Exclusions`, and one value per
 *   path under `...\Exclusions\Paths` and `...\Exclusions\Processes`. The ADMX `list` element writes
 *   REG_SZ values whose name is the path; the policy text says "The value is not used and it is
 *   recommended that this be set to 0", so each is the string "0". (Defender's own, non-policy list under
 *   HKLM\SOFTWARE\Microsoft\Windows Defender\Exclusions uses REG_DWORD 0; the policy key does not.)
 * - Intune custom OMA-URI settings for the Policy CSP (learn.microsoft.com, "Policy CSP - Defender"):
 *   ./Vendor/MSFT/Policy/Config/Defender/ExcludedPaths and ExcludedProcesses, strings whose entries are
 *   separated by "|" ("C:\Example|C:\Example1" in the CSP documentation).
 */
const POLICY_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Exclusions';
const CSP_PATHS = './Vendor/MSFT/Policy/Config/Defender/ExcludedPaths';
const CSP_PROCESSES = './Vendor/MSFT/Policy/Config/Defender/ExcludedProcesses';
const FLEET_FILES = {
    reg: 'defender-exclusions.reg',
    intune: 'defender-exclusions-intune.json',
};
/** A .reg string: backslash and double quote escaped, as regedit exports them. */
function regString(value) {
    return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
/**
 * The .reg text (REGEDIT5: "Windows Registry Editor Version 5.00", CRLF lines). Written as UTF-16LE with
 * a BOM by writeFleetPolicy, as regedit exports, so any Unicode path survives.
 */
function formatPolicyReg(paths, processes) {
    const lines = ['Windows Registry Editor Version 5.00', '', `[${POLICY_KEY}]`];
    if (paths.length > 0)
        lines.push('"Exclusions_Paths"=dword:00000001');
    if (processes.length > 0)
        lines.push('"Exclusions_Processes"=dword:00000001');
    for (const [sub, values] of [
        ['Paths', paths],
        ['Processes', processes],
    ]) {
        if (values.length === 0)
            continue;
        lines.push('', `[${POLICY_KEY}\\${sub}]`, ...values.map((v) => `${regString(v)}="0"`));
    }
    return `${lines.join('\r\n')}\r\n`;
}
/** Intune "Custom" profile settings (OMA-URI, String), one per CSP node. */
function intuneSettings(paths, processes) {
    const settings = [];
    if (paths.length > 0)
        settings.push({
            name: 'Defender ExcludedPaths (go-av-guard)',
            description: 'Folders Go builds write and run from: GOROOT, GOPATH\\bin, GOMODCACHE, GOCACHE, work dirs',
            omaUri: CSP_PATHS,
            dataType: 'String',
            value: paths.join('|'),
        });
    if (processes.length > 0)
        settings.push({
            name: 'Defender ExcludedProcesses (go-av-guard)',
            description: 'The Go toolchain binaries, by full path: files they open are not scanned in real time',
            omaUri: CSP_PROCESSES,
            dataType: 'String',
            value: processes.join('|'),
        });
    return settings;
}
/** Writes both files into `dir` and says what they hold. */
async function writeFleetPolicy(dir, wanted) {
    const skipped = [];
    const usable = (w) => {
        // A .reg value name cannot hold a line break, and "|" separates CSP entries.
        if (/[\r\n|]/.test(w.value)) {
            skipped.push({ value: w.value, reason: 'a line break or "|" cannot be written into a policy' });
            return false;
        }
        return true;
    };
    const paths = wanted.filter((w) => w.kind === 'path' && usable(w)).map((w) => w.value);
    const processes = wanted.filter((w) => w.kind === 'process' && usable(w)).map((w) => w.value);
    await (0,promises_.mkdir)(dir, { recursive: true });
    const files = { reg: external_node_path_default().join(dir, FLEET_FILES.reg), intune: external_node_path_default().join(dir, FLEET_FILES.intune) };
    const reg = formatPolicyReg(paths, processes);
    await (0,promises_.writeFile)(files.reg, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(reg, 'utf16le')]));
    await (0,promises_.writeFile)(files.intune, `${JSON.stringify(intuneSettings(paths, processes), null, 2)}\n`);
    return { ...files, paths, processes, skipped };
}

;// CONCATENATED MODULE: ./src/defender/restore.ts




/**
 * Removes each entry this run added that no other live go-av-guard job on the machine still needs (the
 * machine-wide record, PS_OWNER_RECORD), then reads the lists back.
 * Input: { Entries: [{ Kind: 'path'|'process', Value }], Owner: { Job } }.
 */
const RESTORE_EXCLUSIONS_SCRIPT = psfragments/* PS_ERROR_INFO */.it +
    psfragments/* PS_OWNER_RECORD */.iY +
    String.raw `
$record = Open-OwnerRecord
try {
  Invoke-OwnerReap $record
  $results = @(foreach ($e in @($In.Entries)) {
    $r = [ordered]@{ Kind = [string]$e.Kind; Value = [string]$e.Value }
    $entry = Find-OwnedEntry $record $r.Kind $r.Value
    if ($entry) {
      $entry.Owners = @($entry.Owners | Where-Object { $_.Job -ne [string]$In.Owner.Job })
      $others = @($entry.Owners | ForEach-Object { [string]$_.Job })
      # Another live job still needs it: that job's post step removes it.
      if ($others.Count -gt 0) { $r.KeptFor = $others; $r; continue }
    }
    try {
      Remove-Exclusion $r.Kind $r.Value
      $r.Called = $true
    } catch { $r.Error = Get-ErrorInfo $_ }
    $r
  })
} finally { Close-OwnerRecord $record }
$out = [ordered]@{ Results = $results; Reaped = $record.Reaped }` +
    psfragments/* PS_READ_EXCLUSIONS */.tT +
    String.raw `$out
`;
/**
 * Post step: removes exactly the exclusions the main step recorded, never one that was there before.
 * Never throws: every problem becomes a failed entry, which the post step shows as a warning.
 */
async function restore_restoreExclusions(deps) {
    const entries = recordedExclusions(deps.state);
    const restore = { removed: [], failed: [] };
    if (entries.length === 0)
        return restore;
    if (deps.platform !== 'win32') {
        restore.failed = entries.map((e) => ({
            ...e,
            reason: `cannot remove a Defender exclusion on ${deps.platform}`,
        }));
        return restore;
    }
    let data;
    try {
        const owner = exclusionOwner(deps.state, deps.env, process.ppid);
        const raw = await runPowerShell(deps.run, RESTORE_EXCLUSIONS_SCRIPT, {
            Entries: entries.map((e) => ({ Kind: e.kind, Value: e.value })),
            Owner: { Job: owner.job },
        });
        data = (raw ?? {});
    }
    catch (error) {
        const reason = `removing exclusions failed: ${error instanceof Error ? error.message : String(error)}`;
        restore.failed = entries.map((e) => ({ ...e, reason }));
        return restore;
    }
    const readBack = parseReadBack(data);
    const results = asArray(data.Results);
    for (const entry of entries) {
        const result = resultFor(results, entry);
        const keptFor = asStrings(result?.KeptFor);
        if (keptFor.length > 0) {
            (restore.kept ??= []).push({
                ...entry,
                reason: `still needed by another go-av-guard job on this machine (${keptFor.join(', ')}); the last one to finish removes it`,
            });
            continue;
        }
        const reason = whyNotRemoved(entry, result, readBack);
        if (reason)
            restore.failed.push({ ...entry, reason });
        else
            restore.removed.push(entry);
    }
    // What is gone is forgotten; what failed stays recorded, so a later restore can try again.
    recordExclusions(deps.state, entries.filter((e) => restore.failed.some((f) => f.kind === e.kind && f.value === e.value)));
    return restore;
}
function whyNotRemoved(entry, result, readBack) {
    if (!result)
        return 'the PowerShell script did not report on this entry';
    const error = describeDefenderError(result.Error);
    if (error)
        return `Remove-MpPreference failed: ${error}`;
    if (readBackHas(readBack, entry))
        return 'Remove-MpPreference reported success but the exclusion is still there (tamper protection or a policy ignored the change)';
    return undefined;
}

;// CONCATENATED MODULE: ./src/sign/locate.ts



/** signtool's folder name for each Node architecture; x86 signtool runs on every Windows host. */
const SDK_ARCH = { x64: 'x64', arm64: 'arm64', ia32: 'x86' };
/** "10.0.22621.0" -> [10, 0, 22621, 0]; anything else (e.g. "x64", "10.0.x") is not an SDK folder. */
function parseSdkVersion(name) {
    return /^\d+(\.\d+){1,3}$/.test(name) ? name.split('.').map(Number) : undefined;
}
function compareVersions(a, b) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const d = (a[i] ?? 0) - (b[i] ?? 0);
        if (d !== 0)
            return d;
    }
    return 0;
}
/**
 * signtool is not on PATH on windows-latest: it lives in `Windows Kits\10\bin\<version>\<arch>\`, and SDK
 * versions come and go between images. Pick the newest version that has one for the host architecture,
 * then the newest x86 one. `kitsRoots` are the `Windows Kits\10\bin` folders to search.
 */
async function findSigntool(kitsRoots, hostArch) {
    const preferred = [SDK_ARCH[hostArch] ?? 'x64', 'x86'].filter((a, i, all) => all.indexOf(a) === i);
    for (const arch of preferred) {
        const candidates = [];
        for (const root of kitsRoots) {
            let entries;
            try {
                entries = await (0,promises_.readdir)(root);
            }
            catch {
                continue;
            }
            for (const entry of entries) {
                const version = parseSdkVersion(entry);
                const file = external_node_path_default().join(root, entry, arch, 'signtool.exe');
                if (version && (await (0,files/* exists */.t2)(file)))
                    candidates.push({ version, file });
            }
            // Older SDKs put signtool straight under bin\<arch>\.
            const flat = external_node_path_default().join(root, arch, 'signtool.exe');
            if (await (0,files/* exists */.t2)(flat))
                candidates.push({ version: [0], file: flat });
        }
        candidates.sort((a, b) => compareVersions(b.version, a.version));
        if (candidates[0])
            return candidates[0].file;
    }
    return undefined;
}
/** The `Windows Kits\10\bin` folders of a Windows machine, from its Program Files variables. */
function windowsKitsRoots(env) {
    const roots = [env['ProgramFiles(x86)'], env.ProgramFiles, 'C:\\Program Files (x86)']
        .filter((r) => Boolean(r))
        .map((r) => external_node_path_default().win32.join(r, 'Windows Kits', '10', 'bin'));
    return [...new Set(roots)];
}
/** Which signing tool this machine has: signtool on Windows, the built-in engine elsewhere. */
async function locateSigningTool(options) {
    if (options.platform === 'win32') {
        if (options.signtoolPath) {
            return (await (0,files/* exists */.t2)(options.signtoolPath))
                ? { name: 'signtool', found: true, path: options.signtoolPath }
                : { name: 'signtool', found: false, reason: `signtool-path: no file at ${options.signtoolPath}` };
        }
        const roots = options.kitsRoots ?? windowsKitsRoots(options.env);
        const file = (await findSigntool(roots, options.arch)) ?? (await (0,files/* findOnPath */.aY)('signtool.exe', options.env, 'win32'));
        return file
            ? { name: 'signtool', found: true, path: file }
            : {
                name: 'signtool',
                found: false,
                reason: `no signtool.exe under ${roots.join(' or ')} or on PATH; install the Windows SDK or set signtool-path`,
            };
    }
    // Off Windows nothing is installed: the built-in Authenticode engine signs in this process.
    return { name: 'built-in', found: true, version: 'in process' };
}

;// CONCATENATED MODULE: ./src/doctor/advice.ts



const STALE_SIGNATURES_MS = 7 * 24 * 3600 * 1000;
/** What doctor's facts mean for the user, as plain sentences, most important first. Pure. */
function adviseOnDoctor(facts, now = new Date()) {
    const notes = [];
    if (!facts.go.found)
        notes.push((0,note/* warning */.$e)(`Go: ${facts.go.reason}.`));
    if (!facts.signingTool.found)
        notes.push((0,note/* warning */.$e)(`Signing: ${facts.signingTool.reason}.`));
    if (facts.platform !== 'win32') {
        notes.push((0,note/* info */.pq)(`Defender checks and exclusions apply to Windows only; on ${facts.platform} go-av-guard runs smoke builds, signing and analysis.`));
        return notes;
    }
    const defender = facts.defender;
    if (defender?.powerShellLanguageMode === 'ConstrainedLanguage') {
        notes.push((0,note/* info */.pq)('This machine runs PowerShell in Constrained Language Mode (WDAC/AppLocker): Defender status, exclusions, detections and the scan work; importing a certificate into the Windows store for signtool is skipped, so sign with the in-process engine.'));
    }
    if (!defender || !defender.available) {
        notes.push((0,note/* warning */.$e)(`${(0,defender_status/* defenderDidNotAnswer */.et)(defender)}: its service is stopped, another antivirus product replaced it, or this process lacks rights. ` +
            'Exclusions cannot be managed through Defender here; if CrowdStrike, Bitdefender, McAfee or another product is active, ask its administrators to exclude the Go folders listed below.'));
        return notes;
    }
    if (defender.amRunningMode && /passive/i.test(defender.amRunningMode)) {
        notes.push((0,note/* info */.pq)(`Defender runs in ${defender.amRunningMode}: another antivirus product is primary and Defender exclusions do not affect it.`));
    }
    const goFolders = facts.go.found
        ? [facts.go.env.goroot, facts.go.env.gocache, facts.go.env.gomodcache].filter(Boolean)
        : [];
    const covering = goFolders.map((folder) => (0,paths/* coveringExclusion */.YJ)(defender.exclusions.paths, folder));
    const allCovered = goFolders.length > 0 && covering.every(Boolean);
    const coveredBy = [...new Set(covering)].join(', ');
    if (defender.realTimeProtectionEnabled === false) {
        const cover = allCovered ? ` and ${coveredBy} ${coveredBy.includes(',') ? 'are' : 'is'} excluded` : '';
        notes.push((0,note/* info */.pq)(`Real-time protection is off${cover}: exclusions not needed${facts.hostedRunner ? ' (as on every GitHub-hosted Windows runner)' : ''}.`));
    }
    else if (allCovered) {
        notes.push((0,note/* info */.pq)(`Real-time protection is on, and the Go folders are already excluded (${coveredBy}): exclusions not needed.`));
    }
    else {
        notes.push((0,note/* warning */.$e)('Real-time protection is on and the Go folders are not excluded: Defender can slow Go builds and quarantine go-build test binaries. ' +
            (facts.elevated === false
                ? 'Adding exclusions needs an elevated runner (this process is not elevated).'
                : 'exclusions: auto adds the Go folders and tools, and removes them in the post step.')));
    }
    if (defender.isTamperProtected) {
        notes.push((0,note/* info */.pq)('Tamper protection is on: a local change to exclusions can be ignored while the command still succeeds; go-av-guard reads each one back.'));
    }
    if (defender.preferenceError) {
        notes.push((0,note/* warning */.$e)(`Exclusions could not be read (${defender.preferenceError}); go-av-guard checks each one with MpCmdRun.exe -CheckExclusion instead.`));
    }
    else if (defender.exclusions.hidden) {
        notes.push((0,note/* info */.pq)('Exclusions are hidden from local administrators (HideExclusionsFromLocalAdmins); go-av-guard checks them with MpCmdRun.exe -CheckExclusion instead.'));
    }
    if (defender.signatureLastUpdated &&
        now.getTime() - Date.parse(defender.signatureLastUpdated) > STALE_SIGNATURES_MS) {
        notes.push((0,note/* info */.pq)(`Security intelligence was last updated ${defender.signatureLastUpdated.slice(0, 10)}: older signatures miss fixes for false positives too.`));
    }
    return notes;
}

// EXTERNAL MODULE: ./src/platform/which.ts
var which = __webpack_require__(1054);
;// CONCATENATED MODULE: ./src/doctor/goenv.ts


const INSTALL = 'install it with actions/setup-go or set the go input';
/**
 * Asks the Go toolchain for its folders: the exclusions, smoke builds and relevance checks all start here.
 * `go` is resolved to an absolute path through PATH first (never the current folder), and that path is
 * what later steps start.
 */
async function probeGo(run, go, where = {
    env: process.env,
    platform: process.platform,
}) {
    const executable = (0,which/* resolveProgram */.d)(go, where);
    if (!executable)
        return { found: false, reason: `Go was not found (${go}: not on PATH); ${INSTALL}` };
    const result = await run(executable, ['env', '-json'], { timeoutMs: 60_000 });
    if (result.spawnError) {
        return { found: false, reason: `Go was not found (${executable}: ${result.spawnError}); ${INSTALL}` };
    }
    if (result.exitCode !== 0)
        return { found: false, reason: (0,platform_process/* describeFailure */.Ic)(executable, result) };
    return parseGoEnv(result.stdout, executable);
}
function parseGoEnv(json, executable) {
    let env;
    try {
        env = JSON.parse(json);
    }
    catch {
        return { found: false, reason: `${executable} env -json did not print JSON` };
    }
    const get = (key) => (typeof env[key] === 'string' ? env[key] : '');
    return {
        found: true,
        env: {
            version: get('GOVERSION'),
            goroot: get('GOROOT'),
            gopath: get('GOPATH'),
            gocache: get('GOCACHE'),
            gomodcache: get('GOMODCACHE'),
            gotmpdir: get('GOTMPDIR'),
            goos: get('GOOS'),
            goarch: get('GOARCH'),
            gohostos: get('GOHOSTOS'),
            gohostarch: get('GOHOSTARCH'),
            executable,
        },
    };
}

;// CONCATENATED MODULE: ./src/doctor/index.ts





/** Reports what this machine is: Go, the signing tool and, on Windows, Defender and elevation. */
async function runDoctor(options, deps) {
    const windows = deps.platform === 'win32';
    const [go, signingTool, defenderProbe] = await Promise.all([
        probeGo(deps.run, options.go, { env: deps.env, platform: deps.platform }),
        locateSigningTool({
            platform: deps.platform,
            arch: deps.arch,
            env: deps.env,
            ...(options.signtoolPath ? { signtoolPath: options.signtoolPath } : {}),
            ...(deps.kitsRoots ? { kitsRoots: deps.kitsRoots } : {}),
        }),
        windows ? (0,defender_status/* probeDefender */.EI)(deps.run) : Promise.resolve(undefined),
    ]);
    const facts = {
        platform: deps.platform,
        arch: deps.arch,
        osRelease: (0,external_node_os_.release)(),
        hostedRunner: deps.env.RUNNER_ENVIRONMENT === 'github-hosted',
        go,
        signingTool,
        ...(defenderProbe
            ? {
                defender: defenderProbe.defender,
                ...(defenderProbe.elevated !== undefined ? { elevated: defenderProbe.elevated } : {}),
            }
            : {}),
    };
    return { ...facts, advice: adviseOnDoctor(facts, deps.now) };
}

;// CONCATENATED MODULE: ./src/outcome.ts

/**
 * Why the step fails, if it does: one sentence per reason, decided from the report and the user's
 * fail-on settings. Pure, so every rule is tested without a runner.
 */
function outcome_decideFailures(report, config) {
    const failures = [];
    const ex = report.exclusions;
    if (ex?.failure)
        failures.push(`exclusions: ${ex.failure}`);
    const smoke = report.smoke;
    if (smoke?.result === 'failed') {
        const failed = smoke.variants.filter((v) => v.status === 'failed');
        const why = failed.map((v) => `${v.variant}${v.diagnosis ? ` (${v.diagnosis.summary})` : ''}`);
        failures.push(`smoke build failed: ${why.join(', ')}`);
    }
    const unstamped = report.stamping?.files.filter((f) => f.status === 'failed') ?? [];
    if (unstamped.length > 0)
        failures.push(`stamp: ${unstamped.length} file(s) could not be stamped and were left unchanged`);
    // Asked for (smoke: true, or the CLI's smoke) but impossible: not a pass.
    const requested = config.smoke?.required === true || report.phase === 'cli';
    if (requested && smoke?.result === 'skipped' && report.doctor?.go.found === false)
        failures.push(`smoke: requested but not run: ${smoke.reason ?? 'Go is not available'}`);
    const signing = report.signing;
    if (signing?.error)
        failures.push(`signing: ${signing.error}`);
    const unsigned = signing?.files.filter((f) => f.status === 'failed') ?? [];
    if (unsigned.length > 0)
        failures.push(`signing: ${unsigned.length} file(s) failed and were left unchanged`);
    const analysis = report.analysis;
    const unreadable = analysis?.files.filter((f) => !isPeReport(f)) ?? [];
    if (unreadable.length > 0)
        failures.push(`analyze: ${unreadable.length} file(s) could not be read as PE files`);
    const threshold = config.report.failOnFindings;
    if (analysis && threshold !== 'none') {
        const severities = threshold === 'error' ? ['error'] : ['error', 'warning'];
        const count = analysis.files
            .filter(isPeReport)
            .flatMap((f) => f.findings)
            .filter((f) => severities.includes(f.severity)).length;
        if (count > 0)
            failures.push(`analyze: ${count} finding(s) at ${threshold} or worse (fail-on-findings: ${threshold})`);
    }
    if (config.detections.failOnDetection) {
        const relevant = report.detections?.relevant.length ?? 0;
        if (relevant > 0)
            failures.push(`Defender: ${relevant} detection(s) touched this job's files (fail-on-detection: true)`);
        const flagged = report.scan?.files.filter((f) => f.status === 'detected').length ?? 0;
        if (report.scan?.failure)
            failures.push(`Defender scan: ${report.scan.failure}`);
        if (flagged > 0)
            failures.push(`Defender scan: ${flagged} built file(s) flagged (fail-on-detection: true)`);
    }
    return failures;
}
/**
 * The one line the step fails with. A failure whose text an annotation already carries (the signing error,
 * an exclusion failure) is not repeated: it is counted and pointed at. Aggregates ("2 file(s) failed") and
 * failures no annotation shows are written out, so each error is printed once.
 */
function failureMessage(failures, annotated) {
    const shown = annotated.filter((m) => m.length > 0);
    const repeated = (failure) => shown.some((m) => failure.includes(m));
    const fresh = failures.filter((f) => !repeated(f));
    const covered = failures.length - fresh.length;
    const pointer = covered > 0 ? [`${covered} more problem(s) are annotated above`] : [];
    return [...fresh, ...pointer].join('\n');
}

// EXTERNAL MODULE: ./src/platform/state.ts
var state = __webpack_require__(4062);
;// CONCATENATED MODULE: ./src/constants.ts
/** Keys the main step saves for the post step; each spelled once (capabilities keep their own beside them). */
const constants_STATE = {
    /** Set once the main step started, so the post step knows it has work. */
    isPost: 'is-post',
    /** What makes a detection relevant (Go folders, workspace, this run's files), for the post step's read. */
    relevance: 'relevance-context',
};

;// CONCATENATED MODULE: ./src/platform/chunked.ts

/**
 * The most bytes handed to one native call. Node's fs read and write take an int32 length (a larger one
 * aborts the process: "Assertion failed: args[3]->IsInt32()"), and a hash's update or a cipher's setAAD
 * refuse more than 2 GiB ("data is too long"), while a PE file may reach 4 GiB.
 */
const IO_CHUNK = 2 ** 30;
/** `bytes` as views of at most `size` bytes each, in order. */
function chunksOf(bytes, size = IO_CHUNK) {
    if (bytes.length <= size)
        return [bytes];
    const out = [];
    for (let at = 0; at < bytes.length; at += size)
        out.push(bytes.subarray(at, at + size));
    return out;
}
/**
 * Reads the file from `position` into `buffer` until it holds `length` bytes or the file ends; returns how
 * many it holds.
 */
async function readFully(handle, buffer, length, { position = 0, size = IO_CHUNK } = {}) {
    let at = 0;
    while (at < length) {
        const { bytesRead } = await handle.read(buffer, at, Math.min(length - at, size), position + at);
        if (bytesRead === 0)
            break;
        at += bytesRead;
    }
    return at;
}
/** Writes all of `bytes` from offset 0. */
async function writeFully(handle, bytes, size = IO_CHUNK) {
    for (let at = 0; at < bytes.length;) {
        const { bytesWritten } = await handle.write(bytes, at, Math.min(bytes.length - at, size), at);
        if (bytesWritten === 0)
            throw Object.assign(new Error('the disk took no bytes'), { code: 'EIO' });
        at += bytesWritten;
    }
}
/** A whole file in memory, past the 2 GiB `fs.readFile` refuses (a signed copy of a large installer). */
async function readWhole(file) {
    const handle = await (0,promises_.open)(file, 'r');
    try {
        const size = (await handle.stat()).size;
        const buffer = Buffer.allocUnsafe(size);
        return buffer.subarray(0, await readFully(handle, buffer, size));
    }
    finally {
        await handle.close();
    }
}

;// CONCATENATED MODULE: ./src/platform/replace.ts




/** The identity fields of an fstat/stat result. */
function identityOf(file, info) {
    return {
        path: file,
        dev: info.dev,
        ino: info.ino,
        size: info.size,
        mtimeMs: info.mtimeMs,
        ctimeMs: info.ctimeMs,
        nlink: info.nlink,
        mode: info.mode,
        uid: info.uid,
        gid: info.gid,
    };
}
/** Whether two identities name the same, unchanged file. */
function sameIdentity(a, b) {
    return (a.dev === b.dev &&
        a.ino === b.ino &&
        a.size === b.size &&
        a.mtimeMs === b.mtimeMs &&
        a.ctimeMs === b.ctimeMs);
}
/**
 * Reads `file` once through one handle: identity, size, time and the hash of exactly those bytes. A symbolic
 * link is refused (the caller decides whether its target may be signed, and snapshots the target), as is
 * anything that is not a regular file.
 */
async function snapshotFile(file) {
    return (await readNoFollow(file, false)).snapshot;
}
/** The snapshot and the very bytes it hashes, from one read: for a caller that rewrites the file. */
async function readSnapshot(file) {
    const { snapshot, bytes } = await readNoFollow(file, true);
    return { snapshot, bytes: bytes };
}
async function readNoFollow(file, keep) {
    const noFollow = external_node_fs_.constants.O_NOFOLLOW ?? 0;
    if (!noFollow && (0,external_node_fs_.lstatSync)(file).isSymbolicLink())
        throw symlinkError(file);
    let handle;
    try {
        handle = await (0,promises_.open)(file, external_node_fs_.constants.O_RDONLY | noFollow | (external_node_fs_.constants.O_NONBLOCK ?? 0));
    }
    catch (error) {
        if (error.code === 'ELOOP')
            throw symlinkError(file);
        throw error;
    }
    try {
        const info = (0,external_node_fs_.fstatSync)(handle.fd);
        if (!info.isFile())
            throw new Error(`${file} is not a regular file`);
        const hash = (0,external_node_crypto_.createHash)('sha256');
        // Kept: the whole file. Otherwise one chunk reused, not zero-filled (every byte hashed is one just read)
        // and no larger than the file, so memory stays flat however large the file is.
        const buffer = Buffer.allocUnsafe(Math.max(1, keep ? info.size : Math.min(1024 * 1024, info.size)));
        let position = 0;
        for (;;) {
            const at = keep ? position : 0;
            if (at >= buffer.length)
                break; // kept: the whole file, as fstat saw it
            const { bytesRead } = await handle.read(buffer, at, Math.min(buffer.length - at, IO_CHUNK), position);
            if (bytesRead === 0)
                break;
            hash.update(buffer.subarray(at, at + bytesRead));
            position += bytesRead;
        }
        const snapshot = { ...identityOf(file, info), sha256: hash.digest('hex') };
        return keep ? { snapshot, bytes: buffer.subarray(0, position) } : { snapshot };
    }
    finally {
        await handle.close();
    }
}
/** The identity of `file` itself; a symbolic link in its place is refused, as `snapshotFile` does. */
function statNoFollow(file) {
    const info = (0,external_node_fs_.lstatSync)(file);
    if (info.isSymbolicLink())
        throw symlinkError(file);
    if (!info.isFile())
        throw new Error(`${file} is not a regular file`);
    return identityOf(file, info);
}
const symlinkError = (file) => new Error(`${file} is a symbolic link; it is replaced only through the file it points to`);
/**
 * On Windows a file that real-time scanning, the indexer or a backup agent has open cannot be renamed over
 * for a moment: the rename fails with EPERM, EBUSY or EACCES. Go's own robustio retries these for the same
 * reason. Elsewhere these codes mean what they say and are not retried.
 */
const TRANSIENT_ON_WINDOWS = new Set(['EPERM', 'EBUSY', 'EACCES']);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Renames `temp` over `snapshot.path` only if the file is still the one read (identity, size, times, and
 * the hash when the snapshot has one, checked again just before each rename attempt). Otherwise nothing is
 * replaced and the message says the file changed: the new content stays, and a file deleted meanwhile is
 * not brought back. A file with several hard links, or owned by another user, is refused rather than split
 * from its other names or handed to a new owner. The replacement gets the original's permission bits (without setuid/setgid) and,
 * when this process may, its owner. Never throws; `temp` is left for the caller to remove on failure.
 */
async function replaceIfUnchanged(snapshot, temp, options = {}) {
    const file = snapshot.path;
    const platform = options.platform ?? process.platform;
    const uid = 'uid' in options ? options.uid : typeof process.getuid === 'function' ? process.getuid() : undefined;
    const doRename = options.rename ?? promises_.rename;
    const wait = options.wait ?? sleep;
    const limitMs = options.retryForMs ?? 10_000;
    if (snapshot.nlink > 1)
        return refused(`${file} has ${snapshot.nlink} hard links; replacing it would leave the other ${snapshot.nlink - 1} name(s) pointing at the unsigned bytes. Sign a copy with a single link, or remove the extra links first`);
    if (platform !== 'win32' && uid !== undefined && uid !== 0 && snapshot.uid !== uid)
        return refused(`${file} belongs to another user (uid ${snapshot.uid}); replacing it would make this user (uid ${uid}) its owner`);
    let written;
    try {
        if (platform !== 'win32') {
            (0,external_node_fs_.chmodSync)(temp, snapshot.mode & 0o777);
            if (uid === 0 && (snapshot.uid !== 0 || snapshot.gid !== 0))
                (0,external_node_fs_.chownSync)(temp, snapshot.uid, snapshot.gid);
        }
        written = identityOf(temp, (0,external_node_fs_.lstatSync)(temp));
    }
    catch (error) {
        return refused(`could not prepare the replacement for ${file}: ${errorText(error)}`);
    }
    const started = Date.now();
    for (let attempt = 0;; attempt++) {
        const changed = await changedSince(snapshot);
        if (changed)
            return { ok: false, changed: true, message: changed };
        try {
            await doRename(temp, file);
            return { ok: true, written: { ...written, path: file } };
        }
        catch (error) {
            const code = error.code ?? '';
            const transient = platform === 'win32' && TRANSIENT_ON_WINDOWS.has(code);
            const elapsed = Date.now() - started;
            if (!transient)
                return refused(`could not replace ${file}: ${errorText(error)}; the original is unchanged`);
            if (elapsed >= limitMs)
                return refused(`could not replace ${file}: another program kept it open (${code}) for ${Math.round(elapsed / 1000)} s, most likely antivirus or a backup or indexing agent scanning it; the original is unchanged. Exclude the output folder from real-time scanning or run again`);
            // 10 ms, 20, 40, ... up to 500 ms between attempts, never past the limit.
            await wait(Math.min(500, 10 * 2 ** attempt, Math.max(1, limitMs - elapsed)));
        }
    }
}
/** Why the file is no longer the one read, or undefined while it still is. */
async function changedSince(snapshot) {
    let now;
    try {
        now = 'sha256' in snapshot ? await snapshotFile(snapshot.path) : statNoFollow(snapshot.path);
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return deletedWhileSigning(snapshot.path);
        return `${snapshot.path} changed while it was being signed (${errorText(error)}); it was left as it is`;
    }
    const same = sameIdentity(now, snapshot) &&
        (!('sha256' in snapshot) || ('sha256' in now && now.sha256 === snapshot.sha256));
    return same ? undefined : changedWhileSigning(snapshot.path);
}
const changedWhileSigning = (file) => `${file} changed while it was being signed; the new content was kept, sign it again`;
const deletedWhileSigning = (file) => `${file} was deleted while it was being signed; nothing was written in its place`;
const refused = (message) => ({ ok: false, changed: false, message });
const errorText = (error) => error.code ?? (error instanceof Error ? error.message : String(error));

;// CONCATENATED MODULE: ./src/pe/buildinfo.ts
/**
 * Go build info, as Go's own debug/buildinfo reads it: a 32-byte header starting "\xff Go buildinf:",
 * 16-byte aligned within the first 64 KiB of the first writable data section. Two layouts:
 * - Go 1.18+: flag bit 2 set, the version and module strings follow inline as uvarint-length strings;
 * - before 1.18: two pointers to Go string headers (data pointer, length) somewhere in the image.
 */
const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const BUILDINFO_WINDOW = 64 * 1024;
const HEADER_SIZE = 32;
const ALIGN = 16;
const SCN_CNT_INITIALIZED_DATA = 0x40;
const SCN_MEM_READ = 0x40000000;
const SCN_MEM_WRITE = 0x80000000;
const SCN_ALIGN_32BYTES = 0x600000;
/** The section Go's debug/buildinfo searches: the first one that is exactly initialized, readable, writable data. */
function buildInfoSection(sections) {
    const wanted = (SCN_CNT_INITIALIZED_DATA | SCN_MEM_READ | SCN_MEM_WRITE) >>> 0;
    return sections.find((s) => s.virtualAddress !== 0 && s.rawSize !== 0 && (s.characteristics & ~SCN_ALIGN_32BYTES) >>> 0 === wanted);
}
/** Finds and decodes build info in the window; undefined when the binary has none (not Go, or stripped of it). */
async function parseBuildInfo(window, readVa) {
    const start = findHeader(window);
    if (start === undefined)
        return undefined;
    const header = window.subarray(start);
    const ptrSize = header[14] ?? 0;
    const flags = header[15] ?? 0;
    let version;
    let modinfo;
    if (flags & 2) {
        const first = readVarintString(header, HEADER_SIZE);
        if (!first)
            return undefined;
        version = first.value;
        modinfo = readVarintString(header, first.next)?.value;
    }
    else {
        if (ptrSize !== 4 && ptrSize !== 8)
            return undefined;
        const bigEndian = (flags & 1) !== 0;
        const pointerAt = (buf, at) => readPointer(buf, at, ptrSize, bigEndian);
        const versionPtr = pointerAt(header, 16);
        const modPtr = pointerAt(header, 16 + ptrSize);
        if (versionPtr === undefined || modPtr === undefined)
            return undefined;
        const readGoString = async (va) => {
            const stringHeader = await readVa(va, ptrSize * 2);
            const data = pointerAt(stringHeader, 0);
            const length = pointerAt(stringHeader, ptrSize);
            if (data === undefined || length === undefined || length > 1n << 20n)
                return undefined;
            const bytes = await readVa(data, Number(length));
            return bytes.length === Number(length) ? bytes : undefined;
        };
        version = await readGoString(versionPtr);
        modinfo = await readGoString(modPtr);
    }
    if (!version || version.length === 0)
        return undefined;
    return { goVersion: version.toString('utf8'), ...parseModInfo(stripSentinels(modinfo ?? Buffer.alloc(0))) };
}
function findHeader(window) {
    let from = 0;
    for (;;) {
        const i = window.indexOf(BUILDINFO_MAGIC, from);
        if (i < 0 || window.length - i < HEADER_SIZE)
            return undefined;
        if (i % ALIGN === 0)
            return i;
        from = i + 1;
    }
}
function readPointer(buf, at, size, bigEndian) {
    if (at + size > buf.length)
        return undefined;
    if (size === 8)
        return bigEndian ? buf.readBigUInt64BE(at) : buf.readBigUInt64LE(at);
    return BigInt(bigEndian ? buf.readUInt32BE(at) : buf.readUInt32LE(at));
}
/** encoding/binary.Uvarint followed by that many bytes. */
function readVarintString(buf, at) {
    let length = 0;
    let shift = 0;
    let i = at;
    for (; i < buf.length && shift <= 28; i++) {
        const byte = buf[i];
        length += (byte & 0x7f) * 2 ** shift;
        shift += 7;
        if (byte < 0x80) {
            const start = i + 1;
            if (start + length > buf.length)
                return undefined;
            return { value: buf.subarray(start, start + length), next: start + length };
        }
    }
    return undefined;
}
/** cmd/go wraps module info in 16-byte sentinels; debug/buildinfo drops them the same way. */
function stripSentinels(mod) {
    if (mod.length >= 33 && mod[mod.length - 17] === 0x0a)
        return mod.toString('utf8', 16, mod.length - 16);
    return '';
}
/** The text form of runtime/debug.BuildInfo: tab-separated `path`, `mod`, `dep`, `=>` and `build` lines. */
function parseModInfo(text) {
    const info = { settings: {} };
    for (const line of text.split('\n')) {
        const [kind, ...rest] = line.split('\t');
        if (kind === 'path' && rest[0])
            info.path = rest[0];
        else if (kind === 'mod' && rest[0]) {
            info.mainModule = rest[0];
            if (rest[1])
                info.mainVersion = rest[1];
        }
        else if (kind === 'build' && rest.length > 0) {
            const setting = rest.join('\t');
            const eq = setting.indexOf('=');
            if (eq <= 0)
                continue;
            info.settings[unquote(setting.slice(0, eq))] = unquote(setting.slice(eq + 1));
        }
    }
    return info;
}
/** Go quotes keys and values with strconv.Quote when they hold spaces, quotes or '='. */
function unquote(text) {
    if (!text.startsWith('"'))
        return text;
    try {
        return JSON.parse(text);
    }
    catch {
        return text.slice(1, -1);
    }
}

;// CONCATENATED MODULE: ./src/pe/entropy.ts
/**
 * Byte histograms and Shannon entropy (bits per byte, 0..8). Packed or encrypted data sits near 8, which
 * is what AV heuristics look at; code sits near 6.
 */
/** Four interleaved tables, so consecutive bytes do not wait on the same counter (about 2x faster). */
class ByteHistogram {
    lanes = new Uint32Array(1024);
    totals = new Float64Array(256);
    pending = 0;
    add(bytes) {
        const lanes = this.lanes;
        let i = 0;
        const end = bytes.length;
        // Count single bytes until a 4-byte boundary, then read whole words.
        while (i < end && (bytes.byteOffset + i) % 4 !== 0)
            lanes[bytes[i++]]++;
        const words = Math.floor((end - i) / 4);
        if (words > 0) {
            const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
            for (let w = 0; w < words; w++) {
                const v = view[w];
                lanes[v & 255]++;
                lanes[256 + ((v >>> 8) & 255)]++;
                lanes[512 + ((v >>> 16) & 255)]++;
                lanes[768 + (v >>> 24)]++;
            }
            i += words * 4;
        }
        while (i < end)
            lanes[bytes[i++]]++;
        this.pending += end;
        // Fold into float totals before a 32-bit lane could overflow.
        if (this.pending > 0x3fffffff)
            this.flush();
    }
    counts() {
        this.flush();
        return this.totals;
    }
    flush() {
        for (let b = 0; b < 256; b++) {
            this.totals[b] += this.lanes[b] + this.lanes[256 + b] + this.lanes[512 + b] + this.lanes[768 + b];
        }
        this.lanes.fill(0);
        this.pending = 0;
    }
}
function shannonEntropy(counts) {
    let total = 0;
    for (let b = 0; b < 256; b++)
        total += counts[b] ?? 0;
    if (total === 0)
        return 0;
    let entropy = 0;
    for (let b = 0; b < 256; b++) {
        const c = counts[b] ?? 0;
        if (c > 0) {
            const p = c / total;
            entropy -= p * Math.log2(p);
        }
    }
    return entropy;
}
function entropyOf(bytes) {
    const h = new ByteHistogram();
    h.add(bytes);
    return shannonEntropy(h.counts());
}

;// CONCATENATED MODULE: ./src/pe/image.ts

/** Parsers never read more than this in one go: a damaged length field cannot make us allocate gigabytes. */
const MAX_READ = 16 * 1024 * 1024;
/**
 * Random access to a PE file for the parsers: served from the ranges captured during the streaming pass,
 * with a small positional read for anything else (pointer-chased strings of pre-1.18 Go build info, names
 * in an unusual place). Out-of-file reads return short buffers; parsers treat short as "absent".
 */
class PeImage {
    headers;
    size;
    file;
    captures;
    constructor(headers, size, file, captures = []) {
        this.headers = headers;
        this.size = size;
        this.file = file;
        this.captures = captures;
    }
    async readAt(offset, length) {
        if (offset < 0 || offset >= this.size || length <= 0)
            return Buffer.alloc(0);
        const wanted = Math.min(length, MAX_READ, this.size - offset);
        for (const c of this.captures) {
            if (c.data && offset >= c.offset && offset + wanted <= c.offset + c.length) {
                return c.data.subarray(offset - c.offset, offset - c.offset + wanted);
            }
        }
        const buffer = Buffer.alloc(wanted);
        const { bytesRead } = await this.file.read(buffer, 0, wanted, offset);
        return buffer.subarray(0, bytesRead);
    }
    /** Bytes at a relative virtual address; empty when the address has no bytes in the file. */
    async readRva(rva, length) {
        const offset = rvaToOffset(this.headers, rva);
        return offset === undefined ? Buffer.alloc(0) : this.readAt(offset, length);
    }
    /** Bytes at a virtual address (image base + RVA), as pointers inside the image hold them. */
    async readVa(va, length) {
        const rva = va - this.headers.imageBase;
        if (rva < 0n || rva > 0xffffffffn)
            return Buffer.alloc(0);
        return this.readRva(Number(rva), length);
    }
    /** A NUL-terminated ASCII string at an RVA (import DLL names), at most `max` bytes. */
    async cString(rva, max = 256) {
        const bytes = await this.readRva(rva, max);
        const end = bytes.indexOf(0);
        if (end <= 0)
            return undefined;
        return bytes.toString('latin1', 0, end);
    }
}

;// CONCATENATED MODULE: ./src/pe/imports.ts
/** DLL names from the import directory (IMAGE_IMPORT_DESCRIPTOR, 20 bytes each, ended by an all-zero one). */
async function readImports(image, rva, size) {
    if (rva === 0 || size === 0)
        return [];
    // The directory size is often wrong (linkers round it); the zero descriptor is what ends the list.
    const table = await image.readRva(rva, Math.max(size, 20) + 20 * 64);
    const names = [];
    for (let at = 0; at + 20 <= table.length && names.length < 1024; at += 20) {
        const nameRva = table.readUInt32LE(at + 12);
        if (nameRva === 0 && table.readUInt32LE(at + 16) === 0)
            break;
        const name = await image.cString(nameRva);
        if (name)
            names.push(name);
    }
    return names;
}

;// CONCATENATED MODULE: ./src/pe/packer.ts
/**
 * UPX, recognised the way its own unpacker and most scanners do: sections named UPX0 (no raw data, the
 * space the program is unpacked into) and UPX1 (the compressed program). Renamed sections evade this;
 * the high-entropy rule still catches the shape.
 */
function detectPacker(sections) {
    const names = sections.map((s) => s.name.toUpperCase());
    const upx0 = sections.find((s) => s.name.toUpperCase() === 'UPX0');
    if (upx0 && names.includes('UPX1'))
        return upx0.rawSize === 0 ? 'UPX' : 'UPX (unusual layout)';
    if (names.some((n) => n === 'UPX!' || n === '.UPX0' || n === '.UPX1'))
        return 'UPX (renamed)';
    return undefined;
}

;// CONCATENATED MODULE: ./src/pe/resources.ts
/**
 * The resource tree (type / name / language, PE/COFF spec ".rsrc section") and the two resources AV
 * reputation cares about: the version resource (VS_VERSIONINFO, with its StringFileInfo strings) and the
 * application manifest.
 */
const RT_ICON = 3;
const RT_GROUP_ICON = 14;
const RT_VERSION = 16;
const RT_MANIFEST = 24;
const MAX_ENTRIES = 4096;
const MAX_LEAF = 1024 * 1024;
async function readResources(image, directoryRva, directorySize) {
    const empty = {
        present: false,
        types: [],
        versionInfo: false,
        manifest: false,
        icon: false,
    };
    if (directoryRva === 0 || directorySize === 0)
        return empty;
    // Directory tables and data entries live at the start of the section; read what the section holds.
    const tree = await image.readRva(directoryRva, Math.max(directorySize, 64 * 1024));
    if (tree.length < 16)
        return empty;
    const leaves = walk(tree);
    const types = [...new Set(leaves.map((l) => l.type))];
    const summary = {
        present: types.length > 0,
        types,
        versionInfo: types.includes(RT_VERSION),
        manifest: types.includes(RT_MANIFEST),
        icon: types.includes(RT_ICON) || types.includes(RT_GROUP_ICON),
    };
    const versionLeaf = leaves.find((l) => l.type === RT_VERSION);
    if (versionLeaf) {
        const data = await image.readRva(versionLeaf.rva, Math.min(versionLeaf.size, MAX_LEAF));
        Object.assign(summary, parseVersionInfo(data));
    }
    const manifestLeaf = leaves.find((l) => l.type === RT_MANIFEST);
    if (manifestLeaf) {
        const data = await image.readRva(manifestLeaf.rva, Math.min(manifestLeaf.size, 64 * 1024));
        if (data.length > 0)
            summary.manifestText = data.toString('utf8').replace(/^\uFEFF/, '');
    }
    return summary;
}
/** Type -> name -> language -> data entry; bounded in depth and entry count, and cycle-safe. */
function walk(tree) {
    const leaves = [];
    const seen = new Set();
    let budget = MAX_ENTRIES;
    const visit = (offset, depth, type) => {
        if (depth > 3 || seen.has(offset) || offset + 16 > tree.length)
            return;
        seen.add(offset);
        const count = tree.readUInt16LE(offset + 12) + tree.readUInt16LE(offset + 14);
        for (let i = 0; i < count && budget-- > 0; i++) {
            const at = offset + 16 + i * 8;
            if (at + 8 > tree.length)
                return;
            const name = tree.readUInt32LE(at);
            const target = tree.readUInt32LE(at + 4);
            const id = depth === 1 ? entryName(tree, name) : type;
            if (target & 0x80000000)
                visit(target & 0x7fffffff, depth + 1, id);
            else if (target + 16 <= tree.length && id !== undefined) {
                leaves.push({ type: id, rva: tree.readUInt32LE(target), size: tree.readUInt32LE(target + 4) });
            }
        }
    };
    visit(0, 1, undefined);
    return leaves;
}
/** An entry is an integer id, or (high bit set) an offset to a length-prefixed UTF-16 name. */
function entryName(tree, name) {
    if (!(name & 0x80000000))
        return name;
    const at = name & 0x7fffffff;
    if (at + 2 > tree.length)
        return '?';
    const length = tree.readUInt16LE(at);
    return tree.toString('utf16le', at + 2, Math.min(tree.length, at + 2 + length * 2));
}
const align4 = (n) => (n + 3) & ~3;
/** One VS_VERSIONINFO-style block: wLength, wValueLength, wType, szKey, padding, Value, padding, Children. */
function readBlock(data, at, limit) {
    if (at + 6 > limit)
        return undefined;
    const length = data.readUInt16LE(at);
    const valueLength = data.readUInt16LE(at + 2);
    const type = data.readUInt16LE(at + 4);
    const end = Math.min(at + length, limit);
    if (length < 6 || end <= at + 6)
        return undefined;
    let keyEnd = at + 6;
    while (keyEnd + 1 < end && data.readUInt16LE(keyEnd) !== 0)
        keyEnd += 2;
    const key = data.toString('utf16le', at + 6, keyEnd);
    const valueStart = Math.min(align4(keyEnd + 2), end);
    // wType 1 (text): wValueLength counts UTF-16 characters; 0 (binary): bytes.
    const valueBytes = Math.min(type === 1 ? valueLength * 2 : valueLength, end - valueStart);
    return {
        key,
        valueStart,
        valueBytes,
        type,
        childrenStart: Math.min(align4(valueStart + valueBytes), end),
        end,
    };
}
function* children(data, block) {
    let at = block.childrenStart;
    let guard = 0;
    while (at < block.end && guard++ < 1024) {
        const child = readBlock(data, at, block.end);
        if (!child)
            return;
        yield child;
        at = align4(child.end);
    }
}
function parseVersionInfo(data) {
    const root = readBlock(data, 0, data.length);
    if (!root || root.key !== 'VS_VERSION_INFO')
        return {};
    const result = {};
    // VS_FIXEDFILEINFO starts with the signature 0xFEEF04BD.
    if (root.valueBytes >= 52 && data.readUInt32LE(root.valueStart) === 0xfeef04bd) {
        const v = (at) => {
            const ms = data.readUInt32LE(root.valueStart + at);
            const ls = data.readUInt32LE(root.valueStart + at + 4);
            return `${ms >>> 16}.${ms & 0xffff}.${ls >>> 16}.${ls & 0xffff}`;
        };
        result.fixedFileVersion = v(8);
        result.fixedProductVersion = v(16);
    }
    const strings = {};
    for (const info of children(data, root)) {
        if (info.key !== 'StringFileInfo')
            continue;
        for (const table of children(data, info)) {
            for (const entry of children(data, table)) {
                if (entry.key && !(entry.key in strings)) {
                    strings[entry.key] = data
                        .toString('utf16le', entry.valueStart, entry.valueStart + entry.valueBytes)
                        .replace(/\0+$/, '');
                }
            }
        }
    }
    if (Object.keys(strings).length > 0)
        result.version = strings;
    return result;
}

;// CONCATENATED MODULE: ./src/pe/rules.ts
/**
 * Risk rules: facts about one binary -> findings with a stable id, a severity, why the fact matters to
 * antivirus and what to do. Pure; ids never change once published (users filter on them).
 */
/** Above this many bits per byte a section looks compressed or encrypted to heuristics. */
const HIGH_ENTROPY = 7.2;
/** Small sections reach high entropy by chance; they are not worth a finding. */
const MIN_SECTION_FOR_ENTROPY = 4096;
/**
 * IMAGE_SCN_MEM_DISCARDABLE: never loaded as code or data. Go compresses its DWARF into such sections
 * (.zdebug_*), which are near-random by design and no sign of packing.
 */
const MEM_DISCARDABLE = 0x02000000;
const VERSION_TOOLS = 'stamp the built file with go-av-guard (action input `stamp: auto` with `version-info`, or `go-av-guard stamp --file-version 1.2.3 --company-name ... FILES` before signing), or add a version resource at build time with github.com/tc-hib/go-winres or github.com/josephspurrier/goversioninfo (a .syso file that `go build` links in)';
function evaluateRules(file) {
    const findings = [];
    const signed = file.signature.present;
    if (!signed) {
        findings.push({
            id: 'GAV-PE-UNSIGNED',
            severity: 'warning',
            title: 'Not signed',
            why: 'Unsigned executables get no publisher reputation: SmartScreen warns, and machine-learning detections (e.g. Trojan:Win32/Wacatac!ml) hit unsigned Go binaries far more often.',
            advice: "Sign release binaries with an Authenticode certificate and an RFC 3161 timestamp (this action's `sign` input).",
        });
    }
    else if (file.signature.verdict && !file.signature.verdict.intact) {
        findings.push({
            id: 'GAV-PE-SIGNATURE-BROKEN',
            severity: 'error',
            title: 'Signature broken',
            why: `The Authenticode signature does not verify (${file.signature.verdict.detail}); Windows treats the file as tampered with, and AV engines flag exactly that.`,
            advice: 'Rebuild or re-sign the file from the unsigned build output, and check that nothing modifies it after signing.',
        });
    }
    else if (file.signatureProblem) {
        findings.push({
            id: 'GAV-PE-SIGNATURE-UNREADABLE',
            severity: 'warning',
            title: 'Signature present but unreadable',
            why: `A certificate table exists but ${file.signatureProblem}; Windows will treat the file as unsigned or tampered with.`,
            advice: 'Re-sign the file from the unsigned build output and verify it (signtool verify /pa, osslsigncode verify).',
        });
    }
    else if (!file.signature.timestamped) {
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
                advice: section.name === '.rsrc'
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
            advice: 'Build with Go 1.15 or later, where -buildmode=pie (with relocations) is the Windows default, and do not pass -buildmode=exe.',
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

// EXTERNAL MODULE: ./src/pe/der.ts
var pe_der = __webpack_require__(332);
;// CONCATENATED MODULE: ./src/pe/signature.ts

/**
 * The Authenticode signature in the certificate table (WIN_CERTIFICATE, then a PKCS#7 SignedData as in
 * RFC 2315 and Microsoft's "Windows Authenticode Portable Executable Signature Format"). We read who
 * signed and whether a timestamp countersignature is attached; we do not verify the signature: that is
 * signing's job (signtool verify / osslsigncode verify), and the report says "present", not "valid".
 */
const WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
/** Legacy Authenticode timestamp (PKCS#9 countersignature). */
const OID_COUNTERSIGNATURE = '1.2.840.113549.1.9.6';
/** RFC 3161 timestamp token, as signtool /tr and osslsigncode -ts attach it. */
const OID_RFC3161_TIMESTAMP = '1.3.6.1.4.1.311.3.3.1';
function parseCertificateTable(table) {
    if (table.length < 8)
        return { present: true, problem: 'certificate table too short' };
    const length = table.readUInt32LE(0);
    const type = table.readUInt16LE(6);
    if (type !== WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
        return { present: true, problem: `certificate type 0x${type.toString(16)} is not PKCS#7 signed data` };
    }
    const blob = table.subarray(8, Math.min(table.length, Math.max(8, length)));
    const parsed = parseSignedData(blob);
    return parsed
        ? { present: true, ...parsed }
        : { present: true, problem: 'the PKCS#7 signature could not be parsed' };
}
function parseSignedData(buf) {
    const contentInfo = (0,pe_der/* readNode */.XH)(buf, 0);
    if (!contentInfo || contentInfo.tag !== pe_der/* TAG */.Dk.sequence)
        return undefined;
    const [type, explicit] = (0,pe_der/* childrenOf */.LU)(buf, contentInfo);
    if (!type || (0,pe_der/* oidOf */._f)(buf, type) !== OID_SIGNED_DATA || !explicit || explicit.tag !== pe_der/* TAG */.Dk.context0)
        return undefined;
    const signedData = (0,pe_der/* childrenOf */.LU)(buf, explicit)[0];
    if (!signedData)
        return undefined;
    const fields = (0,pe_der/* childrenOf */.LU)(buf, signedData);
    const certificates = fields.find((f) => f.tag === pe_der/* TAG */.Dk.context0);
    const signerInfos = fields.filter((f) => f.tag === pe_der/* TAG */.Dk.set).at(-1);
    const signerInfo = signerInfos ? (0,pe_der/* childrenOf */.LU)(buf, signerInfos)[0] : undefined;
    if (!signerInfo)
        return undefined;
    const signerFields = (0,pe_der/* childrenOf */.LU)(buf, signerInfo);
    const sid = signerFields[1];
    const certificate = sid && certificates ? findCertificate(buf, certificates, sid) : undefined;
    const unauthenticated = signerFields.find((f) => f.tag === pe_der/* TAG */.Dk.context1);
    const timestamped = unauthenticated
        ? (0,pe_der/* childrenOf */.LU)(buf, unauthenticated).some((attribute) => {
            const oid = (0,pe_der/* oidOf */._f)(buf, (0,pe_der/* childrenOf */.LU)(buf, attribute)[0] ?? attribute);
            return oid === OID_COUNTERSIGNATURE || oid === OID_RFC3161_TIMESTAMP;
        })
        : false;
    const result = { timestamped };
    if (certificate) {
        result.signerName = certificate.subject;
        result.signer = (0,pe_der/* formatName */.nD)(certificate.subject);
        result.issuer = (0,pe_der/* formatName */.nD)(certificate.issuer);
    }
    return result;
}
/** The certificate whose issuer and serial number match the signer's IssuerAndSerialNumber. */
function findCertificate(buf, certificates, sid) {
    const [sidIssuer, sidSerial] = (0,pe_der/* childrenOf */.LU)(buf, sid);
    if (!sidIssuer || !sidSerial)
        return undefined;
    const wantedIssuer = buf.subarray(sidIssuer.headerStart, sidIssuer.end);
    const wantedSerial = buf.subarray(sidSerial.start, sidSerial.end);
    for (const cert of (0,pe_der/* childrenOf */.LU)(buf, certificates)) {
        const tbs = (0,pe_der/* childrenOf */.LU)(buf, cert)[0];
        if (!tbs)
            continue;
        const fields = (0,pe_der/* childrenOf */.LU)(buf, tbs);
        // tbsCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject, ...
        const base = fields[0]?.tag === pe_der/* TAG */.Dk.context0 ? 1 : 0;
        const serial = fields[base];
        const issuer = fields[base + 2];
        const subject = fields[base + 4];
        if (!serial || !issuer || !subject)
            continue;
        if (buf.subarray(serial.start, serial.end).equals(wantedSerial) &&
            buf.subarray(issuer.headerStart, issuer.end).equals(wantedIssuer)) {
            return { subject: (0,pe_der/* readName */.MQ)(buf, subject), issuer: (0,pe_der/* readName */.MQ)(buf, issuer) };
        }
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/pe/sha256.ts
// Plain CommonJS run with `eval: true`: no file to locate, so it works the same from src/ and the bundle.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readSync } = require('node:fs');
const buffer = Buffer.allocUnsafeSlow(1 << 20);
parentPort.on('message', ({ fd, size }) => {
  try {
    const hash = createHash('sha256');
    let position = 0;
    while (position < size) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      position += n;
    }
    parentPort.postMessage({ sha256: hash.digest('hex'), bytesRead: position });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
`;
async function workerFileHasher() {
    // Not unref'd: this thread may be waiting on nothing but the worker's reply. Callers close() it.
    // Loaded on first use: most runs never start a worker (~4 ms to load).
    const { Worker } = await Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 5919, 23));
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const waiting = [];
    let failure;
    // A dead worker fails every pending and later request instead of leaving them hanging.
    const fail = (error) => {
        failure ??= error;
        for (const w of waiting.splice(0))
            w.reject(failure);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SHA-256 worker thread exited (code ${code})`)));
    worker.on('message', (reply) => waiting.shift()?.resolve(reply));
    return {
        hash: async (fd, size) => {
            if (failure)
                throw failure;
            // Replies come in request order: one queue is enough.
            const reply = await new Promise((resolve, reject) => {
                waiting.push({ resolve, reject });
                worker.postMessage({ fd, size });
            });
            if ('error' in reply)
                throw new Error(reply.error);
            return reply;
        },
        close: async () => {
            fail(new Error('the SHA-256 worker thread was closed'));
            await worker.terminate();
        },
    };
}

;// CONCATENATED MODULE: ./src/pe/stream.ts

/**
 * The one pass over the whole file: SHA-256, a byte histogram per section and copies of the few small
 * ranges the parsers need (resource tree, import table, build info, signature), all from two reused
 * buffers, so memory stays flat however large the file is.
 */
const stream_CHUNK = 1 << 20;
const SAMPLE_ABOVE = 64 * stream_CHUNK;
const SAMPLE_SPAN = stream_CHUNK / 4;
async function streamOnce(file, size, histograms, captures, image, 
/** False when another thread hashes the file: then chunks that no range needs are not even read. */
hash = true) {
    const sha256 = hash ? (0,external_node_crypto_.createHash)('sha256') : undefined;
    const imageHashers = (image?.algorithms ?? []).map((a) => ({ algorithm: a, hash: (0,external_node_crypto_.createHash)(a) }));
    const skip = [...(image?.skip ?? [])].sort((a, b) => a[0] - b[0]);
    // Two buffers of their own (word-aligned, so the histogram can read whole words): the next chunk is
    // read by the thread pool while this one is hashed and counted.
    const buffers = [Buffer.from(new ArrayBuffer(stream_CHUNK)), Buffer.from(new ArrayBuffer(stream_CHUNK))];
    for (const c of captures)
        c.data = Buffer.alloc(c.length);
    const needed = (from, to) => hash ||
        (image !== undefined && from < image.end) ||
        [...histograms, ...captures].some((r) => r.offset < to && r.offset + r.length > from);
    const readChunk = (index, at) => {
        const length = Math.min(stream_CHUNK, size - at);
        if (length <= 0)
            return Promise.resolve(0);
        // Not read, only counted: nothing below touches bytes outside the ranges.
        if (!needed(at, at + length))
            return Promise.resolve(length);
        return file.read(buffers[index % 2], 0, length, at).then((r) => r.bytesRead);
    };
    let position = 0;
    let index = 0;
    let pending = readChunk(0, 0);
    while (position < size) {
        const bytesRead = await pending;
        if (bytesRead === 0)
            break;
        const end = position + bytesRead;
        pending = readChunk(index + 1, end);
        const chunk = buffers[index % 2].subarray(0, bytesRead);
        sha256?.update(chunk);
        if (image && imageHashers.length > 0) {
            // The chunk's part before `end`, cut around the skipped ranges.
            let from = position;
            const until = Math.min(end, image.end);
            for (const [a, b] of [...skip, [until, until]]) {
                const to = Math.min(a, until);
                if (to > from)
                    for (const h of imageHashers)
                        h.hash.update(chunk.subarray(from - position, to - position));
                from = Math.max(from, b);
                if (from >= until)
                    break;
            }
        }
        for (const h of histograms) {
            const from = Math.max(h.offset, position);
            let to = Math.min(h.offset + h.length, end);
            // A section over 64 MiB gets its entropy from a systematic sample (the first quarter of every 1 MiB
            // read): the estimate is within a hundredth of a bit, and hashing stays the only full-speed pass.
            if (h.length > SAMPLE_ABOVE)
                to = Math.min(to, from + SAMPLE_SPAN);
            if (from < to)
                h.histogram.add(chunk.subarray(from - position, to - position));
        }
        for (const c of captures) {
            const from = Math.max(c.offset, position);
            const to = Math.min(c.offset + c.length, end);
            if (from < to)
                chunk.copy(c.data, from - c.offset, from - position, to - position);
        }
        position = end;
        index++;
    }
    // Never leave a read in flight on a handle the caller is about to close.
    await pending;
    return {
        ...(sha256 ? { sha256: sha256.digest('hex') } : {}),
        bytesRead: position,
        ...(imageHashers.length > 0
            ? { imageHashes: new Map(imageHashers.map((h) => [h.algorithm, h.hash.digest()])) }
            : {}),
    };
}

;// CONCATENATED MODULE: ./src/platform/fingerprint.ts


const KEY = (0,external_node_crypto_.randomBytes)(32);
/** The fingerprint of `parts` taken one after another, with a new nonce or the nonce of the one to compare. */
function fingerprint(parts, nonce = (0,external_node_crypto_.randomBytes)(12)) {
    const mac = (0,external_node_crypto_.createCipheriv)('aes-256-gcm', KEY, nonce);
    for (const part of parts)
        for (const chunk of chunksOf(part))
            if (chunk.length > 0)
                mac.setAAD(chunk);
    mac.final();
    return { nonce, tag: mac.getAuthTag() };
}
/** Whether `parts` are the bytes `earlier` was taken of. */
function sameBytes(parts, earlier) {
    return fingerprint(parts, earlier.nonce).tag.equals(earlier.tag);
}

;// CONCATENATED MODULE: ./src/sign/authenticode/image.ts




const WIN_CERT_REVISION_2_0 = 0x0200;
const image_WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;
/** Authenticode's table offset (and the checksum's file size) are 32 bits. */
const MAX_FILE = 2 ** 32 - 1;
const tooLarge = () => new PeFormatError('the signed file would pass 4 GiB, more than Authenticode can sign');
/** Rounded up to a multiple of 8, in arithmetic: bitwise operators would wrap file offsets past 2 GiB. */
const align8 = (n) => Math.ceil(n / 8) * 8;
const readFrom = (bytes) => async (offset, length) => bytes.subarray(offset, offset + length);
/** Reads the layout from the headers; a table that runs past the end of the file is an error. */
async function peLayout(bytes) {
    return peLayoutAt(readFrom(bytes), bytes.length);
}
/** `peLayout` of a file of `size` bytes read through `readAt` (a file on disk, not held in memory). */
async function peLayoutAt(readAt, size) {
    const headers = await readHeaders(readAt, size);
    const security = headers.directories[DIRECTORY.security];
    if (headers.directories.length <= DIRECTORY.security) {
        throw new PeFormatError('the PE header has no security directory entry, so it cannot hold a signature');
    }
    let tableOffset = security?.rva ?? 0;
    let tableSize = security?.size ?? 0;
    if (tableOffset === 0 || tableSize === 0) {
        tableOffset = 0;
        tableSize = 0;
    }
    else if (tableOffset + tableSize > size) {
        throw new PeFormatError('its certificate table points outside the file (truncated download, or a damaged signature)');
    }
    else if (tableOffset < headers.sizeOfHeaders || tableOffset < headers.securityEntryOffset + 8) {
        // SizeOfHeaders is the file's own word: the table must also start after the fields the hash skips.
        throw new PeFormatError('its certificate table points into the PE headers (a damaged signature)');
    }
    return {
        checksumOffset: headers.checksumOffset,
        securityEntryOffset: headers.securityEntryOffset,
        tableOffset,
        tableSize,
        contentEnd: tableSize > 0 ? tableOffset : size,
    };
}
/**
 * The Authenticode image hash as osslsigncode and Windows compute it for ordinary files: every byte up to
 * the certificate table (or the end of the file), less the CheckSum field and the security directory entry.
 * With `end` past the content, the bytes between count as the zeros a signer pads the file with.
 */
function imageDigest(bytes, layout, algorithm, end = layout.contentEnd) {
    const hash = (0,external_node_crypto_.createHash)(algorithm);
    for (const part of imageParts(bytes, layout, end))
        for (const chunk of chunksOf(part))
            hash.update(chunk);
    return hash.digest();
}
/** The fingerprint (see platform/fingerprint.ts) of the bytes `imageDigest` hashes. */
function imageFingerprint(bytes, layout, end = layout.contentEnd) {
    return fingerprint(imageParts(bytes, layout, end));
}
/** Whether the bytes `imageDigest` would hash here are those `earlier` was taken of. */
function sameImage(bytes, layout, earlier) {
    return sameBytes(imageParts(bytes, layout, layout.contentEnd), earlier);
}
/** The bytes the image hash covers, in order (views of `bytes`, then the padding). */
function imageParts(bytes, layout, end) {
    const parts = [
        bytes.subarray(0, layout.checksumOffset),
        bytes.subarray(layout.checksumOffset + 4, layout.securityEntryOffset),
        bytes.subarray(layout.securityEntryOffset + 8, layout.contentEnd),
    ];
    if (end > layout.contentEnd)
        parts.push(Buffer.alloc(end - layout.contentEnd));
    return parts;
}
/**
 * Where the signed content of a file about to be signed ends: its content (the old table dropped) padded
 * with zeros to 8 bytes; when a signature is appended, where the existing table starts.
 */
function signedContentEnd(layout, append) {
    const end = append ? layout.tableOffset : align8(layout.contentEnd);
    if (end + 8 > MAX_FILE)
        throw tooLarge();
    return end;
}
/** Entries walked before the signature is given up on, and the largest signature read (real ones: a few KB). */
const image_MAX_ENTRIES = 1024;
const MAX_SIGNATURE = 16 * 1024 * 1024;
/**
 * The first PKCS#7 SignedData entry of the certificate table, the signature signing and verifying judge: the
 * 8-byte WIN_CERTIFICATE headers are walked, and of that entry only its DER is read (osslsigncode reads no
 * further either; what follows is padding). Undefined when the table holds none or is damaged, or the
 * signature comes after MAX_ENTRIES others or is larger than MAX_SIGNATURE, so a hostile table costs neither
 * time nor memory.
 */
async function firstSignedData(readAt, layout) {
    const end = layout.tableOffset + layout.tableSize;
    let at = layout.tableOffset;
    for (let entries = 0; entries < image_MAX_ENTRIES && at + 8 <= end; entries++) {
        const header = await readAt(at, 8);
        if (header.length < 8)
            return undefined;
        const length = header.readUInt32LE(0);
        if (length < 8 || at + length > end)
            return undefined;
        if (header.readUInt16LE(6) === image_WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
            const body = length - 8;
            const der = derLength(await readAt(at + 8, Math.min(body, 6)));
            const take = der !== undefined && der <= body ? der : body;
            return take > MAX_SIGNATURE ? undefined : readAt(at + 8, take);
        }
        at += align8(length);
    }
    return undefined;
}
/** The whole length (header and content) of the DER SEQUENCE that `head` starts, or undefined. */
function derLength(head) {
    if (head.length < 2 || head[0] !== 0x30)
        return undefined;
    const first = head[1];
    if (first < 0x80)
        return 2 + first;
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4 || head.length < 2 + octets)
        return undefined;
    let content = 0;
    for (let i = 0; i < octets; i++)
        content = content * 256 + head[2 + i];
    return 2 + octets + content;
}
/** `firstSignedData` of a file held in memory. */
const firstSignedDataOf = (bytes, layout) => firstSignedData(readFrom(bytes), layout);
/**
 * The file with `signedData` as its only certificate table: content up to the old table (or the end),
 * zero-padded to 8 bytes, then one WIN_CERTIFICATE; the directory entry and the checksum updated. The image
 * hash must have been computed over the same padded content (see `signedContentEnd`).
 */
function embedSignature(content, layout, signedData) {
    const out = Buffer.allocUnsafe(image_signedImageSize(content.length, signedData));
    content.copy(out, 0);
    return writeSignedImage(out, { ...layout, contentEnd: content.length }, content.length, signedData);
}
/** The size of a signed file whose content ends at `end`: content, then the 8-byte aligned WIN_CERTIFICATE. */
function image_signedImageSize(end, signedData) {
    const size = end + 8 + align8(signedData.length);
    if (size > MAX_FILE)
        throw tooLarge();
    return size;
}
/**
 * Builds the signed file in place in `buffer`, which holds the file's bytes up to `layout.contentEnd` and has
 * room for `signedImageSize(end, signedData)`: zero padding up to `end`, the WIN_CERTIFICATE there, the
 * directory entry and the checksum. Nothing else is copied. Returns the signed file (a view of `buffer`).
 * With `contentSum` (see `contentWordSum`) the checksum reads only the new bytes, not the content again.
 */
function writeSignedImage(buffer, layout, end, signedData, contentSum) {
    const size = image_signedImageSize(end, signedData);
    if (buffer.length < size)
        throw new RangeError(`a signed image needs ${size} bytes, the buffer has ${buffer.length}`);
    const entryLength = size - end;
    const out = buffer.subarray(0, size);
    if (end > layout.contentEnd)
        out.fill(0, layout.contentEnd, end);
    out.writeUInt32LE(entryLength, end);
    out.writeUInt16LE(WIN_CERT_REVISION_2_0, end + 4);
    out.writeUInt16LE(image_WIN_CERT_TYPE_PKCS_SIGNED_DATA, end + 6);
    signedData.copy(out, end + 8);
    out.fill(0, end + 8 + signedData.length, size);
    out.writeUInt32LE(end, layout.securityEntryOffset);
    out.writeUInt32LE(entryLength, layout.securityEntryOffset + 4);
    const checksum = contentSum === undefined
        ? peChecksum(out, layout.checksumOffset)
        : finishChecksum(contentSum + fieldSum(out, layout.securityEntryOffset, 8) + wordSum(out.subarray(end, size)), size);
    out.writeUInt32LE(checksum, layout.checksumOffset);
    return out;
}
/**
 * The signed content of a file about to be signed, as a copy: bytes up to the old table (which is dropped)
 * padded with zeros to 8 bytes, with the directory entry cleared (what signtool is given to sign).
 */
function padForSigning(bytes, layout) {
    const end = layout.contentEnd;
    const padded = signedContentEnd(layout, false);
    if (padded === end && layout.tableSize === 0 && bytes.readUInt32LE(layout.securityEntryOffset + 4) === 0) {
        // Already aligned with no table: the bytes themselves are the signed content (no copy).
        return { content: bytes.subarray(0, end), layout: { ...layout, contentEnd: end } };
    }
    const content = Buffer.alloc(padded);
    bytes.copy(content, 0, 0, end);
    content.writeUInt32LE(0, layout.securityEntryOffset);
    content.writeUInt32LE(0, layout.securityEntryOffset + 4);
    return { content, layout: { ...layout, tableOffset: 0, tableSize: 0, contentEnd: padded } };
}
/** The PE checksum (imagehlp CheckSumMappedFile): 16-bit one's-complement-style sum, CheckSum read as 0, plus the size. */
function peChecksum(bytes, checksumOffset) {
    return finishChecksum(wordSum(bytes) - fieldSum(bytes, checksumOffset, 4), bytes.length);
}
/**
 * The checksum's sum of the content a signed file keeps: bytes up to `layout.contentEnd`, with the CheckSum
 * field and the security directory entry left out (both are rewritten). The sum is additive, so the signed
 * file's checksum is this plus the sums of the parts written later, without reading the content again.
 */
function contentWordSum(bytes, layout) {
    return (wordSum(bytes.subarray(0, layout.contentEnd)) -
        fieldSum(bytes, layout.checksumOffset, 4) -
        fieldSum(bytes, layout.securityEntryOffset, 8));
}
/**
 * The sum of the 16-bit little-endian words of bytes that start at an even file offset, modulo 0xffff (the
 * checksum folds its carries, so it needs no more). A 32-bit word counts whole: 0x10000 is 1 modulo 0xffff,
 * so its high half adds the same as it would alone, and the loop is a plain add per word.
 */
function wordSum(bytes) {
    let total = 0;
    let at = 0;
    if ((bytes.byteOffset & 1) === 0) {
        // A view 2 bytes past a multiple of 4 starts with one word; the rest is read as 32-bit words.
        const head = bytes.byteOffset & 2;
        const count = Math.floor(Math.max(0, bytes.length - head) / 4);
        if (count > 0) {
            if (head)
                total += bytes.readUInt16LE(0);
            const view = new Uint32Array(bytes.buffer, bytes.byteOffset + head, count);
            for (let start = 0; start < count; start += 65536)
                total += wordsSum(view, start, Math.min(count, start + 65536)) % 0xffff;
            at = head + count * 4;
        }
    }
    for (; at + 1 < bytes.length; at += 2)
        total += bytes[at] | (bytes[at + 1] << 8);
    if (at < bytes.length)
        total += bytes[at];
    return total % 0xffff;
}
/**
 * The sum of 32-bit words `start` to `end` (at most 64 Ki, so it stays an exact double), in two running sums
 * that the CPU adds side by side. A function of its own, so V8 optimizes the loop whole.
 */
function wordsSum(view, start, end) {
    let even = 0;
    let odd = 0;
    let i = start;
    for (; i + 1 < end; i += 2) {
        even += view[i];
        odd += view[i + 1];
    }
    if (i < end)
        even += view[i];
    return even + odd;
}
/** What the `length` bytes at `offset` add to `wordSum` (to take a field out, or put its new value in). */
function fieldSum(bytes, offset, length) {
    let total = 0;
    for (let at = offset; at < offset + length && at < bytes.length; at++)
        total += bytes[at] * (at & 1 ? 0x100 : 1);
    return total;
}
/**
 * The checksum from a file's word sum (CheckSum field left out; any value congruent modulo 0xffff) and its
 * size, carries folded as osslsigncode and pefile fold them: 0xffff, never 0, for a multiple of 0xffff. Only
 * a sum of exactly 0 would fold to 0, and a PE's never is (it starts with "MZ").
 */
function finishChecksum(sum, size) {
    const folded = ((sum % 0xffff) + 0xffff) % 0xffff;
    return ((folded === 0 ? 0xffff : folded) + size) >>> 0;
}

;// CONCATENATED MODULE: ./src/sign/authenticode/oids.ts
/** Object identifiers of Authenticode (Microsoft's PE signature format), CMS (RFC 5652) and RFC 3161. */
const OID = {
    data: '1.2.840.113549.1.7.1',
    signedData: '1.2.840.113549.1.7.2',
    contentType: '1.2.840.113549.1.9.3',
    messageDigest: '1.2.840.113549.1.9.4',
    signingTime: '1.2.840.113549.1.9.5',
    countersignature: '1.2.840.113549.1.9.6',
    tstInfo: '1.2.840.113549.1.9.16.1.4',
    spcIndirectData: '1.3.6.1.4.1.311.2.1.4',
    spcPeImageData: '1.3.6.1.4.1.311.2.1.15',
    spcStatementType: '1.3.6.1.4.1.311.2.1.11',
    spcIndividualCodeSigning: '1.3.6.1.4.1.311.2.1.21',
    spcSpOpusInfo: '1.3.6.1.4.1.311.2.1.12',
    spcNestedSignature: '1.3.6.1.4.1.311.2.4.1',
    rfc3161Timestamp: '1.3.6.1.4.1.311.3.3.1',
    rsaEncryption: '1.2.840.113549.1.1.1',
    codeSigning: '1.3.6.1.5.5.7.3.3',
    timeStamping: '1.3.6.1.5.5.7.3.8',
    anyExtendedKeyUsage: '2.5.29.37.0',
};
const DIGEST_OIDS = {
    sha1: '1.3.14.3.2.26',
    sha256: '2.16.840.1.101.3.4.2.1',
    sha384: '2.16.840.1.101.3.4.2.2',
    sha512: '2.16.840.1.101.3.4.2.3',
};
const ECDSA_OIDS = {
    sha256: '1.2.840.10045.4.3.2',
    sha384: '1.2.840.10045.4.3.3',
    sha512: '1.2.840.10045.4.3.4',
};
/** Signature algorithm OIDs that name their digest (sha256WithRSAEncryption, ecdsa-with-SHA256, ...). */
const SIGNATURE_DIGEST = {
    '1.2.840.113549.1.1.5': 'sha1',
    '1.2.840.113549.1.1.11': 'sha256',
    '1.2.840.113549.1.1.12': 'sha384',
    '1.2.840.113549.1.1.13': 'sha512',
    '1.2.840.10045.4.1': 'sha1',
    '1.2.840.10045.4.3.2': 'sha256',
    '1.2.840.10045.4.3.3': 'sha384',
    '1.2.840.10045.4.3.4': 'sha512',
};
function digestName(oid) {
    return (Object.entries(DIGEST_OIDS).find(([, value]) => value === oid)?.[0] ??
        (oid ? SIGNATURE_DIGEST[oid] : undefined));
}

;// CONCATENATED MODULE: ./src/sign/authenticode/cms.ts



/**
 * The Authenticode PKCS#7 SignedData ("Windows Authenticode Portable Executable Signature Format"):
 * SpcIndirectDataContent holding the image hash, signed attributes (content type, message digest,
 * SpcSpOpusInfo, statement type), one SignerInfo, the certificates, and unsigned attributes for the
 * RFC 3161 timestamp token and nested signatures.
 */
const OBSOLETE = Buffer.from('\0<\0<\0<\0O\0b\0s\0o\0l\0e\0t\0e\0>\0>\0>', 'latin1');
const algorithm = (oid, withNull = true) => (0,pe_der/* derSequence */.xy)((0,pe_der/* derOid */._2)(oid), ...(withNull ? [(0,pe_der/* derNull */.f7)()] : []));
const attribute = (oid, value) => (0,pe_der/* derSequence */.xy)((0,pe_der/* derOid */._2)(oid), (0,pe_der/* derSetOf */.XR)([value]));
const explicit = (n, ...content) => (0,pe_der/* derTlv */.qP)(0xa0 + n, ...content);
/** SpcIndirectDataContent for a PE image hash. */
function spcIndirectData(digest, imageHash) {
    // SpcPeImageData: empty flags, file = SpcLink.file [2] { SpcString.unicode [0] "<<<Obsolete>>>" }.
    const peImageData = (0,pe_der/* derSequence */.xy)(Buffer.from([pe_der/* TAG */.Dk.bitString, 0x01, 0x00]), explicit(0, (0,pe_der/* derTlv */.qP)(0xa2, (0,pe_der/* derTlv */.qP)(0x80, OBSOLETE))));
    return (0,pe_der/* derSequence */.xy)((0,pe_der/* derSequence */.xy)((0,pe_der/* derOid */._2)(OID.spcPeImageData), peImageData), (0,pe_der/* derSequence */.xy)(algorithm(DIGEST_OIDS[digest]), (0,pe_der/* derOctetString */.Cf)(imageHash)));
}
/** SpcSpOpusInfo: programName as SpcString.unicode, moreInfo as SpcLink.url. */
function opusInfo(description, url) {
    const parts = [];
    if (description)
        parts.push(explicit(0, (0,pe_der/* derTlv */.qP)(0x80, Buffer.from(description, 'utf16le').swap16())));
    if (url)
        parts.push((0,pe_der/* derTlv */.qP)(0xa1, (0,pe_der/* derTlv */.qP)(0x80, Buffer.from(url, 'ascii'))));
    return (0,pe_der/* derSequence */.xy)(...parts);
}
/**
 * Builds and signs the SignedData for an image hash. The key sees only the digest of the signed attributes
 * (or, for a local key, the attributes themselves); the result is the ContentInfo DER and the raw signature.
 */
async function buildSignedData(imageHash, key, chain, options) {
    const digest = options.digest;
    const content = spcIndirectData(digest, imageHash);
    // The message digest covers the SpcIndirectDataContent's content octets, without its own tag and length.
    const node = (0,pe_der/* readNode */.XH)(content, 0);
    const contentDigest = (0,external_node_crypto_.createHash)(digest).update(content.subarray(node.start, node.end)).digest();
    const attributes = (0,pe_der/* derSetOf */.XR)([
        attribute(OID.contentType, (0,pe_der/* derOid */._2)(OID.spcIndirectData)),
        attribute(OID.spcSpOpusInfo, opusInfo(options.description, options.descriptionUrl)),
        attribute(OID.spcStatementType, (0,pe_der/* derSequence */.xy)((0,pe_der/* derOid */._2)(OID.spcIndividualCodeSigning))),
        attribute(OID.messageDigest, (0,pe_der/* derOctetString */.Cf)(contentDigest)),
    ]);
    const signature = Buffer.from(key.signData
        ? await key.signData(attributes, digest)
        : await key.signDigest((0,external_node_crypto_.createHash)(digest).update(attributes).digest(), digest));
    const leaf = chain[0];
    if (!leaf)
        throw new Error(`${key.description}: the key has no certificate`);
    const signerInfo = (0,pe_der/* derSequence */.xy)((0,pe_der/* derInteger */.i5)(1), issuerAndSerial(Buffer.from(leaf)), algorithm(DIGEST_OIDS[digest]), 
    // [0] IMPLICIT SET OF Attribute: the same content as the SET that was signed.
    Buffer.concat([Buffer.from([0xa0]), attributes.subarray(1)]), key.keyType === 'rsa' ? algorithm(OID.rsaEncryption) : algorithm(ECDSA_OIDS[digest], false), (0,pe_der/* derOctetString */.Cf)(signature));
    const signedData = (0,pe_der/* derSequence */.xy)((0,pe_der/* derInteger */.i5)(1), (0,pe_der/* derTlv */.qP)(pe_der/* TAG */.Dk.set, algorithm(DIGEST_OIDS[digest])), (0,pe_der/* derSequence */.xy)((0,pe_der/* derOid */._2)(OID.spcIndirectData), explicit(0, content)), (0,pe_der/* derTlv */.qP)(0xa0, ...chain.map((c) => Buffer.from(c))), (0,pe_der/* derTlv */.qP)(pe_der/* TAG */.Dk.set, signerInfo));
    return { contentInfo: (0,pe_der/* derSequence */.xy)((0,pe_der/* derOid */._2)(OID.signedData), explicit(0, signedData)), signature };
}
/** IssuerAndSerialNumber of a DER certificate: tbsCertificate's issuer and serialNumber, as encoded. */
function issuerAndSerial(cert) {
    const fields = tbsFields(cert);
    return (0,pe_der/* derSequence */.xy)(fields.issuer, fields.serial);
}
function tbsFields(cert) {
    const root = (0,pe_der/* readNode */.XH)(cert, 0);
    const tbs = root ? (0,pe_der/* childrenOf */.LU)(cert, root)[0] : undefined;
    const fields = tbs ? (0,pe_der/* childrenOf */.LU)(cert, tbs) : [];
    const base = fields[0]?.tag === pe_der/* TAG */.Dk.context0 ? 1 : 0;
    const [serial, , issuer, , subject] = fields.slice(base);
    if (!serial || !issuer || !subject)
        throw new Error('not an X.509 certificate');
    return {
        serial: (0,pe_der/* encodingOf */.P$)(cert, serial),
        issuer: (0,pe_der/* encodingOf */.P$)(cert, issuer),
        subject: (0,pe_der/* encodingOf */.P$)(cert, subject),
    };
}
function locateSignedData(der) {
    const contentInfo = (0,pe_der/* readNode */.XH)(der, 0);
    if (!contentInfo || contentInfo.tag !== pe_der/* TAG */.Dk.sequence)
        return undefined;
    const [type, wrapper] = (0,pe_der/* childrenOf */.LU)(der, contentInfo);
    if (!type || (0,pe_der/* oidOf */._f)(der, type) !== OID.signedData || wrapper?.tag !== pe_der/* TAG */.Dk.context0)
        return undefined;
    const signedData = (0,pe_der/* childrenOf */.LU)(der, wrapper)[0];
    if (!signedData || signedData.tag !== pe_der/* TAG */.Dk.sequence)
        return undefined;
    const signerInfos = (0,pe_der/* childrenOf */.LU)(der, signedData)
        .filter((n) => n.tag === pe_der/* TAG */.Dk.set)
        .at(-1);
    const signerInfo = signerInfos ? (0,pe_der/* childrenOf */.LU)(der, signerInfos)[0] : undefined;
    if (!signerInfos || !signerInfo)
        return undefined;
    return { contentInfo, explicit: wrapper, signedData, signerInfos, signerInfo };
}
/**
 * Adds `value` to the unsigned attribute `oid` of the (first) signer: into its SET when the attribute is
 * there (nested signatures accumulate), as a new attribute otherwise. Everything else keeps its bytes.
 */
function addUnsignedAttribute(der, oid, value) {
    const at = locateSignedData(der);
    if (!at)
        throw new Error('not a PKCS#7 SignedData');
    const path = [at.contentInfo, at.explicit, at.signedData, at.signerInfos, at.signerInfo];
    const unsigned = (0,pe_der/* childrenOf */.LU)(der, at.signerInfo).find((n) => n.tag === pe_der/* TAG */.Dk.context1);
    if (!unsigned) {
        const signerInfo = (0,pe_der/* derTlv */.qP)(pe_der/* TAG */.Dk.sequence, der.subarray(at.signerInfo.start, at.signerInfo.end), (0,pe_der/* derTlv */.qP)(0xa1, attribute(oid, value)));
        return (0,pe_der/* replaceNested */.K2)(der, path, signerInfo);
    }
    const existing = (0,pe_der/* childrenOf */.LU)(der, unsigned).find((a) => {
        const first = (0,pe_der/* childrenOf */.LU)(der, a)[0];
        return first !== undefined && (0,pe_der/* oidOf */._f)(der, first) === oid;
    });
    if (!existing) {
        const merged = (0,pe_der/* derTlv */.qP)(0xa1, der.subarray(unsigned.start, unsigned.end), attribute(oid, value));
        return (0,pe_der/* replaceNested */.K2)(der, [...path, unsigned], merged);
    }
    const values = (0,pe_der/* childrenOf */.LU)(der, existing)[1];
    if (!values)
        throw new Error('a malformed unsigned attribute');
    const grown = (0,pe_der/* derTlv */.qP)(pe_der/* TAG */.Dk.set, der.subarray(values.start, values.end), value);
    return (0,pe_der/* replaceNested */.K2)(der, [...path, unsigned, existing, values], grown);
}
/** The signer's signature value (what an RFC 3161 timestamp covers). */
function signatureValue(der) {
    const at = locateSignedData(der);
    const fields = at ? (0,pe_der/* childrenOf */.LU)(der, at.signerInfo) : [];
    const value = fields.filter((n) => n.tag === pe_der/* TAG */.Dk.octetString).at(-1);
    if (!value)
        throw new Error('no signature value');
    return der.subarray(value.start, value.end);
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
var external_node_http_default = /*#__PURE__*/__webpack_require__.n(external_node_http_);
;// CONCATENATED MODULE: ./src/platform/httppost.ts

/** A request that got no complete reply: time-out, refused, reset, unknown host, too large, redirect loop. */
class PostError extends Error {
}
const REDIRECTS = 5;
/**
 * POSTs `body` to `url` and reads the reply (any status) up to `maxBytes`. The deadline covers the whole
 * exchange, redirects included. A redirect is followed with the same POST (timestamp servers that moved to
 * https answer 301/302; dropping the body as browsers do would only get an error page).
 */
async function post(url, body, options) {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    let target = new URL(url);
    for (let hop = 0;; hop++) {
        const reply = await once(target, body, options, deadline);
        const location = reply.status >= 300 && reply.status < 400 ? reply.location : undefined;
        if (!location)
            return reply;
        if (hop >= REDIRECTS)
            throw new PostError(`more than ${REDIRECTS} redirects`);
        target = new URL(location, target);
    }
}
async function once(target, body, options, deadline) {
    if (target.protocol !== 'http:' && target.protocol !== 'https:')
        throw new PostError(`unsupported URL scheme ${target.protocol}`);
    // node:https (and TLS) load on the first https URL: most timestamp servers are plain http (~8 ms to load).
    const client = target.protocol === 'https:' ? (await Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 4708, 23))).default : (external_node_http_default());
    return new Promise((resolve, reject) => {
        const request = client.request(target, {
            method: 'POST',
            headers: { ...options.headers, 'content-length': String(body.length) },
            signal: deadline,
        }, (response) => {
            const chunks = [];
            let size = 0;
            response.on('data', (chunk) => {
                size += chunk.length;
                if (size > options.maxBytes) {
                    response.destroy();
                    reject(new PostError(`reply larger than ${options.maxBytes} bytes`));
                    return;
                }
                chunks.push(chunk);
            });
            response.on('error', (error) => reject(describe(error, options.timeoutMs, deadline)));
            response.on('end', () => resolve({
                status: response.statusCode ?? 0,
                statusText: response.statusMessage ?? '',
                body: Buffer.concat(chunks),
                ...(typeof response.headers.location === 'string' ? { location: response.headers.location } : {}),
            }));
        });
        request.on('error', (error) => reject(describe(error, options.timeoutMs, deadline)));
        request.end(body);
    });
}
function describe(error, timeoutMs, deadline) {
    if (error instanceof PostError)
        return error;
    if (deadline.aborted)
        return new PostError(`timed out after ${timeoutMs / 1000} s`);
    const code = error.code;
    if (code === 'ECONNREFUSED')
        return new PostError('connection refused');
    if (code === 'ECONNRESET' || code === 'EPIPE')
        return new PostError('connection reset');
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
        return new PostError('host name not found');
    return new PostError(error instanceof Error ? error.message : String(error));
}

;// CONCATENATED MODULE: ./src/sign/authenticode/timestamp.ts




/**
 * RFC 3161 over HTTP (section 3.4): a TimeStampReq for the hash of the signature value, answered by a
 * TimeStampResp whose token goes into the signature as Microsoft's RFC 3161 unsigned attribute.
 */
class TimestampError extends Error {
    transient;
    constructor(message, 
    /** Worth asking again or asking the next server: time-outs, refused, 5xx, garbage. */
    transient) {
        super(message);
        this.transient = transient;
    }
}
const MAX_REPLY = 1024 * 1024;
/** One request to one server; the token is checked to answer this request (imprint and nonce). */
async function requestTimestamp(url, signature, digest, options) {
    const imprint = (0,external_node_crypto_.createHash)(digest).update(signature).digest();
    const nonce = (0,external_node_crypto_.randomBytes)(8);
    nonce[0] = nonce[0] & 0x7f;
    const request = (0,pe_der/* derSequence */.xy)((0,pe_der/* derInteger */.i5)(1), (0,pe_der/* derSequence */.xy)((0,pe_der/* derSequence */.xy)((0,pe_der/* derOid */._2)(DIGEST_OIDS[digest]), (0,pe_der/* derNull */.f7)()), (0,pe_der/* derOctetString */.Cf)(imprint)), (0,pe_der/* derInteger */.i5)(nonce), Buffer.from([0x01, 0x01, 0xff]));
    let reply;
    try {
        reply = await post(url, request, {
            headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
            timeoutMs: options.timeoutMs,
            maxBytes: MAX_REPLY,
        });
    }
    catch (error) {
        throw new TimestampError(error instanceof Error ? error.message : String(error), true);
    }
    if (reply.status < 200 || reply.status >= 300) {
        const code = reply.status;
        throw new TimestampError(`HTTP ${code} ${reply.statusText}`.trim(), code >= 500 || code === 408 || code === 429);
    }
    return tokenFromResponse(reply.body, imprint, nonce);
}
/** Reads a TimeStampResp: a granted status and a token whose TSTInfo answers our imprint and nonce. */
function tokenFromResponse(body, imprint, nonce) {
    // Made only when thrown: an Error captures a stack, ~0.1 ms that every good reply paid.
    const garbage = () => new TimestampError('invalid reply (not an RFC 3161 timestamp response)', true);
    const root = (0,pe_der/* readNode */.XH)(body, 0);
    if (!root || root.tag !== pe_der/* TAG */.Dk.sequence)
        throw garbage();
    const [status, token] = (0,pe_der/* childrenOf */.LU)(body, root);
    const code = status ? (0,pe_der/* childrenOf */.LU)(body, status)[0] : undefined;
    if (!code || code.tag !== pe_der/* TAG */.Dk.integer)
        throw garbage();
    const value = body.readUIntBE(code.start, Math.min(6, code.end - code.start));
    if (value !== 0 && value !== 1)
        throw new TimestampError(`the server refused the request (PKIStatus ${value})`, false);
    if (!token)
        throw garbage();
    const der = body.subarray(token.headerStart, token.end);
    const info = readTstInfo(der);
    if (!info)
        throw garbage();
    if (!info.imprint.equals(imprint))
        throw new TimestampError('the reply timestamps a different hash', true);
    if (info.nonce && !stripZeros(info.nonce).equals(stripZeros(nonce)))
        throw new TimestampError('the reply answers a different request (nonce)', true);
    return Buffer.from(der);
}
const stripZeros = (b) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0)
        i++;
    return b.subarray(i);
};
/** The TSTInfo inside a TimeStampToken (ContentInfo SignedData with eContent id-ct-TSTInfo). */
function readTstInfo(token) {
    const root = (0,pe_der/* readNode */.XH)(token, 0);
    const [type, wrapper] = root ? (0,pe_der/* childrenOf */.LU)(token, root) : [];
    if (!type || (0,pe_der/* oidOf */._f)(token, type) !== OID.signedData || !wrapper)
        return undefined;
    const signedData = (0,pe_der/* childrenOf */.LU)(token, wrapper)[0];
    const encap = signedData ? (0,pe_der/* childrenOf */.LU)(token, signedData)[2] : undefined;
    const [ctype, explicit] = encap ? (0,pe_der/* childrenOf */.LU)(token, encap) : [];
    if (!ctype || (0,pe_der/* oidOf */._f)(token, ctype) !== OID.tstInfo || !explicit)
        return undefined;
    const octets = (0,pe_der/* childrenOf */.LU)(token, explicit)[0];
    if (!octets || octets.tag !== pe_der/* TAG */.Dk.octetString)
        return undefined;
    const der = token.subarray(octets.start, octets.end);
    const tst = (0,pe_der/* readNode */.XH)(der, 0);
    const fields = tst ? (0,pe_der/* childrenOf */.LU)(der, tst) : [];
    // TSTInfo: version, policy, messageImprint, serialNumber, genTime, accuracy?, ordering?, nonce?, ...
    const [, , imprintNode, , timeNode, ...rest] = fields;
    const [alg, hashed] = imprintNode ? (0,pe_der/* childrenOf */.LU)(der, imprintNode) : [];
    const algOid = alg ? (0,pe_der/* childrenOf */.LU)(der, alg)[0] : undefined;
    if (!hashed || !timeNode || timeNode.tag !== pe_der/* TAG */.Dk.generalizedTime)
        return undefined;
    const nonceNode = rest.find((n) => n.tag === pe_der/* TAG */.Dk.integer);
    return {
        digest: digestName(algOid ? (0,pe_der/* oidOf */._f)(der, algOid) : undefined),
        imprint: der.subarray(hashed.start, hashed.end),
        genTime: generalizedTime(der.toString('latin1', timeNode.start, timeNode.end)),
        ...(nonceNode ? { nonce: der.subarray(nonceNode.start, nonceNode.end) } : {}),
        der,
    };
}
/** "20261130001122Z" or with fractions "20261130001122.123Z". */
function generalizedTime(text) {
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(text);
    if (!m)
        return new Date(Number.NaN);
    return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`);
}
/** "261130001122Z" (UTCTime, years 1950-2049). */
function utcTime(text) {
    const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text);
    if (!m)
        return new Date(Number.NaN);
    const year = Number(m[1]) >= 50 ? `19${m[1]}` : `20${m[1]}`;
    return new Date(`${year}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}Z`);
}

;// CONCATENATED MODULE: ./src/sign/authenticode/verify.ts








/**
 * A certificate parsed once per run: every file signed in a run carries the same chain and often the same
 * timestamp authority's, and parsing them again for each file showed in profiles. Bounded, and immutable.
 */
const parsed = new Map();
function certificateOf(der) {
    const key = der.toString('base64');
    let certificate = parsed.get(key);
    if (!certificate) {
        if (parsed.size >= 256)
            parsed.clear();
        certificate = new external_node_crypto_.X509Certificate(der);
        parsed.set(key, certificate);
    }
    return certificate;
}
/** The verdict on a PE file held in memory; `known`, an image hash taken earlier of these bytes. */
async function verifyPe(bytes, trust, known) {
    let layout;
    try {
        layout = await peLayout(bytes);
    }
    catch (error) {
        return notPe(error);
    }
    if (layout.tableSize === 0)
        return UNSIGNED;
    const hashes = new Map();
    const imageHash = (digest) => {
        let hash = hashes.get(digest);
        if (!hash) {
            const same = known?.digest === digest && sameImage(bytes, layout, known.fingerprint);
            hashes.set(digest, (hash = same ? known.hash : imageDigest(bytes, layout, digest)));
        }
        return hash;
    };
    return verifySignatureTable(await firstSignedDataOf(bytes, layout), imageHash, trust);
}
/**
 * `verifyPe` of a file open on disk, in flat memory: the headers and the first signature are read, and the
 * image is hashed as it streams past (past the 2 GiB one read can take). A read that fails, or a file that
 * ends before `size`, throws: that is no verdict on its signature.
 */
async function verifyPeFile(handle, size, trust) {
    const readAt = async (offset, length) => {
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        if ((await readFully(handle, buffer, buffer.length, { position: offset })) < buffer.length)
            throw new Error(ENDED_EARLY);
        return buffer;
    };
    let layout;
    try {
        layout = await peLayoutAt(readAt, size);
    }
    catch (error) {
        // A failed read (fs errors carry the system call) or a short file is no verdict; a bad header is.
        if (error.syscall || error.message === ENDED_EARLY)
            throw error;
        return notPe(error);
    }
    if (layout.tableSize === 0)
        return UNSIGNED;
    const entry = await firstSignedData(readAt, layout);
    const algorithms = signatureDigests(entry);
    const skip = [
        [layout.checksumOffset, layout.checksumOffset + 4],
        [layout.securityEntryOffset, layout.securityEntryOffset + 8],
    ];
    const plan = { algorithms, skip, end: layout.contentEnd };
    const streamed = algorithms.length > 0 ? await streamOnce(handle, size, [], [], plan, false) : undefined;
    if (streamed && streamed.bytesRead !== size)
        throw new Error(ENDED_EARLY);
    return verifySignatureTable(entry, (digest) => streamed?.imageHashes?.get(digest), trust);
}
const ENDED_EARLY = 'it ended early (it changed while being verified); verify it again once it is written';
const notPe = (error) => broken(`not a PE file we can verify: ${error instanceof Error ? error.message : String(error)}`);
const UNSIGNED = {
    signed: false,
    signatures: [],
    intact: false,
    trusted: false,
    detail: 'not signed',
};
/** The image hash algorithms a certificate table's signatures use (primary and nested), to hash in one pass. */
function signatureDigests(entry) {
    const top = entry ? (0,pe_der/* readNode */.XH)(entry, 0) : undefined;
    if (!entry || !top)
        return [];
    const der = entry.subarray(0, top.end);
    const all = [der, ...nestedSignatures(der)].map((sig) => {
        const parsed = signerOf(sig);
        const indirect = parsed?.content ? readIndirect(sig, parsed.content) : undefined;
        return indirect?.digest;
    });
    return [...new Set(all.filter((d) => Boolean(d)))];
}
/**
 * Verifies the first WIN_CERTIFICATE entry's signatures against image hashes the caller computed (in memory,
 * or streamed by the PE analysis): the same verdict either way.
 */
function verifySignatureTable(entry, imageHash, trust) {
    const top = entry ? (0,pe_der/* readNode */.XH)(entry, 0) : undefined;
    if (!entry || !top)
        return broken('the certificate table holds no readable signature (junk or damaged)');
    const der = entry.subarray(0, top.end);
    const context = new Verifier(imageHash, trust);
    const signatures = [context.signature(der, 0)];
    for (const nested of nestedSignatures(der))
        signatures.push(context.signature(nested, signatures.length));
    const intact = signatures.every((s) => s.intact);
    const trusted = intact && signatures.every((s) => s.trusted);
    return { signed: true, signatures, intact, trusted, detail: verify_describe(signatures) };
}
/** The nested signatures (1.3.6.1.4.1.311.2.4.1) of the primary one, in order. */
function nestedSignatures(der) {
    const signer = signerOf(der);
    if (!signer?.unsigned)
        return [];
    return attributeValues(signer.der, signer.unsigned, OID.spcNestedSignature).map((n) => (0,pe_der/* encodingOf */.P$)(signer.der, n));
}
function broken(problem) {
    return {
        signed: true,
        signatures: [{ index: 0, intact: false, trusted: false, problems: [problem], trustProblems: [] }],
        intact: false,
        trusted: false,
        detail: `signature broken: ${problem}`,
    };
}
function verify_describe(signatures) {
    return signatures
        .map((s) => {
        const label = signatures.length > 1 ? `signature ${s.index} (${s.digest ?? '?'}): ` : '';
        if (!s.intact)
            return `${label}broken: ${s.problems.join('; ')}`;
        const ts = s.timestamp
            ? s.timestamp.intact
                ? `, timestamped ${s.timestamp.time ?? ''}${s.timestamp.trusted ? '' : ' (timestamp authority not trusted)'}`.trimEnd()
                : `, timestamp broken: ${s.timestamp.problem ?? ''}`
            : ', not timestamped';
        return s.trusted
            ? `${label}intact, chain trusted${ts}`
            : `${label}intact, chain not trusted (${s.trustProblems.join('; ')})${ts}`;
    })
        .join('; ');
}
class Verifier {
    imageHash;
    trust;
    constructor(imageHash, trust) {
        this.imageHash = imageHash;
        this.trust = trust;
    }
    signature(der, index) {
        const verdict = {
            index,
            intact: false,
            trusted: false,
            problems: [],
            trustProblems: [],
        };
        const parsed = signerOf(der);
        if (!parsed) {
            verdict.problems.push('the PKCS#7 signature could not be read');
            return verdict;
        }
        const { fields, certs, content } = parsed;
        verdict.digest = fields.digest;
        // 1. The image hash in SpcIndirectDataContent against the file.
        const indirect = content ? readIndirect(der, content) : undefined;
        if (!indirect)
            verdict.problems.push('no SpcIndirectDataContent (not an Authenticode signature)');
        else if (!indirect.digest)
            verdict.problems.push('unknown image hash algorithm');
        else if (!this.imageHash(indirect.digest)?.equals(indirect.hash))
            verdict.problems.push('the file was changed after signing (image hash mismatch)');
        // 2. The signer: message digest over the content, then the signature over the signed attributes.
        const leaf = findSigner(der, fields.sid, certs);
        if (leaf) {
            verdict.signer = distinguished(leaf.subject);
            verdict.issuer = distinguished(leaf.issuer);
        }
        if (content && fields.digest) {
            const covered = der.subarray(content.start, content.end);
            const problem = checkSignerInfo(der, fields, covered, leaf?.publicKey);
            if (problem)
                verdict.problems.push(problem);
        }
        else
            verdict.problems.push('unknown signer digest algorithm');
        // 3. The timestamp, bound to this signature value.
        const timestamp = this.timestamp(der, fields, certs);
        if (timestamp)
            verdict.timestamp = timestamp;
        if (timestamp && !timestamp.intact)
            verdict.problems.push(`timestamp broken: ${timestamp.problem ?? ''}`);
        verdict.intact = verdict.problems.length === 0;
        // 4. Trust: the chain, validity at the timestamp time, the code-signing usage.
        const at = timestamp?.intact && timestamp.time ? new Date(timestamp.time) : (this.trust.now ?? new Date());
        if (!leaf)
            verdict.trustProblems.push("the signer's certificate is not in the signature");
        else {
            verdict.trustProblems.push(...chainProblems(leaf, certs, this.trust.anchors, at, OID.codeSigning));
        }
        verdict.trusted = verdict.intact && verdict.trustProblems.length === 0;
        return verdict;
    }
    timestamp(der, fields, certs) {
        if (!fields.unsigned)
            return undefined;
        const token = attributeValues(der, fields.unsigned, OID.rfc3161Timestamp)[0];
        if (token)
            return this.rfc3161((0,pe_der/* encodingOf */.P$)(der, token), fields.signature);
        const counter = attributeValues(der, fields.unsigned, OID.countersignature)[0];
        if (counter)
            return this.countersignature(der, counter, fields.signature, certs);
        return undefined;
    }
    rfc3161(token, signatureValue) {
        const verdict = { kind: 'rfc3161', intact: false, trusted: false };
        const info = readTstInfo(token);
        const parsed = signerOf(token);
        if (!info || !parsed)
            return { ...verdict, problem: 'the timestamp token could not be read' };
        verdict.time = info.genTime.toISOString();
        if (!info.digest)
            return { ...verdict, problem: 'unknown timestamp imprint algorithm' };
        if (!(0,external_node_crypto_.createHash)(info.digest).update(signatureValue).digest().equals(info.imprint))
            return { ...verdict, problem: 'the timestamp belongs to another signature' };
        const tsa = findSigner(token, parsed.fields.sid, parsed.certs);
        if (tsa)
            verdict.signer = distinguished(tsa.subject);
        const problem = checkSignerInfo(token, parsed.fields, info.der, tsa?.publicKey);
        if (problem)
            return { ...verdict, problem: `timestamp signature: ${problem}` };
        verdict.intact = true;
        verdict.trusted =
            Boolean(tsa) &&
                chainProblems(tsa, parsed.certs, this.trust.anchors, info.genTime, OID.timeStamping)
                    .length === 0;
        return verdict;
    }
    countersignature(der, node, signatureValue, certs) {
        const verdict = { kind: 'authenticode', intact: false, trusted: false };
        const fields = readSignerInfo(der, node);
        if (!fields || !fields.signedAttrs)
            return { ...verdict, problem: 'the countersignature could not be read' };
        const time = attributeValues(der, fields.signedAttrs, OID.signingTime)[0];
        const when = time
            ? time.tag === pe_der/* TAG */.Dk.utcTime
                ? utcTime(der.toString('latin1', time.start, time.end))
                : generalizedTime(der.toString('latin1', time.start, time.end))
            : undefined;
        if (when && !Number.isNaN(when.getTime()))
            verdict.time = when.toISOString();
        const signer = findSigner(der, fields.sid, certs);
        if (signer)
            verdict.signer = distinguished(signer.subject);
        const problem = checkSignerInfo(der, fields, signatureValue, signer?.publicKey);
        if (problem)
            return { ...verdict, problem: `countersignature: ${problem}` };
        verdict.intact = true;
        verdict.trusted =
            Boolean(signer) &&
                chainProblems(signer, certs, this.trust.anchors, when ?? new Date(), OID.timeStamping).length === 0;
        return verdict;
    }
}
/** The SignerInfo of a ContentInfo(SignedData), its certificates and its encapsulated content node. */
function signerOf(der) {
    const root = (0,pe_der/* readNode */.XH)(der, 0);
    const [type, wrapper] = root ? (0,pe_der/* childrenOf */.LU)(der, root) : [];
    if (!type || (0,pe_der/* oidOf */._f)(der, type) !== OID.signedData || !wrapper)
        return undefined;
    const signedData = (0,pe_der/* childrenOf */.LU)(der, wrapper)[0];
    if (!signedData)
        return undefined;
    const parts = (0,pe_der/* childrenOf */.LU)(der, signedData);
    const encap = parts[2];
    const explicit = encap ? (0,pe_der/* childrenOf */.LU)(der, encap)[1] : undefined;
    const content = explicit ? (0,pe_der/* childrenOf */.LU)(der, explicit)[0] : undefined;
    const certSet = parts.find((p, i) => i > 2 && p.tag === pe_der/* TAG */.Dk.context0);
    const certs = certSet
        ? (0,pe_der/* childrenOf */.LU)(der, certSet).flatMap((c) => {
            try {
                return c.tag === pe_der/* TAG */.Dk.sequence ? [certificateOf((0,pe_der/* encodingOf */.P$)(der, c))] : [];
            }
            catch {
                return [];
            }
        })
        : [];
    const infos = parts.filter((p) => p.tag === pe_der/* TAG */.Dk.set).at(-1);
    const info = infos ? (0,pe_der/* childrenOf */.LU)(der, infos)[0] : undefined;
    const fields = info ? readSignerInfo(der, info) : undefined;
    if (!fields)
        return undefined;
    return {
        der,
        fields,
        certs,
        ...(content ? { content } : {}),
        ...(fields.unsigned ? { unsigned: fields.unsigned } : {}),
    };
}
function readSignerInfo(der, node) {
    const parts = (0,pe_der/* childrenOf */.LU)(der, node);
    const [, sid, digestAlg] = parts;
    if (!sid || !digestAlg)
        return undefined;
    const signedAttrs = parts.find((p) => p.tag === pe_der/* TAG */.Dk.context0);
    const rest = parts.slice(3).filter((p) => p.tag !== pe_der/* TAG */.Dk.context0);
    const [sigAlg, signature] = rest;
    const unsigned = parts.find((p) => p.tag === pe_der/* TAG */.Dk.context1);
    if (!sigAlg || !signature || signature.tag !== pe_der/* TAG */.Dk.octetString)
        return undefined;
    const algOid = (0,pe_der/* childrenOf */.LU)(der, digestAlg)[0];
    const sigOid = (0,pe_der/* childrenOf */.LU)(der, sigAlg)[0];
    return {
        digest: digestName(algOid ? (0,pe_der/* oidOf */._f)(der, algOid) : undefined),
        sid,
        ...(signedAttrs ? { signedAttrs } : {}),
        ...(sigOid ? { signatureAlgorithm: (0,pe_der/* oidOf */._f)(der, sigOid) ?? '' } : {}),
        signature: der.subarray(signature.start, signature.end),
        ...(unsigned ? { unsigned } : {}),
    };
}
/** The message digest attribute must match `covered`; the signature must check over the signed attributes. */
function checkSignerInfo(der, fields, covered, key) {
    if (!fields.digest)
        return 'unknown digest algorithm';
    if (!fields.signedAttrs)
        return 'no signed attributes';
    const digest = attributeValues(der, fields.signedAttrs, OID.messageDigest)[0];
    if (!digest ||
        !der.subarray(digest.start, digest.end).equals((0,external_node_crypto_.createHash)(fields.digest).update(covered).digest()))
        return 'the signed content does not match its message digest';
    if (!key)
        return "the signer's certificate is not in the signature";
    // The signature covers the attributes encoded as a SET (tag 0x31), not as the [0] they are stored with.
    const signed = Buffer.concat([
        Buffer.from([pe_der/* TAG */.Dk.set]),
        der.subarray(fields.signedAttrs.headerStart + 1, fields.signedAttrs.end),
    ]);
    let ok;
    try {
        ok = (0,external_node_crypto_.verify)(fields.digest, signed, key, fields.signature);
    }
    catch {
        ok = false;
    }
    return ok ? undefined : "the signature value does not verify with the signer's key";
}
/** The values (SET members) of attribute `oid` in a SET/[0]/[1] of attributes. */
function attributeValues(der, attributes, oid) {
    for (const attribute of (0,pe_der/* childrenOf */.LU)(der, attributes)) {
        const [type, values] = (0,pe_der/* childrenOf */.LU)(der, attribute);
        if (type && values && (0,pe_der/* oidOf */._f)(der, type) === oid)
            return (0,pe_der/* childrenOf */.LU)(der, values);
    }
    return [];
}
/** SpcIndirectDataContent: the DigestInfo's algorithm and hash. */
function readIndirect(der, content) {
    const [, digestInfo] = (0,pe_der/* childrenOf */.LU)(der, content);
    const [alg, hash] = digestInfo ? (0,pe_der/* childrenOf */.LU)(der, digestInfo) : [];
    const algOid = alg ? (0,pe_der/* childrenOf */.LU)(der, alg)[0] : undefined;
    if (!hash || hash.tag !== pe_der/* TAG */.Dk.octetString)
        return undefined;
    return {
        digest: digestName(algOid ? (0,pe_der/* oidOf */._f)(der, algOid) : undefined),
        hash: der.subarray(hash.start, hash.end),
    };
}
/** The certificate named by a SignerIdentifier (IssuerAndSerialNumber, or [0] SubjectKeyIdentifier). */
function findSigner(der, sid, certs) {
    if (sid.tag === pe_der/* TAG */.Dk.sequence) {
        const [issuer, serial] = (0,pe_der/* childrenOf */.LU)(der, sid);
        if (!issuer || !serial)
            return undefined;
        const wanted = Buffer.concat([(0,pe_der/* encodingOf */.P$)(der, issuer), (0,pe_der/* encodingOf */.P$)(der, serial)]);
        return certs.find((c) => {
            try {
                const f = tbsFields(c.raw);
                return Buffer.concat([f.issuer, f.serial]).equals(wanted);
            }
            catch {
                return false;
            }
        });
    }
    if (sid.tag === 0x80) {
        const ski = der.subarray(sid.start, sid.end).toString('hex');
        return certs.find((c) => subjectKeyId(c) === ski);
    }
    return undefined;
}
function subjectKeyId(cert) {
    const raw = cert.raw;
    const at = raw.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0e]));
    if (at < 0)
        return undefined;
    const octets = (0,pe_der/* readNode */.XH)(raw, at + 5);
    const inner = octets ? (0,pe_der/* readNode */.XH)(raw, octets.start) : undefined;
    return inner ? raw.toString('hex', inner.start, inner.end) : undefined;
}
/**
 * Why `leaf` is not trusted for `usage` at time `at`: the chain through the signature's own certificates
 * to an anchor; each certificate in it valid at `at`; the leaf carries the usage.
 */
function chainProblems(leaf, pool, anchors, at, usage) {
    const problems = [];
    const ekus = leaf.keyUsage;
    if (!ekus || !(ekus.includes(usage) || ekus.includes(OID.anyExtendedKeyUsage)))
        problems.push(usage === OID.codeSigning ? 'no code-signing usage' : 'no time-stamping usage');
    const path = chainOf(leaf, pool, anchors);
    if (path.problem)
        problems.push(path.problem);
    if (path.trusted) {
        for (const cert of path.chain) {
            if (at < validity(cert).from || at > validity(cert).to)
                problems.push(`${distinguished(cert.subject)} was not valid at ${at.toISOString()}`);
        }
    }
    return problems;
}
/** A certificate's validity as dates (validFromDate came with Node 22.10; the strings are older). */
const validity = (cert) => ({
    from: new Date(cert.validFrom),
    to: new Date(cert.validTo),
});
const verify_paths = new Map();
/**
 * The path from `leaf` to an anchor through `pool`. Every file signed in a run has the same chain: the
 * path is built once per leaf, pool and anchor set (dates are checked by the caller, per time).
 */
function chainOf(leaf, pool, anchors) {
    const key = [anchors.id, leaf.fingerprint256, ...pool.map((c) => c.fingerprint256).sort()].join('|');
    const cached = verify_paths.get(key);
    if (cached)
        return cached;
    const chain = [leaf];
    let trusted = false;
    let problem;
    for (let current = leaf; chain.length < 10;) {
        if (anchors.includes(current)) {
            trusted = true;
            break;
        }
        const issuer = anchors.issuersOf(current).find((a) => issues(a, current)) ??
            pool.find((c) => c !== current && !c.raw.equals(current.raw) && issues(c, current));
        if (!issuer) {
            problem =
                current.subject === current.issuer
                    ? `${distinguished(current.subject)} is self-signed and not a trust anchor here`
                    : `no trust anchor for ${distinguished(current.issuer)}`;
            break;
        }
        chain.push(issuer);
        if (anchors.includes(issuer)) {
            trusted = true;
            break;
        }
        current = issuer;
    }
    const path = { chain, trusted, ...(problem ? { problem } : {}) };
    if (verify_paths.size > 1000)
        verify_paths.clear();
    verify_paths.set(key, path);
    return path;
}
/**
 * Whether `issuer` issued `cert`: names, a CA (basicConstraints; OpenSSL's check alone accepts an end
 * entity without keyUsage as an issuer), and the signature.
 */
function issues(issuer, cert) {
    try {
        return issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
    }
    catch {
        return false;
    }
}
const distinguished = (name) => name.split('\n').filter(Boolean).reverse().join(', ');

;// CONCATENATED MODULE: ./src/sign/authenticode/anchors.ts


/**
 * Trust anchors from PEM bundles, found by name: a chain looks up its issuer by the bytes of its issuer
 * name, which RFC 5280 (4.1.2.6) has a CA encode exactly as its own subject (Go's verifier matches names
 * the same way). An anchor is parsed only when a chain reaches it: a system bundle holds ~150
 * certificates, and parsing them all took ~10 ms of every run, most often for a chain that reaches none.
 */
class TrustAnchors {
    bySubject = new Map();
    /** How many anchors were read (entries that are not certificates are skipped, as OpenSSL skips them). */
    size;
    /** Tells sets apart in caches of chain verdicts (two sets of one size are not the same anchors). */
    id = ++sets;
    constructor(ders) {
        let size = 0;
        for (const der of ders) {
            let subject;
            try {
                subject = tbsFields(der).subject;
            }
            catch {
                continue;
            }
            const key = subject.toString('latin1');
            this.bySubject.set(key, [...(this.bySubject.get(key) ?? []), { der }]);
            size++;
        }
        this.size = size;
    }
    /** The anchors named as `cert`'s issuer (any of them may be the one that signed it). */
    issuersOf(cert) {
        return this.named(nameOf(cert, 'issuer'));
    }
    /** Whether `cert` itself is an anchor. */
    includes(cert) {
        return this.named(nameOf(cert, 'subject')).some((a) => a.raw.equals(cert.raw));
    }
    named(name) {
        const anchors = name === undefined ? undefined : this.bySubject.get(name);
        if (!anchors)
            return [];
        const out = [];
        for (const anchor of anchors) {
            if (anchor.parsed === undefined) {
                try {
                    anchor.parsed = new external_node_crypto_.X509Certificate(anchor.der);
                }
                catch {
                    anchor.parsed = null;
                }
            }
            if (anchor.parsed)
                out.push(anchor.parsed);
        }
        return out;
    }
}
let sets = 0;
const nameOf = (cert, which) => {
    try {
        return tbsFields(cert.raw)[which].toString('latin1');
    }
    catch {
        return undefined;
    }
};
/** The certificates of PEM bundles (system CA bundle, a private CA, a test TSA) as trust anchors. */
function readAnchors(pemTexts) {
    const ders = [];
    for (const text of pemTexts) {
        for (const pem of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
            ders.push(Buffer.from(pem.slice(27, -25), 'base64'));
    }
    return new TrustAnchors(ders);
}

;// CONCATENATED MODULE: ./src/sign/trust.ts


/** The system CA bundle, the trust anchors of in-process verification besides a run's own. */
const SYSTEM_CA_BUNDLES = [
    '/etc/ssl/certs/ca-certificates.crt',
    '/etc/pki/tls/certs/ca-bundle.crt',
    '/etc/ssl/cert.pem',
];
async function systemBundle(env = process.env) {
    for (const file of [env.SSL_CERT_FILE, ...SYSTEM_CA_BUNDLES]) {
        if (!file)
            continue;
        const text = await (0,promises_.readFile)(file, 'utf8').catch(() => undefined);
        if (text !== undefined)
            return text;
    }
    return '';
}
async function systemAnchors(env = process.env) {
    return readAnchors([await systemBundle(env)]);
}

;// CONCATENATED MODULE: ./src/pe/index.ts



















/**
 * Static PE report for one binary, from one streaming pass (SHA-256, section entropy, and copies of the
 * small ranges the parsers need) plus a few small positional reads of headers. With several large files,
 * some are hashed by a worker thread that reads the same open file itself, while the pass here reads only
 * the chunks its sections and ranges need. Never throws: a file that is missing, a directory, not a PE
 * or damaged becomes a PeError with one sentence saying which.
 *
 * Why our own reader and not pe-library: pe-library parses a whole in-memory ArrayBuffer, so memory would
 * grow with the file and the bytes would be walked again for hashing and entropy; we need only headers,
 * a few small tables and one pass, which is about 1,000 lines here and keeps pace with openssl's SHA-256
 * alone (npm run bench:analyze).
 *
 * Overlay: bytes after everything the headers account for, i.e. after the section data, the COFF symbol
 * and string tables, and the Authenticode certificate table. The certificate table is not counted as
 * overlay, since every signed file has one; data after it is, since that is where droppers hide payloads.
 */
/** Captured ranges are kept in memory for parsing; anything larger is read on demand instead. */
const MAX_CAPTURE = 4 * 1024 * 1024;
const IMAGE_FILE_DLL = 0x2000;
/**
 * Worker threads only pay when the files besides the largest hold this much: starting one costs about
 * 0.1 s of a core, what hashing ~150 MB costs.
 */
const WORKER_WORTH = 128 * 1024 * 1024;
/** At most this many files at once: each holds two 1 MiB buffers and its captured ranges. */
const MAX_LANES = 4;
async function analyzeFiles(paths, ctx = {}) {
    const files = new Array(paths.length);
    let trust;
    const anchors = () => (trust ??= ctx.trust ? Promise.resolve(ctx.trust) : systemAnchors().then((a) => ({ anchors: a })));
    // SHA-256 is most of the work and runs on one core per file, so large files are analyzed side by side:
    // one lane hashes on this thread, each other lane in a worker thread. Largest first, for the best split;
    // this thread takes the first file, as a worker needs a moment to start.
    const sizes = await Promise.all(paths.map(sizeOf));
    const order = paths.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a]);
    const besidesLargest = sizes.reduce((sum, s) => sum + s, 0) - Math.max(0, ...sizes);
    const workers = besidesLargest >= WORKER_WORTH ? Math.min((0,external_node_os_.availableParallelism)(), MAX_LANES) - 1 : 0;
    const lanes = [undefined];
    try {
        for (let i = 0; i < workers; i++)
            lanes.push(await workerFileHasher());
        let next = 0;
        await Promise.all(lanes.map(async (hasher) => {
            for (let i = order[next++]; i !== undefined; i = order[next++]) {
                const file = paths[i];
                const signed = ctx.signing?.files.find((f) => f.status !== 'failed' && f.verification && external_node_path_default().resolve(f.path) === external_node_path_default().resolve(file));
                const verify = { trust: anchors, ...(signed ? { signed } : {}) };
                files[i] = withSigning(await analyzeFile(file, verify, hasher), ctx.signing);
            }
        }));
    }
    finally {
        await Promise.all(lanes.map((h) => h?.close()));
    }
    return files;
}
/** The size for scheduling only: a file that cannot be read gets its error from analyzeFile. */
async function sizeOf(file) {
    try {
        return (await (0,promises_.stat)(file)).size;
    }
    catch {
        return 0;
    }
}
/** The negation of isPeReport, for callers that handle the error case first. */
function isPeError(result) {
    return 'error' in result;
}
async function analyzeFile(file, verify, 
/** Hashes the file in another thread; without one, the streaming pass hashes it here. */
hasher) {
    let handle;
    try {
        const info = await (0,promises_.stat)(file);
        if (info.isDirectory())
            return { path: file, error: `${file} is a directory, not an executable file` };
        if (!info.isFile())
            return { path: file, error: `${file} is not a regular file` };
        handle = await (0,promises_.open)(file, 'r');
        return await analyzeOpen(file, handle, info.size, verify, hasher);
    }
    catch (error) {
        return { path: file, error: describeError(file, error) };
    }
    finally {
        await handle?.close().catch(() => undefined);
    }
}
async function analyzeOpen(file, handle, size, verify, hasher) {
    const readAt = async (offset, length) => {
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        if (buffer.length === 0)
            return buffer;
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        return buffer.subarray(0, bytesRead);
    };
    // What the file was before the pass: a rewrite in place (same size) while the pass or the hashing thread
    // reads it would mix old and new bytes, and shows as a new modification or change time.
    const before = identityOf(file, await handle.stat());
    const headers = await readHeaders(readAt, size);
    const stringTableLength = headers.symbolTableOffset > 0 && headers.symbolCount > 0
        ? (await readAt(headers.symbolTableOffset + headers.symbolCount * 18, 4)).readUInt32LE(0)
        : 0;
    const histograms = headers.sections.map((s) => ({
        offset: s.rawOffset,
        length: s.rawSize,
        histogram: new ByteHistogram(),
    }));
    const captures = planCaptures(headers);
    // The signature's image hashes come from the same pass, unless signing verified these very bytes.
    const security = headers.directories[DIRECTORY.security];
    const table = verify && security && security.size > 0 && security.rva > 0 && security.rva + security.size <= size
        ? { tableOffset: security.rva, tableSize: security.size }
        : undefined;
    // The signature `verify` and signing judge: the first SignedData entry, read alone.
    const entry = table ? await firstSignedData(readAt, table) : undefined;
    const imageHashes = table && entry && !verify?.signed ? imagePlan(headers, entry, security?.rva ?? size) : undefined;
    const hashing = hasher?.hash(handle.fd, size);
    // The worker reads through this handle: wait for it even when the pass fails, as the caller closes it.
    const streamed = await streamOnce(handle, size, histograms, Object.values(captures), imageHashes, !hasher).finally(() => hashing?.catch(() => undefined));
    const hashed = await hashing;
    const sha256 = (hashed?.sha256 ?? streamed.sha256);
    const bytesRead = Math.min(streamed.bytesRead, hashed?.bytesRead ?? size);
    if (bytesRead !== size) {
        return {
            path: file,
            error: `${file} changed while it was being read (${bytesRead} of ${size} bytes); analyze it again once it is written`,
        };
    }
    if (!sameIdentity(identityOf(file, await handle.stat()), before)) {
        return {
            path: file,
            error: `${file} changed while it was being read (it was written meanwhile); analyze it again once it is written`,
        };
    }
    const image = new PeImage(headers, size, handle, Object.values(captures));
    const resourceDir = headers.directories[DIRECTORY.resource];
    const importDir = headers.directories[DIRECTORY.import];
    const relocDir = headers.directories[DIRECTORY.baseReloc];
    const tlsDir = headers.directories[DIRECTORY.tls];
    const resources = await readResources(image, resourceDir?.rva ?? 0, resourceDir?.size ?? 0);
    const imports = await readImports(image, importDir?.rva ?? 0, importDir?.size ?? 0);
    const signature = captures.security?.data
        ? parseCertificateTable(captures.security.data)
        : { present: false };
    const goBuildInfo = captures.buildInfo?.data
        ? await parseBuildInfo(captures.buildInfo.data, (va, length) => image.readVa(va, length))
        : undefined;
    let verdict;
    if (verify && table) {
        const reused = verify.signed?.sha256 === sha256 ? verify.signed?.verification : undefined;
        if (reused) {
            verdict = { intact: reused.ok, trusted: reused.chainTrusted, detail: reused.detail };
        }
        else {
            let hashes = streamed.imageHashes;
            // The file changed since signing verified it: one more pass for its image hashes.
            if (!hashes && entry)
                hashes = (await streamOnce(handle, size, [], [], imagePlan(headers, entry, security?.rva ?? size), false)).imageHashes;
            const checked = verifySignatureTable(entry, (digest) => hashes?.get(digest), await verify.trust());
            verdict = { intact: checked.intact, trusted: checked.trusted, detail: checked.detail };
        }
    }
    const executionLevel = resources.manifestText?.match(/requestedExecutionLevel[^>]*\blevel\s*=\s*["']([^"']+)["']/)?.[1];
    const report = {
        path: file,
        size,
        sha256,
        machine: machineName(headers.machine),
        format: headers.format,
        subsystem: subsystemName(headers.subsystem),
        sections: headers.sections.map((s, i) => ({
            name: s.name,
            virtualSize: s.virtualSize,
            rawSize: s.rawSize,
            characteristics: s.characteristics,
            entropy: round(shannonEntropy(histograms[i].histogram.counts())),
        })),
        hasRelocations: (relocDir?.size ?? 0) > 0 && (relocDir?.rva ?? 0) > 0,
        resources: {
            present: resources.present,
            versionInfo: resources.versionInfo,
            manifest: resources.manifest,
            icon: resources.icon,
            types: resources.types,
            ...(resources.version ? { version: resources.version } : {}),
            ...(resources.fixedFileVersion ? { fixedFileVersion: resources.fixedFileVersion } : {}),
            ...(resources.fixedProductVersion ? { fixedProductVersion: resources.fixedProductVersion } : {}),
            ...(executionLevel ? { executionLevel } : {}),
        },
        imports,
        tls: (tlsDir?.size ?? 0) > 0 && (tlsDir?.rva ?? 0) > 0,
        overlaySize: Math.max(0, size - endOfImage(headers, stringTableLength)),
        isDll: (headers.characteristics & IMAGE_FILE_DLL) !== 0,
        signature: {
            present: signature.present,
            ...('signer' in signature && signature.signer
                ? { signer: signature.signer, source: 'file' }
                : {}),
            ...('signerName' in signature && signature.signerName ? { signerParts: signature.signerName } : {}),
            ...('issuer' in signature && signature.issuer ? { issuer: signature.issuer } : {}),
            ...('timestamped' in signature ? { timestamped: signature.timestamped } : {}),
            ...('problem' in signature && signature.problem ? { problem: signature.problem } : {}),
            ...(verdict ? { verdict } : {}),
        },
        ...(detectPacker(headers.sections) ? { packer: detectPacker(headers.sections) } : {}),
        ...(goBuildInfo ? { goBuildInfo } : {}),
    };
    return { ...report, findings: evaluateRules({ ...report, signatureProblem: report.signature.problem }) };
}
function imagePlan(headers, entry, end) {
    return {
        algorithms: signatureDigests(entry),
        skip: [
            [headers.checksumOffset, headers.checksumOffset + 4],
            [headers.securityEntryOffset, headers.securityEntryOffset + 8],
        ],
        end,
    };
}
/** The small ranges the parsers read, copied while the stream passes them. */
function planCaptures(headers) {
    const captures = {};
    const inSection = (rva) => {
        if (!rva)
            return undefined;
        const offset = rvaToOffset(headers, rva);
        if (offset === undefined)
            return undefined;
        const section = headers.sections.find((s) => offset >= s.rawOffset && offset < s.rawOffset + s.rawSize);
        const end = section ? section.rawOffset + section.rawSize : offset + 64 * 1024;
        return { offset, length: Math.min(end - offset, MAX_CAPTURE) };
    };
    const resources = inSection(headers.directories[DIRECTORY.resource]?.rva);
    if (resources)
        captures.resources = resources;
    const imports = inSection(headers.directories[DIRECTORY.import]?.rva);
    if (imports)
        captures.imports = { offset: imports.offset, length: Math.min(imports.length, 256 * 1024) };
    const data = buildInfoSection(headers.sections);
    if (data)
        captures.buildInfo = { offset: data.rawOffset, length: Math.min(data.rawSize, BUILDINFO_WINDOW) };
    const security = headers.directories[DIRECTORY.security];
    if (security && security.size > 0 && security.rva > 0) {
        captures.security = { offset: security.rva, length: Math.min(security.size, MAX_CAPTURE) };
    }
    return captures;
}
/** Fills the signer from this run's signing report when the file itself did not say. */
function withSigning(result, signing) {
    if (isPeError(result) || !signing || !result.signature.present || result.signature.signer)
        return result;
    const signed = signing.files.find((f) => f.status === 'signed' && external_node_path_default().resolve(f.path) === external_node_path_default().resolve(result.path));
    const signer = signed?.signer ?? (signed ? signing.certificate?.subject : undefined);
    if (!signer)
        return result;
    return { ...result, signature: { ...result.signature, signer, source: 'signing' } };
}
function describeError(file, error) {
    if (error instanceof PeFormatError)
        return `${file}: ${error.message}`;
    const code = error.code;
    if (code === 'ENOENT')
        return `${file} does not exist`;
    if (code === 'EACCES' || code === 'EPERM')
        return `${file} cannot be read (permission denied; on Windows, antivirus may be holding it)`;
    if (code === 'EISDIR')
        return `${file} is a directory, not an executable file`;
    return `${file} could not be analyzed: ${error instanceof Error ? error.message : String(error)}`;
}
const round = (n) => Math.round(n * 1000) / 1000;

;// CONCATENATED MODULE: ./src/report/model.ts
const SCHEMA_VERSION = 1;
function model_newReport(phase, workspace, version, now = new Date()) {
    return {
        schemaVersion: SCHEMA_VERSION,
        tool: { name: 'go-av-guard', version },
        phase,
        startedAt: now.toISOString(),
        workspace,
        notes: [],
        failures: [],
    };
}

;// CONCATENATED MODULE: ./src/platform/glob.ts


/**
 * Expands sign patterns against the workspace with @actions/glob's rules: one pattern per entry, `!` excludes,
 * the last pattern that matches a file decides, files only (a folder name does not mean "everything below it",
 * which would try to sign READMEs and checksums). Unlike @actions/glob, wildcards skip dot-files, as shells do:
 * signing's own temp files are dot-files; a dot-file named explicitly still matches. Built on node:fs glob rather
 * than @actions/glob, which writes ::debug:: lines to stdout and would corrupt `--json` output.
 */
async function expandPatterns(patterns, workspace) {
    const rules = patterns.map((pattern) => {
        const negated = pattern.startsWith('!');
        const body = slashes(negated ? pattern.slice(1) : pattern);
        const absolute = external_node_path_default().isAbsolute(body);
        // Globbing from the pattern's own root keeps glob characters in the workspace path from being read as globs.
        const cwd = absolute ? external_node_path_default().parse(body).root : workspace;
        const relative = absolute ? body.slice(slashes(cwd).length) : body;
        // A pattern without glob syntax names one path (the CLI's usual case: no globbing, no matcher built).
        const plain = !GLOB_SYNTAX.test(relative);
        return { negated, cwd, relative, plain, literal: external_node_path_default().resolve(cwd, relative) };
    });
    // A path naming an existing file is that file, even when it holds glob characters such as [ ] (CLI paths).
    const matches = (rule, file) => rule.literal === file ||
        (!rule.plain && external_node_path_default().posix.matchesGlob(slashes(external_node_path_default().relative(rule.cwd, file)), rule.relative));
    const candidates = new Set();
    for (const rule of rules.filter((r) => !r.negated)) {
        if ((await (0,promises_.stat)(rule.literal).catch(() => undefined))?.isFile())
            candidates.add(rule.literal);
        if (rule.plain)
            continue;
        for await (const entry of (0,promises_.glob)(rule.relative, { cwd: rule.cwd }))
            candidates.add(external_node_path_default().resolve(rule.cwd, entry));
    }
    const kept = [];
    for (const file of candidates) {
        const last = rules.findLast((r) => matches(r, file));
        if (!last || last.negated)
            continue;
        if ((await (0,promises_.stat)(file).catch(() => undefined))?.isFile())
            kept.push(file);
    }
    return kept.sort();
}
/** Characters that make a pattern a glob (minimatch's magic, extglob and escapes included). */
const GLOB_SYNTAX = /[*?[\]{}()!+@\\]/;
/** Windows users write backslashes; glob syntax wants forward slashes (elsewhere a backslash escapes). */
const slashes = (p) => ((external_node_path_default()).sep === '\\' ? p.replace(/\\/g, '/') : p);

;// CONCATENATED MODULE: ./src/platform/runfolder.ts





/**
 * Each run works in one folder of its own: created fresh by mkdtemp (never a shared, predictable name),
 * owner-only, and checked after creation. Cleanup removes only what lies inside it. On Windows the owner
 * and mode checks do not apply (the temp folder is per user and ACL-protected); the fresh name still does.
 */
const RUN_FOLDER_PREFIX = 'go-av-guard-';
/** The state key under which the main step records its run folder for the post step. */
const runfolder_RUN_FOLDER_STATE = 'run-folder';
/** Where run folders are made: the runner's per-job temp folder, else the OS temp folder (TMPDIR, TEMP). */
function runfolder_tempParent(env) {
    return external_node_path_default().resolve(env.RUNNER_TEMP || (0,external_node_os_.tmpdir)());
}
const currentUid = () => typeof process.getuid === 'function' ? process.getuid() : undefined;
/** Why `folder` is not a private folder of this user, or undefined when it is. */
async function privateFolderProblem(folder, uid = currentUid()) {
    let info;
    try {
        info = await (0,promises_.lstat)(folder);
    }
    catch (error) {
        return `${folder} cannot be read: ${error.code ?? String(error)}`;
    }
    if (info.isSymbolicLink())
        return `${folder} is a symbolic link, not a folder`;
    if (!info.isDirectory())
        return `${folder} is not a folder`;
    if (uid === undefined)
        return undefined;
    if (info.uid !== uid)
        return `${folder} belongs to another user (uid ${info.uid}, this run is uid ${uid})`;
    if ((info.mode & 0o077) !== 0)
        return `${folder} can be read or written by other users (mode ${(info.mode & 0o777).toString(8)})`;
    return undefined;
}
/**
 * The folder a run folder is made in must not let another user swap it out: it is ours, or others cannot
 * write to it, or it has the sticky bit (like /tmp), so nobody else can rename or delete our entry.
 */
async function parentProblem(parent, uid) {
    let info;
    try {
        info = await (0,promises_.lstat)(parent);
    }
    catch (error) {
        return `the temp folder ${parent} cannot be read: ${error.code ?? String(error)}`;
    }
    if (!info.isDirectory())
        return `the temp folder ${parent} is not a folder`;
    if (uid === undefined || info.uid === uid)
        return undefined;
    const othersCanWrite = (info.mode & 0o022) !== 0;
    const sticky = (info.mode & 0o1000) !== 0;
    if (info.uid === 0 && (!othersCanWrite || sticky))
        return undefined;
    return `the temp folder ${parent} belongs to another user or lets others replace what is in it (uid ${info.uid}, mode ${(info.mode & 0o7777).toString(8)}); set TMPDIR (or RUNNER_TEMP) to a folder of your own`;
}
/** Creates this run's folder under `parent` (RUNNER_TEMP, or the OS temp folder) and proves it is private. */
async function runfolder_createRunFolder(parent, uid = currentUid()) {
    const resolved = external_node_path_default().resolve(parent);
    // A temp folder that does not exist yet (a fresh RUNNER_TEMP) is made here, and so is ours.
    if (!(await (0,promises_.lstat)(resolved).catch(() => undefined)))
        await (0,promises_.mkdir)(resolved, { recursive: true, mode: 0o700 }).catch((error) => {
            throw new Error((0,files/* describeFsError */.TQ)(error, `create the temp folder ${resolved}`), { cause: error });
        });
    const badParent = await parentProblem(resolved, uid);
    if (badParent)
        throw new Error(badParent);
    let folder;
    try {
        folder = await (0,promises_.mkdtemp)(external_node_path_default().join(resolved, RUN_FOLDER_PREFIX));
    }
    catch (error) {
        throw new Error((0,files/* describeFsError */.TQ)(error, `create this run's temp folder in ${resolved}`), { cause: error });
    }
    const problem = await privateFolderProblem(folder, uid);
    if (problem)
        throw new Error(`this run's temp folder is not private: ${problem}`);
    return folder;
}
/**
 * Checks a run folder read back from saved state: a direct child of `parent` with our prefix, a private
 * folder of this user. Undefined when it may be used; otherwise why not.
 */
async function runFolderProblem(folder, parent, uid = currentUid()) {
    if (typeof folder !== 'string' || folder === '')
        return 'no run folder was recorded';
    if (!external_node_path_default().isAbsolute(folder))
        return `the recorded run folder ${JSON.stringify(folder)} is not an absolute path`;
    const normal = external_node_path_default().resolve(folder);
    if (normal !== folder || external_node_path_default().dirname(normal) !== external_node_path_default().resolve(parent))
        return `the recorded run folder ${JSON.stringify(folder)} is not a folder directly in ${parent}`;
    if (!external_node_path_default().basename(normal).startsWith(RUN_FOLDER_PREFIX))
        return `the recorded run folder ${JSON.stringify(folder)} is not named like one this tool creates`;
    return privateFolderProblem(normal, uid);
}
/** Is `target` strictly below `folder` (not the folder itself), by path? */
function isInside(folder, target) {
    const relative = external_node_path_default().relative(external_node_path_default().resolve(folder), external_node_path_default().resolve(target));
    return relative !== '' && !relative.startsWith('..') && !external_node_path_default().isAbsolute(relative);
}
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/**
 * Runs `work` in a fresh run folder and removes that folder when it ends: normally (finally), or when the
 * process is interrupted (SIGINT, SIGTERM, SIGHUP: `onInterrupt` runs, the folder is removed synchronously,
 * then the signal takes its usual course) or exits early.
 */
async function withRunFolder(parent, work, options = {}) {
    const folder = await runfolder_createRunFolder(parent);
    const removeNow = () => {
        try {
            // Only the folder we made: if something swapped it for a link, leave that alone.
            const info = (0,external_node_fs_.lstatSync)(folder, { throwIfNoEntry: false });
            if (info?.isDirectory())
                (0,external_node_fs_.rmSync)(folder, { recursive: true, force: true, maxRetries: 3 });
        }
        catch {
            /* best effort while the process is going away */
        }
    };
    const onSignal = (signal) => {
        try {
            options.onInterrupt?.();
        }
        finally {
            removeNow();
            detach();
            process.kill(process.pid, signal);
        }
    };
    const detach = () => {
        for (const signal of SIGNALS)
            process.off(signal, onSignal);
        process.off('exit', removeNow);
    };
    for (const signal of SIGNALS)
        process.on(signal, onSignal);
    process.on('exit', removeNow);
    try {
        return await work(folder);
    }
    finally {
        removeNow();
        detach();
    }
}

;// CONCATENATED MODULE: ./src/sign/store.ts

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
const IMPORT_PFX_SCRIPT = `
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
const REMOVE_CERTIFICATES_SCRIPT = `
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
const FIND_CERTIFICATE_SCRIPT = `
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
async function importPfx(run, pkcs12, password) {
    const result = (await (0,platform_powershell/* runPowerShell */.N5)(run, IMPORT_PFX_SCRIPT, {
        ...pkcs12,
        password,
    }));
    return {
        thumbprint: String(result?.thumbprint ?? '').toUpperCase(),
        hasPrivateKey: Boolean(result?.hasPrivateKey),
        existed: Boolean(result?.existed),
    };
}
/** PowerShell 5.1 turns a one-element array into a scalar; accept both. */
const list = (v) => (Array.isArray(v) ? v : v == null ? [] : [v]);
async function removeCertificates(run, thumbprints) {
    const result = (await (0,platform_powershell/* runPowerShell */.N5)(run, REMOVE_CERTIFICATES_SCRIPT, { thumbprints }));
    const failed = list(result?.failed).map((f) => {
        const { thumbprint, reason } = (f ?? {});
        return { thumbprint: String(thumbprint ?? '').toUpperCase(), reason: String(reason ?? 'unknown error') };
    });
    return { removed: list(result?.removed).map(String), failed };
}
async function findStoreCertificate(run, thumbprint) {
    const result = (await (0,platform_powershell/* runPowerShell */.N5)(run, FIND_CERTIFICATE_SCRIPT, { thumbprint }));
    if (!result)
        return undefined;
    const ekus = Array.isArray(result.ekus)
        ? result.ekus.map(String)
        : result.ekus == null
            ? []
            : [String(result.ekus)];
    return { ...result, ekus };
}

;// CONCATENATED MODULE: ./src/sign/cleanup.ts







/** Where signFiles records what the post step must remove: temp secret folders and imported certificates. */
const SIGNING_CLEANUP_STATE = 'go-av-guard.sign.cleanup';
const EMPTY = { paths: [], thumbprints: [] };
/** Recorded before the secret exists, so a step killed half-way still leaves the post step a complete list. */
function recordForCleanup(deps, add) {
    const current = recordedByUs(deps);
    saveCleanup(deps, {
        paths: [...new Set([...current.paths, ...(add.paths ?? [])])],
        thumbprints: [...new Set([...current.thumbprints, ...(add.thumbprints ?? [])])],
    });
}
/** Drops entries that are gone (or were never this run's to remove). */
function forgetForCleanup(deps, drop) {
    const current = recordedByUs(deps);
    const without = (list, gone) => (list ?? []).filter((x) => !(gone ?? []).includes(x));
    saveCleanup(deps, {
        paths: without(current.paths, drop.paths),
        thumbprints: without(current.thumbprints, drop.thumbprints),
    });
}
/**
 * What this process last saved, by store: while the store still holds exactly that text, the list is read
 * back as saved, not parsed and checked again (signing records and forgets a temp file per file).
 */
const saved = new WeakMap();
function recordedByUs(deps) {
    const last = saved.get(deps.state);
    if (last && deps.state.get(SIGNING_CLEANUP_STATE) === last.text)
        return last.list;
    return readSigningCleanup(deps).recorded;
}
function saveCleanup(deps, list) {
    (0,state/* writeJsonState */.ru)(deps.state, SIGNING_CLEANUP_STATE, list);
    saved.set(deps.state, { text: deps.state.get(SIGNING_CLEANUP_STATE), list });
}
/** The temp copies signing writes beside a binary: `.<name>.<random hex>.signed<ext>` (`.signing<ext>` for signtool, `.stamped<ext>`). */
const SIGNING_TEMP_NAME = /^\..+\.[0-9a-f]{8,}\.(signed|signing|stamped)(\.[^./\\]+)?$/;
/** mkdtemp's folders for secrets: `sign-` and six random characters. */
const PRIVATE_DIR_NAME = /^sign-[A-Za-z0-9]{6}$/;
const THUMBPRINT = /^[0-9A-F]{40}$/;
/**
 * Reads the recorded list as data that may have been tampered with: only arrays of strings count, paths
 * must be absolute and normalized, thumbprints 40 hex digits. Everything else is reported, never used.
 */
function readSigningCleanup(deps) {
    const raw = (0,state/* readJsonState */.Al)(deps.state, SIGNING_CLEANUP_STATE, EMPTY);
    const rejected = [];
    const recorded = { paths: [], thumbprints: [] };
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        rejected.push(`the saved cleanup list is not an object (${cleanup_describe(raw)})`);
        return { recorded, rejected };
    }
    const { paths, thumbprints } = raw;
    const list = (value, name) => {
        if (value === undefined)
            return [];
        if (Array.isArray(value))
            return value;
        rejected.push(`the saved ${name} are not a list (${cleanup_describe(value)})`);
        return [];
    };
    for (const p of list(paths, 'paths')) {
        if (typeof p === 'string' && external_node_path_default().isAbsolute(p) && external_node_path_default().resolve(p) === p && external_node_path_default().parse(p).root !== p)
            recorded.paths.push(p);
        else
            rejected.push(`the saved path ${cleanup_describe(p)} is not an absolute path below a root`);
    }
    for (const t of list(thumbprints, 'thumbprints')) {
        if (typeof t === 'string' && THUMBPRINT.test(t))
            recorded.thumbprints.push(t);
        else
            rejected.push(`the saved thumbprint ${cleanup_describe(t)} is not 40 hexadecimal digits`);
    }
    return { recorded, rejected };
}
const cleanup_describe = (value) => {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};
/**
 * May cleanup remove `target`? Only what this run made: anything below its run folder (reached without
 * passing through a symbolic link), a signing temp copy beside a binary (a plain file with that name), or,
 * when no run folder is known, an owner-only `sign-XXXXXX` folder of this user. Undefined: remove it;
 * 'gone': nothing to do; otherwise why it is left alone.
 */
async function removalProblem(target, runFolder) {
    const info = await (0,promises_.lstat)(target).catch(() => undefined);
    if (!info)
        return 'gone';
    if (SIGNING_TEMP_NAME.test(external_node_path_default().basename(target)) && info.isFile())
        return undefined;
    if (runFolder) {
        const realFolder = await (0,promises_.realpath)(runFolder).catch(() => undefined);
        const realParent = await (0,promises_.realpath)(external_node_path_default().dirname(target)).catch(() => undefined);
        if (realFolder && realParent && isInside(realFolder, external_node_path_default().join(realParent, external_node_path_default().basename(target))))
            return undefined;
        return `it is not inside this run's folder ${runFolder}`;
    }
    if (runFolder === false)
        return "this run's folder is unknown, so only signing temp files are removed";
    if (PRIVATE_DIR_NAME.test(external_node_path_default().basename(target)) && !(await privateFolderProblem(target)))
        return undefined;
    return 'it is neither a signing temp file nor a private folder this run created';
}
/**
 * This run's folder as recorded in state, if it passes the checks; undefined when none was recorded (signing
 * called on its own); false, with a warning, when one was recorded but fails: then nothing but signing temp
 * copies is removed.
 */
async function recordedRunFolder(deps, notes) {
    const folder = deps.state.get(runfolder_RUN_FOLDER_STATE);
    if (!folder)
        return undefined;
    const problem = await runFolderProblem(folder, runfolder_tempParent(deps.env));
    if (!problem)
        return folder;
    notes.push((0,note/* warning */.$e)(`sign cleanup: the saved run folder was not used: ${problem}`));
    return false;
}
/**
 * Removes the temp secret files and (Windows) the certificates this run imported. Runs at the end of
 * signFiles and again in the post step, which matters when the main step was killed. The saved list is
 * checked first (see readSigningCleanup and removalProblem): a crafted or damaged list removes nothing
 * outside this run's own files, and each refusal is a warning. Never throws: what could not be removed
 * stays recorded and comes back as a warning.
 */
async function cleanup_cleanupSigning(deps, options = {}) {
    const notes = [];
    try {
        const { recorded, rejected } = readSigningCleanup(deps);
        for (const why of rejected)
            notes.push((0,note/* warning */.$e)(`sign cleanup: left alone: ${why}`));
        const recordedFolder = await recordedRunFolder(deps, notes);
        const runFolder = recordedFolder === undefined && options.savedState ? false : recordedFolder;
        const left = { paths: [], thumbprints: [] };
        for (const target of new Set(recorded.paths)) {
            const problem = await removalProblem(target, runFolder);
            if (problem === 'gone')
                continue;
            if (problem) {
                notes.push((0,note/* warning */.$e)(`sign cleanup: left ${target} alone: ${problem}`));
                continue;
            }
            const failure = await (0,files/* removeQuietly */.S2)(target);
            if (failure) {
                left.paths.push(target);
                notes.push((0,note/* warning */.$e)(`sign cleanup: could not remove temporary secret ${target}: ${failure}; delete it by hand`));
            }
        }
        const thumbprints = [...new Set(recorded.thumbprints)];
        if (thumbprints.length > 0 && deps.platform === 'win32') {
            try {
                // A certificate already gone from the store counts as removed: nothing is left to clean. One that
                // failed stays recorded, so a later post step (or run) tries again.
                const { failed } = await removeCertificates(deps.run, thumbprints);
                for (const { thumbprint, reason } of failed) {
                    if (!left.thumbprints.includes(thumbprint))
                        left.thumbprints.push(thumbprint);
                    notes.push((0,note/* warning */.$e)(`sign cleanup: could not remove the imported certificate ${thumbprint} from CurrentUser\\My: ${reason}`));
                }
            }
            catch (error) {
                left.thumbprints.push(...thumbprints);
                notes.push((0,note/* warning */.$e)(`sign cleanup: could not remove the imported certificate(s) ${thumbprints.join(', ')} from CurrentUser\\My: ${error instanceof Error ? error.message : String(error)}`));
            }
        }
        (0,state/* writeJsonState */.ru)(deps.state, SIGNING_CLEANUP_STATE, left);
    }
    catch (error) {
        notes.push((0,note/* warning */.$e)(`sign cleanup failed: ${error instanceof Error ? error.message : String(error)}`));
    }
    return notes;
}

;// CONCATENATED MODULE: ./src/sign/retry.ts
const DEFAULT_RETRY = { attempts: 3, baseDelayMs: 500, maxDelayMs: 8_000 };
/** Exponential back-off with full jitter in [50%, 150%), so parallel workers do not retry in lock-step. */
function backoffDelay(policy, failedAttempts, random = Math.random) {
    const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
    return Math.round(exponential * (0.5 + random()));
}
const retry_sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

;// CONCATENATED MODULE: ./src/sign/authenticode/tsa.ts


/**
 * Timestamp servers shared by every file of one run. Requests are independent of each other (no pool), so
 * all files wait on the network at once. A server that fails for one file (after its retries; a time-out
 * at once) is demoted for the rest of the run: a dead server costs one time-out per run, not one per file.
 */
class TimestampService {
    urls;
    options;
    demoted = new Map();
    /** Servers that answered in this run: a time-out there is load, not death, and is retried. */
    answered = new Set();
    constructor(urls, options) {
        this.urls = urls;
        this.options = options;
    }
    /** The token and the server that gave it; throws with every server's last error when none could. */
    async stamp(signature, digest) {
        const errors = [];
        for (const url of this.urls) {
            const reason = this.demoted.get(url);
            if (reason) {
                errors.push(`${url}: ${reason} (earlier in this run; not asked again)`);
                continue;
            }
            for (let attempt = 1;; attempt++) {
                try {
                    const token = await requestTimestamp(url, signature, digest, this.options);
                    this.answered.add(url);
                    return { token, server: url };
                }
                catch (error) {
                    const e = error instanceof TimestampError ? error : new TimestampError(String(error), true);
                    // A time-out from a server that never answered is not retried: it would cost another time-out.
                    const dead = /timed out/.test(e.message) && !this.answered.has(url);
                    // Another file may have demoted it meanwhile.
                    if (!e.transient || dead || attempt >= this.options.retry.attempts || this.demoted.has(url)) {
                        if (!this.demoted.has(url)) {
                            this.demoted.set(url, e.message);
                            this.options.progress?.({ kind: 'demoted', server: url, reason: e.message });
                        }
                        errors.push(`${url}: ${e.message} (${attempt} ${attempt === 1 ? 'attempt' : 'attempts'})`);
                        break;
                    }
                    const delayMs = backoffDelay(this.options.retry, attempt);
                    this.options.progress?.({ kind: 'retry', server: url, attempt, reason: e.message, delayMs });
                    await (this.options.wait ?? retry_sleep)(delayMs);
                }
            }
        }
        throw new Error(`timestamping failed on every server: ${errors.join('; ')}`);
    }
    /** Servers given up on in this run, with why (for the report). */
    demotedServers() {
        return [...this.demoted].map(([server, reason]) => ({ server, reason }));
    }
}

;// CONCATENATED MODULE: ./src/sign/authenticode/engine.ts





/** Signs `input` whole: prepare, sign (and timestamp), then write the signed file into a new buffer. */
async function signPe(input, key, options) {
    const prepared = await preparePe(input, options);
    const signature = await signatureTable(prepared, key, options);
    const out = Buffer.allocUnsafe(signedImageSize(prepared.end, signature.table));
    input.copy(out, 0, 0, prepared.layout.contentEnd);
    return { ...signature, bytes: assemblePe(out, prepared, signature) };
}
/** The layout and image hash of a file about to be signed (CPU only; the caller may reuse `input` after). */
async function preparePe(input, options) {
    const layout = await peLayout(input);
    const existing = options.append ? await firstSignedDataOf(input, layout) : undefined;
    const end = signedContentEnd(layout, Boolean(existing));
    return {
        layout,
        end,
        imageHash: imageDigest(input, layout, options.digest, end),
        imageFingerprint: imageFingerprint(input, layout, end),
        // Right after hashing, while the bytes are in the CPU's cache: the first pass over them costs the most.
        contentSum: contentWordSum(input, layout),
        ...(existing ? { primary: Buffer.from(trimDer(existing)) } : {}),
    };
}
/** The SignedData over the prepared image hash, timestamped when asked, nested in the primary when appending. */
async function signatureTable(prepared, key, options) {
    const chain = (await key.chain()).map((c) => Buffer.from(c));
    let { contentInfo } = await buildSignedData(prepared.imageHash, key, chain, options);
    if (options.timestamp) {
        const token = await options.timestamp(signatureValue(contentInfo), options.digest);
        contentInfo = addUnsignedAttribute(contentInfo, OID.rfc3161Timestamp, token);
    }
    const timestamped = Boolean(options.timestamp);
    if (!prepared.primary)
        return { table: contentInfo, index: 0, timestamped };
    return {
        table: addUnsignedAttribute(prepared.primary, OID.spcNestedSignature, contentInfo),
        index: countNested(prepared.primary) + 1,
        timestamped,
    };
}
/** The bytes a signed file needs: `buffer` for `assemblePe` must be at least this long. */
function signedSize(prepared, signature) {
    return image_signedImageSize(prepared.end, signature.table);
}
/**
 * Writes the signed file in place: `buffer` holds the same bytes `preparePe` saw (at least up to the
 * content's end) and has room for `signedSize`. Returns the signed file, a view of `buffer`.
 */
function assemblePe(buffer, prepared, signature) {
    return writeSignedImage(buffer, prepared.layout, prepared.end, signature.table, prepared.contentSum);
}
/** A WIN_CERTIFICATE body is padded to 8 bytes: the DER is what its outer length says. */
function trimDer(body) {
    if (body.length < 2 || body[0] !== 0x30)
        throw new PeFormatError('the existing signature is not DER');
    let length = body[1];
    let start = 2;
    if (length & 0x80) {
        const octets = length & 0x7f;
        length = 0;
        for (let i = 0; i < octets; i++)
            length = length * 256 + body[2 + i];
        start += octets;
    }
    if (start + length > body.length)
        throw new PeFormatError('the existing signature is truncated');
    return body.subarray(0, start + length);
}
/** How many signatures are nested in a primary one already. */
function countNested(der) {
    const at = locateSignedData(der);
    if (!at)
        return 0;
    const unsigned = (0,pe_der/* childrenOf */.LU)(der, at.signerInfo).find((n) => n.tag === pe_der/* TAG */.Dk.context1);
    if (!unsigned)
        return 0;
    for (const attr of (0,pe_der/* childrenOf */.LU)(der, unsigned)) {
        const [type, values] = (0,pe_der/* childrenOf */.LU)(der, attr);
        if (type && values && (0,pe_der/* oidOf */._f)(der, type) === OID.spcNestedSignature)
            return (0,pe_der/* childrenOf */.LU)(der, values).length;
    }
    return 0;
}
/**
 * Adds an RFC 3161 timestamp to signature `index` of an already signed file (what signtool and osslsigncode
 * made without one): the token is fetched in process, so every backend shares one timestamp service.
 */
async function timestampSignature(input, index, digest, stamp) {
    const layout = await peLayout(input);
    const entry = await firstSignedDataOf(input, layout);
    if (!entry)
        throw new PeFormatError('the signed file has no signature to timestamp');
    const primary = trimDer(entry);
    let table;
    if (index === 0) {
        table = addUnsignedAttribute(primary, OID.rfc3161Timestamp, await stamp(signatureValue(primary), digest));
    }
    else {
        const at = locateSignedData(primary);
        const unsigned = at ? (0,pe_der/* childrenOf */.LU)(primary, at.signerInfo).find((n) => n.tag === pe_der/* TAG */.Dk.context1) : undefined;
        const attribute = unsigned
            ? (0,pe_der/* childrenOf */.LU)(primary, unsigned).find((a) => {
                const type = (0,pe_der/* childrenOf */.LU)(primary, a)[0];
                return type !== undefined && (0,pe_der/* oidOf */._f)(primary, type) === OID.spcNestedSignature;
            })
            : undefined;
        const values = attribute ? (0,pe_der/* childrenOf */.LU)(primary, attribute)[1] : undefined;
        const nested = values ? (0,pe_der/* childrenOf */.LU)(primary, values)[index - 1] : undefined;
        if (!at || !unsigned || !attribute || !values || !nested)
            throw new PeFormatError(`the signed file has no signature ${index} to timestamp`);
        const der = primary.subarray(nested.headerStart, nested.end);
        const stamped = addUnsignedAttribute(Buffer.from(der), OID.rfc3161Timestamp, await stamp(signatureValue(der), digest));
        table = (0,pe_der/* replaceNested */.K2)(primary, [
            at.contentInfo,
            at.explicit,
            at.signedData,
            at.signerInfos,
            at.signerInfo,
            unsigned,
            attribute,
            values,
            nested,
        ], stamped);
    }
    return embedSignature(input.subarray(0, layout.tableOffset), layout, table);
}

;// CONCATENATED MODULE: ./src/platform/bufferpool.ts
/**
 * Large buffers handed out and taken back, so a run over many files reuses a few allocations instead of
 * making one per file. A fresh multi-megabyte buffer costs a page fault per 4 KiB the first time it is
 * touched: on a 2-core CI machine, reading 2 MB into a new buffer ran at ~0.4 GB/s, into a reused one at
 * ~19 GB/s. A buffer taken back holds the last user's bytes: users must write before they read.
 */
class BufferPool {
    keep;
    free = [];
    /** `keep`: at most this many idle buffers are held; any more are left to the garbage collector. */
    constructor(keep) {
        this.keep = keep;
    }
    /** A buffer of at least `capacity` bytes (its contents are whatever the last user left). */
    take(capacity) {
        let best = -1;
        for (let i = 0; i < this.free.length; i++) {
            const size = this.free[i].length;
            if (size >= capacity && (best < 0 || size < this.free[best].length))
                best = i;
        }
        if (best >= 0)
            return this.free.splice(best, 1)[0];
        // Rounded up to 1 MiB so files of similar size share buffers; own memory, 8-byte aligned at offset 0.
        return Buffer.allocUnsafeSlow(Math.ceil(Math.max(capacity, 1) / MIB) * MIB);
    }
    give(buffer) {
        if (this.free.length < this.keep)
            this.free.push(buffer);
        else {
            // Keep the largest buffers: a large file is what a later one would fault in again.
            const smallest = this.free.reduce((at, b, i, all) => (b.length < all[at].length ? i : at), 0);
            if (this.free[smallest].length < buffer.length)
                this.free[smallest] = buffer;
        }
    }
}
const MIB = 1024 * 1024;

;// CONCATENATED MODULE: ./src/sign/target.ts






async function resolveTargets(files, roots) {
    const realRoots = await Promise.all(roots.map((r) => (0,promises_.realpath)(r).catch(() => external_node_path_default().resolve(r))));
    // Every file looked up at once (a round trip each through the thread pool), then judged in order.
    const resolved = await Promise.all(files.map(resolveOne));
    const seen = new Set();
    const out = [];
    for (const [i, file] of files.entries()) {
        const found = resolved[i];
        if ('refused' in found) {
            out.push({ path: file, refused: found.refused });
            continue;
        }
        const { target, link, size } = found;
        if (link && !realRoots.some((root) => target_isInside(target, root))) {
            out.push({
                path: file,
                refused: `is a symbolic link to ${target}, outside the workspace; sign that file where it lives, or copy it into the workspace`,
            });
            continue;
        }
        // A symlink and its target (or two links to one file) are one file to sign: the first path stands for it.
        if (seen.has(target))
            continue;
        seen.add(target);
        out.push({ path: file, target, size });
    }
    return out;
}
async function resolveOne(file) {
    try {
        const [target, info] = await Promise.all([(0,promises_.realpath)(file), (0,promises_.lstat)(file)]);
        const link = info.isSymbolicLink();
        const size = link
            ? await (0,promises_.stat)(target).then((s) => s.size, () => 0)
            : info.size;
        return { target, link, size };
    }
    catch (error) {
        return { refused: `cannot read the file: ${error.code ?? String(error)}` };
    }
}
const target_isInside = (file, root) => {
    const relative = external_node_path_default().relative(root, file);
    return relative !== '' && !relative.startsWith('..') && !external_node_path_default().isAbsolute(relative);
};
/** Why a file must not be signed (not a file, read-only, hard links), or undefined when it may be. */
function refusal(info) {
    if (!info.isFile())
        return 'not a regular file';
    // Checked by mode bits, not access(): root may write anyway, and a read-only file says "do not change me".
    if ((info.mode & 0o200) === 0)
        return 'the file is read-only; make it writable (chmod u+w, or attrib -r on Windows) before signing';
    // The certificate table's offset is 32 bits: Authenticode cannot sign past 4 GiB.
    if (info.size >= 2 ** 32)
        return 'the file is larger than 4 GiB, more than Authenticode can sign';
    if (info.nlink > 1)
        return `the file has ${info.nlink} hard links; signing replaces it, which would leave the other names unsigned. Copy it (cp --no-preserve=links) or sign each name separately`;
    return undefined;
}
/** Reads `target` for signing into a new buffer, with the hash of the bytes read, or says why not. */
async function readForSigning(target) {
    const read = await readIdentified(target, (size) => Buffer.allocUnsafeSlow(Math.max(size, 1)));
    if ('refused' in read)
        return read;
    const bytes = read.buffer.subarray(0, read.identity.size);
    return { bytes, snapshot: { ...read.identity, sha256: sha256(bytes) } };
}
/**
 * Reads `target` into a pooled buffer of at least `capacity` bytes (room to build the signed file in place).
 * With `expected`, the file must still be that one (a second read of a file signed meanwhile).
 */
async function readPooled(target, pool, capacity, expected) {
    const read = await readIdentified(target, (size) => pool.take(capacity(size)), expected);
    if ('refused' in read)
        return read;
    return {
        buffer: read.buffer,
        bytes: read.buffer.subarray(0, read.identity.size),
        snapshot: read.identity,
    };
}
/** One handle: identity, the whole content, and the identity again (a file written meanwhile is refused). */
async function readIdentified(target, allocate, expected) {
    let handle;
    try {
        // Non-blocking, so a FIFO or device in the file's place is refused below instead of hanging the open.
        handle = await (0,promises_.open)(target, external_node_fs_.constants.O_RDONLY | (external_node_fs_.constants.O_NONBLOCK ?? 0));
    }
    catch (error) {
        const code = error.code;
        return {
            refused: expected && code === 'ENOENT'
                ? deletedWhileSigning(target)
                : `cannot read the file: ${code ?? String(error)}`,
        };
    }
    try {
        // Synchronous, as the metadata calls in platform/replace.ts are (microseconds; the thread pool costs more).
        const info = (0,external_node_fs_.fstatSync)(handle.fd);
        const refused = refusal(info);
        if (refused)
            return { refused };
        const identity = identityOf(target, info);
        if (expected && !sameIdentity(identity, expected))
            return { refused: changedWhileSigning(target) };
        const buffer = allocate(identity.size);
        const read = await readFully(handle, buffer, identity.size);
        if (read !== identity.size || !sameIdentity(identityOf(target, (0,external_node_fs_.fstatSync)(handle.fd)), identity))
            return { refused: changedWhileSigning(target) };
        return { buffer, identity };
    }
    finally {
        await handle.close();
    }
}
/** SHA-256 of bytes in memory: `createHash` in one call (WebCrypto's `subtle.digest` copies, 2-8x the CPU). */
function sha256(bytes) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    for (const chunk of chunksOf(bytes))
        hash.update(chunk);
    return hash.digest('hex');
}
/**
 * Writes `bytes` beside the file and renames it over the original only if the original is still the one
 * read. Returns the SHA-256 of the bytes written, or why nothing was replaced (the new content stays).
 * The caller may reuse `bytes` once this returns.
 */
async function replaceWith(read, bytes, temps) {
    const target = read.snapshot.path;
    const temp = external_node_path_default().join(external_node_path_default().dirname(target), `.${external_node_path_default().basename(target)}.${(0,external_node_crypto_.randomBytes)(4).toString('hex')}.signed${external_node_path_default().extname(target)}`);
    temps?.record([temp]);
    let renamed = false;
    try {
        // Owner-only until renamed; replaceIfUnchanged gives it the original's permissions less set-id bits.
        await writeNew(temp, bytes);
        const outcome = await replaceIfUnchanged(read.snapshot, temp);
        if (!outcome.ok)
            return { ok: false, message: outcome.message };
        renamed = true;
        return { ok: true, sha256: sha256(bytes) };
    }
    catch (error) {
        return {
            ok: false,
            message: `could not write the signed file: ${error.code ?? String(error)}`,
        };
    }
    finally {
        if (!renamed)
            await (0,promises_.rm)(temp, { force: true }).catch(() => undefined);
        temps?.forget([temp]);
    }
}
/**
 * Creates `file` (it must not exist) owner-only and writes `bytes` in as few calls as the system takes:
 * fs.promises.writeFile writes in 512 KiB pieces, a round trip through the thread pool for each.
 */
async function writeNew(file, bytes) {
    const handle = await (0,promises_.open)(file, 'wx', 0o600);
    try {
        await writeFully(handle, bytes);
    }
    finally {
        await handle.close();
    }
}

;// CONCATENATED MODULE: ./src/sign/builtin.ts





/**
 * Signs files with the in-process engine. CPU work (hashing, signing, verifying) runs at most one per core;
 * signing and timestamp requests are not limited by that, so every file can wait on its server at once.
 * Bytes are held only while a file is read and hashed or written, in buffers reused from file to file, and
 * within a memory budget, so a run of many large files does not hold them all.
 */
async function signWithEngine(targets, job) {
    const cores = (0,external_node_os_.availableParallelism)();
    const limits = {
        cpu: new Semaphore(cores),
        memory: new Semaphore(job.memoryBudget ?? 512 * 1024 * 1024),
        // A buffer per core, and one per file being written meanwhile.
        pool: new BufferPool(2 * cores),
    };
    const signing = new Semaphore(job.key.maxConcurrency ?? Number.MAX_SAFE_INTEGER);
    // The key's own limit on signatures at once (remote services keep it small).
    const key = {
        ...job.key,
        signDigest: (digest, algorithm) => signing.with(1, () => job.key.signDigest(digest, algorithm)),
        ...(job.key.signData
            ? {
                signData: (data, algorithm) => signing.with(1, () => job.key.signData(data, algorithm)),
            }
            : {}),
    };
    return Promise.all(targets.map(async (t) => {
        const started = Date.now();
        // One file's unexpected error (a read that fails midway, memory) is that file's failure, not the run's.
        const result = 'refused' in t
            ? failed(t.path, t.refused)
            : await signOne(t, { ...job, key }, limits).catch((error) => failed(t.path, error instanceof Error ? error.message : String(error)));
        job.progress?.({
            kind: 'file',
            capability: 'sign',
            path: t.path,
            ok: result.status !== 'failed',
            verdict: result.status === 'failed'
                ? `failed: ${result.reason ?? ''}`
                : result.status === 'skipped'
                    ? `skipped: ${result.reason ?? ''}`
                    : 'signed and verified',
            durationMs: Date.now() - started,
        });
        return result;
    }));
}
const failed = (file, reason, extra = {}) => ({
    path: file,
    status: 'failed',
    reason,
    ...extra,
});
/**
 * One file in three steps. Only the first and the last hold its bytes, each under a CPU slot: read, check the
 * signature already there and hash the image; then sign and timestamp with no bytes held, so every file can
 * wait on the network at once in flat memory; then read the file again into the same kind of buffer, check
 * it is the file that was hashed, build the signed file in place, verify it and replace the original.
 */
async function signOne({ path: file, target, size }, job, limits) {
    const holding = async (size, work) => limits.memory.with(Math.min(size, job.memoryBudget ?? 512 * 1024 * 1024), () => limits.cpu.with(1, work));
    const first = await holding(size, () => prepare(target, job, limits.pool));
    if ('result' in first)
        return { path: file, ...first.result };
    const { prepared, identity, existing } = first;
    let server;
    let signature;
    try {
        signature = await signatureTable(prepared, job.key, {
            digest: job.digest,
            ...(job.description ? { description: job.description } : {}),
            ...(job.descriptionUrl ? { descriptionUrl: job.descriptionUrl } : {}),
            ...(job.timestamps
                ? {
                    timestamp: async (value, digest) => {
                        const stamped = await job.timestamps.stamp(value, digest);
                        server = stamped.server;
                        return stamped.token;
                    },
                }
                : {}),
        });
        // Refused here, before the file is read again, when the signed file would pass 4 GiB.
        signedSize(prepared, signature);
    }
    catch (error) {
        return failed(file, error instanceof Error ? error.message : String(error));
    }
    const built = await holding(size, () => assemble(target, identity, prepared, signature, job, limits.pool));
    if ('refused' in built)
        return failed(file, built.refused, built.verification ? { verification: built.verification } : {});
    let replaced;
    try {
        replaced = await replaceWith(built.read, built.bytes, job.temps);
    }
    finally {
        limits.pool.give(built.read.buffer);
    }
    if (!replaced.ok)
        return failed(file, replaced.message);
    const notes = existing.signed && !existing.intact ? { reason: `replaced a broken signature (${existing.detail})` } : {};
    const ours = built.verdict.signatures[signature.index];
    return {
        path: file,
        status: 'signed',
        sha256: replaced.sha256,
        signer: job.signerSubject,
        ...(server ? { timestampServer: server } : {}),
        ...(ours?.timestamp?.time ? { timestampTime: ours.timestamp.time } : {}),
        verification: built.verification,
        signatureIndex: signature.index,
        ...notes,
    };
}
/** Step one: read, judge the signature already there, and hash the image that will be signed. */
async function prepare(target, job, pool) {
    const read = await readPooled(target, pool, (size) => size);
    if ('refused' in read)
        return { result: { status: 'failed', reason: read.refused } };
    try {
        const existing = await verifyPe(read.bytes, job.trust);
        if (existing.signed && existing.intact && job.skipSigned && !job.appendSignature) {
            const count = existing.signatures.length;
            return {
                result: {
                    status: 'skipped',
                    reason: `already signed (${count} intact signature${count === 1 ? '' : 's'}) and skip-signed is true; set append-signature to add one`,
                    sha256: sha256(read.bytes),
                    verification: toVerification(existing, existing.signatures.length - 1),
                },
            };
        }
        // A broken or junk signature is replaced, never nested under nor counted as "already signed".
        const append = job.appendSignature && existing.signed && existing.intact;
        const prepared = await preparePe(read.bytes, { digest: job.digest, append });
        return { prepared, identity: read.snapshot, existing };
    }
    catch (error) {
        return { result: { status: 'failed', reason: error instanceof Error ? error.message : String(error) } };
    }
    finally {
        pool.give(read.buffer);
    }
}
/**
 * Step three: the file again, unchanged since step one, made the signed file in its own buffer and verified
 * there. On success the caller owns `read.buffer` (written out, then given back to the pool).
 */
async function assemble(target, identity, prepared, signature, job, pool) {
    const read = await readPooled(target, pool, (size) => Math.max(size, signedSize(prepared, signature)), identity);
    if ('refused' in read)
        return read;
    let keep = false;
    try {
        const bytes = assemblePe(read.buffer, prepared, signature);
        // The image was hashed in step one; its fingerprint shows these are the same bytes (a change under us,
        // or a slip in building the file, would not match), so verifying need not hash them a second time.
        const verdict = await verifyPe(bytes, job.trust, {
            digest: job.digest,
            hash: prepared.imageHash,
            fingerprint: prepared.imageFingerprint,
        });
        const ours = verdict.signatures[signature.index];
        const verification = toVerification(verdict, signature.index);
        if (!ours?.intact)
            return { refused: `verification failed: ${verification.detail}`, verification };
        if (ours.digest !== job.digest)
            return {
                refused: `verification failed: the signature uses ${ours.digest ?? 'an unknown digest'}`,
                verification,
            };
        keep = true;
        return { read, bytes, verdict, verification };
    }
    finally {
        if (!keep)
            pool.give(read.buffer);
    }
}
/** The report's shape of one signature's verdict. */
function toVerification(verdict, index) {
    const s = verdict.signatures[index] ?? verdict.signatures[0];
    return {
        ok: Boolean(s?.intact),
        chainTrusted: Boolean(s?.trusted),
        ...(s?.digest ? { digest: s.digest } : {}),
        timestamped: Boolean(s?.timestamp?.intact),
        ...(s?.timestamp ? { timestampTrusted: s.timestamp.trusted } : {}),
        detail: verdict.detail,
    };
}
/** A counting semaphore: `with(n, work)` runs work once n units are free. */
class Semaphore {
    capacity;
    waiting = [];
    used = 0;
    constructor(capacity) {
        this.capacity = capacity;
    }
    async acquire(units) {
        const n = Math.min(units, this.capacity);
        while (this.used > 0 && this.used + n > this.capacity)
            await new Promise((r) => this.waiting.push(r));
        this.used += n;
    }
    release(units) {
        this.used -= Math.min(units, this.capacity);
        const wake = this.waiting;
        this.waiting = [];
        for (const resume of wake)
            resume();
    }
    async with(units, work) {
        await this.acquire(units);
        try {
            return await work();
        }
        finally {
            this.release(units);
        }
    }
}

;// CONCATENATED MODULE: ./src/sign/keys/local.ts



/**
 * A key held in this process (opened from a PFX, or generated for an ephemeral certificate). It is never
 * exported: no PEM, no file, no child process ever sees it.
 */
function localKey(privateKey, chain, description) {
    const keyType = privateKey.asymmetricKeyType === 'ec' ? 'ecdsa' : 'rsa';
    return {
        description,
        keyType,
        chain: async () => chain,
        // With a callback, node:crypto signs on the thread pool: the private-key operation (~1 ms for RSA 2048
        // on a small runner) overlaps the hashing of other files instead of adding to it.
        signData: (data, algorithm) => new Promise((resolve, reject) => (0,external_node_crypto_.sign)(algorithm, data, privateKey, (error, signature) => (error ? reject(error) : resolve(signature)))),
        async signDigest(digest, algorithm) {
            if (keyType !== 'rsa') {
                // node:crypto signs ECDSA over data only; the engine calls signData for this key.
                throw new Error(`${description}: an in-process ECDSA key signs data, not a precomputed digest`);
            }
            // PKCS#1 v1.5 over a precomputed digest: the DigestInfo, type-1 padded with the private key.
            const digestInfo = (0,pe_der/* derSequence */.xy)((0,pe_der/* derSequence */.xy)((0,pe_der/* derOid */._2)(DIGEST_OIDS[algorithm]), (0,pe_der/* derNull */.f7)()), (0,pe_der/* derOctetString */.Cf)(digest));
            return (0,external_node_crypto_.privateEncrypt)({ key: privateKey, padding: external_node_crypto_.constants.RSA_PKCS1_PADDING }, digestInfo);
        },
    };
}
/** RSA 2048-16384 bits or ECDSA on P-256/P-384/P-521, as Windows verifies them; anything else is refused. */
function keyProblem(privateKey) {
    const details = privateKey.asymmetricKeyDetails ?? {};
    if (privateKey.asymmetricKeyType === 'rsa') {
        const bits = details.modulusLength ?? 0;
        return bits >= 2048 ? undefined : `an RSA key of ${bits} bits is too weak to sign with (2048 or more)`;
    }
    if (privateKey.asymmetricKeyType === 'ec') {
        const curve = details.namedCurve ?? 'unknown';
        return ['prime256v1', 'secp384r1', 'secp521r1'].includes(curve)
            ? undefined
            : `an ECDSA key on curve ${curve}, which Authenticode does not accept (use P-256 or P-384)`;
    }
    return `a ${privateKey.asymmetricKeyType ?? 'unknown'} key, which Authenticode does not accept (use RSA or ECDSA)`;
}
/** A PKCS#8 PrivateKeyInfo (DER) as a KeyObject; undefined when it is not a key node:crypto can use. */
function privateKeyFromPkcs8(der) {
    try {
        return (0,external_node_crypto_.createPrivateKey)({ key: der, format: 'der', type: 'pkcs8' });
    }
    catch {
        return undefined;
    }
}

;// CONCATENATED MODULE: ./src/sign/keys/x509.ts


const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
/** An X.509 v3 certificate (DER), signed with SHA-256 (RSA PKCS#1 v1.5 or ECDSA). */
function buildCertificate(r) {
    const spki = r.publicKey.export({ type: 'spki', format: 'der' });
    const algorithm = r.issuerKey.asymmetricKeyType === 'ec'
        ? (0,pe_der/* derSequence */.xy)((0,pe_der/* derOid */._2)('1.2.840.10045.4.3.2'))
        : (0,pe_der/* derSequence */.xy)((0,pe_der/* derOid */._2)('1.2.840.113549.1.1.11'), (0,pe_der/* derNull */.f7)());
    const extensions = [
        r.ca
            ? (0,pe_der/* derExtension */.bH)('2.5.29.19', true, (0,pe_der/* derSequence */.xy)(Buffer.from([0x01, 0x01, 0xff])))
            : (0,pe_der/* derExtension */.bH)('2.5.29.19', false, (0,pe_der/* derSequence */.xy)()),
        (0,pe_der/* derExtension */.bH)('2.5.29.14', false, (0,pe_der/* derOctetString */.Cf)((0,external_node_crypto_.createHash)('sha1').update(spki).digest())),
        // keyUsage: digitalSignature for leaves; keyCertSign and cRLSign for CAs.
        (0,pe_der/* derExtension */.bH)('2.5.29.15', true, Buffer.from(r.ca ? [0x03, 0x02, 0x01, 0x06] : [0x03, 0x02, 0x07, 0x80])),
        ...(r.ekus
            ? [(0,pe_der/* derExtension */.bH)('2.5.29.37', r.ekus.includes(TIME_STAMPING), (0,pe_der/* derSequence */.xy)(...r.ekus.map(pe_der/* derOid */._2)))]
            : []),
    ];
    const tbs = (0,pe_der/* derSequence */.xy)((0,pe_der/* derTlv */.qP)(0xa0, (0,pe_der/* derInteger */.i5)(2)), (0,pe_der/* derInteger */.i5)(Buffer.concat([Buffer.from([0x01]), (0,external_node_crypto_.randomBytes)(15)])), algorithm, (0,pe_der/* derName */.Bn)(r.issuer ?? r.subject), (0,pe_der/* derSequence */.xy)((0,pe_der/* derUtcTime */.rk)(r.notBefore), (0,pe_der/* derUtcTime */.rk)(r.notAfter)), (0,pe_der/* derName */.Bn)(r.subject), spki, (0,pe_der/* derTlv */.qP)(0xa3, (0,pe_der/* derSequence */.xy)(...extensions)));
    const signature = (0,external_node_crypto_.sign)('sha256', tbs, r.issuerKey);
    return (0,pe_der/* derSequence */.xy)(tbs, algorithm, (0,pe_der/* derTlv */.qP)(pe_der/* TAG */.Dk.bitString, Buffer.from([0]), signature));
}

;// CONCATENATED MODULE: ./src/sign/keys/ber.ts

/**
 * BER (X.690) rewritten as DER where BER allows more: indefinite lengths become definite, octet strings in
 * segments become one. asn1js reads the BER; it loads only for a file that needs it (Java keytool,
 * Outlook, PKI.js and some Windows exports write PKCS#12 that way), so a DER file costs nothing here.
 * Other constructed elements keep their tags: a constructed [0] may be an implicitly tagged octet string
 * in segments or an explicit tag, which only its reader can tell.
 */
async function berToDer(bytes) {
    const asn1js = await __webpack_require__.e(/* import() */ 549).then(__webpack_require__.t.bind(__webpack_require__, 4549, 19));
    const parsed = asn1js.fromBER(bytes);
    if (parsed.offset === -1)
        return undefined;
    const encode = (node) => {
        const { tagClass, tagNumber, isConstructed } = node.idBlock;
        if (tagNumber >= 31)
            throw new RangeError('high tag numbers do not occur in PKCS#12');
        const octetString = tagClass === 1 && tagNumber === 4;
        if (isConstructed && !octetString) {
            const parts = node.valueBlock.value.map(encode);
            return (0,pe_der/* derTlv */.qP)(((tagClass - 1) << 6) | 0x20 | tagNumber, ...parts);
        }
        return (0,pe_der/* derTlv */.qP)(((tagClass - 1) << 6) | tagNumber, contentOf(node));
    };
    try {
        return encode(parsed.result);
    }
    catch {
        return undefined;
    }
}
/** A primitive's content as written (after its identifier and length), or a string's segments joined. */
function contentOf(node) {
    if (node.idBlock.isConstructed)
        return Buffer.concat(node.valueBlock.value.map(contentOf));
    const header = node.idBlock.blockLength + node.lenBlock.blockLength;
    return Buffer.from(node.valueBeforeDecodeView.subarray(header));
}

;// CONCATENATED MODULE: ./src/sign/keys/rc2.ts
/**
 * RC2 decryption in CBC mode (RFC 2268), for the certificate bags of legacy PKCS#12 files
 * (pbeWithSHAAnd40BitRC2-CBC, as older OpenSSL and Windows exports write them). OpenSSL 3 keeps RC2 in its
 * legacy provider, which Node does not load. Only certificates (public data) are ever encrypted this way.
 */
/** RFC 2268 section 2: PITABLE, a permutation of 0..255 from the digits of pi. */
const PITABLE = Buffer.from('d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2' +
    '179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82' +
    '54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626' +
    '6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7' +
    '08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec' +
    'c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731' +
    '2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9' +
    '0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad', 'hex');
const ROTATE = [1, 2, 3, 5];
function expandKey(key, effectiveBits) {
    const L = Buffer.alloc(128);
    key.copy(L);
    const T = key.length;
    for (let i = T; i < 128; i++)
        L[i] = PITABLE[(L[i - 1] + L[i - T]) & 0xff];
    const T8 = (effectiveBits + 7) >> 3;
    const TM = 0xff >> (8 * T8 - effectiveBits);
    L[128 - T8] = PITABLE[L[128 - T8] & TM];
    for (let i = 127 - T8; i >= 0; i--)
        L[i] = PITABLE[L[i + 1] ^ L[i + T8]];
    const K = new Uint16Array(64);
    for (let i = 0; i < 64; i++)
        K[i] = L[2 * i] | (L[2 * i + 1] << 8);
    return K;
}
function decryptBlock(K, block, out, at) {
    const R = [block.readUInt16LE(0), block.readUInt16LE(2), block.readUInt16LE(4), block.readUInt16LE(6)];
    let j = 63;
    const mix = () => {
        for (let i = 3; i >= 0; i--) {
            const s = ROTATE[i];
            let r = R[i];
            r = ((r >>> s) | (r << (16 - s))) & 0xffff;
            r -= K[j--] + (R[(i + 3) & 3] & R[(i + 2) & 3]) + (~R[(i + 3) & 3] & R[(i + 1) & 3]);
            R[i] = r & 0xffff;
        }
    };
    const mash = () => {
        for (let i = 3; i >= 0; i--)
            R[i] = (R[i] - K[R[(i + 3) & 3] & 63]) & 0xffff;
    };
    for (let n = 0; n < 5; n++)
        mix();
    mash();
    for (let n = 0; n < 6; n++)
        mix();
    mash();
    for (let n = 0; n < 5; n++)
        mix();
    for (let i = 0; i < 4; i++)
        out.writeUInt16LE(R[i], at + 2 * i);
}
/** RC2-CBC with PKCS#7 padding removed; throws on a bad padding (a wrong key). */
function rc2CbcDecrypt(key, effectiveBits, iv, data) {
    if (data.length === 0 || data.length % 8 !== 0)
        throw new Error('bad RC2 ciphertext length');
    const K = expandKey(key, effectiveBits);
    const out = Buffer.alloc(data.length);
    let previous = iv;
    for (let at = 0; at < data.length; at += 8) {
        const block = data.subarray(at, at + 8);
        decryptBlock(K, block, out, at);
        for (let i = 0; i < 8; i++)
            out[at + i] = out[at + i] ^ previous[i];
        previous = block;
    }
    const pad = out[out.length - 1];
    if (pad < 1 || pad > 8 || out.subarray(out.length - pad).some((b) => b !== pad))
        throw new Error('bad decrypt');
    return out.subarray(0, out.length - pad);
}

;// CONCATENATED MODULE: ./src/sign/keys/pkcs12.ts




/**
 * PKCS#12 (RFC 7292) read in process: the structures as DER, and BER (Java keytool, Outlook and some
 * Windows exports write indefinite lengths and octet strings in pieces) rewritten as DER first, the
 * password-based encryption with node:crypto (PBES2 with PBKDF2 and AES or 3DES, the legacy PKCS#12 PBEs
 * with SHA-1 and 3DES or RC2-40). Whether the file is a PKCS#12 at all is decided before the password is
 * tried, so a corrupt file and a wrong password get different answers.
 */
class Pkcs12Error extends Error {
    kind;
    constructor(kind, message) {
        super(message);
        this.kind = kind;
    }
}
const OID_DATA = '1.2.840.113549.1.7.1';
const OID_ENCRYPTED_DATA = '1.2.840.113549.1.7.6';
const BAG_KEY = '1.2.840.113549.1.12.10.1.1';
const BAG_SHROUDED_KEY = '1.2.840.113549.1.12.10.1.2';
const BAG_CERT = '1.2.840.113549.1.12.10.1.3';
const OID_X509 = '1.2.840.113549.1.9.22.1';
const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_PBKDF2 = '1.2.840.113549.1.5.12';
const OID_PBE_SHA1_3DES = '1.2.840.113549.1.12.1.3';
const OID_PBE_SHA1_RC2_40 = '1.2.840.113549.1.12.1.6';
const HASHES = {
    '1.3.14.3.2.26': 'sha1',
    '2.16.840.1.101.3.4.2.1': 'sha256',
    '2.16.840.1.101.3.4.2.2': 'sha384',
    '2.16.840.1.101.3.4.2.3': 'sha512',
    '1.2.840.113549.2.7': 'sha1',
    '1.2.840.113549.2.9': 'sha256',
    '1.2.840.113549.2.10': 'sha384',
    '1.2.840.113549.2.11': 'sha512',
};
const CIPHERS = {
    '2.16.840.1.101.3.4.1.2': 'aes-128-cbc',
    '2.16.840.1.101.3.4.1.22': 'aes-192-cbc',
    '2.16.840.1.101.3.4.1.42': 'aes-256-cbc',
    '1.2.840.113549.3.7': 'des-ede3-cbc',
};
/** Opens a PKCS#12; throws Pkcs12Error saying whether the file or the password is at fault. */
async function readPkcs12(bytes, password) {
    const pfx = await structure(() => readPfx(bytes), () => new Pkcs12Error('corrupt', 'not a PKCS#12 (.pfx/.p12) file, or a damaged one'));
    if (pfx.mac)
        checkMac(pfx.mac, pfx.authSafeContent, password);
    const out = { keys: [], certificates: [] };
    for (const safe of pfx.safes)
        await readSafe(safe, password, out, Boolean(pfx.mac));
    return out;
}
/** PFX: version, authSafe (data only: public-key protected files are not read), macData. */
async function readPfx(bytes) {
    const [version, authSafe, macData] = pkcs12_children(await parse(bytes));
    integer(version);
    const { contentType, content } = contentInfo(authSafe);
    if (contentType !== OID_DATA)
        throw new ShapeError();
    // The MAC covers the octet string's value as written, whatever encoding it holds.
    const authSafeContent = octets(content);
    const safes = pkcs12_children(await parse(authSafeContent)).map(contentInfo);
    if (!macData)
        return { authSafeContent, safes };
    const [digestInfo, salt, iterations] = pkcs12_children(macData);
    const [algorithm, digest] = pkcs12_children(digestInfo);
    const mac = {
        algorithm: oid(pkcs12_children(algorithm)[0]),
        digest: octets(digest),
        salt: octets(salt),
        iterations: iterations ? integer(iterations) : 1,
    };
    return { authSafeContent, safes, mac };
}
/** The MAC proves the password before anything is decrypted (PKCS#12 key derivation, id 3). */
function checkMac(mac, content, password) {
    const hash = HASHES[mac.algorithm];
    if (!hash)
        throw new Pkcs12Error('unsupported', `unsupported PKCS#12 MAC ${mac.algorithm}`);
    const length = (0,external_node_crypto_.createHash)(hash).digest().length;
    // An empty password is two zero bytes (BMPString terminator) in OpenSSL, nothing at all in some tools.
    for (const pass of passwordForms(password)) {
        const key = pkcs12Kdf(hash, pass, mac.salt, 3, mac.iterations || 1, length);
        const computed = (0,external_node_crypto_.createHmac)(hash, key).update(content).digest();
        if (computed.length === mac.digest.length && (0,external_node_crypto_.timingSafeEqual)(computed, mac.digest))
            return;
    }
    throw new Pkcs12Error('password', 'wrong password');
}
function passwordForms(password) {
    const bmp = Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]);
    return password === '' ? [bmp, Buffer.alloc(0)] : [bmp];
}
async function readSafe(safe, password, out, macChecked) {
    const damaged = () => new Pkcs12Error('corrupt', 'a PKCS#12 part could not be read (damaged file)');
    let contents;
    if (safe.contentType === OID_DATA) {
        contents = await structure(() => octets(safe.content), damaged);
    }
    else if (safe.contentType === OID_ENCRYPTED_DATA) {
        const { algorithm, data } = await structure(() => encryptedData(safe.content), damaged);
        contents = decrypt(algorithm, data, password, macChecked);
    }
    else {
        return;
    }
    // Decrypted bytes that do not read as bags: a damaged file when the MAC passed, else a wrong password.
    const bags = await structure(async () => pkcs12_children(await parse(contents)).map(safeBag), () => macChecked
        ? new Pkcs12Error('corrupt', 'a PKCS#12 bag could not be read (damaged file)')
        : new Pkcs12Error('password', 'could not be decrypted; is the password right?'));
    for (const bag of bags) {
        if (bag.id === BAG_CERT) {
            const cert = await structure(() => {
                const [certId, certValue] = pkcs12_children(bag.value);
                return oid(certId) === OID_X509 ? octets(explicit0(certValue)) : undefined;
            }, damaged);
            if (cert)
                out.certificates.push(cert);
        }
        else if (bag.id === BAG_KEY) {
            out.keys.push(encoding(bag.value));
        }
        else if (bag.id === BAG_SHROUDED_KEY) {
            // EncryptedPrivateKeyInfo: the algorithm, then the encrypted PKCS#8.
            const { algorithm, data } = await structure(() => {
                const [algorithmNode, encrypted] = pkcs12_children(bag.value);
                pkcs12_children(algorithmNode);
                return { algorithm: encoding(algorithmNode), data: octets(encrypted) };
            }, damaged);
            out.keys.push(decrypt(algorithm, data, password, macChecked));
        }
    }
}
/** SafeBag: its type and the value in its [0]. */
function safeBag(node) {
    const [id, value] = pkcs12_children(node);
    return { id: oid(id), value: explicit0(value) };
}
/** PKCS#7 EncryptedData: the algorithm (its encoding) and the encrypted bytes, primitive or in pieces. */
function encryptedData(node) {
    const [, info] = pkcs12_children(node);
    const [, algorithm, encrypted] = pkcs12_children(info);
    pkcs12_children(algorithm);
    return { algorithm: encoding(algorithm), data: octets(encrypted) };
}
// --- reading the DER tree; anything of the wrong shape throws ShapeError ---
class ShapeError extends Error {
}
/** Runs `read`; a ShapeError (the bytes are not the structure expected) becomes the caller's error. */
async function structure(read, error) {
    try {
        return await read();
    }
    catch (caught) {
        if (caught instanceof ShapeError)
            throw error();
        throw caught;
    }
}
/** The element `bytes` start with, as DER; BER is rewritten as DER first (bytes after it are ignored). */
async function parse(bytes) {
    const root = (0,pe_der/* readNode */.XH)(bytes, 0);
    if (root && isDer(bytes, root))
        return { der: bytes, at: root };
    const der = await berToDer(bytes);
    const rewritten = der ? (0,pe_der/* readNode */.XH)(der, 0) : undefined;
    if (!der || !rewritten || !isDer(der, rewritten))
        throw new ShapeError();
    return { der, at: rewritten };
}
/** Definite lengths throughout, every constructed element exactly filled by its elements, no string in pieces. */
function isDer(der, node, depth = 0) {
    if (!(node.tag & 0x20))
        return true;
    if (node.tag === 0x24 || depth > 32)
        return false;
    let at = node.start;
    for (const child of (0,pe_der/* childrenOf */.LU)(der, node)) {
        if (child.headerStart !== at || !isDer(der, child, depth + 1))
            return false;
        at = child.end;
    }
    return at === node.end;
}
/** The elements of a SEQUENCE, SET or constructed tagged value. */
function pkcs12_children(node) {
    if (!node || !(node.at.tag & 0x20))
        throw new ShapeError();
    return (0,pe_der/* childrenOf */.LU)(node.der, node.at).map((at) => ({ der: node.der, at }));
}
function oid(node) {
    const value = node ? (0,pe_der/* oidOf */._f)(node.der, node.at) : undefined;
    if (value === undefined)
        throw new ShapeError();
    return value;
}
function integer(node) {
    if (node?.at.tag !== pe_der/* TAG */.Dk.integer || node.at.end === node.at.start || node.at.end - node.at.start > 6)
        throw new ShapeError();
    return node.der.readUIntBE(node.at.start, node.at.end - node.at.start);
}
/** The value inside an explicit [0] tag. */
function explicit0(node) {
    if (node?.at.tag !== pe_der/* TAG */.Dk.context0)
        throw new ShapeError();
    const [inner] = pkcs12_children(node);
    if (!inner)
        throw new ShapeError();
    return inner;
}
/**
 * An octet string's bytes (or those of the [0] IMPLICIT one in EncryptedData): primitive, or in BER
 * segments, which are octet strings themselves, joined in order. Any other element is the wrong shape.
 */
function octets(node, segment = false) {
    const tag = node?.at.tag;
    if (!node || tag === undefined)
        throw new ShapeError();
    if (tag === pe_der/* TAG */.Dk.octetString || (tag === 0x80 && !segment))
        return node.der.subarray(node.at.start, node.at.end);
    if (tag === 0x24 || (tag === 0xa0 && !segment))
        return Buffer.concat(pkcs12_children(node).map((piece) => octets(piece, true)));
    throw new ShapeError();
}
/** A node's own encoding. */
function encoding(node) {
    return (0,pe_der/* encodingOf */.P$)(node.der, node.at);
}
/** ContentInfo: its type and the value in its [0]. */
function contentInfo(node) {
    const [type, content] = pkcs12_children(node);
    return { contentType: oid(type), content: explicit0(content) };
}
/** Decrypts with the AlgorithmIdentifier's scheme; a bad padding is the password's fault unless the MAC passed. */
function decrypt(algorithmDer, data, password, macChecked) {
    const root = (0,pe_der/* readNode */.XH)(algorithmDer, 0);
    const [oidNode, params] = root ? (0,pe_der/* childrenOf */.LU)(algorithmDer, root) : [];
    const scheme = oidNode ? (0,pe_der/* oidOf */._f)(algorithmDer, oidNode) : undefined;
    try {
        if (scheme === OID_PBES2 && params)
            return pbes2(algorithmDer, params, data, password);
        if ((scheme === OID_PBE_SHA1_3DES || scheme === OID_PBE_SHA1_RC2_40) && params) {
            const [saltNode, countNode] = (0,pe_der/* childrenOf */.LU)(algorithmDer, params);
            if (!saltNode || !countNode)
                throw new Error('bad parameters');
            const salt = algorithmDer.subarray(saltNode.start, saltNode.end);
            const iterations = algorithmDer.readUIntBE(countNode.start, Math.min(6, countNode.end - countNode.start));
            const errors = [];
            for (const pass of passwordForms(password)) {
                try {
                    if (scheme === OID_PBE_SHA1_3DES) {
                        const key = pkcs12Kdf('sha1', pass, salt, 1, iterations, 24);
                        const iv = pkcs12Kdf('sha1', pass, salt, 2, iterations, 8);
                        const d = (0,external_node_crypto_.createDecipheriv)('des-ede3-cbc', key, iv);
                        return Buffer.concat([d.update(data), d.final()]);
                    }
                    const key = pkcs12Kdf('sha1', pass, salt, 1, iterations, 5);
                    const iv = pkcs12Kdf('sha1', pass, salt, 2, iterations, 8);
                    return rc2CbcDecrypt(key, 40, iv, data);
                }
                catch (error) {
                    errors.push(error);
                }
            }
            throw errors[0];
        }
    }
    catch (error) {
        if (error instanceof Pkcs12Error)
            throw error;
        throw macChecked
            ? new Pkcs12Error('corrupt', 'a PKCS#12 part could not be decrypted although the password is right (damaged file)')
            : new Pkcs12Error('password', 'could not be decrypted; is the password right?');
    }
    throw new Pkcs12Error('unsupported', `unsupported PKCS#12 encryption ${scheme ?? 'unknown'}; export it again with AES-256 or 3DES`);
}
function pbes2(der, params, data, password) {
    const [kdf, scheme] = (0,pe_der/* childrenOf */.LU)(der, params);
    const [kdfOid, kdfParams] = kdf ? (0,pe_der/* childrenOf */.LU)(der, kdf) : [];
    const [schemeOid, ivNode] = scheme ? (0,pe_der/* childrenOf */.LU)(der, scheme) : [];
    if (!kdfOid || (0,pe_der/* oidOf */._f)(der, kdfOid) !== OID_PBKDF2 || !kdfParams || !schemeOid || !ivNode)
        throw new Error('bad PBES2');
    const fields = (0,pe_der/* childrenOf */.LU)(der, kdfParams);
    const salt = der.subarray(fields[0].start, fields[0].end);
    const iterations = der.readUIntBE(fields[1].start, Math.min(6, fields[1].end - fields[1].start));
    const prfNode = fields.slice(2).find((f) => f.tag === pe_der/* TAG */.Dk.sequence);
    const prfOid = prfNode ? (0,pe_der/* oidOf */._f)(der, (0,pe_der/* childrenOf */.LU)(der, prfNode)[0]) : undefined;
    const hash = prfOid ? HASHES[prfOid] : 'sha1';
    const cipher = CIPHERS[(0,pe_der/* oidOf */._f)(der, schemeOid) ?? ''];
    if (!hash || !cipher)
        throw new Pkcs12Error('unsupported', 'unsupported PBES2 algorithm in the PKCS#12');
    const keyLength = cipher === 'des-ede3-cbc' ? 24 : Number(/aes-(\d+)/.exec(cipher)?.[1]) / 8;
    // PBES2 derives from the password's UTF-8 bytes (RFC 8018), unlike the BMPString of PKCS#12's own KDF.
    checkIterations(iterations);
    const key = (0,external_node_crypto_.pbkdf2Sync)(Buffer.from(password, 'utf8'), salt, iterations, keyLength, hash);
    const d = (0,external_node_crypto_.createDecipheriv)(cipher, key, der.subarray(ivNode.start, ivNode.end));
    return Buffer.concat([d.update(data), d.final()]);
}
/**
 * Key derivation runs synchronously: a count no exporter writes (OpenSSL writes 2048, keytool 10000)
 * would hang the run with nothing to stop it.
 */
const MAX_ITERATIONS = 10_000_000;
function checkIterations(count) {
    if (count > MAX_ITERATIONS)
        throw new Pkcs12Error('unsupported', `its key derivation asks for ${count} iterations (more than ${MAX_ITERATIONS}); export it again`);
}
/** RFC 7292 appendix B.2: the PKCS#12 key derivation. `password` is the BMPString with terminator. */
function pkcs12Kdf(hash, password, salt, id, iterations, length) {
    checkIterations(iterations);
    const u = (0,external_node_crypto_.createHash)(hash).digest().length;
    const v = hash === 'sha384' || hash === 'sha512' ? 128 : 64;
    const repeat = (data) => {
        if (data.length === 0)
            return data;
        const out = Buffer.alloc(v * Math.ceil(data.length / v));
        for (let i = 0; i < out.length; i++)
            out[i] = data[i % data.length];
        return out;
    };
    const D = Buffer.alloc(v, id);
    const I = Buffer.concat([repeat(salt), repeat(password)]);
    const result = [];
    for (let produced = 0; produced < length; produced += u) {
        let A = (0,external_node_crypto_.createHash)(hash).update(D).update(I).digest();
        // One-shot `hash`, no Hash object per round: 8 ms instead of 21 ms for 2048 rounds in a fresh process.
        for (let i = 1; i < iterations; i++)
            A = (0,external_node_crypto_.hash)(hash, A, 'buffer');
        result.push(A);
        const B = Buffer.alloc(v);
        for (let i = 0; i < v; i++)
            B[i] = A[i % u];
        for (let j = 0; j < I.length; j += v) {
            let carry = 1;
            for (let k = v - 1; k >= 0; k--) {
                const sum = I[j + k] + B[k] + carry;
                I[j + k] = sum & 0xff;
                carry = sum >> 8;
            }
        }
    }
    return Buffer.concat(result).subarray(0, length);
}

;// CONCATENATED MODULE: ./src/sign/certificate.ts







const CODE_SIGNING_EKU = '1.3.6.1.5.5.7.3.3';
const ANY_EKU = '2.5.29.37.0';
const WARN_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** A bad certificate input: the message names the input and says what to do; it never holds a secret. */
class CertificateError extends Error {
    name = 'CertificateError';
}
/** Which input a message should name, so users know what to fix. */
function inputName(source) {
    return source.kind === 'pkcs12-file'
        ? 'certificate-file'
        : source.kind === 'thumbprint'
            ? 'certificate-thumbprint'
            : 'certificate';
}
/** Registers every secret a source carries, before anything else can print it. */
function registerSourceSecrets(source, setSecret) {
    if (source.kind === 'pkcs12-base64')
        setSecret(source.base64);
    if ((source.kind === 'pkcs12-base64' || source.kind === 'pkcs12-file') && source.password)
        setSecret(source.password);
    if (source.kind === 'pkcs11' && source.pin)
        setSecret(source.pin);
}
/** Registers a PEM key whole and line by line: a masker matching whole lines still catches a printed fragment. */
function registerPemSecret(pem, setSecret) {
    setSecret(pem);
    for (const line of pem.split(/\r?\n/))
        if (line.length >= 16 && !line.startsWith('-----'))
            setSecret(line);
}
/** Opens a PKCS#12 from base64 or a file and checks it: password, private key, code-signing EKU, dates. */
async function loadPkcs12Certificate(source, now, setSecret) {
    const name = inputName(source);
    let bytes;
    if (source.kind === 'pkcs12-base64') {
        bytes = Buffer.from(source.base64, 'base64');
    }
    else {
        try {
            bytes = await (0,promises_.readFile)(source.path);
        }
        catch (error) {
            throw new CertificateError(`certificate-file: cannot read ${source.path}: ${error.code ?? String(error)}`);
        }
    }
    const what = source.kind === 'pkcs12-base64'
        ? 'the base64 text does not decode to a PKCS#12 (.pfx) file'
        : `${source.path} is not a PKCS#12 (.pfx/.p12) file, or it is damaged`;
    let contents;
    try {
        contents = await readPkcs12(bytes, source.password);
    }
    catch (error) {
        if (!(error instanceof Pkcs12Error))
            throw error;
        if (error.kind === 'password')
            throw new CertificateError(`certificate-password: wrong password for the PKCS#12 in ${name} (${error.message})`);
        if (error.kind === 'unsupported')
            throw new CertificateError(`${name}: ${error.message}`);
        // The reader's own words only when they add something ("a bag could not be read").
        const detail = what.includes(error.message.replace(/, or a damaged one$/, ''))
            ? ''
            : ` (${error.message})`;
        throw new CertificateError(`${name}: ${what}${detail}; export the certificate with its private key as .pfx and encode the whole file`);
    }
    const certs = contents.certificates.flatMap((der) => {
        try {
            return [{ der, x509: new external_node_crypto_.X509Certificate(der) }];
        }
        catch {
            return [];
        }
    });
    const keys = contents.keys.map(privateKeyFromPkcs8).filter((k) => Boolean(k));
    if (keys.length === 0) {
        throw new CertificateError(`${name}: the PKCS#12 holds no private key; export the certificate again with "Yes, export the private key"`);
    }
    let leaf;
    const key = keys.find((k) => (leaf = certs.find((c) => c.x509.checkPrivateKey(k))));
    if (!key || !leaf)
        throw new CertificateError(`${name}: no certificate in the PKCS#12 matches its private key`);
    const problem = keyProblem(key);
    if (problem)
        throw new CertificateError(`${name}: the certificate has ${problem}`);
    const info = describeCertificate(leaf.x509, source.kind);
    const notes = checkCertificate(info, leaf.x509.keyUsage, now, name);
    const chain = [leaf.der, ...certs.filter((c) => c !== leaf).map((c) => c.der)];
    if (source.password)
        setSecret(source.password);
    return {
        info,
        key: localKey(key, chain, name === 'certificate-file'
            ? `PFX file ${source.kind === 'pkcs12-file' ? source.path : ''}`.trim()
            : 'PFX from the certificate input'),
        chain,
        chainPem: chain.map(toPem),
        pkcs12: bytes,
        password: source.password,
        notes,
    };
}
const toPem = (der) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
/** The checks that apply to any certificate source; throws on the first blocking problem, warns on expiry soon. */
function checkCertificate(info, ekus, now, name) {
    if (!ekus || !(ekus.includes(CODE_SIGNING_EKU) || ekus.includes(ANY_EKU))) {
        throw new CertificateError(`${name}: ${info.subject} is not a code-signing certificate (no Code Signing extended key usage ${CODE_SIGNING_EKU}); use a certificate issued for code signing`);
    }
    const notBefore = new Date(info.notBefore);
    const notAfter = new Date(info.notAfter);
    if (now < notBefore)
        throw new CertificateError(`${name}: ${info.subject} is not valid before ${info.notBefore}`);
    if (now > notAfter)
        throw new CertificateError(`${name}: ${info.subject} expired on ${info.notAfter}; renew it`);
    const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
    return daysLeft < WARN_DAYS
        ? [(0,note/* warning */.$e)(`${name}: ${info.subject} expires in ${daysLeft} days (${info.notAfter}); renew it soon`)]
        : [];
}
function describeCertificate(cert, source) {
    return {
        source,
        subject: distinguishedName(cert.subject),
        issuer: distinguishedName(cert.issuer),
        thumbprint: cert.fingerprint.replace(/:/g, '').toUpperCase(),
        notBefore: validity(cert).from.toISOString(),
        notAfter: validity(cert).to.toISOString(),
        selfSigned: cert.subject === cert.issuer,
    };
}
/** Node's "O=...\nCN=..." (DER order) as "CN=..., O=..." in the order Windows shows it. */
function distinguishedName(name) {
    return name.split('\n').filter(Boolean).reverse().join(', ');
}
/**
 * A throwaway self-signed code-signing certificate, so fork PRs without secrets exercise the whole pipeline.
 * Key and certificate are made in process; the key never leaves it.
 */
function makeEphemeralCertificate(now) {
    const { privateKey, publicKey } = (0,external_node_crypto_.generateKeyPairSync)('rsa', { modulusLength: 2048 });
    // Back-dated an hour for clock skew; a week is plenty for one job.
    const der = buildCertificate({
        subject: [
            ['2.5.4.10', 'go-av-guard'],
            ['2.5.4.3', 'go-av-guard ephemeral code signing (untrusted)'],
        ],
        publicKey,
        issuerKey: privateKey,
        notBefore: new Date(now.getTime() - 60 * 60 * 1000),
        notAfter: new Date(now.getTime() + 7 * DAY_MS),
        ekus: [CODE_SIGNING_EKU],
    });
    const info = describeCertificate(new external_node_crypto_.X509Certificate(der), 'ephemeral');
    return {
        info,
        key: localKey(privateKey, [der], 'ephemeral key'),
        chain: [der],
        chainPem: [toPem(der)],
        pkcs12: Buffer.alloc(0),
        password: '',
        notes: [
            (0,note/* warning */.$e)(`certificate: signing with an ephemeral self-signed certificate (${info.thumbprint}); Windows will not trust these signatures`),
        ],
    };
}

;// CONCATENATED MODULE: ./src/sign/keys/index.ts


/**
 * Opens the configured key: one case per place a key can live. PFX (base64 or file) and ephemeral keys are
 * held in process memory; further sources (PKCS#11, Azure Artifact Signing, Key Vault) add a case here.
 */
async function openSigningKey(source, now, setSecret) {
    switch (source.kind) {
        case 'ephemeral':
            return makeEphemeralCertificate(now);
        case 'pkcs12-base64':
        case 'pkcs12-file':
            return loadPkcs12Certificate(source, now, setSecret);
    }
}
/**
 * Opens a key that never leaves its token, HSM or cloud service. Each SDK loads here, by dynamic import,
 * only when its source is used, so the bundle's start-up does not pay for the others.
 */
async function openKeySource(source, ctx) {
    switch (source.kind) {
        case 'pkcs11': {
            const { pkcs11Key } = await __webpack_require__.e(/* import() */ 293).then(__webpack_require__.bind(__webpack_require__, 7293));
            return pkcs11Key({
                module: source.module,
                uri: source.key,
                pin: source.pin,
                ...(source.chainFile ? { chainFile: source.chainFile } : {}),
                run: ctx.run,
                env: ctx.env,
                platform: ctx.platform,
                tempDir: ctx.tempDir,
                setSecret: ctx.setSecret,
            });
        }
        case 'artifact-signing': {
            const { artifactSigningKey } = await __webpack_require__.e(/* import() */ 316).then(__webpack_require__.bind(__webpack_require__, 5316));
            return artifactSigningKey({ ...source, env: ctx.env, setSecret: ctx.setSecret });
        }
        case 'aws-kms': {
            const { awsKmsKey } = await __webpack_require__.e(/* import() */ 683).then(__webpack_require__.bind(__webpack_require__, 1683));
            return awsKmsKey({
                keyId: source.keyId,
                chainFile: source.chainFile,
                env: ctx.env,
                setSecret: ctx.setSecret,
            });
        }
        case 'azure-key-vault': {
            const { keyVaultKey } = await __webpack_require__.e(/* import() */ 800).then(__webpack_require__.bind(__webpack_require__, 4800));
            return keyVaultKey({
                vaultUrl: source.vaultUrl,
                certificate: source.certificate,
                ...(source.chainFile ? { chainFile: source.chainFile } : {}),
                env: ctx.env,
                setSecret: ctx.setSecret,
            });
        }
    }
}
/** The input a key source's messages name. */
function keySourceInput(source) {
    const inputs = {
        pkcs11: 'pkcs11-key',
        'artifact-signing': 'artifact-signing-profile',
        'azure-key-vault': 'azure-key-vault-certificate',
        'aws-kms': 'aws-kms-key',
    };
    return inputs[source.kind];
}
function isKeySource(source) {
    return ['pkcs11', 'artifact-signing', 'azure-key-vault', 'aws-kms'].includes(source.kind);
}

;// CONCATENATED MODULE: ./src/sign/signer.ts
/** "Nov 24 21:32:54 2026 GMT" (OpenSSL) or "Mon Nov 24 21:32:54 2025" (signtool) as ISO 8601 when possible. */
function toIsoTime(text) {
    const time = Date.parse(text.replace(/^\w{3} (?=\w{3} )/, ''));
    return Number.isNaN(time) ? text : new Date(time).toISOString();
}

;// CONCATENATED MODULE: ./src/sign/verify.ts

function verdict(ok, chainTrusted, timestamped, detail, extra = {}) {
    return { ok, chainTrusted, timestamped, detail, ...extra };
}
function lastLines(text) {
    return text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(-2)
        .join(' | ');
}
/**
 * Reads `signtool verify /pa /v /ds <index>` output (shapes in __tests__/fixtures/sign/). WinVerifyTrust checks
 * the digest before the chain, so "terminated in a root certificate which is not trusted" means intact.
 */
function parseSigntoolVerify(stdout, stderr, exitCode, expect) {
    const text = `${stdout}\n${stderr}`;
    const digest = /Hash of file \((\w+)\)/.exec(text)?.[1]?.toLowerCase();
    const timeText = /The signature is timestamped: (.+)/.exec(text)?.[1]?.trim();
    const timestamped = timeText !== undefined;
    const timestampTime = timeText ? toIsoTime(timeText) : undefined;
    const extra = { digest, timestampTime };
    const errors = signtoolErrors(text);
    if (/0x80096010|did not verify|0x80096011|0x800b0100|No signature found/i.test(text)) {
        return verdict(false, false, timestamped, `signature broken: ${errors || 'signtool could not verify the signature'}`, extra);
    }
    if (digest && digest !== expect.digest) {
        return verdict(false, false, timestamped, `signature uses digest ${digest}, but ${expect.digest} was asked for`, extra);
    }
    if (expect.timestamped && !timestamped)
        return verdict(false, false, false, 'the signature has no timestamp', extra);
    if (exitCode === 0 && /Successfully verified/.test(text)) {
        return verdict(true, true, timestamped, 'signature intact; chain trusted', extra);
    }
    if (/not trusted by the trust provider|0x800b0109/i.test(text)) {
        const detail = expect.selfSigned
            ? 'signature intact; chain not trusted, as expected (self-signed certificate)'
            : 'signature intact; chain ends in a root certificate this machine does not trust';
        return verdict(true, false, timestamped, detail, extra);
    }
    return verdict(false, false, timestamped, `signature broken: ${errors || lastLines(text) || `signtool verify exited with ${exitCode}`}`, extra);
}
function signtoolErrors(text) {
    // signtool wraps long errors onto indented continuation lines.
    return text
        .replace(/\r/g, '')
        .replace(/\n[ \t]+(?=\S)/g, ' ')
        .split('\n')
        .filter((l) => l.startsWith('SignTool Error:'))
        .map((l) => l.replace(/^SignTool Error:\s*/, '').trim())
        .join('; ');
}

;// CONCATENATED MODULE: ./src/sign/signtool.ts











const STEP_TIMEOUT_MS = 300_000;
/** Windows caps a command line at 32,767 characters; files go in batches that stay well below. */
const MAX_ARGS_CHARS = 30_000;
function signtoolSignArgs(o, files, nest) {
    return [
        'sign',
        '/sha1',
        o.thumbprint,
        ...(o.machineStore ? ['/sm'] : []),
        '/s',
        'My',
        '/fd',
        o.digest,
        ...(nest ? ['/as'] : []),
        ...(o.description ? ['/d', o.description] : []),
        ...(o.descriptionUrl ? ['/du', o.descriptionUrl] : []),
        ...files,
    ];
}
function signtoolVerifyArgs(files) {
    return ['verify', '/pa', '/all', '/v', ...files];
}
/**
 * signtool on Windows, as users of Windows runners ask for: every file signed in one call (per batch), the
 * timestamps fetched in process through the run's timestamp service, each file verified in process, and
 * `signtool verify /pa` once over all of them. Files are signed as copies; the originals are replaced only if
 * they are still what was read.
 */
async function signWithSigntool(targets, job) {
    const results = new Map();
    const pending = [];
    for (const t of targets) {
        const started = Date.now();
        if ('refused' in t) {
            results.set(t, { path: t.path, status: 'failed', reason: t.refused });
            continue;
        }
        const read = await readForSigning(t.target);
        if ('refused' in read) {
            results.set(t, { path: t.path, status: 'failed', reason: read.refused });
            continue;
        }
        const existing = await verifyPe(read.bytes, job.trust);
        if (existing.signed && existing.intact && job.skipSigned && !job.appendSignature) {
            const count = existing.signatures.length;
            results.set(t, {
                path: t.path,
                status: 'skipped',
                reason: `already signed (${count} intact signature${count === 1 ? '' : 's'}) and skip-signed is true; set append-signature to add one`,
                sha256: read.snapshot.sha256,
            });
            continue;
        }
        const nest = job.appendSignature && existing.signed && existing.intact;
        // signtool signs in place: it gets a copy of exactly the bytes read (a broken table already dropped).
        let input = read.bytes;
        if (existing.signed && !nest) {
            try {
                input = padForSigning(read.bytes, await peLayout(read.bytes)).content;
            }
            catch (error) {
                results.set(t, { path: t.path, status: 'failed', reason: String(error) });
                continue;
            }
        }
        const temp = external_node_path_default().join(external_node_path_default().dirname(t.target), `.${external_node_path_default().basename(t.target)}.${(0,external_node_crypto_.randomBytes)(4).toString('hex')}.signing${external_node_path_default().extname(t.target)}`);
        job.temps?.record([temp]);
        await (0,promises_.writeFile)(temp, input, { mode: 0o600, flag: 'wx' });
        pending.push({ target: t, read, temp, nest, index: nest ? existing.signatures.length : 0, started });
    }
    try {
        for (const nest of [false, true]) {
            for (const batch of batches(pending.filter((p) => p.nest === nest)))
                await signBatch(batch, nest, job);
        }
        await Promise.all(pending.filter((p) => !p.result).map((p) => finishInProcess(p, job)));
        const ready = pending.filter((p) => !p.result);
        for (const batch of batches(ready))
            await verifyBatch(batch, job);
        await Promise.all(pending
            .filter((p) => !p.result)
            .map(async (p) => {
            const replaced = await replaceWith(p.read, p.bytes, job.temps);
            if (!replaced.ok)
                p.result = { path: p.target.path, status: 'failed', reason: replaced.message };
            else
                p.result = { ...p.done, sha256: replaced.sha256 };
        }));
    }
    finally {
        for (const p of pending)
            await (0,promises_.rm)(p.temp, { force: true }).catch(() => undefined);
        job.temps?.forget(pending.map((p) => p.temp));
    }
    for (const p of pending) {
        const result = p.result;
        results.set(p.target, result);
        job.progress?.({
            kind: 'file',
            capability: 'sign',
            path: p.target.path,
            ok: result.status === 'signed',
            verdict: result.status === 'signed' ? 'signed and verified' : `failed: ${result.reason ?? ''}`,
            durationMs: Date.now() - p.started,
        });
    }
    return targets.map((t) => results.get(t));
}
function batches(items) {
    const out = [];
    let current = [];
    let length = 0;
    for (const item of items) {
        if (current.length > 0 && length + item.temp.length + 3 > MAX_ARGS_CHARS) {
            out.push(current);
            current = [];
            length = 0;
        }
        current.push(item);
        length += item.temp.length + 3;
    }
    if (current.length > 0)
        out.push(current);
    return out;
}
async function signBatch(batch, nest, job) {
    const result = await job.run(job.path, signtoolSignArgs(job, batch.map((p) => p.temp), nest), {
        timeoutMs: STEP_TIMEOUT_MS,
    });
    if (result.exitCode === 0)
        return;
    // signtool names each file it signed; the others failed with the errors it printed.
    const text = `${result.stdout}\n${result.stderr}`;
    const why = signtoolErrors(text) || (0,platform_process/* describeFailure */.Ic)('signtool', result);
    for (const p of batch) {
        if (!text.includes(`Successfully signed: ${p.temp}`))
            p.result = { path: p.target.path, status: 'failed', reason: `signing failed: ${why}` };
    }
}
/** Timestamp (in process, shared service) and verify (in process) one signed copy. */
async function finishInProcess(p, job) {
    let server;
    try {
        let bytes = await readWhole(p.temp);
        if (job.timestamps) {
            const service = job.timestamps;
            bytes = await timestampSignature(bytes, p.index, job.digest, async (signature, digest) => {
                const stamped = await service.stamp(signature, digest);
                server = stamped.server;
                return stamped.token;
            });
            await (0,promises_.writeFile)(p.temp, bytes);
        }
        const verdict = await verifyPe(bytes, job.trust);
        const verification = toVerification(verdict, p.index);
        const ours = verdict.signatures[p.index];
        if (!ours?.intact || ours.digest !== job.digest) {
            p.result = {
                path: p.target.path,
                status: 'failed',
                reason: `verification failed: ${verification.detail}`,
                verification,
            };
            return;
        }
        p.bytes = bytes;
        p.done = {
            path: p.target.path,
            status: 'signed',
            signer: job.signerSubject,
            ...(server ? { timestampServer: server } : {}),
            ...(ours.timestamp?.time ? { timestampTime: ours.timestamp.time } : {}),
            verification,
            signatureIndex: p.index,
        };
    }
    catch (error) {
        p.result = {
            path: p.target.path,
            status: 'failed',
            reason: error instanceof Error ? error.message : String(error),
        };
    }
}
/** `signtool verify /pa /all` over every signed copy at once; a file it calls broken fails. */
async function verifyBatch(batch, job) {
    const result = await job.run(job.path, signtoolVerifyArgs(batch.map((p) => p.temp)), {
        timeoutMs: STEP_TIMEOUT_MS,
    });
    if (result.exitCode === 0)
        return;
    if (result.spawnError || result.timedOut) {
        for (const p of batch)
            p.result = {
                path: p.target.path,
                status: 'failed',
                reason: `verification failed: ${(0,platform_process/* describeFailure */.Ic)('signtool', result)}`,
            };
        return;
    }
    const text = `${result.stdout}\n${result.stderr}`;
    for (const p of batch) {
        // Each file's part of the output starts at "Verifying: <file>"; a batch of one is all of it.
        const at = text.indexOf(`Verifying: ${p.temp}`);
        const next = at < 0 ? -1 : text.indexOf('Verifying: ', at + 11);
        const block = at >= 0 ? text.slice(at, next < 0 ? undefined : next) : batch.length === 1 ? text : undefined;
        if (block === undefined) {
            p.result = {
                path: p.target.path,
                status: 'failed',
                reason: `signtool verify failed: ${signtoolErrors(text) || `exit code ${result.exitCode}`}`,
            };
            continue;
        }
        const verdict = parseSigntoolVerify(block, '', 1, {
            index: p.index,
            digest: job.digest,
            timestamped: Boolean(job.timestamps),
            selfSigned: job.selfSigned,
        });
        if (!verdict.ok)
            p.result = { path: p.target.path, status: 'failed', reason: `signtool verify: ${verdict.detail}` };
    }
}

;// CONCATENATED MODULE: ./src/sign/index.ts




















/**
 * Signs every file the patterns match. Certificate and tool are checked before any file is touched; each
 * file is then signed, timestamped and verified atomically. Returns data only: it never prints.
 */
async function signFiles(config, ctx, deps) {
    const report = {
        tool: 'built-in',
        digest: config.digest,
        timestampUrls: [...config.timestampUrls],
        files: [],
        notes: [],
    };
    // Everything this call learns is secret is also scrubbed from the report, in case a tool echoes it.
    const secrets = [];
    const setSecret = (value) => {
        if (!value)
            return;
        secrets.push(value);
        deps.setSecret(value);
    };
    if (config.certificate)
        registerSourceSecrets(config.certificate, setSecret);
    try {
        await run(config, ctx, deps, report, setSecret);
    }
    catch (error) {
        report.error =
            error instanceof CertificateError
                ? error.message
                : `sign: ${error instanceof Error ? error.message : String(error)}`;
    }
    finally {
        report.notes.push(...(await cleanup_cleanupSigning(deps)));
    }
    if (report.error)
        report.notes.push((0,note/* error */.z3)(report.error));
    return scrubSecrets(report, secrets);
}
async function run(config, ctx, deps, report, setSecret) {
    if (config.patterns.length === 0)
        return;
    const files = await expandPatterns(config.patterns, ctx.workspace);
    if (files.length === 0) {
        const message = `sign: no files matched ${config.patterns.map((p) => JSON.stringify(p)).join(', ')} (in ${ctx.workspace})`;
        if (config.ifNoFilesFound === 'error')
            report.error = `${message}; check the patterns, or set if-no-files-found to warn or ignore`;
        else if (config.ifNoFilesFound === 'warn')
            report.notes.push((0,note/* warning */.$e)(message));
        return;
    }
    if (!config.certificate) {
        report.error = NO_CERTIFICATE;
        return;
    }
    if (config.timestampUrls.length === 0) {
        report.notes.push((0,note/* warning */.$e)('timestamp-urls: none; signatures without a timestamp stop being valid when the certificate expires'));
    }
    const source = config.certificate;
    const backend = chooseSigner(config.signer, source, deps.platform);
    report.tool = backend;
    // In-process checks first: a bad certificate must fail before any file or tool is touched. Meanwhile the
    // files are looked up and the trust anchors read (nothing is changed), so their waits overlap its own.
    const lookups = Promise.all([
        resolveTargets(files, [ctx.workspace, ...(ctx.roots ?? [])]),
        loadTrust(ctx, deps),
    ]);
    lookups.catch(() => undefined);
    const certificate = source.kind === 'thumbprint'
        ? undefined
        : isKeySource(source)
            ? await openKeySourceCertificate(source, ctx, deps, setSecret)
            : await openSigningKey(source, deps.now(), setSecret);
    const [targets, trust] = await lookups;
    const timestamps = config.timestampUrls.length > 0
        ? new TimestampService(config.timestampUrls, {
            timeoutMs: config.timestampTimeoutMs,
            retry: ctx.retry ?? DEFAULT_RETRY,
            ...(deps.progress ? { progress: deps.progress } : {}),
            ...(ctx.wait ? { wait: ctx.wait } : {}),
        })
        : undefined;
    const temps = {
        record: (paths) => recordForCleanup(deps, { paths }),
        forget: (paths) => forgetForCleanup(deps, { paths }),
    };
    const common = {
        skipSigned: config.skipSigned,
        appendSignature: config.appendSignature,
        trust,
        temps,
        ...(timestamps ? { timestamps } : {}),
        ...(deps.progress ? { progress: deps.progress } : {}),
    };
    if (backend === 'built-in') {
        const cert = certificate;
        if ('chainPem' in cert)
            await exportPublicCertificate(cert, ctx);
        report.certificate = cert.info;
        report.notes.push(...cert.notes);
        try {
            report.files = await signWithEngine(targets, {
                ...common,
                key: cert.key,
                digest: config.digest,
                ...descriptions(config),
                signerSubject: cert.info.subject,
                selfSigned: cert.info.selfSigned,
            });
        }
        finally {
            await cert.key.close?.();
        }
    }
    else {
        const located = await locateSigningTool({
            platform: deps.platform,
            arch: deps.arch,
            env: deps.env,
            ...(config.signtoolPath ? { signtoolPath: config.signtoolPath } : {}),
            ...(ctx.kitsRoots ? { kitsRoots: ctx.kitsRoots } : {}),
        });
        if (!located.found || !located.path) {
            report.error = `sign: ${located.reason ?? 'signtool not found'}`;
            return;
        }
        const prepared = source.kind === 'thumbprint'
            ? await prepareStoreThumbprint(source.thumbprint, deps)
            : await prepareImported(certificate, source, deps, setSecret);
        report.certificate = prepared.info;
        report.notes.push(...prepared.notes);
        report.files = await signWithSigntool(targets, {
            ...common,
            path: located.path,
            run: deps.run,
            thumbprint: prepared.info.thumbprint,
            machineStore: prepared.machineStore,
            digest: config.digest,
            ...descriptions(config),
            signerSubject: prepared.info.subject,
            selfSigned: prepared.info.selfSigned,
        });
    }
    if (timestamps) {
        for (const { server, reason } of timestamps.demotedServers())
            report.notes.push((0,note/* warning */.$e)(`timestamp server ${server} failed (${reason}) and was not asked again in this run`));
    }
    const count = (status) => report.files.filter((f) => f.status === status).length;
    report.notes.push((0,note/* info */.pq)(`signed ${count('signed')}, skipped ${count('skipped')}, failed ${count('failed')} of ${files.length} file(s) with ${backend} as ${report.certificate?.subject ?? ''}`));
    for (const file of report.files.filter((f) => f.status === 'failed'))
        report.notes.push((0,note/* error */.z3)(`${file.path}: ${file.reason}`));
}
/**
 * Which tool signs. auto: signtool on Windows for PFX and store certificates (as users of Windows runners
 * ask), the built-in engine elsewhere and for ephemeral keys. osslsigncode would need the private key in a
 * file or on its command line, which this action never does.
 */
function chooseSigner(choice, source, platform) {
    if (choice === 'osslsigncode') {
        throw new CertificateError('signer: osslsigncode reads a private key only from a file or its command line, and this action never puts a key in either; use built-in (the same Authenticode signatures, verified by osslsigncode in our tests)');
    }
    if (isKeySource(source)) {
        if (choice === 'signtool')
            throw new CertificateError(`signer: signtool cannot reach the key of ${keySourceInput(source)}; it signs with built-in on every OS (set signer to auto or built-in)`);
        return 'built-in';
    }
    if (choice === 'signtool' || (choice === 'auto' && platform === 'win32' && source.kind !== 'ephemeral')) {
        if (platform !== 'win32')
            throw new CertificateError('signer: signtool runs only on Windows; use auto or built-in here');
        if (source.kind === 'ephemeral')
            throw new CertificateError('signer: signtool signs with a PFX or a store certificate; the ephemeral certificate signs with built-in');
        return 'signtool';
    }
    if (source.kind === 'thumbprint') {
        throw new CertificateError(platform === 'win32'
            ? 'certificate-thumbprint: a store certificate signs with signtool; set signer to auto or signtool'
            : 'certificate-thumbprint: selects a certificate from the Windows certificate store, which exists only on Windows; use certificate or certificate-file here');
    }
    return 'built-in';
}
/**
 * A key that stays in its token, HSM or cloud service (PKCS#11, Artifact Signing, Key Vault, AWS KMS): its
 * chain is fetched and checked (code-signing EKU, dates) before any file is touched; closed on failure.
 */
async function openKeySourceCertificate(source, ctx, deps, setSecret) {
    const key = await openKeySource(source, {
        run: deps.run,
        env: deps.env,
        platform: deps.platform,
        tempDir: ctx.tempDir,
        setSecret,
    });
    try {
        const [leaf] = await key.chain();
        if (!leaf)
            throw new CertificateError(`${keySourceInput(source)}: ${key.description} returned no certificate`);
        const x509 = new external_node_crypto_.X509Certificate(leaf);
        const described = describeCertificate(x509, source.kind);
        const notes = [
            (0,note/* info */.pq)(`signing key: ${key.description}`),
            ...checkCertificate(described, x509.keyUsage, deps.now(), keySourceInput(source)),
        ];
        return { key, info: described, notes };
    }
    catch (error) {
        await key.close?.();
        throw error;
    }
}
/** Anchors: the system bundle, the run's extra CA and TSA files, and a self-signed leaf (so "intact" shows). */
async function loadTrust(ctx, deps) {
    const texts = [await systemBundle(deps.env)];
    for (const file of [ctx.trust?.caFile, ctx.trust?.tsaCaFile])
        if (file)
            texts.push(await (0,promises_.readFile)(file, 'utf8'));
    const anchors = readAnchors(texts);
    return { anchors, now: deps.now() };
}
/** The ephemeral certificate's public half goes where users can download and trust it; it is not secret. */
async function exportPublicCertificate(certificate, ctx) {
    if (certificate.info.source !== 'ephemeral')
        return;
    certificate.info.publicCertPem = certificate.chainPem[0] ?? '';
    if (ctx.tempDirKept === false)
        return;
    const file = external_node_path_default().join(ctx.tempDir, `ephemeral-code-signing-${certificate.info.thumbprint.slice(0, 8)}.pem`);
    await (0,promises_.mkdir)(ctx.tempDir, { recursive: true, mode: 0o700 });
    await (0,promises_.writeFile)(file, certificate.chainPem[0] ?? '', { mode: 0o644 });
    certificate.info.publicCertPath = file;
}
/**
 * Windows caps one environment variable at 32,767 characters, and the PKCS#12 travels to the import script
 * in one (GO_AV_GUARD_INPUT) together with the password.
 */
const MAX_POWERSHELL_INPUT = 32_767;
/**
 * Imports the certificate into CurrentUser\My and signs by thumbprint. The user's certificate-file is read
 * where it is; a base64 or ephemeral PKCS#12 goes to the import script in memory, so no PFX file exists on
 * Windows, where file modes do not make a file private.
 */
async function prepareImported(certificate, source, deps, setSecret) {
    const input = source.kind === 'pkcs12-file'
        ? { path: external_node_path_default().resolve(source.path) }
        : { base64: certificate.pkcs12.toString('base64') };
    // Re-encoded: the user's text may be wrapped or otherwise differ from this form, so this is masked too.
    if ('base64' in input)
        setSecret(input.base64);
    const name = source.kind === 'pkcs12-file' ? 'certificate-file' : 'certificate';
    if (JSON.stringify({ ...input, password: certificate.password }).length > MAX_POWERSHELL_INPUT) {
        throw new CertificateError(`${name}: the PKCS#12 is too large to hand to PowerShell in memory (over ${MAX_POWERSHELL_INPUT} characters as base64); drop unneeded certificates from it or use certificate-file`);
    }
    const thumbprint = certificate.info.thumbprint;
    // Recorded before the import, so a step killed during it still leaves the post step the thumbprint.
    recordForCleanup(deps, { thumbprints: [thumbprint] });
    const imported = await importPfx(deps.run, input, certificate.password);
    if (imported.existed) {
        // The user's own certificate: used, never removed.
        forgetForCleanup(deps, { thumbprints: [thumbprint] });
    }
    else if (imported.thumbprint && imported.thumbprint !== thumbprint) {
        // What Windows imported is what cleanup must remove; the expected one was never added.
        recordForCleanup(deps, { thumbprints: [imported.thumbprint] });
        forgetForCleanup(deps, { thumbprints: [thumbprint] });
    }
    if (imported.thumbprint && imported.thumbprint !== thumbprint) {
        throw new CertificateError(`${name}: Windows imported ${imported.thumbprint}, expected ${thumbprint}`);
    }
    if (!imported.hasPrivateKey)
        throw new CertificateError('certificate: Windows imported the certificate without its private key');
    return { info: certificate.info, notes: certificate.notes, machineStore: false };
}
function descriptions(config) {
    return {
        ...(config.description ? { description: config.description } : {}),
        ...(config.descriptionUrl ? { descriptionUrl: config.descriptionUrl } : {}),
    };
}
async function prepareStoreThumbprint(thumbprint, deps) {
    const found = await findStoreCertificate(deps.run, thumbprint);
    if (!found) {
        throw new CertificateError(`certificate-thumbprint: no certificate ${thumbprint} in CurrentUser\\My or LocalMachine\\My; import it first or use certificate`);
    }
    if (!found.hasPrivateKey)
        throw new CertificateError(`certificate-thumbprint: ${found.subject} has no private key in the store`);
    const info = {
        source: 'thumbprint',
        subject: found.subject,
        issuer: found.issuer,
        thumbprint: found.thumbprint.toUpperCase(),
        notBefore: found.notBefore,
        notAfter: found.notAfter,
        selfSigned: found.subject === found.issuer,
    };
    const notes = checkCertificate(info, found.hasEku ? found.ekus : undefined, deps.now(), 'certificate-thumbprint');
    return { info, notes, machineStore: found.location === 'LocalMachine' };
}
/** Replaces any secret that slipped into a report string (a tool echoing input) with ***. */
function scrubSecrets(value, secrets) {
    const needles = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
    if (needles.length === 0)
        return value;
    const scrub = (v) => {
        if (typeof v === 'string')
            return needles.reduce((text, secret) => text.split(secret).join('***'), v);
        if (Array.isArray(v))
            return v.map(scrub);
        if (v && typeof v === 'object')
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
        return v;
    };
    return scrub(value);
}

;// CONCATENATED MODULE: ./src/stamp/index.ts




/** The version the stamp writes: version-info first, else the release tag (v1.2.3), else none. */
function effectiveVersion(config) {
    const { fileVersion, productVersion } = config.version;
    if (fileVersion || productVersion)
        return { version: config.version, source: 'version-info' };
    if (config.releaseTag)
        return {
            version: { ...config.version, fileVersion: config.releaseTag, productVersion: config.releaseTag },
            source: 'release tag',
        };
    return { version: config.version, source: 'none' };
}
/**
 * Writes the version resource and manifest Go's linker leaves out into each file (stamp: auto only into
 * files without a version resource). Runs before signing: stamping changes the bytes a signature covers,
 * so a signed file is stamped only when this run signs it again. Each file is written to a temp copy
 * beside it and renamed over it only if it is still the file that was read; a failure leaves it as it was.
 */
async function stampFiles(files, config, ctx) {
    const mode = config.mode === 'true' ? 'true' : 'auto';
    const { version, source } = effectiveVersion(config);
    const report = { mode, versionSource: source, files: [], notes: [] };
    if (source === 'none')
        report.notes.push((0,note/* warning */.$e)('stamp: no FileVersion in version-info and no release tag, so the version resource says 0.0.0; set version-info or run on a tag'));
    let icon;
    if (config.iconPath) {
        try {
            icon = await (0,promises_.readFile)(config.iconPath);
        }
        catch (error) {
            report.notes.push((0,note/* warning */.$e)(`stamp: cannot read the icon ${config.iconPath}: ${errorCode(error)}`));
        }
    }
    // resedit and pe-library (~270 KB) load only when a run stamps: signing alone starts faster without them.
    const pe = await Promise.all(/* import() */[__webpack_require__.e(155), __webpack_require__.e(320)]).then(__webpack_require__.bind(__webpack_require__, 2320));
    for (const file of files)
        report.files.push(await stampOne(file, { mode, version, icon }, ctx, pe));
    const stamped = report.files.filter((f) => f.status === 'stamped').length;
    report.notes.push((0,note/* info */.pq)(`stamp: ${stamped} of ${files.length} file(s) stamped.`));
    return report;
}
async function stampOne(file, options, ctx, { readResourceFacts, stampImage }) {
    const failed = (reason) => ({ path: file, status: 'failed', reason });
    let snapshot;
    let original;
    try {
        ({ snapshot, bytes: original } = await readSnapshot(file));
    }
    catch (error) {
        return failed(`cannot read it: ${errorCode(error)}`);
    }
    const facts = readResourceFacts(original);
    if (!facts)
        return failed('not a PE file resedit can read');
    if (options.mode === 'auto' && facts.versionInfo)
        return { path: file, status: 'skipped', reason: 'it already has a version resource (stamp: auto)' };
    const resign = ctx.willSign.has(external_node_path_default().resolve(file));
    if (facts.signed && !resign && ctx.keepSigned)
        return {
            path: file,
            status: 'skipped',
            reason: 'it is signed, and skip-signed / append-signature keep signed files as they are',
        };
    if (facts.signed && !resign)
        return failed('it is signed and stamping would remove the signature; stamp it before signing, or add it to `sign` so this run signs it again');
    const outcome = stampImage(original, {
        version: options.version,
        fileName: external_node_path_default().basename(file),
        ...(options.icon ? { icon: options.icon } : {}),
        replaceVersion: options.mode === 'true',
        dropSignature: resign,
    });
    if (!outcome.ok)
        return outcome.reason.startsWith('it already has')
            ? { path: file, status: 'skipped', reason: outcome.reason }
            : failed(outcome.reason);
    const temp = external_node_path_default().join(external_node_path_default().dirname(file), `.${external_node_path_default().basename(file)}.go-av-guard-stamp-${process.pid}.tmp`);
    try {
        const handle = await (0,promises_.open)(temp, 'wx', 0o600);
        try {
            await handle.writeFile(outcome.bytes);
            await handle.sync();
        }
        finally {
            await handle.close();
        }
        await (0,promises_.chmod)(temp, (await (0,promises_.stat)(file)).mode & 0o7777);
        const replaced = await replaceIfUnchanged(snapshot, temp);
        if (!replaced.ok)
            return failed(replaced.message);
    }
    catch (error) {
        return failed(`cannot write the stamped copy: ${errorCode(error)}`);
    }
    finally {
        await (0,promises_.rm)(temp, { force: true });
    }
    return {
        path: file,
        status: 'stamped',
        added: outcome.added,
        ...(outcome.added.includes('version')
            ? {
                fileVersion: options.version.fileVersion ?? options.version.productVersion ?? '0.0.0',
                productVersion: options.version.productVersion ?? options.version.fileVersion ?? '0.0.0',
            }
            : {}),
        ...(facts.signed ? { signatureDropped: true } : {}),
    };
}
function errorCode(error) {
    return error.code ?? (error instanceof Error ? error.message : String(error));
}

;// CONCATENATED MODULE: ./src/smoke/classify.ts
const ERROR_VIRUS_INFECTED = 225;
const ERROR_VIRUS_DELETED = 226;
const STATUS_DLL_NOT_FOUND = 0xc0000135;
const STATUS_ACCESS_VIOLATION = 0xc0000005;
/** ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION: "An Application Control policy has blocked this file." */
const ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION = 4551;
/** libuv's UV_UNKNOWN: Windows errors libuv has no name for, ERROR_VIRUS_INFECTED/DELETED among them. */
const UV_UNKNOWN = -4094;
const SUBMIT = 'report the false positive at https://www.microsoft.com/wdsi/filesubmission';
const find = (text, pattern) => text.match(pattern)?.[0];
/** First match wins, so the order is from certain to vague. */
const RULES = [
    {
        verdict: 'av-certain',
        match: ({ output }, code) => find(output, /Operation did not complete successfully because the file contains a virus[^\r\n]*/i) ??
            find(output, /0x800700E1\b/i) ??
            (code === ERROR_VIRUS_INFECTED
                ? `exit code ${ERROR_VIRUS_INFECTED} (ERROR_VIRUS_INFECTED)`
                : undefined),
        summary: 'Antivirus blocked the file (ERROR_VIRUS_INFECTED): Windows refused to open or run it because a scanner flagged it.',
        nextStep: `Exclude Go's build folders (GOCACHE, GOTMPDIR, the output folder) from antivirus, e.g. with this action's exclusions input on a self-hosted runner, and ${SUBMIT}.`,
    },
    {
        verdict: 'av-certain',
        // Older Windows lacks "or potentially unwanted software": match the common prefix.
        match: ({ output }, code) => find(output, /This file contains a virus[^\r\n]*/i) ??
            find(output, /0x800700E2\b/i) ??
            (code === ERROR_VIRUS_DELETED ? `exit code ${ERROR_VIRUS_DELETED} (ERROR_VIRUS_DELETED)` : undefined),
        summary: 'Antivirus removed the file (ERROR_VIRUS_DELETED): a scanner flagged it and deleted or quarantined it.',
        nextStep: `Exclude Go's build folders (GOCACHE, GOTMPDIR, the output folder) from antivirus, restore nothing from quarantine by hand, and ${SUBMIT}.`,
    },
    {
        verdict: 'av-certain',
        // CreateProcess refused with 225/226; Node's spawn throws it as UNKNOWN (-4094), the one start
        // failure a freshly built, present file gets from antivirus.
        match: ({ spawnCode, spawnErrno }) => spawnErrno === ERROR_VIRUS_INFECTED || spawnErrno === ERROR_VIRUS_DELETED
            ? `the start failed with error ${spawnErrno}`
            : spawnCode === 'UNKNOWN' || spawnErrno === UV_UNKNOWN
                ? `the start failed with ${spawnCode ?? 'UNKNOWN'} (${spawnErrno ?? UV_UNKNOWN}), which is how Node reports Windows' ERROR_VIRUS_INFECTED/ERROR_VIRUS_DELETED (225/226)`
                : undefined,
        summary: 'Blocked by antivirus: Windows refused to start the program (ERROR_VIRUS_INFECTED/DELETED, which Node reports as spawn UNKNOWN).',
        nextStep: `Exclude Go's build folders (GOCACHE, GOTMPDIR, the output folder) from antivirus, e.g. with this action's exclusions input on a self-hosted runner, and ${SUBMIT}.`,
    },
    {
        verdict: 'possibly-av',
        match: ({ output, spawnErrno }, code) => find(output, /[^\r\n]*Application Control policy has blocked this file[^\r\n]*/i) ??
            find(output, /0x800711C7\b/i) ??
            (code === ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION ||
                spawnErrno === ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION
                ? `error ${ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION} (ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION)`
                : undefined),
        summary: 'Blocked by application control: a Windows Defender Application Control (WDAC) or AppLocker policy refused to run this unsigned, freshly built program. This is policy, not a virus verdict.',
        nextStep: 'Ask the machine administrator to allow the build output folder or a signer in the WDAC/AppLocker policy (go-av-guard writes an AppLocker publisher rule for signed files), or run the builds on a runner without that policy.',
    },
    {
        verdict: 'quarantined-likely',
        match: ({ vanishedAfterBuild }) => vanishedAfterBuild ? 'the built file was gone right after a successful build' : undefined,
        summary: 'The build succeeded but the file vanished before it could run: most likely quarantined by antivirus on write.',
        nextStep: `Check the antivirus protection history (Get-MpThreatDetection) for this path, exclude the Go output and temp folders, and ${SUBMIT}.`,
    },
    {
        verdict: 'missing-dll',
        match: ({ output }, code) => find(output, /exit status 0xc0000135/i) ??
            find(output, /STATUS_DLL_NOT_FOUND/i) ??
            (code === STATUS_DLL_NOT_FOUND
                ? `exit code ${STATUS_DLL_NOT_FOUND} (0xc0000135, STATUS_DLL_NOT_FOUND)`
                : undefined),
        summary: 'A DLL the program needs was not found (STATUS_DLL_NOT_FOUND, 0xc0000135). This is not antivirus.',
        nextStep: 'Put the missing DLL (often a cgo dependency such as a MinGW runtime DLL) next to the binary or on PATH, or build with CGO_ENABLED=0.',
    },
    {
        verdict: 'not-av',
        match: ({ output }, code) => find(output, /exit status 0xc0000005/i) ??
            (code === STATUS_ACCESS_VIOLATION
                ? `exit code ${STATUS_ACCESS_VIOLATION} (0xc0000005, access violation)`
                : undefined),
        summary: 'The program crashed with an access violation (0xc0000005). Microsoft Defender does not cause this; third-party antivirus that injects hooks into processes has.',
        nextStep: 'If another antivirus product is installed, retry with its exclusions for the Go folders; otherwise debug the crash (it is in the program or a cgo dependency).',
    },
    {
        verdict: 'possibly-av',
        match: ({ spawnCode, fileExists }) => (spawnCode === 'EPERM' || spawnCode === 'EACCES') && fileExists
            ? `the start failed with ${spawnCode} although the file exists`
            : undefined,
        summary: 'Possibly blocked (antivirus or application control): Windows refused to start a program file that exists.',
        nextStep: "Check the antivirus protection history and the Code Integrity / AppLocker event logs for this file, and exclude Go's output and temp folders; make sure no other process holds the file.",
    },
    {
        verdict: 'possibly-av',
        match: ({ output }) => find(output, /[^\r\n]*Access is denied\.?/i) ??
            find(output, /The system cannot execute the specified program\.?/i),
        summary: 'Windows refused access to the file. Antivirus holding or blocking a freshly written file causes this, but so do other processes and permissions.',
        nextStep: "Retry once; if it repeats, check the antivirus protection history and exclude Go's temp folder (point GOTMPDIR at an excluded folder), and make sure no earlier process still holds the file.",
    },
];
const NOT_AV = {
    verdict: 'not-av',
    summary: 'The failure does not look like antivirus.',
    nextStep: 'Read the build or run output below: a compiler error, a missing toolchain or a program error is the usual cause.',
};
/** Windows exit codes arrive as unsigned (3221225781) or signed (-1073741515) numbers: compare unsigned. */
function unsignedCode(code) {
    return typeof code === 'number' && Number.isInteger(code) ? code >>> 0 : undefined;
}
function classifyFailure(input) {
    const code = unsignedCode(input.exitCode);
    let diagnosis = { ...NOT_AV };
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
    if (threats.length === 0)
        return diagnosis;
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

;// CONCATENATED MODULE: ./src/smoke/module.ts


/**
 * The tiny module every smoke variant builds: it prints a known line and, when asked through an
 * environment variable, writes the same line to a marker file (a -H=windowsgui program has no console,
 * so the file is its only proof that it ran).
 */
const EXPECTED_OUTPUT = 'go-av-guard smoke ok';
const EXPECTED_TEST_OUTPUT = 'go-av-guard smoke test ok';
const MARKER_ENV = 'GO_AV_GUARD_SMOKE_MARKER';
const GO_MOD = 'module example.com/go-av-guard-smoke\n\ngo 1.16\n';
const MAIN_GO = `package main

import (
	"fmt"
	"os"
)

func main() {
	if marker := os.Getenv("${MARKER_ENV}"); marker != "" {
		if err := os.WriteFile(marker, []byte("${EXPECTED_OUTPUT}\\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	fmt.Println("${EXPECTED_OUTPUT}")
}
`;
const TEST_GO = `package main

import "testing"

func TestSmoke(t *testing.T) {
	t.Log("${EXPECTED_TEST_OUTPUT}")
}
`;
async function writeSmokeModule(dir) {
    await (0,promises_.mkdir)(dir, { recursive: true });
    await (0,promises_.writeFile)(external_node_path_default().join(dir, 'go.mod'), GO_MOD);
    await (0,promises_.writeFile)(external_node_path_default().join(dir, 'main.go'), MAIN_GO);
    await (0,promises_.writeFile)(external_node_path_default().join(dir, 'main_test.go'), TEST_GO);
}

;// CONCATENATED MODULE: ./src/smoke/variants.ts


function planVariant(variant, ctx) {
    const exe = ctx.platform === 'win32' ? '.exe' : '';
    const out = (name) => external_node_path_default().join(ctx.moduleDir, `${name}${exe}`);
    const binaryBuild = (binary, flags, env = {}) => ({
        plan: {
            variant,
            build: ['build', '-o', binary, ...flags, '.'],
            buildEnv: env,
            binary,
            run: [binary],
            expected: EXPECTED_OUTPUT,
        },
    });
    switch (variant) {
        case 'default':
            return binaryBuild(out('smoke-default'), []);
        case 'cgo-off':
            return binaryBuild(out('smoke-cgo-off'), [], { CGO_ENABLED: '0' });
        case 'stripped':
            return binaryBuild(out('smoke-stripped'), ['-ldflags', '-s -w']);
        case 'windowsgui': {
            if (ctx.platform !== 'win32') {
                return {
                    skip: `-H=windowsgui builds a Windows GUI program; it only applies on Windows (this runner is ${ctx.platform})`,
                };
            }
            const binary = out('smoke-windowsgui');
            const choice = binaryBuild(binary, ['-ldflags', '-H=windowsgui']);
            if ('plan' in choice)
                choice.plan.marker = external_node_path_default().join(ctx.moduleDir, 'windowsgui-ran.txt');
            return choice;
        }
        case 'test': {
            const binary = external_node_path_default().join(ctx.goTempDir, `smoke.test${exe}`);
            return {
                plan: {
                    variant,
                    build: ['test', '-c', '-o', binary, '.'],
                    buildEnv: {},
                    binary,
                    run: [binary, '-test.v', '-test.run', '^TestSmoke$'],
                    expected: EXPECTED_TEST_OUTPUT,
                },
            };
        }
        case 'run':
            return { plan: { variant, build: ['run', '.'], buildEnv: {}, expected: EXPECTED_OUTPUT } };
    }
}

;// CONCATENATED MODULE: ./src/smoke/index.ts








const BUILD_TIMEOUT_MS = 5 * 60_000;
const RUN_TIMEOUT_MS = 60_000;
const OUTPUT_LINES = 20;
/**
 * Builds and runs a tiny Go program in each requested variant, recording times, exit codes, whether the
 * expected output appeared and whether the built file survived the build, with a diagnosis per failure.
 */
async function runSmoke(config, go, ctx, deps) {
    if (!config.enabled)
        return skippedReport(config, 'smoke is turned off (smoke: false)');
    if (!go.found)
        return skippedReport(config, `Go is not available: ${go.reason}`);
    if (config.variants.length === 0)
        return { result: 'skipped', reason: 'no smoke variants were requested', variants: [] };
    await mkdirp(ctx.tempDir);
    const workDir = await (0,promises_.mkdtemp)(external_node_path_default().join(ctx.tempDir, 'smoke-'));
    const moduleDir = external_node_path_default().join(workDir, 'module');
    await writeSmokeModule(moduleDir);
    // The test binary goes where `go test` itself would put it: GOTMPDIR, else the OS temp folder.
    const goTempRoot = go.env.gotmpdir || osTempDir(deps);
    await mkdirp(goTempRoot);
    const goTempDir = await (0,promises_.mkdtemp)(external_node_path_default().join(goTempRoot, 'go-av-guard-smoke-'));
    const goCommand = go.env.executable || 'go';
    // Native builds whatever GOOS/GOARCH the job exported; GOFLAGS/GOWORK from the job must not break a
    // module with no dependencies.
    const baseEnv = { GOFLAGS: '-mod=mod', GOWORK: 'off' };
    if (go.env.gohostos)
        baseEnv.GOOS = go.env.gohostos;
    if (go.env.gohostarch)
        baseEnv.GOARCH = go.env.gohostarch;
    const variants = [];
    try {
        for (const variant of config.variants) {
            const choice = planVariant(variant, { platform: deps.platform, moduleDir, goTempDir });
            if ('skip' in choice) {
                variants.push({ variant, status: 'skipped', skipReason: choice.skip, outputSeen: false });
                continue;
            }
            variants.push(await runVariant(choice.plan, { goCommand, baseEnv, moduleDir, goTempDir, goEnv: go.env }, ctx, deps));
        }
    }
    finally {
        await (0,files/* removeQuietly */.S2)(goTempDir);
    }
    const ran = variants.filter((v) => v.status !== 'skipped');
    const result = ran.length === 0 ? 'skipped' : ran.some((v) => v.status === 'failed') ? 'failed' : 'passed';
    return {
        result,
        ...(result === 'skipped' ? { reason: 'every requested variant was skipped' } : {}),
        workDir,
        variants,
    };
}
async function runVariant(plan, rc, ctx, deps) {
    const markerEnv = plan.marker ? { [MARKER_ENV]: plan.marker } : {};
    const build = await deps.run(rc.goCommand, plan.build, {
        cwd: rc.moduleDir,
        env: { ...rc.baseEnv, ...plan.buildEnv },
        timeoutMs: BUILD_TIMEOUT_MS,
    });
    const result = { variant: plan.variant, status: 'failed', outputSeen: false };
    if (plan.binary)
        result.binary = plan.binary;
    if (!plan.run || !plan.binary) {
        // `go run`: one step; its time is the run time, and its output is the program's output.
        result.runMs = build.durationMs;
        result.exitCode = build.exitCode;
        result.outputSeen = build.stdout.includes(plan.expected);
        return finish(result, build, undefined, false, rc, ctx);
    }
    result.buildMs = build.durationMs;
    result.exitCode = build.exitCode;
    if (build.exitCode !== 0)
        return finish(result, build, undefined, false, rc, ctx);
    result.existedAfterBuild = await (0,files/* exists */.t2)(plan.binary);
    await ctx.afterBuild?.(plan.variant, plan.binary);
    if (!result.existedAfterBuild)
        return finish(result, build, undefined, true, rc, ctx);
    const [file, ...args] = plan.run;
    const run = await deps.run(file, args, { cwd: rc.moduleDir, env: markerEnv, timeoutMs: RUN_TIMEOUT_MS });
    result.runMs = run.durationMs;
    result.exitCode = run.exitCode;
    result.outputSeen = plan.marker
        ? await markerHolds(plan.marker, plan.expected)
        : run.stdout.includes(plan.expected);
    // A run that failed on a file that is no longer there: removed between build and run.
    const vanished = (run.exitCode !== 0 || run.spawnError !== undefined) && !(await (0,files/* exists */.t2)(plan.binary));
    return finish(result, build, run, vanished, rc, ctx);
}
async function finish(result, build, run, vanished, rc, ctx) {
    const output = [smoke_describe('build', build), run ? smoke_describe('run', run) : ''].filter(Boolean).join('\n');
    const ok = build.exitCode === 0 && !vanished && (!run || run.exitCode === 0) && result.outputSeen;
    result.status = ok ? 'passed' : 'failed';
    result.output = smoke_lastLines(output);
    if (!ok) {
        const last = run ?? build;
        result.diagnosis = classifyFailure({
            exitCode: last.exitCode,
            output,
            vanishedAfterBuild: vanished,
            ...(last.spawnCode ? { spawnCode: last.spawnCode } : {}),
            ...(last.spawnErrno !== undefined ? { spawnErrno: last.spawnErrno } : {}),
            ...(run?.spawnError && result.binary ? { fileExists: await (0,files/* exists */.t2)(result.binary) } : {}),
            detections: relevantDetections(ctx.detections ?? [], [
                rc.moduleDir,
                rc.goTempDir,
                rc.goEnv.gocache,
                rc.goEnv.gotmpdir,
                rc.goEnv.goroot,
            ]),
        });
        if (!result.diagnosis.evidence && last.exitCode === 0 && !result.outputSeen) {
            result.diagnosis.evidence = 'the program exited 0 but its expected output did not appear';
        }
    }
    return result;
}
function smoke_describe(step, r) {
    const parts = [r.stdout.trim(), r.stderr.trim()].filter(Boolean);
    if (r.spawnError)
        parts.push(`could not start: ${r.spawnError}`);
    if (r.timedOut)
        parts.push('stopped: it did not finish in time');
    return parts.length ? `[${step}] ${parts.join('\n')}` : '';
}
function smoke_lastLines(text) {
    const lines = text.split(/\r?\n/);
    return lines.slice(-OUTPUT_LINES).join('\n').slice(-4000);
}
async function markerHolds(marker, expected) {
    try {
        return (await (0,promises_.readFile)(marker, 'utf8')).includes(expected);
    }
    catch {
        return false;
    }
}
/** Detections whose files are under one of the smoke's folders (case-insensitive, either slash). */
function relevantDetections(detections, folders) {
    const norm = (p) => p.replace(/\\/g, '/').replace(/\/+$/, '').toLowerCase();
    const roots = folders.filter(Boolean).map(norm);
    return detections.filter((d) => d.resources.some((r) => roots.some((root) => norm(r.path) === root || norm(r.path).startsWith(`${root}/`))));
}
function osTempDir(deps) {
    if (deps.platform === 'win32')
        return deps.env.TEMP || deps.env.TMP || (0,external_node_os_.tmpdir)();
    return deps.env.TMPDIR || (0,external_node_os_.tmpdir)();
}
async function mkdirp(dir) {
    await (0,promises_.mkdir)(dir, { recursive: true });
}
function skippedReport(config, reason) {
    return {
        result: 'skipped',
        reason,
        variants: config.variants.map((variant) => ({
            variant,
            status: 'skipped',
            skipReason: reason,
            outputSeen: false,
        })),
    };
}
/**
 * Detections are read once, after every capability ran; a failed variant is diagnosed again with those
 * that touch its own files, so "possibly AV" becomes certain and names the threat.
 */
function citeDetections(report, detections) {
    if (detections.length === 0 || report.result !== 'failed')
        return report;
    const variants = report.variants.map((v) => {
        if (v.status !== 'failed')
            return v;
        const folders = [report.workDir ?? '', v.binary ?? ''];
        const touching = relevantDetections(detections, folders);
        if (touching.length === 0)
            return v;
        // The start failure's errno survives in the output text ("could not start: spawn ... UNKNOWN").
        const spawnCode = /could not start: spawn\b.*?\b(UNKNOWN|EACCES|EPERM)\b/.exec(v.output ?? '')?.[1];
        const diagnosis = classifyFailure({
            exitCode: v.exitCode ?? null,
            output: v.output ?? '',
            vanishedAfterBuild: v.existedAfterBuild === false,
            detections: touching,
            ...(spawnCode ? { spawnCode, fileExists: v.existedAfterBuild !== false } : {}),
        });
        return { ...v, diagnosis };
    });
    return { ...report, variants };
}
// Exported for tests that want the same cleanup as the action's post step.
async function removeSmokeWorkDir(report) {
    if (report.workDir)
        await rm(report.workDir, { recursive: true, force: true });
}

;// CONCATENATED MODULE: ./src/runscope.ts





/**
 * Where a run keeps its files. Config.tempDir from parseConfig is only a default for pure uses; a real run
 * (the action's main step, each CLI command) gets a fresh private folder of its own instead, so two runs on
 * one machine never share a file and nothing lies under a predictable shared name.
 */
function inFolder(config, folder) {
    const reportDir = config.report.reportDir === config.tempDir ? folder : config.report.reportDir;
    return { ...config, tempDir: folder, report: { ...config.report, reportDir } };
}
/**
 * The action's main step: a fresh run folder under RUNNER_TEMP, recorded in state so the post step knows
 * (after checking it) the one folder whose contents it may remove. It outlives the step: later steps build
 * in its go-tmp, and the report file stays there for the job.
 */
async function startActionRun(config, deps) {
    const folder = await createRunFolder(tempParent(deps.env));
    deps.state.set(RUN_FOLDER_STATE, folder);
    return inFolder(config, folder);
}
/**
 * A CLI command: a fresh run folder for the length of `work`, removed in this same process when it ends,
 * fails or is interrupted. Signing's own cleanup has already run inside `work`; on an interrupt the temp
 * copies recorded beside binaries are removed too. No state is written anywhere another run could read.
 */
function runInPrivateFolder(config, deps, work) {
    return withRunFolder(runfolder_tempParent(deps.env), (folder) => {
        deps.state.set(runfolder_RUN_FOLDER_STATE, folder);
        return work(inFolder(config, folder));
    }, { onInterrupt: () => removeSigningTempsNow(deps) });
}
/** Synchronous, for a signal handler: the recorded temp copies beside binaries, plain files with that name only. */
function removeSigningTempsNow(deps) {
    for (const file of readSigningCleanup(deps).recorded.paths) {
        if (!SIGNING_TEMP_NAME.test(external_node_path_default().basename(file)))
            continue;
        try {
            if ((0,external_node_fs_.lstatSync)(file, { throwIfNoEntry: false })?.isFile())
                (0,external_node_fs_.unlinkSync)(file);
        }
        catch {
            /* the process is going away; nothing better to do */
        }
    }
}
/**
 * Credentials written into URLs (a timestamp server's user and password) never reach the report, the
 * summary or the outputs: each URL is shown as `https://***@host/...` and any stray copy of a secret is
 * replaced by ***.
 */
function maskConfigSecrets(report, config) {
    const secrets = configSecrets(config)
        .filter((s) => s.length >= 3)
        .sort((a, b) => b.length - a.length);
    if (secrets.length === 0)
        return report;
    const scrub = (value) => {
        if (typeof value === 'string') {
            let text = maskUrlCredentials(value);
            for (const secret of secrets)
                text = text.split(secret).join('***');
            return text;
        }
        if (Array.isArray(value))
            return value.map(scrub);
        if (value && typeof value === 'object')
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
        return value;
    };
    return scrub(report);
}

;// CONCATENATED MODULE: ./src/version.ts
/** Replaced at bundle time would be nicer; one constant kept in step with package.json by a test. */
const version_VERSION = '0.1.0';

;// CONCATENATED MODULE: ./src/run.ts

























// The detections reader (with an XML parser, ~230 KB) loads only when a run reads detections: a run that
// only signs starts faster without it.
const loadDetections = () => Promise.all(/* import() */[__webpack_require__.e(893), __webpack_require__.e(253)]).then(__webpack_require__.bind(__webpack_require__, 9253));
const CAPABILITIES = [
    'doctor',
    'exclusions',
    'smoke',
    'stamp',
    'sign',
    'analyze',
    'detections',
    'scan',
];
const plainPhase = (_name, work) => work();
/** Where allowlisting files go; the CLI writes them only when asked, the action always does. */
function allowlistDirFor(config, report) {
    return (config.analyze.allowlistDir ??
        (report.phase === 'main' ? external_node_path_default().join(config.tempDir, 'allowlist') : undefined));
}
/** The Go build temp dir this run points later steps at (and excludes), under the runner's temp. */
function goTmpDirFor(config) {
    return external_node_path_default().join(config.tempDir, 'go-tmp');
}
/**
 * The one pipeline behind the action and the CLI: inputs have become a Config, each capability returns
 * plain data into the report, and the caller renders it.
 */
async function runPipeline(config, deps, options) {
    const phase = options.phase ?? plainPhase;
    await checkInputsOnDisk(config, {
        sign: options.capabilities.has('sign'),
        analyze: options.capabilities.has('analyze'),
    });
    const report = model_newReport(options.reportPhase ?? 'cli', config.workspace, version_VERSION, deps.now());
    const wants = (c) => options.capabilities.has(c);
    // Doctor, exclusions, detections and the scan share one PowerShell start; signing keeps its own (its
    // data holds the certificate password, which never goes into a file).
    const powershell = (0,platform_powershell/* sharePowerShell */.Bk)(deps.run, { tempDir: config.tempDir });
    try {
        return await pipeline(config, deps, { ...deps, run: powershell.run }, options, report, wants, phase);
    }
    finally {
        await powershell.close();
    }
}
async function pipeline(config, deps, defenderDeps, options, report, wants, phase) {
    // Exclusions, smoke, detections and the scan read doctor's facts (Go folders, Defender state);
    // signing and analysis do not, so `go-av-guard sign` starts no process it does not need.
    const needsDoctor = ['doctor', 'exclusions', 'smoke', 'detections', 'scan'].some(wants);
    const doctor = needsDoctor
        ? await phase('Doctor: Go, signing tool, Defender', () => runDoctor({ go: config.go, ...(config.sign.signtoolPath ? { signtoolPath: config.sign.signtoolPath } : {}) }, { run: defenderDeps.run, platform: deps.platform, arch: deps.arch, env: deps.env, now: deps.now() }))
        : undefined;
    if (doctor)
        report.doctor = doctor;
    if (doctor && options.fleetPolicyDir) {
        const wanted = (0,defender_plan/* wantedExclusions */.jI)(doctor.go.found ? doctor.go.env : undefined, config.exclusions, {
            workspace: config.workspace,
            goTmpDir: goTmpDirFor(config),
        });
        report.fleetPolicy = await writeFleetPolicy(options.fleetPolicyDir, wanted);
    }
    if (wants('exclusions') && doctor) {
        report.exclusions = await phase('Defender exclusions', () => exclusions(config, doctor, defenderDeps));
    }
    if (wants('smoke') && config.smoke.enabled && doctor) {
        report.smoke = await phase('Smoke builds', () => runSmoke(config.smoke, doctor.go, { tempDir: config.tempDir }, deps));
    }
    if (wants('stamp') && config.stamp.mode !== 'false') {
        const stamping = await phase('Stamp version resource and manifest', () => stamp(config, wants('sign')));
        if (stamping)
            report.stamping = stamping;
    }
    if (wants('sign') && config.sign.patterns.length > 0) {
        report.signing = await phase('Signing', () => signFiles(config.sign, {
            workspace: config.workspace,
            tempDir: config.tempDir,
            ...(options.tempDirRemoved ? { tempDirKept: false } : {}),
        }, deps));
    }
    if (wants('analyze')) {
        const analysis = await phase('PE risk report and allowlisting files', () => analyze(config, report));
        if (analysis)
            report.analysis = analysis;
    }
    const relevance = relevanceContext(config, report, deps);
    // The post step reads detections again for the whole job, judged by the same facts.
    (0,state/* writeJsonState */.ru)(deps.state, constants_STATE.relevance, relevance);
    if (wants('detections') && config.detections.enabled) {
        const { collectDetections, detectionWindowStart } = await loadDetections();
        const since = options.since ?? detectionWindowStart(deps, new Date(report.startedAt));
        const detections = await phase('Defender detections', () => collectDetections(report.phase, since, relevance, defenderDeps));
        report.detections = detections;
        if (report.smoke)
            report.smoke = citeDetections(report.smoke, detections.relevant);
    }
    const artifacts = filesOfThisRun(report);
    if (wants('scan') &&
        doctor &&
        config.detections.scan !== 'false' &&
        (artifacts.length > 0 || config.detections.scan === 'true')) {
        report.scan = await phase('Defender scan of built files', () => scanArtifacts(artifacts, config.detections.scan, doctor, { tempDir: config.tempDir }, defenderDeps));
    }
    report.failures = outcome_decideFailures(report, config);
    report.finishedAt = deps.now().toISOString();
    return maskConfigSecrets(report, config);
}
/** The files signing left signed (newly or already): what analysis looks at by default. */
function signedPaths(report) {
    return report.signing?.files.filter((f) => f.status !== 'failed').map((f) => f.path) ?? [];
}
/** The files this run signed or analysed: detections on them are relevant, and they are what gets scanned. */
function filesOfThisRun(report) {
    const signed = signedPaths(report);
    const analysed = report.analysis?.files.filter(isPeReport).map((f) => f.path) ?? [];
    return [...new Set([...signed, ...analysed])];
}
function relevanceContext(config, report, deps) {
    const smokeBinaries = report.smoke?.variants.flatMap((v) => (v.binary ? [v.binary] : [])) ?? [];
    return {
        ...(report.doctor?.go.found ? { go: report.doctor.go.env } : {}),
        workspace: config.workspace,
        ...(deps.env.RUNNER_TEMP ? { runnerTemp: deps.env.RUNNER_TEMP } : {}),
        goTmpDir: report.exclusions?.gotmpdir ?? goTmpDirFor(config),
        files: [...filesOfThisRun(report), ...smokeBinaries],
    };
}
/** The main step's relevance facts, read as untrusted data: only the expected shapes are used. */
function savedRelevance(deps, workspace) {
    const raw = readJsonState(deps.state, STATE.relevance, undefined);
    const saved = raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
    const text = (v) => typeof v === 'string' && v !== '';
    const files = Array.isArray(saved.files) ? saved.files.filter(text) : [];
    const go = saved.go && typeof saved.go === 'object' && !Array.isArray(saved.go) ? saved.go : undefined;
    return {
        workspace: text(saved.workspace) ? saved.workspace : workspace,
        files,
        ...(go ? { go: go } : {}),
        ...(text(saved.runnerTemp) ? { runnerTemp: saved.runnerTemp } : {}),
        ...(text(saved.goTmpDir) ? { goTmpDir: saved.goTmpDir } : {}),
    };
}
async function exclusions(config, doctor, deps) {
    const goTmpDir = goTmpDirFor(config);
    const result = await guardExclusions(config.exclusions, doctor, { workspace: config.workspace, goTmpDir }, deps);
    // Point later steps' GOTMPDIR at the dedicated folder only when an exclusion really covers it.
    const redirect = result.gotmpdir && !result.skipped && !result.dryRun && folderExcludedAfter(result, goTmpDir);
    if (redirect)
        await (0,promises_.mkdir)(goTmpDir, { recursive: true });
    else
        delete result.gotmpdir;
    return result;
}
/**
 * Stamps the files this run signs (it signs them again right after), or without `sign` the files it
 * analyses. A signed file loses its signature to stamping, so it is stamped only when signing will
 * replace that signature (skip-signed: false, no append-signature); otherwise it is left alone when
 * signing keeps signed files, and refused when nothing signs it.
 */
async function stamp(config, signing) {
    const signs = signing && config.sign.patterns.length > 0;
    const files = signs
        ? await expandPatterns(config.sign.patterns, config.workspace)
        : (await resolveAnalyzeArgs(config)).paths;
    if (files.length === 0)
        return undefined;
    const replacesSignatures = signs && !config.sign.skipSigned && !config.sign.appendSignature;
    return stampFiles(files, config.stamp, {
        willSign: new Set(replacesSignatures ? files : []),
        keepSigned: signs && !replacesSignatures,
    });
}
/**
 * A plain path is analysed as given, so a missing file or a folder gets its own clear error; a glob is
 * expanded, and one that matches nothing is reported rather than silently passing.
 */
async function resolveAnalyzeArgs(config) {
    const isGlob = (p) => /[*?[\]{}]/.test(p) || p.startsWith('!');
    const literal = config.analyze.patterns
        .filter((p) => !isGlob(p))
        .map((p) => external_node_path_default().resolve(config.workspace, p));
    const globs = config.analyze.patterns.filter(isGlob);
    const matched = globs.length > 0 ? await expandPatterns(globs, config.workspace) : [];
    const unmatched = globs.length > 0 && matched.length === 0 ? [globs.join(', ')] : [];
    return { paths: [...new Set([...literal, ...matched])], unmatched };
}
/** Analyses the `analyze` globs, or by default the files this run signed; then writes the allowlisting files. */
async function analyze(config, report) {
    const signed = signedPaths(report);
    const { paths, unmatched } = config.analyze.patterns.length > 0 ? await resolveAnalyzeArgs(config) : { paths: signed, unmatched: [] };
    if (paths.length === 0 && unmatched.length === 0)
        return undefined;
    const context = report.signing ? { signing: report.signing } : {};
    const files = [
        ...(await analyzeFiles(paths, context)),
        ...unmatched.map((p) => ({ path: p, error: 'no files matched this pattern' })),
    ];
    const readable = files.filter(isPeReport);
    const dir = allowlistDirFor(config, report);
    if (readable.length === 0 || !dir)
        return { files };
    return { files, allowlist: await writeAllowlist(readable, { dir, ...context }) };
}
/**
 * The post step's work: remove exactly the exclusions this run added, remove signing secrets, and say
 * what was put back. Problems are warning notes, never failures. `config` is undefined when the inputs
 * could not be read; cleanup then runs with its defaults.
 */
async function runPostSteps(config, deps, phase = plainPhase) {
    const workspace = config?.workspace ?? deps.env.GITHUB_WORKSPACE ?? process.cwd();
    const report = newReport('post', workspace, VERSION, deps.now());
    // Restore, certificate removal and detections share one PowerShell start.
    const powershell = sharePowerShell(deps.run, config ? { tempDir: config.tempDir } : {});
    try {
        await postSteps(config, { ...deps, run: powershell.run }, phase, report, workspace);
    }
    finally {
        await powershell.close();
    }
    if (config)
        report.failures = decideFailures(report, config);
    report.finishedAt = deps.now().toISOString();
    return report;
}
async function postSteps(config, deps, phase, report, workspace) {
    if (config?.exclusions.restore === false) {
        report.notes.push(info('restore: false, so the exclusions this run added stay in place.'));
    }
    else {
        const restore = await phase('Restore Defender exclusions', () => restoreExclusions(deps));
        if (restore.removed.length > 0 || restore.failed.length > 0 || (restore.kept ?? []).length > 0) {
            report.exclusions = {
                mode: config?.exclusions.mode ?? 'auto',
                dryRun: false,
                planned: [],
                added: [],
                notApplied: [],
                notes: [],
                restore,
            };
        }
        for (const failed of restore.failed)
            report.notes.push(warning(`Exclusion ${failed.value} was not removed: ${failed.reason}`));
        for (const kept of restore.kept ?? [])
            report.notes.push(info(`Exclusion ${kept.value} stays: ${kept.reason}.`));
    }
    report.notes.push(...(await phase('Remove signing secrets', () => cleanupSigning(deps, { savedState: true }))));
    if (config?.detections.enabled !== false && deps.platform === 'win32') {
        const relevance = savedRelevance(deps, workspace);
        const { collectDetections, detectionWindowStart } = await loadDetections();
        const since = detectionWindowStart(deps, new Date(report.startedAt));
        report.detections = await phase('Defender detections of the whole job', () => collectDetections('post', since, relevance, deps));
    }
}

;// CONCATENATED MODULE: ./src/demo.ts







/** A release-shaped program: a console tool and a GUI build of it, as a Go project would ship them. */
const DEMO_MAIN = `package main

import (
\t"fmt"
\t"os"
)

var version = "dev"

func main() {
\tfmt.Printf("hello from go-av-guard's demo %s on %d args\\n", version, len(os.Args))
}
`;
/**
 * The whole pipeline, offline, on this machine: cross-compiles Windows binaries with the local Go, then
 * smoke, ephemeral signing (no timestamp: no network), analysis and allowlisting, as the action would.
 */
async function runDemo(dir, deps, go = 'go') {
    await (0,promises_.rm)(dir, { recursive: true, force: true });
    const src = external_node_path_default().join(dir, 'src');
    const dist = external_node_path_default().join(dir, 'dist');
    await (0,promises_.mkdir)(src, { recursive: true });
    await (0,promises_.mkdir)(dist, { recursive: true });
    await (0,promises_.writeFile)(external_node_path_default().join(src, 'go.mod'), 'module example.com/demo\n\ngo 1.19\n');
    await (0,promises_.writeFile)(external_node_path_default().join(src, 'main.go'), DEMO_MAIN);
    const builds = [
        ['hello.exe', ['-trimpath', '-ldflags', '-X main.version=1.0.0']],
        ['hello-gui.exe', ['-trimpath', '-ldflags', '-H=windowsgui -s -w -X main.version=1.0.0']],
    ];
    for (const [name, flags] of builds) {
        const result = await deps.run(go, ['build', ...flags, '-o', external_node_path_default().join(dist, name), '.'], {
            cwd: src,
            env: { GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
            timeoutMs: 300_000,
        });
        if (result.exitCode !== 0)
            throw new Error(`demo: cross-compiling ${name} failed: ${(0,platform_process/* describeFailure */.Ic)(go, result)}`);
    }
    const inputs = {
        go,
        'smoke-variants': 'default\ncgo-off\nstripped\ntest\nrun',
        sign: 'dist/*.exe',
        certificate: 'ephemeral',
        'timestamp-urls': 'none',
        analyze: 'dist/*.exe',
        'allowlist-dir': 'allowlist',
        'fail-on-detection': 'true',
    };
    const config = parseConfig((name) => inputs[name] ?? '', {
        ...deps.env,
        GITHUB_WORKSPACE: dir,
        RUNNER_TEMP: external_node_path_default().join(dir, 'runner-temp'),
    });
    const report = await runPipeline(config, deps, { capabilities: new Set(CAPABILITIES), reportPhase: 'cli' });
    const reportPath = await writeReportFile(report, dir);
    const summaryPath = external_node_path_default().join(dir, 'summary.md');
    await (0,promises_.writeFile)(summaryPath, renderSummary(report, { reportFile: `\`${external_node_path_default().basename(reportPath)}\`` }));
    return { report, dir, summaryPath, reportPath };
}

;// CONCATENATED MODULE: ./src/sign/verify-files.ts







/** Verifies each file in process; a file that cannot be read, is unsigned or broken does not pass. */
async function verifyFiles(files, o) {
    const anchors = readAnchors([
        await systemBundle(o.env),
        ...(await Promise.all(o.caFiles.map((f) => (0,promises_.readFile)(f, 'utf8')))),
    ]);
    const out = [];
    for (const file of files) {
        const started = Date.now();
        let result;
        try {
            const verdict = await verifyOnDisk(file, { anchors });
            const ok = verdict.intact && (!o.requireTrusted || verdict.trusted);
            const reason = !verdict.signed
                ? 'not signed'
                : !verdict.intact
                    ? verdict.detail
                    : ok
                        ? undefined
                        : `not trusted: ${verdict.detail}`;
            result = { path: file, ...verdict, ok, ...(reason ? { reason } : {}) };
        }
        catch (error) {
            const code = error.code;
            const reason = `cannot read the file: ${code ?? (error instanceof Error ? error.message : String(error))}`;
            result = {
                path: file,
                signed: false,
                signatures: [],
                intact: false,
                trusted: false,
                detail: reason,
                ok: false,
                reason,
            };
        }
        o.progress?.({
            kind: 'file',
            capability: 'verify',
            path: file,
            ok: result.ok,
            verdict: result.ok
                ? result.trusted
                    ? 'intact, trusted'
                    : 'intact, not trusted'
                : (result.reason ?? 'failed'),
            durationMs: Date.now() - started,
        });
        out.push(result);
    }
    return out;
}
/** One file's verdict; throws when it cannot be read, is not a regular file, or changes while it is read. */
async function verifyOnDisk(file, trust) {
    // Non-blocking, so a FIFO in the file's place is refused below instead of hanging the open.
    const handle = await (0,promises_.open)(file, external_node_fs_.constants.O_RDONLY | (external_node_fs_.constants.O_NONBLOCK ?? 0));
    try {
        const before = (0,external_node_fs_.fstatSync)(handle.fd);
        if (!before.isFile())
            throw new Error('not a regular file');
        const verdict = await verifyPeFile(handle, before.size, trust);
        if (!sameIdentity(identityOf(file, (0,external_node_fs_.fstatSync)(handle.fd)), identityOf(file, before)))
            throw new Error('it changed while being verified; verify it again once it is written');
        return verdict;
    }
    finally {
        await handle.close();
    }
}
/** One line per file: "OK" or "FAILED", the path relative to `cwd`, and the verdict. */
function renderVerifyText(results, cwd) {
    // File names and certificate names are untrusted: no control character reaches the terminal.
    const clean = (text) => [...text].map((c) => (/\p{Cc}/u.test(c) ? '?' : c)).join('');
    return results
        .map((r) => `${r.ok ? 'OK    ' : 'FAILED'}  ${clean(external_node_path_default().relative(cwd, r.path) || r.path)}: ${clean(r.ok ? r.detail : (r.reason ?? r.detail))}`)
        .join('\n')
        .concat('\n');
}

;// CONCATENATED MODULE: ./src/cli/handlers.ts








/** `detections --from-file F` reads a saved file on any OS; without it, Defender on this machine. */
async function detectionsCommand(context) {
    const fromFile = context.flags.read('from-file');
    if (!fromFile)
        return context.pipeline();
    const config = await context.config();
    return context.print(await detectionsFromFile(external_node_path_default().resolve(context.cwd, fromFile), config, context.deps(config)));
}
/** The whole pipeline offline in ./demo-output, with a job summary to open. */
async function demoCommand(context) {
    const dir = external_node_path_default().resolve(context.cwd, 'demo-output');
    const config = parseConfig(() => '', {
        ...context.env,
        GITHUB_WORKSPACE: dir,
        RUNNER_TEMP: external_node_path_default().join(dir, 'runner-temp'),
    });
    const result = await runDemo(dir, context.deps(config), context.flags.read('go') || 'go');
    const code = context.print(result.report);
    context.stderr(`\nJob summary: ${result.summaryPath}\nJSON report: ${result.reportPath}\n`);
    return code;
}
/** Local forensics: saved cmdlet JSON or event XML from any machine, judged against this folder. */
async function detectionsFromFile(file, config, deps) {
    let bytes;
    try {
        // Saved event logs can be large, but never unbounded: a device, a FIFO or a huge file is refused.
        bytes = await (0,files/* readSmallRegularFile */.qZ)(file, { maxBytes: 256 * 1024 * 1024, timeoutMs: 60_000 });
    }
    catch (error) {
        const code = error.code;
        const why = code ? `cannot read ${file}: ${code}` : error.message;
        throw new Error(`--from-file: ${why}`, { cause: error });
    }
    // Loaded here, not at start-up: only this command reads saved detections (with an XML parser).
    const { classifyRelevance, decodeDetectionsFile, parseDetectionsFile } = await Promise.all(/* import() */[__webpack_require__.e(893), __webpack_require__.e(253)]).then(__webpack_require__.bind(__webpack_require__, 9253));
    let parsed;
    try {
        parsed = parseDetectionsFile(decodeDetectionsFile(bytes));
    }
    catch (error) {
        throw new Error(`--from-file ${file}: ${error instanceof Error ? error.message : String(error)}`, {
            cause: error,
        });
    }
    const report = model_newReport('cli', config.workspace, version_VERSION, deps.now());
    const times = parsed.detections
        .map((d) => d.time)
        .filter((t) => Boolean(t))
        .sort();
    const split = classifyRelevance(parsed.detections, { workspace: config.workspace, files: [] });
    report.detections = {
        phase: 'cli',
        since: times[0] ?? report.startedAt,
        until: times.at(-1) ?? report.startedAt,
        available: true,
        relevant: split.relevant,
        other: split.other,
        events: parsed.events,
        notes: [
            (0,note/* info */.pq)(`Read ${parsed.detections.length} detection(s) and ${parsed.events.length} event(s) from ${external_node_path_default().basename(file)}.`),
        ],
    };
    report.finishedAt = deps.now().toISOString();
    return report;
}
/** `verify FILES`: in-process verification; exit 0 only when every file is intact (and trusted if asked). */
async function verifyCommand(context) {
    const { flags, cwd } = context;
    const caFile = flags.read('ca-file');
    const { progress } = context.deps(await context.config());
    const results = await verifyFiles(flags.positionals.map((f) => external_node_path_default().resolve(cwd, f)), {
        requireTrusted: flags.values['require-trusted'] === true,
        caFiles: caFile ? [external_node_path_default().resolve(cwd, caFile)] : [],
        env: context.env,
        ...(progress ? { progress } : {}),
    });
    context.stdout(flags.json ? `${JSON.stringify(results, null, 2)}\n` : renderVerifyText(results, cwd));
    return results.every((r) => r.ok) ? 0 : 1;
}

;// CONCATENATED MODULE: ./src/cli/commands.ts


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
const SECRET_FLAGS = [
    {
        name: 'certificate-env',
        kind: 'text',
        description: 'Name of an environment variable holding a base64 PKCS#12 (.pfx) certificate (the action input `certificate`).',
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
        description: 'Name of an environment variable holding the PKCS#11 token PIN (the action input `pkcs11-pin`).',
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
const VERSION_INFO_FLAGS = Object.entries(versioninfo/* VERSION_FLAGS */.P0).map(([name, key]) => ({
    name,
    kind: 'text',
    description: `The ${key} of the version resource (one line of version-info).`,
}));
/** Secrets have no flag of their own: argv is visible to every user of the machine and kept in shell history. */
const REFUSED_FLAGS = [
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
const COMMANDS = [
    {
        name: 'doctor',
        summary: "Report Go, the signing tool and (on Windows) Defender's state, and what it means for your builds.",
        synopsis: '[flags]',
        inputs: ['go', 'signtool-path', 'exclusion-paths', 'exclusion-processes'],
        extra: [
            {
                name: 'fleet-policy',
                kind: 'text',
                description: 'Write the exclusions a Go job wants on this runner to DIR, as a Group Policy .reg file and Intune (Policy CSP) settings.',
            },
        ],
        capabilities: ['doctor'],
    },
    {
        name: 'smoke',
        summary: 'Build and run a hello program in the variants antivirus treats differently, and explain failures.',
        synopsis: '[--smoke-variants V]...',
        inputs: ['go', 'smoke-variants'],
        capabilities: ['smoke'],
    },
    {
        name: 'sign',
        summary: 'Authenticode-sign, timestamp and verify Windows binaries.',
        synopsis: '(--certificate-file F | --certificate-env VAR | --certificate ephemeral | --certificate-thumbprint T | --pkcs11-key URI | --artifact-signing-profile P | --azure-key-vault-certificate C | --aws-kms-key K) [flags] <paths or globs...>',
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
        summary: 'Write a version resource and an application manifest (and optionally an icon) into Go-built Windows binaries.',
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
        summary: 'Verify Authenticode signatures in process: intact (exit 0) or broken/unsigned (exit 1), and whether trusted.',
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
                description: 'A PEM file of extra trust anchors (a private CA or a test root), besides the system bundle.',
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
        summary: 'Plan (and unless --dry-run, add and verify) the Defender exclusions a Go job needs. Windows only.',
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
                description: 'Read saved Get-MpThreatDetection / Get-MpThreat JSON or event XML (wevtutil qe /f:xml, Get-WinEvent .ToXml()) instead of this machine.',
            },
        ],
        windowsOnly: {
            unless: 'from-file',
            message: 'live detections come from Defender, which runs only on Windows; here, read a saved file with --from-file FILE',
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
        summary: 'Run the whole pipeline offline on this machine with throwaway inputs, and write a summary to open.',
        synopsis: '[--go PATH]',
        inputs: ['go'],
        capabilities: ['doctor'],
        run: demoCommand,
    },
];
function findCommand(name) {
    return COMMANDS.find((c) => c.name === name);
}

;// CONCATENATED MODULE: ./src/report/text.ts

/** The CLI's human output: the same section views as the job summary, as plain terminal text. */
const MARK = { info: '-', warning: '!', error: 'x' };
function cellText(value) {
    if (typeof value === 'string')
        return terminalSafe(value);
    return terminalSafe('code' in value ? value.code : 'hash' in value ? value.hash : value.artifact);
}
/** Breaks text into lines of at most `width` characters, at spaces where it can and inside long words where it must. */
function wrap(text, width) {
    const out = [];
    for (const paragraph of text.split('\n')) {
        let line = '';
        for (const word of paragraph.split(' ')) {
            let rest = word;
            while (rest.length > width) {
                if (line)
                    out.push(line);
                line = '';
                // A long path or URL breaks after a separator where it can, else at the width.
                const cut = Math.max(...['/', '\\', '-', '.', '_'].map((c) => rest.lastIndexOf(c, width - 1)));
                const at = cut >= width / 3 ? cut + 1 : width;
                out.push(rest.slice(0, at));
                rest = rest.slice(at);
            }
            if (!line)
                line = rest;
            else if (line.length + 1 + rest.length <= width)
                line += ` ${rest}`;
            else {
                out.push(line);
                line = rest;
            }
        }
        out.push(line);
    }
    return out;
}
/**
 * A table that fits `width` columns: narrow columns keep their width, the widest ones share what is left,
 * and long cells wrap inside their column instead of pushing the row out of line.
 */
function tableText(t, width = 100) {
    if (t.rows.length === 0)
        return '';
    const rows = [t.headers, ...t.rows.map((r) => r.map(cellText))];
    const gap = 2;
    const natural = t.headers.map((_, i) => Math.max(...rows.flatMap((r) => (r[i] ?? '').split('\n').map((l) => l.length))));
    // A column would rather not break inside a word (a path, a hash): its longest word is its preferred minimum.
    const longest = t.headers.map((_, i) => Math.max(...rows.flatMap((r) => (r[i] ?? '').split(/\s+/).map((w) => w.length))));
    const widths = [...natural];
    const budget = Math.max(width - gap * (widths.length - 1), widths.length * 8);
    const total = () => widths.reduce((a, b) => a + b, 0);
    // First shrink the widest column that can still wrap between words (down to its longest word, at most
    // 30); then break inside words, starting with the column whose words are longest (paths break anyway).
    const passes = [
        { floor: (i) => Math.min(30, longest[i] ?? 0), rank: (i) => widths[i] ?? 0 },
        { floor: () => 8, rank: (i) => longest[i] ?? 0 },
    ];
    for (const pass of passes) {
        while (total() > budget) {
            const open = widths.map((_, i) => i).filter((i) => (widths[i] ?? 0) > pass.floor(i));
            if (open.length === 0)
                break;
            const pick = open.reduce((a, b) => (pass.rank(b) > pass.rank(a) ? b : a));
            widths[pick] = (widths[pick] ?? 0) - 1;
        }
    }
    const line = (r) => {
        const cells = widths.map((w, i) => wrap(r[i] ?? '', w));
        const height = Math.max(...cells.map((c) => c.length));
        const lines = [];
        for (let k = 0; k < height; k++)
            lines.push(cells
                .map((c, i) => (c[k] ?? '').padEnd(i === cells.length - 1 ? 0 : (widths[i] ?? 0)))
                .join(' '.repeat(gap))
                .trimEnd());
        return lines.join('\n');
    };
    const caption = t.caption ? `${t.caption}\n` : '';
    return `${caption}${rows.map(line).join('\n')}\n`;
}
function sectionText(view, width = 100) {
    const parts = [`== ${view.title} ==`];
    if (view.lead)
        parts.push(...wrap(terminalSafe(view.lead), width));
    parts.push(...view.tables
        .map((t) => tableText(t, width))
        .filter(Boolean)
        .map((t) => t.trimEnd()));
    for (const n of view.notes) {
        const [first = '', ...more] = wrap(terminalSafe(n.message), width - 2);
        parts.push(`${MARK[n.level]} ${first}`, ...more.map((l) => `  ${l}`));
    }
    return `${parts.join('\n')}\n`;
}

;// CONCATENATED MODULE: ./src/cli/flags.ts
/** A mistake in how the CLI was called: exit code 2, with the command's usage. */
class UsageError extends Error {
}
/** Flags every command takes. */
const COMMON_FLAGS = [
    {
        name: 'json',
        kind: 'boolean',
        description: 'Print the report as JSON on stdout (progress and messages stay on stderr).',
    },
    { name: 'help', kind: 'boolean', description: 'Show this help.' },
];
function parseFlags(argv, specs, refusals = []) {
    const byName = new Map([...COMMON_FLAGS, ...specs].map((s) => [s.name, s]));
    const values = {};
    const positionals = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === '--') {
            positionals.push(...argv.slice(i + 1));
            break;
        }
        if (arg === '-h') {
            values.help = true;
            continue;
        }
        if (!arg.startsWith('-') || arg === '-') {
            positionals.push(arg);
            continue;
        }
        const eq = arg.indexOf('=');
        const name = arg.replace(/^--?/, '').slice(0, eq < 0 ? undefined : eq - (arg.startsWith('--') ? 2 : 1));
        const inline = eq < 0 ? undefined : arg.slice(eq + 1);
        const refusal = refusals.find((r) => r.name === name);
        if (refusal)
            throw new UsageError(`--${name} is not accepted: ${refusal.why}`);
        let spec = byName.get(name);
        let negated = false;
        if (!spec && name.startsWith('no-')) {
            const positive = byName.get(name.slice(3));
            if (positive?.kind === 'boolean') {
                spec = positive;
                negated = true;
            }
        }
        if (!spec || !arg.startsWith('--'))
            throw new UsageError(unknownFlag(arg, name, [...byName.keys()]));
        if (spec.kind === 'boolean') {
            if (inline === undefined)
                values[spec.name] = !negated;
            else if (!negated && /^(true|false)$/i.test(inline))
                values[spec.name] = inline.toLowerCase() === 'true';
            else
                throw new UsageError(`--${name} takes no value (use --${spec.name} or --no-${spec.name})`);
            continue;
        }
        let value = inline;
        if (value === undefined) {
            const next = argv[i + 1];
            if (next === undefined || next.startsWith('--'))
                throw new UsageError(`--${name} needs a value${next === undefined ? '' : `, got the flag ${next}`}`);
            value = next;
            i++;
        }
        const previous = values[spec.name];
        if (spec.kind === 'lines')
            values[spec.name] = [...(previous ?? []), value];
        else if (previous !== undefined)
            throw new UsageError(`--${name} was given twice (${JSON.stringify(previous)} and ${JSON.stringify(value)})`);
        else
            values[spec.name] = value;
    }
    const read = (name) => {
        const value = values[name];
        if (value === undefined)
            return '';
        if (Array.isArray(value))
            return value.join('\n');
        return String(value);
    };
    return { read, positionals, json: values.json === true, help: values.help === true, values };
}
function unknownFlag(arg, name, known) {
    const guess = closest(name, known);
    const shown = arg.length > 60 ? `${arg.slice(0, 57)}...` : arg;
    return `unknown flag ${JSON.stringify(shown)}${guess ? `; did you mean --${guess}?` : ''}`;
}
/** The known name a typo most likely meant: a unique prefix, else the nearest by edit distance. */
function closest(name, known) {
    const prefixed = known.filter((k) => k.startsWith(name) && name.length >= 3);
    if (prefixed.length === 1)
        return prefixed[0];
    let best;
    let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
    for (const candidate of known) {
        const d = distance(name, candidate);
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best ?? prefixed[0];
}
/** Optimal string alignment distance: insertions, deletions, substitutions and swapped neighbours cost 1. */
function distance(a, b) {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    const at = (i, j) => d[i]?.[j] ?? 0;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
                v = Math.min(v, at(i - 2, j - 2) + 1);
            d[i][j] = v;
        }
    }
    return at(a.length, b.length);
}

;// CONCATENATED MODULE: ./src/cli/action-inputs.ts
// Generated from action.yml by scripts/action-inputs.mjs: do not edit; run `npm run action-inputs`.
/** action.yml's inputs, as written there: the CLI takes each one as a flag. */
const ACTION_INPUTS = {
    go: {
        description: 'The Go command to use for `go env` and smoke builds.',
        default: 'go',
    },
    exclusions: {
        description: 'Add the Defender exclusions a Go job needs: auto (only where real-time protection is on and they are missing; warn when that cannot be done), true (fail the step when they cannot be added), false.',
        default: 'auto',
    },
    'exclusion-paths': {
        description: 'Extra folders to exclude, one per line (relative paths are resolved against the workspace).',
        default: '',
    },
    'exclusion-processes': {
        description: 'Extra process exclusions, one full path per line.',
        default: '',
    },
    'allow-broad-exclusions': {
        description: 'Accept exclusions that switch scanning off far beyond a Go job: a drive root, a leading wildcard, a whole system folder, or a shell, script host or interpreter as a process (refused otherwise).',
        default: 'false',
    },
    'dry-run': {
        description: 'Plan and report exclusions but change nothing.',
        default: 'false',
    },
    restore: {
        description: 'Remove the exclusions this run added in the post step (never those that were there before).',
        default: 'true',
    },
    smoke: {
        description: 'Build and run a hello program to prove this runner lets Go build and run binaries: auto (when Go is found; a warning when it is not), true (required: no Go fails the step), false.',
        default: 'auto',
    },
    'smoke-variants': {
        description: 'Variants to build, one per line or comma-separated, among default, cgo-off, stripped, windowsgui, test, run.',
        default: 'default\ntest\n',
    },
    sign: {
        description: 'Glob patterns of files to sign, one per line (`!` excludes). Empty means no signing.',
        default: '',
    },
    certificate: {
        description: 'Base64-encoded PKCS#12 (.pfx) signing certificate (use a secret), or `ephemeral` for a throwaway self-signed certificate made on the spot (fork PRs without secrets).',
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
        description: 'SHA-1 thumbprint of a certificate already in the Windows certificate store, instead of a PFX.',
        default: '',
    },
    'certificate-chain': {
        description: 'PEM file with the signing certificate first, then intermediates, for pkcs11-key (optional when the token holds the certificate beside the key) and aws-kms-key, or intermediates for azure-key-vault-certificate.',
        default: '',
    },
    'pkcs11-module': {
        description: "Path of the token's or HSM's PKCS#11 library (such as libsofthsm2.so or eTPKCS11.dll), for pkcs11-key.",
        default: '',
    },
    'pkcs11-key': {
        description: "RFC 7512 URI of the signing key on a PKCS#11 token or HSM, such as `pkcs11:token=ci;object=signing`. Signs through OpenSSL's pkcs11 engine (libp11); the key never leaves the token.",
        default: '',
    },
    'pkcs11-pin': {
        description: 'PIN of the PKCS#11 token (use a secret). Reaches the token through a pipe, never a command line or a file.',
        default: '',
    },
    'artifact-signing-endpoint': {
        description: "Azure Artifact Signing (formerly Trusted Signing) endpoint of the account's region, such as https://eus.codesigning.azure.net. Credentials come from the environment (AZURE_CLIENT_ID, AZURE_TENANT_ID and a client secret, GitHub OIDC with `id-token: write`, Azure CLI, managed identity).",
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
        description: 'Azure Key Vault URL, such as https://myvault.vault.azure.net, for azure-key-vault-certificate. Same credentials as Artifact Signing.',
        default: '',
    },
    'azure-key-vault-certificate': {
        description: 'Name (or name/version) of the Key Vault certificate to sign with; its key stays in the vault.',
        default: '',
    },
    'aws-kms-key': {
        description: 'AWS KMS key (id, ARN or alias) of an asymmetric SIGN_VERIFY key; needs certificate-chain. Credentials and region the AWS way (aws-actions/configure-aws-credentials with GitHub OIDC, or AWS_* variables).',
        default: '',
    },
    'timestamp-urls': {
        description: 'RFC 3161 timestamp servers, one per line, tried in order with retries. Empty: DigiCert, Sectigo, GlobalSign, SSL.com. `none`: sign without a timestamp (the signature then expires with the certificate).',
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
        description: 'Which tool signs: auto (signtool on Windows for PFX and store certificates, the built-in engine elsewhere), built-in, signtool or osslsigncode.',
        default: 'auto',
    },
    'timestamp-timeout': {
        description: 'Seconds one timestamp request may take before that server is given up for the rest of the run.',
        default: '30',
    },
    stamp: {
        description: 'Write a version resource and an application manifest (asInvoker, supported Windows versions, long paths, UTF-8) into the binaries to sign (or, without `sign`, to analyze) before they are signed: auto (only binaries without a version resource), true (every binary, replacing its version), false.',
        default: 'false',
    },
    'version-info': {
        description: 'Version resource strings for stamp, one `Key: value` per line: FileVersion, ProductVersion, CompanyName, ProductName, FileDescription, LegalCopyright, OriginalFilename, InternalName, Comments, LegalTrademarks. Without FileVersion the release tag (v1.2.3) is the version.',
        default: '',
    },
    icon: {
        description: 'Path of an .ico file that stamp writes into binaries that have no icon.',
        default: '',
    },
    analyze: {
        description: 'Glob patterns of binaries for the PE risk report, one per line. Empty: the files this run signed.',
        default: '',
    },
    'allowlist-dir': {
        description: "Folder for SHA256SUMS, the AppLocker policy and the Defender for Endpoint indicator CSV (default is allowlist in this run's own folder under RUNNER_TEMP).",
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
        description: "Fail the step when a detection touches the Go toolchain, the workspace or this run's files.",
        default: 'true',
    },
    scan: {
        description: 'Scan signed/analysed files with Defender (MpCmdRun) on copies: auto, true or false.',
        default: 'auto',
    },
    checks: {
        description: "Send annotations beyond the runner's 10-per-type limit through the Checks API: auto (when the token may), true or false.",
        default: 'auto',
    },
    'github-token': {
        description: 'Token for the Checks API and release uploads.',
        default: '${{ github.token }}',
    },
    'upload-release-assets': {
        description: 'On a release event (or for release-tag), upload signed files, SHA256SUMS and allowlisting files.',
        default: 'false',
    },
    'release-tag': {
        description: 'Tag of the release to upload to, when not running on a release event.',
        default: '',
    },
};

;// CONCATENATED MODULE: ./src/cli/inputs.ts

let cached;
/** Every input of action.yml as a flag: booleans by their true/false default, repeatable "one per line" lists. */
function actionInputs() {
    cached ??= inputsFrom({ inputs: ACTION_INPUTS });
    return cached;
}
function inputsFrom(action) {
    const specs = new Map();
    for (const [name, input] of Object.entries(action.inputs ?? {})) {
        const description = String(input.description ?? '')
            .replace(/\s+/g, ' ')
            .trim();
        const fallback = input.default === undefined ? '' : String(input.default).trim();
        const kind = /^(true|false)$/.test(fallback)
            ? 'boolean'
            : /\bper line\b/i.test(description)
                ? 'lines'
                : 'text';
        specs.set(name, {
            name,
            kind,
            description,
            ...(fallback && !fallback.includes('${{') ? { default: fallback.replace(/\n/g, ', ') } : {}),
        });
    }
    return specs;
}

;// CONCATENATED MODULE: ./src/cli/help.ts





/** A command's flags: its action.yml inputs (kind and text from action.yml), then its CLI-only flags. */
function commandFlags(command) {
    const inputs = actionInputs();
    return [
        ...command.inputs.map((name) => {
            const spec = inputs.get(name);
            if (!spec)
                throw new Error(`command ${command.name} names the input ${name}, which action.yml lacks`);
            return spec;
        }),
        ...(command.extra ?? []),
    ];
}
function placeholder(spec) {
    if (spec.kind === 'boolean')
        return '';
    if (/-env$/.test(spec.name))
        return ' VAR';
    if (/(file|path|dir)$/.test(spec.name) || spec.name === 'go')
        return ' PATH';
    if (/urls?$/.test(spec.name))
        return ' URL';
    return ' VALUE';
}
function flagLines(specs, width) {
    const names = specs.map((s) => s.name === 'help' ? '-h, --help' : `--${s.name}${placeholder(s)}${s.kind === 'lines' ? '...' : ''}`);
    const column = Math.min(34, Math.max(...names.map((n) => n.length)) + 4);
    const textWidth = Math.max(30, width - column);
    return specs.flatMap((spec, i) => {
        const extra = [
            spec.kind === 'lines' ? 'Repeat the flag for more.' : '',
            spec.kind === 'boolean' && spec.default === 'true'
                ? `On by default; --no-${spec.name} turns it off.`
                : '',
            spec.default && spec.kind !== 'boolean' ? `Default: ${spec.default}.` : '',
        ].filter(Boolean);
        const text = wrap([spec.description, ...extra].join(' '), textWidth);
        const name = `  ${names[i] ?? ''}`;
        const [first = '', ...rest] = text;
        const head = name.length + 2 > column ? [name, `${' '.repeat(column)}${first}`] : [`${name.padEnd(column)}${first}`];
        return [...head, ...rest.map((l) => `${' '.repeat(column)}${l}`)];
    });
}
function generalHelp(width = 100) {
    const column = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
    return [
        `go-av-guard ${version_VERSION}: keep antivirus from breaking Go builds on Windows, and released Go binaries from being flagged.`,
        '',
        'Usage: go-av-guard <command> [flags]',
        '',
        'Commands:',
        ...COMMANDS.flatMap((c) => {
            const [first = '', ...rest] = wrap(c.summary, Math.max(30, width - column - 2));
            return [`  ${c.name.padEnd(column)}${first}`, ...rest.map((l) => `  ${' '.repeat(column)}${l}`)];
        }),
        '',
        'Run "go-av-guard <command> --help" for its flags. Exit codes: 0 ok, 1 failure, 2 usage error.',
        '',
    ].join('\n');
}
function commandHelp(command, width = 100) {
    return [
        `Usage: go-av-guard ${command.name} ${command.synopsis}`,
        '',
        ...wrap(command.summary, width),
        '',
        'Flags (named after the action inputs in action.yml):',
        ...flagLines([...commandFlags(command), ...COMMON_FLAGS], width),
        ...(command.notes?.length ? ['', ...command.notes.flatMap((n) => wrap(n, width))] : []),
        '',
        'Exit codes: 0 ok, 1 failure, 2 usage error.',
        '',
    ].join('\n');
}

;// CONCATENATED MODULE: ./src/report/progress.ts


/** " (1.2 s)", or nothing when the time was not measured. */
const took = (ms) => (Number.isFinite(ms) ? ` (${seconds(ms)})` : '');
const seconds = (ms) => ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
/** One line for a progress event, the same in the CLI's stderr and the action's log group. */
function progressLine(event, workspace) {
    switch (event.kind) {
        case 'file':
            return oneLine(`${event.capability}: ${annotationPath(event.path, workspace)}: ${event.ok ? '' : 'FAILED '}${event.verdict}${took(event.durationMs)}`);
        case 'retry':
            return oneLine(`timestamp: ${event.server} attempt ${event.attempt} failed (${event.reason}); retrying in ${seconds(event.delayMs)}`);
        case 'demoted':
            return oneLine(`timestamp: ${event.server} moved to the end of the list: ${event.reason}`);
    }
}

;// CONCATENATED MODULE: ./src/cli/progress.ts


/**
 * Progress on stderr, so `--json` on stdout stays clean. Off a terminal (CI logs, pipes) every event is a
 * line; on a terminal a finished file rewrites one status line, and failures, retries and demotions are
 * kept as lines of their own so they stay on screen.
 */
function stderrProgress(write, options) {
    let done = 0;
    let failed = 0;
    let status = false;
    const named = new Set();
    const emit = (event) => {
        const line = progressLine(event, options.workspace);
        if (event.kind === 'file') {
            named.add(`${event.capability}\u0000${event.path}`);
            done++;
            if (!event.ok)
                failed++;
        }
        if (!options.tty) {
            write(`${line}\n`);
            return;
        }
        // \r and "erase line" rewrite the status line; the text itself was made inert by progressLine.
        if (status)
            write('\r\u001b[2K');
        if (event.kind !== 'file' || !event.ok)
            write(`${line}\n`);
        write(`${done} file(s) done${failed ? `, ${failed} failed` : ''}; last: ${line}`.slice(0, (options.columns ?? 100) - 1));
        status = true;
    };
    const finish = (report) => {
        const file = (capability, path, ok, verdict) => {
            if (!named.has(`${capability}\u0000${path}`))
                emit({ kind: 'file', capability, path, ok, verdict, durationMs: NaN });
        };
        for (const f of report.signing?.files ?? [])
            file('sign', f.path, f.status !== 'failed', f.status === 'failed'
                ? (f.reason ?? 'unknown error')
                : f.reason
                    ? `${f.status}: ${f.reason}`
                    : f.status);
        for (const f of report.analysis?.files ?? [])
            file('analyze', f.path, isPeReport(f), isPeReport(f) ? `${f.findings.length} finding(s)` : f.error);
        for (const f of report.scan?.files ?? [])
            file('scan', f.path, f.status !== 'detected' && f.status !== 'error', f.threatName ? `${f.status}: ${f.threatName}` : f.status);
        if (status)
            write('\n');
        status = false;
    };
    return Object.assign(emit, { finish });
}

;// CONCATENATED MODULE: ./src/cli.ts















const EXIT = { ok: 0, failure: 1, usage: 2 };
/** The CLI: flags -> the same config and pipeline as the action -> text or JSON. Returns the exit code. */
async function runCli(argv, rawIo, deps = {}) {
    // Everything meant for a person passes through here: file and threat names cannot drive the terminal.
    const io = { ...rawIo, stderr: (t) => rawIo.stderr(terminalSafe(t)) };
    const width = io.columns ?? 100;
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
        const about = rest[0] !== undefined ? findCommand(rest[0]) : undefined;
        (name === undefined ? io.stderr : io.stdout)(about ? commandHelp(about, width) : generalHelp(width));
        return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === '--version' || name === '-v' || name === 'version') {
        io.stdout(`${version_VERSION}\n`);
        return EXIT.ok;
    }
    const command = findCommand(name);
    if (!command) {
        const guess = COMMANDS.map((c) => c.name).find((c) => c.startsWith(name.slice(0, 3)));
        io.stderr(`go-av-guard: unknown command ${JSON.stringify(name)}${guess ? `; did you mean ${guess}?` : ''}\n\n${generalHelp(width)}`);
        return EXIT.usage;
    }
    const usage = (message) => {
        io.stderr(`go-av-guard ${command.name}: ${message}\nRun "go-av-guard ${command.name} --help" for its flags.\n`);
        return EXIT.usage;
    };
    let flags;
    try {
        flags = parseFlags(rest, commandFlags(command), REFUSED_FLAGS);
        if (flags.help) {
            io.stdout(commandHelp(command, width));
            return EXIT.ok;
        }
        parseSince(flags.read('since'));
        checkNothingToDo(command, flags, deps.platform ?? process.platform);
    }
    catch (error) {
        if (error instanceof UsageError)
            return usage(error.message);
        throw error;
    }
    let progress;
    const print = (report) => {
        progress?.finish(report);
        io.stdout(flags.json ? jsonSafe(report) : renderText(report, width));
        return report.failures.length > 0 ? EXIT.failure : EXIT.ok;
    };
    const context = {
        command,
        flags,
        cwd: io.cwd,
        config: () => configFromFlags(command, flags, io),
        deps: (config) => {
            // Progress lines are made safe where they are built; the raw writer lets the status line use \r.
            progress = stderrProgress(rawIo.stderr, {
                tty: io.stderrIsTTY === true,
                workspace: config.workspace,
                columns: width,
            });
            return cliDeps(config, io, { progress, ...deps });
        },
        print,
        stdout: io.stdout,
        stderr: io.stderr,
        env: io.env,
        pipeline: async () => {
            const config = await context.config();
            const since = parseSince(flags.read('since'));
            const fleetPolicy = flags.read('fleet-policy');
            const deps = context.deps(config);
            // Each CLI run works in a private folder of its own, removed before it returns (or on a signal).
            const report = await runInPrivateFolder(config, deps, (inRun) => runPipeline(inRun, deps, {
                capabilities: new Set(command.capabilities),
                reportPhase: 'cli',
                tempDirRemoved: true,
                ...(since ? { since } : {}),
                ...(fleetPolicy ? { fleetPolicyDir: external_node_path_default().resolve(io.cwd, fleetPolicy) } : {}),
            }));
            return print(report);
        },
    };
    try {
        return await (command.run ?? ((c) => c.pipeline()))(context);
    }
    catch (error) {
        if (error instanceof UsageError)
            return usage(error.message);
        // Every problem with a value the user gave is a usage error, named once each.
        if (error instanceof ConfigError)
            return usage(error.problems.join(`\ngo-av-guard ${command.name}: `));
        io.stderr(`go-av-guard ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
        return EXIT.failure;
    }
}
/** A command that would do nothing is a mistake worth saying so: no files to sign, Defender off Windows. */
function checkNothingToDo(command, flags, platform) {
    if (flags.positionals.length > 0 && !command.positionalInput) {
        throw new UsageError(`"${command.name}" takes no file arguments, got ${JSON.stringify(flags.positionals[0])}`);
    }
    const input = command.positionalInput;
    if (command.needsFiles && input && flags.positionals.length === 0 && !flags.read(input))
        throw new UsageError(`no files given: ${command.needsFiles}`);
    const windows = command.windowsOnly;
    if (windows && platform !== 'win32' && !(windows.unless && flags.read(windows.unless)))
        throw new UsageError(windows.message);
}
/** `--since` takes an ISO 8601 time or a duration back from now ("2h", "30m", "1d"). */
function parseSince(text) {
    if (!text)
        return undefined;
    const ago = /^(\d+)([smhd])$/.exec(text.trim());
    if (ago) {
        const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2]];
        return new Date(Date.now() - Number(ago[1]) * unit);
    }
    const parsed = Date.parse(text);
    if (Number.isNaN(parsed))
        throw new UsageError(`--since: expected an ISO 8601 time or a duration such as 2h, got ${JSON.stringify(text)}`);
    return new Date(parsed);
}
async function configFromFlags(command, flags, io) {
    const certificate = flags.read('certificate');
    if (certificate && certificate.toLowerCase() !== 'ephemeral') {
        throw new UsageError('--certificate takes only "ephemeral"; pass a base64 PKCS#12 through --certificate-env VAR so it stays off the command line');
    }
    const fromEnv = (flag) => {
        const variable = flags.read(flag);
        if (!variable)
            return '';
        const value = io.env[variable];
        if (value === undefined)
            throw new UsageError(`--${flag}: the environment variable ${variable} is not set`);
        return value;
    };
    const password = flags.values['certificate-password-stdin'] === true
        ? stripNewline(await io.readStdin())
        : fromEnv('certificate-password-env');
    const base64 = fromEnv('certificate-env');
    const pin = fromEnv('pkcs11-pin-env');
    const secrets = {
        'certificate-password': password,
        'pkcs11-pin': pin,
        ...(base64 ? { certificate: base64 } : {}),
    };
    const positional = command.positionalInput;
    return parseConfig((input) => {
        if (input in secrets)
            return secrets[input] ?? '';
        if (positional && input === positional)
            return [flags.read(input), ...flags.positionals].filter(Boolean).join('\n');
        if (input === 'version-info')
            return versionInfoFromFlags(flags);
        return flags.read(input) || command.inputDefaults?.[input] || '';
    }, { ...io.env, GITHUB_WORKSPACE: io.env.GITHUB_WORKSPACE || io.cwd });
}
/** `--file-version 1.2.3 --company-name X` become `version-info` lines, after any given directly. */
function versionInfoFromFlags(flags) {
    const lines = Object.entries(versioninfo/* VERSION_FLAGS */.P0)
        .filter(([flag]) => flags.read(flag))
        .map(([flag, key]) => `${key}: ${flags.read(flag)}`);
    return [flags.read('version-info'), ...lines].filter(Boolean).join('\n');
}
function stripNewline(text) {
    return text.replace(/\r?\n$/, '');
}
function cliDeps(_config, io, overrides) {
    return {
        run: platform_process/* runProcessOnDemand */.Db,
        platform: process.platform,
        arch: process.arch,
        env: io.env,
        // In memory only: a CLI run cleans up in the same process and leaves no state for another to read.
        state: (0,state/* memoryState */.Rv)(),
        // The CLI has no log masker; secrets are kept out of everything it prints instead.
        setSecret: () => undefined,
        now: () => new Date(),
        ...overrides,
    };
}
/** The human output: the verdict and next steps, then one section per capability, tables fitted to `width`. */
function renderText(report, width = 100) {
    const views = reportViews(report);
    const steps = nextSteps(report, views);
    const next = steps.length
        ? `\nWhat to do next:\n${steps.flatMap((s, i) => wrap(s, width - 4).map((l, k) => `${k ? ' '.repeat(String(i + 1).length + 1) : `${i + 1}.`} ${l}`)).join('\n')}\n`
        : '';
    return terminalSafe(`${headline(report)}\n${next}\n${views.map((v) => sectionText(v, width)).join('\n')}`);
}

;// CONCATENATED MODULE: ./src/cli/main.ts


/** The CLI on the real process: argv, stdio, environment and working folder. */
async function main() {
    return runCli(process.argv.slice(2), {
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
        readStdin: () => (0,consumers_.text)(process.stdin),
        env: process.env,
        cwd: process.cwd(),
        stderrIsTTY: process.stderr.isTTY,
        ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
    });
}


/***/ }),

/***/ 9599:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   U8: () => (/* binding */ normalizeWindowsPath),
/* harmony export */   VG: () => (/* binding */ windowsPathCovers),
/* harmony export */   YJ: () => (/* binding */ coveringExclusion)
/* harmony export */ });
/* unused harmony export sameWindowsPath */
/**
 * Windows path comparison as Defender does it: case-insensitive, either slash, trailing backslash
 * ignored. Used by the exclusion planner, doctor's advice and detection relevance alike.
 */
function normalizeWindowsPath(input) {
    let p = input.trim().replace(/\//g, '\\');
    const unc = p.startsWith('\\\\');
    p = p.replace(/\\{2,}/g, '\\');
    if (unc)
        p = `\\${p}`;
    if (/^[a-z]:$/i.test(p))
        p += '\\';
    if (p.length > 3 && p.endsWith('\\'))
        p = p.replace(/\\+$/, '');
    return p.toLowerCase();
}
function sameWindowsPath(a, b) {
    return normalizeWindowsPath(a) === normalizeWindowsPath(b);
}
/** Does an exclusion of `parent` also cover `child`? (`C:\` covers everything on drive C.) */
function windowsPathCovers(parent, child) {
    const p = normalizeWindowsPath(parent);
    const c = normalizeWindowsPath(child);
    if (p === '' || c === '')
        return false;
    if (p === c)
        return true;
    return c.startsWith(p.endsWith('\\') ? p : `${p}\\`);
}
/** The first of `exclusions` that covers `target`, if any. */
function coveringExclusion(exclusions, target) {
    return exclusions.find((e) => windowsPathCovers(e, target));
}


/***/ }),

/***/ 3568:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Kt: () => (/* binding */ pathExclusionCovers),
/* harmony export */   Zj: () => (/* binding */ planExclusions),
/* harmony export */   jI: () => (/* binding */ wantedExclusions),
/* harmony export */   pD: () => (/* binding */ GO_TOOLS)
/* harmony export */ });
/* unused harmony export processExclusionCovers */
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _status_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(909);
/* harmony import */ var _report_note_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1860);
/* harmony import */ var _paths_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9599);




const win = (node_path__WEBPACK_IMPORTED_MODULE_0___default().win32);
/** The Go tools that compile and link: each runs from GOROOT\pkg\tool\<GOHOSTOS>_<GOHOSTARCH>\. */
const GO_TOOLS = ['compile', 'link', 'asm', 'cgo', 'vet', 'buildid', 'pack'];
/** Only absolute Windows paths are wanted: Defender resolves variables as SYSTEM and relative paths not at all. */
function isAbsoluteWindowsPath(value) {
    return /^[a-z]:[\\/]/i.test(value) || /^\\\\[^\\]+\\[^\\]+/.test(value);
}
/** The exclusions this job wants: the Go folders and tools from `go env`, the work dirs, and the user's extras. */
function wantedExclusions(go, config, ctx) {
    const wanted = [];
    const add = (kind, value, reason) => {
        if (!value || !isAbsoluteWindowsPath(value))
            return;
        const clean = win.normalize(value).replace(/(?<=[^:\\])\\+$/, '');
        if (wanted.some((w) => w.kind === kind && (0,_paths_js__WEBPACK_IMPORTED_MODULE_2__/* .normalizeWindowsPath */ .U8)(w.value) === (0,_paths_js__WEBPACK_IMPORTED_MODULE_2__/* .normalizeWindowsPath */ .U8)(clean)))
            return;
        wanted.push({ kind, value: clean, reason });
    };
    if (go) {
        add('path', go.goroot, 'GOROOT: the Go toolchain');
        for (const entry of go.gopath.split(';').filter(Boolean))
            add('path', win.join(entry, 'bin'), 'GOPATH\\bin: installed Go programs');
        add('path', go.gomodcache, 'GOMODCACHE: downloaded modules');
        add('path', go.gocache, 'GOCACHE: the build cache');
        if (go.gotmpdir)
            add('path', go.gotmpdir, 'GOTMPDIR: where go build and go test write their binaries');
    }
    add('path', ctx.goTmpDir, 'the Go build temp dir (GOTMPDIR for later steps)');
    add('path', ctx.workspace, 'the workspace');
    for (const extra of config.extraPaths)
        add('path', extra, 'exclusion-paths');
    if (go) {
        add('process', win.join(go.goroot, 'bin', 'go.exe'), 'the go command');
        const toolDir = win.join(go.goroot, 'pkg', 'tool', `${go.gohostos || go.goos}_${go.gohostarch || go.goarch}`);
        for (const tool of GO_TOOLS)
            add('process', win.join(toolDir, `${tool}.exe`), `the Go ${tool} tool`);
    }
    for (const extra of config.extraProcesses) {
        // A bare name ("myapp.exe") is a valid Defender process exclusion: it matches that name anywhere.
        if (isAbsoluteWindowsPath(extra))
            add('process', extra, 'exclusion-processes');
        else if (extra &&
            !wanted.some((w) => w.kind === 'process' && w.value.toLowerCase() === extra.toLowerCase()))
            wanted.push({ kind: 'process', value: extra, reason: 'exclusion-processes' });
    }
    return wanted;
}
/** A Defender wildcard entry (`*` one path level or part of a name, `?` one character) as a regex. */
function wildcardRegex(pattern, withChildren) {
    const escaped = (0,_paths_js__WEBPACK_IMPORTED_MODULE_2__/* .normalizeWindowsPath */ .U8)(pattern)
        .split('')
        .map((c) => (c === '*' ? '[^\\\\]*' : c === '?' ? '[^\\\\]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('');
    return new RegExp(`^${escaped}${withChildren ? '(?:\\\\.*)?' : ''}$`);
}
/** Does an existing path exclusion cover `target`? Handles parents, case, separators and wildcards. */
function pathExclusionCovers(existing, target) {
    if (/[*?]/.test(existing))
        return wildcardRegex(existing, true).test((0,_paths_js__WEBPACK_IMPORTED_MODULE_2__/* .normalizeWindowsPath */ .U8)(target));
    return (0,_paths_js__WEBPACK_IMPORTED_MODULE_2__/* .windowsPathCovers */ .VG)(existing, target);
}
/** Does an existing process exclusion cover `target`? A bare name matches that name in any folder. */
function processExclusionCovers(existing, target) {
    const e = (0,_paths_js__WEBPACK_IMPORTED_MODULE_2__/* .normalizeWindowsPath */ .U8)(existing);
    const t = (0,_paths_js__WEBPACK_IMPORTED_MODULE_2__/* .normalizeWindowsPath */ .U8)(target);
    if (/[*?]/.test(e))
        return wildcardRegex(existing, false).test(t);
    if (!e.includes('\\'))
        return win.basename(t) === e;
    return e === t;
}
const HIDDEN_PROCESS_REASON = 'exclusions are hidden from local administrators, so go-av-guard cannot tell whether this process exclusion already exists; ' +
    'it is not added, so that the post step can never remove one that was there before (the path exclusions still apply)';
/**
 * Compares what the job wants with what Defender has. Pure. An entry already present (case, separators and
 * trailing backslashes aside) or covered by a parent or wildcard exclusion is left alone; only the rest is
 * added. When the lists are hidden, paths are checked with MpCmdRun -CheckExclusion at apply time.
 */
function planExclusions(wanted, current, status, mode, elevated) {
    const notes = [];
    const held = [];
    if (mode === 'false')
        return { planned: [], skipped: 'exclusions is false', held, notes };
    const planned = wanted.map((w) => {
        const list = w.kind === 'path' ? current.paths : current.processes;
        const covers = w.kind === 'path' ? pathExclusionCovers : processExclusionCovers;
        const same = list.find((e) => (0,_paths_js__WEBPACK_IMPORTED_MODULE_2__/* .normalizeWindowsPath */ .U8)(e) === (0,_paths_js__WEBPACK_IMPORTED_MODULE_2__/* .normalizeWindowsPath */ .U8)(w.value));
        if (same)
            return { ...w, action: 'present' };
        const parent = list.find((e) => covers(e, w.value));
        if (parent)
            return { ...w, action: 'covered', coveredBy: parent };
        return { ...w, action: 'add' };
    });
    // A wanted folder inside another wanted folder needs no entry of its own.
    for (const p of planned) {
        if (p.kind !== 'path' || p.action !== 'add')
            continue;
        const parent = planned.find((q) => q !== p && q.kind === 'path' && q.action === 'add' && (0,_paths_js__WEBPACK_IMPORTED_MODULE_2__/* .windowsPathCovers */ .VG)(q.value, p.value));
        if (parent)
            Object.assign(p, { action: 'covered', coveredBy: parent.value });
    }
    const toAdd = planned.filter((p) => p.action === 'add');
    const blocker = cannotChange(status, elevated);
    const skip = (reason, note, failure) => ({
        planned,
        skipped: reason,
        held,
        notes: [...notes, note],
        ...(failure ? { failure } : {}),
    });
    if (toAdd.length === 0) {
        notes.push((0,_report_note_js__WEBPACK_IMPORTED_MODULE_3__/* .info */ .pq)('Defender exclusions: everything the Go build needs is already excluded; nothing to add.'));
        return { planned, held, notes };
    }
    if (blocker) {
        const message = `Defender exclusions cannot be added: ${blocker}.`;
        return mode === 'true'
            ? skip(blocker, { level: 'error', message }, `exclusions: true, but ${blocker}`)
            : skip(blocker, (0,_report_note_js__WEBPACK_IMPORTED_MODULE_3__/* .warning */ .$e)(`${message} Continuing without them (exclusions: auto).`));
    }
    if (mode === 'auto' && status?.realTimeProtectionEnabled === false) {
        const reason = 'real-time protection is off, so exclusions would change nothing for the build';
        return skip(reason, (0,_report_note_js__WEBPACK_IMPORTED_MODULE_3__/* .info */ .pq)(`Defender exclusions not added: ${reason} (set exclusions: true to add them anyway).`));
    }
    if (mode === 'auto' && status?.amRunningMode && /passive|not running/i.test(status.amRunningMode)) {
        const reason = `Defender runs in ${status.amRunningMode}: another antivirus product is primary and Defender exclusions do not affect it`;
        return skip(reason, (0,_report_note_js__WEBPACK_IMPORTED_MODULE_3__/* .info */ .pq)(`Defender exclusions not added: ${reason}.`));
    }
    if (current.hidden) {
        notes.push((0,_report_note_js__WEBPACK_IMPORTED_MODULE_3__/* .info */ .pq)('Exclusions are hidden from local administrators: each path is checked with MpCmdRun.exe -CheckExclusion before and after it is added.'));
        for (const p of toAdd.filter((e) => e.kind === 'process'))
            held.push({ kind: p.kind, value: p.value, reason: HIDDEN_PROCESS_REASON });
    }
    if (status?.isTamperProtected) {
        notes.push((0,_report_note_js__WEBPACK_IMPORTED_MODULE_3__/* .info */ .pq)('Tamper protection is on: it can ignore a change and still report success, so each exclusion is read back.'));
    }
    return { planned, held, notes };
}
/** Why this machine's Defender settings cannot be changed by this process, if they cannot. */
function cannotChange(status, elevated) {
    if (!status || !status.available) {
        return `${(0,_status_js__WEBPACK_IMPORTED_MODULE_1__/* .defenderDidNotAnswer */ .et)(status)}: its service is stopped or another antivirus product replaced it`;
    }
    if (elevated === false)
        return 'this process is not elevated (run the job as an administrator)';
    return undefined;
}


/***/ }),

/***/ 2437:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Jm: () => (/* binding */ PS_MPCMDRUN),
/* harmony export */   iY: () => (/* binding */ PS_OWNER_RECORD),
/* harmony export */   it: () => (/* binding */ PS_ERROR_INFO),
/* harmony export */   tT: () => (/* binding */ PS_READ_EXCLUSIONS)
/* harmony export */ });
/**
 * PowerShell functions shared by the Defender scripts. Constants only: scripts are built by joining these
 * with other constants, never with data, so every script stays a fixed text that tests can compare.
 */
/** A caught error as {Message, HResult}; Defender cmdlets put the useful HRESULT in the message. */
const PS_ERROR_INFO = String.raw `
function Get-ErrorInfo($err) {
  $hr = $err.Exception.HResult
  @{ Message = $err.Exception.Message; HResult = ('0x{0:x8}' -f $hr) }
}`;
/**
 * MpCmdRun.exe of the newest Defender platform (ProgramData\...\Platform\<version>-N), else the inbox one
 * under Program Files; $null when neither exists. Test-MpExclusion asks it whether a path is excluded,
 * which still answers when HideExclusionsFromLocalAdmins hides the lists.
 */
const PS_MPCMDRUN = String.raw `
function Find-MpCmdRun {
  $candidates = @()
  $platform = Join-Path $env:ProgramData 'Microsoft\Windows Defender\Platform'
  if (Test-Path -LiteralPath $platform) {
    $candidates += @(Get-ChildItem -LiteralPath $platform -Directory -ErrorAction SilentlyContinue |
      Where-Object { ($_.Name -replace '-.*$', '') -as [version] } |
      Sort-Object { [version]($_.Name -replace '-.*$', '') } -Descending |
      ForEach-Object { Join-Path $_.FullName 'MpCmdRun.exe' })
  }
  $candidates += Join-Path $env:ProgramFiles 'Windows Defender\MpCmdRun.exe'
  $candidates | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
}
function Invoke-MpCmdRun($mp, [string[]]$arguments) {
  # Native stderr must not turn into a terminating error under ErrorActionPreference Stop (PowerShell 5.1).
  $ErrorActionPreference = 'Continue'
  $text = (& $mp @arguments 2>&1 | ForEach-Object { "$_" }) -join [string][char]10
  [ordered]@{ ExitCode = $LASTEXITCODE; Output = $text }
}
function Test-MpExclusion($mp, [string]$path) {
  if (-not $mp) { return $null }
  Invoke-MpCmdRun $mp @('-CheckExclusion', '-path', $path)
}`;
/** Reads the exclusion lists back into $out after a change (needs Get-ErrorInfo and an $out to fill). */
const PS_READ_EXCLUSIONS = String.raw `
try {
  $pref = Get-MpPreference
  $out.ExclusionPath = @($pref.ExclusionPath | Where-Object { $_ })
  $out.ExclusionProcess = @($pref.ExclusionProcess | Where-Object { $_ })
} catch { $out.PreferenceError = Get-ErrorInfo $_ }
`;
/**
 * The machine-wide record of which live go-av-guard job needs which exclusion: exclusions are
 * machine-wide, a job's own state is not, so two jobs on one self-hosted machine would otherwise remove
 * each other's. It lives in %ProgramData%\go-av-guard (Administrators and SYSTEM only), guarded by a lock
 * file created with New-Item (fails while it exists; Constrained Language Mode safe). Each owner is a job
 * id and its runner's process id and start time; an owner whose process is gone is reaped, and an
 * exclusion no live owner needs any more is removed.
 */
const PS_OWNER_RECORD = String.raw `
function Open-OwnerRecord {
  $dir = Join-Path $env:ProgramData 'go-av-guard'
  if (-not (Test-Path -LiteralPath $dir)) {
    $null = New-Item -ItemType Directory -Path $dir -Force
    $null = & (Join-Path $env:SystemRoot 'System32\icacls.exe') $dir '/inheritance:r' '/grant:r' '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-18:(OI)(CI)F'
  }
  $lock = Join-Path $dir 'exclusions.lock'
  $deadline = (Get-Date).AddSeconds(60)
  while ($true) {
    try { $null = New-Item -ItemType File -Path $lock -ErrorAction Stop; break } catch {
      $held = Get-Item -LiteralPath $lock -ErrorAction SilentlyContinue
      # A lock left behind by a PowerShell that was killed holds for two minutes at most.
      if ($held -and $held.LastWriteTimeUtc -lt (Get-Date).ToUniversalTime().AddMinutes(-2)) {
        Remove-Item -LiteralPath $lock -Force -ErrorAction SilentlyContinue
        continue
      }
      if ((Get-Date) -gt $deadline) { throw "the machine-wide exclusion record stayed locked for a minute ($lock)" }
      Start-Sleep -Milliseconds 200
    }
  }
  $file = Join-Path $dir 'exclusions.json'
  $entries = @()
  if (Test-Path -LiteralPath $file) {
    $saved = Get-Content -LiteralPath $file -Raw -Encoding UTF8 | ConvertFrom-Json
    $entries = @($saved.Entries | Where-Object { $_ -and $_.Kind -and $_.Value } | ForEach-Object {
      [ordered]@{ Kind = [string]$_.Kind; Value = [string]$_.Value; Owners = @($_.Owners | Where-Object { $_ }) } })
  }
  [ordered]@{ File = $file; Lock = $lock; Entries = $entries; Reaped = @() }
}
function Close-OwnerRecord($record) {
  try {
    $keep = @($record.Entries | Where-Object { @($_.Owners).Count -gt 0 })
    ConvertTo-Json -InputObject ([ordered]@{ Entries = $keep }) -Depth 6 | Set-Content -LiteralPath $record.File -Encoding UTF8
  } finally { Remove-Item -LiteralPath $record.Lock -Force -ErrorAction SilentlyContinue }
}
function Get-ProcessStart([int]$id) {
  $p = Get-Process -Id $id -ErrorAction SilentlyContinue
  if (-not $p) { return $null }
  try { [string]$p.StartTime.ToUniversalTime().Ticks } catch { 'unknown' }
}
function Test-OwnerAlive($owner) {
  $started = Get-ProcessStart ([int]$owner.Pid)
  if ($null -eq $started) { return $false }
  # A start time we may not read counts as alive; a reused process id has another start time (within two
  # seconds: some systems derive it from the boot time, which each reader computes a little differently).
  if ($started -eq 'unknown' -or [string]$owner.Started -eq 'unknown') { return $true }
  $drift = [long]$started - [long]$owner.Started
  $drift -lt 20000000 -and $drift -gt -20000000
}
function Find-OwnedEntry($record, [string]$kind, [string]$value) {
  @($record.Entries | Where-Object { $_.Kind -eq $kind -and $_.Value -eq $value }) | Select-Object -First 1
}
function Remove-Exclusion([string]$kind, [string]$value) {
  if ($kind -eq 'path') { Remove-MpPreference -ExclusionPath $value -Force }
  else { Remove-MpPreference -ExclusionProcess $value -Force }
}
# Owners whose runner process is gone are dropped; an exclusion left with none is removed from Defender.
function Invoke-OwnerReap($record) {
  foreach ($entry in @($record.Entries)) {
    $entry.Owners = @($entry.Owners | Where-Object { Test-OwnerAlive $_ })
    if (@($entry.Owners).Count -gt 0) { continue }
    $reaped = [ordered]@{ Kind = $entry.Kind; Value = $entry.Value }
    try { Remove-Exclusion $entry.Kind $entry.Value } catch { $reaped.Error = Get-ErrorInfo $_ }
    $record.Reaped += $reaped
  }
}
function New-Owner($owner) {
  [ordered]@{ Job = [string]$owner.Job; Pid = [int]$owner.Pid; Started = $(if ($s = Get-ProcessStart ([int]$owner.Pid)) { $s } else { 'unknown' }) }
}`;


/***/ }),

/***/ 4000:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   CL: () => (/* binding */ exclusionOwner),
/* harmony export */   F7: () => (/* binding */ parseReadBack),
/* harmony export */   Gn: () => (/* binding */ readBackHas),
/* harmony export */   NB: () => (/* binding */ describeDefenderError),
/* harmony export */   T2: () => (/* binding */ resultFor),
/* harmony export */   cv: () => (/* binding */ recordedExclusions),
/* harmony export */   k1: () => (/* binding */ parseCheckExclusion),
/* harmony export */   ps: () => (/* binding */ recordExclusions)
/* harmony export */ });
/* unused harmony exports EXCLUSIONS_STATE_KEY, EXCLUSIONS_OWNER_STATE_KEY */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _platform_psjson_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1796);
/* harmony import */ var _platform_state_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4062);
/* harmony import */ var _paths_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9599);
/* harmony import */ var _status_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(909);





/** State key under which the main step records exactly the exclusions it added and verified. */
const EXCLUSIONS_STATE_KEY = 'go-av-guard-defender-exclusions-added';
function recordedExclusions(state) {
    const raw = (0,_platform_state_js__WEBPACK_IMPORTED_MODULE_2__/* .readJsonState */ .Al)(state, EXCLUSIONS_STATE_KEY, []);
    if (!Array.isArray(raw))
        return [];
    return raw.filter((e) => !!e &&
        typeof e === 'object' &&
        (e.kind === 'path' || e.kind === 'process') &&
        typeof e.value === 'string' &&
        e.value !== '');
}
function recordExclusions(state, entries) {
    (0,_platform_state_js__WEBPACK_IMPORTED_MODULE_2__/* .writeJsonState */ .ru)(state, EXCLUSIONS_STATE_KEY, entries.map((e) => ({ kind: e.kind, value: e.value, reason: e.reason })));
}
/** State key: who this job is in the machine-wide exclusion record (job id, runner process id). */
const EXCLUSIONS_OWNER_STATE_KEY = 'go-av-guard-exclusions-owner';
/**
 * The owner recorded by the main step, or a new one: the workflow run, attempt and job plus a random
 * part (two matrix legs share a job name), and the runner process (this process's parent, which
 * outlives both steps of the action; for the CLI, the shell that started it).
 */
function exclusionOwner(state, env, runnerPid) {
    const saved = (0,_platform_state_js__WEBPACK_IMPORTED_MODULE_2__/* .readJsonState */ .Al)(state, EXCLUSIONS_OWNER_STATE_KEY, {});
    if (typeof saved.job === 'string' && saved.job !== '' && typeof saved.pid === 'number') {
        return { job: saved.job, pid: saved.pid };
    }
    const run = [env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT, env.GITHUB_JOB].filter(Boolean).join('-');
    const owner = { job: `${run || 'local'}-${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomUUID)().slice(0, 8)}`, pid: runnerPid };
    (0,_platform_state_js__WEBPACK_IMPORTED_MODULE_2__/* .writeJsonState */ .ru)(state, EXCLUSIONS_OWNER_STATE_KEY, owner);
    return owner;
}
function parseReadBack(data) {
    const paths = (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_3__/* .asStrings */ .P7)(data.ExclusionPath);
    const processes = (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_3__/* .asStrings */ .P7)(data.ExclusionProcess);
    const hidden = [...paths, ...processes].some((v) => _status_js__WEBPACK_IMPORTED_MODULE_1__/* .HIDDEN_MARKER */ .eg.test(v));
    const error = (0,_status_js__WEBPACK_IMPORTED_MODULE_1__/* .errorInfo */ .fH)(data.PreferenceError);
    return {
        paths: paths.filter((v) => !_status_js__WEBPACK_IMPORTED_MODULE_1__/* .HIDDEN_MARKER */ .eg.test(v)),
        processes: processes.filter((v) => !_status_js__WEBPACK_IMPORTED_MODULE_1__/* .HIDDEN_MARKER */ .eg.test(v)),
        hidden,
        ...(error ? { error: error.message } : {}),
    };
}
function readBackHas(readBack, entry) {
    const list = entry.kind === 'path' ? readBack.paths : readBack.processes;
    return list.some((v) => (0,_paths_js__WEBPACK_IMPORTED_MODULE_4__/* .normalizeWindowsPath */ .U8)(v) === (0,_paths_js__WEBPACK_IMPORTED_MODULE_4__/* .normalizeWindowsPath */ .U8)(entry.value));
}
/** The script's result row for one entry (the scripts echo Kind and Value back). */
function resultFor(results, entry) {
    return results.find((r) => (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_3__/* .asString */ .oJ)(r.Kind) === entry.kind && (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_3__/* .asString */ .oJ)(r.Value) === entry.value);
}
/** One caught cmdlet error as a sentence, with what an HRESULT we know of means. */
function describeDefenderError(raw) {
    const info = (0,_status_js__WEBPACK_IMPORTED_MODULE_1__/* .errorInfo */ .fH)(raw);
    if (!info)
        return undefined;
    if (info.code === '0x800106ba') {
        return `${info.message} (0x800106ba: the Defender service is not running, another antivirus product replaced it, or this process is not elevated)`;
    }
    return info.code && !info.message.toLowerCase().includes(info.code)
        ? `${info.message} (${info.code})`
        : info.message;
}
/** MpCmdRun -CheckExclusion's answer: true "is excluded", false "is not excluded", undefined unknown. */
function parseCheckExclusion(raw) {
    if (!raw || typeof raw !== 'object')
        return undefined;
    const output = String(raw.Output ?? '');
    if (/\bis not excluded\b/i.test(output))
        return false;
    if (/\bis excluded\b/i.test(output))
        return true;
    return undefined;
}


/***/ }),

/***/ 909:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   EI: () => (/* binding */ probeDefender),
/* harmony export */   eg: () => (/* binding */ HIDDEN_MARKER),
/* harmony export */   et: () => (/* binding */ defenderDidNotAnswer),
/* harmony export */   fH: () => (/* binding */ errorInfo)
/* harmony export */ });
/* unused harmony exports DEFENDER_STATUS_SCRIPT, parseDefenderStatus */
/* harmony import */ var _platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1796);
/* harmony import */ var _platform_powershell_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1022);
/* harmony import */ var _psfragments_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2437);



/**
 * One PowerShell start: elevation, Get-MpComputerStatus and Get-MpPreference. Each cmdlet is caught on its
 * own, so a stopped Defender (0x800106ba) still yields the elevation and a clear error, not a crash.
 */
const DEFENDER_STATUS_SCRIPT = _psfragments_js__WEBPACK_IMPORTED_MODULE_1__/* .PS_ERROR_INFO */ .it +
    String.raw `
$out = [ordered]@{ Elevated = $null; LanguageMode = [string]$ExecutionContext.SessionState.LanguageMode }
if ($out.LanguageMode -eq 'FullLanguage') {
  try {
    $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
    $out.Elevated = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
  } catch { }
}
if ($null -eq $out.Elevated) {
  # Constrained Language Mode allows no .NET identity types: ask whoami for the integrity level SID
  # (S-1-16-12288 high, S-1-16-16384 system), which reads the same in every language.
  try {
    $groups = & (Join-Path $env:SystemRoot 'System32\whoami.exe') /groups /fo csv /nh
    $out.Elevated = [bool](@($groups) -match 'S-1-16-12288|S-1-16-16384')
  } catch { }
}
try {
  $out.Status = Get-MpComputerStatus | Select-Object AMServiceEnabled, AntivirusEnabled, RealTimeProtectionEnabled,
    BehaviorMonitorEnabled, IoavProtectionEnabled, IsTamperProtected, AMRunningMode, AMProductVersion,
    AMEngineVersion, AntivirusSignatureVersion, AntivirusSignatureLastUpdated
} catch { $out.StatusError = Get-ErrorInfo $_ }
try {
  $out.Preference = Get-MpPreference | Select-Object ExclusionPath, ExclusionProcess, ExclusionExtension,
    HideExclusionsFromLocalAdmins, DisableRealtimeMonitoring, MAPSReporting
} catch { $out.PreferenceError = Get-ErrorInfo $_ }
$out
`;
async function probeDefender(run) {
    try {
        return parseDefenderStatus(await (0,_platform_powershell_js__WEBPACK_IMPORTED_MODULE_0__/* .runPowerShell */ .N5)(run, DEFENDER_STATUS_SCRIPT, null));
    }
    catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return {
            elevated: undefined,
            defender: { available: false, error: message, exclusions: emptyExclusions() },
        };
    }
}
/** The start of every message about a Defender that could not be asked, with its HRESULT when known. */
function defenderDidNotAnswer(status) {
    return `Microsoft Defender did not answer${status?.errorCode ? ` (${status.errorCode})` : ''}`;
}
const emptyExclusions = () => ({
    paths: [],
    processes: [],
    extensions: [],
    hidden: false,
});
/** "N/A: Must be an administrator to view exclusions" stands in for the list when it is hidden. */
const HIDDEN_MARKER = /^\{?N\/A\b/i;
function parseDefenderStatus(raw) {
    const data = (raw ?? {});
    const status = (data.Status ?? undefined);
    const preference = (data.Preference ?? undefined);
    const statusError = errorInfo(data.StatusError);
    const preferenceError = errorInfo(data.PreferenceError);
    const list = (key) => {
        const all = (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asStrings */ .P7)(preference?.[key]);
        return {
            values: all.filter((v) => !HIDDEN_MARKER.test(v)),
            hidden: all.some((v) => HIDDEN_MARKER.test(v)),
        };
    };
    const paths = list('ExclusionPath');
    const processes = list('ExclusionProcess');
    const extensions = list('ExclusionExtension');
    const hideFromAdmins = (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asBoolean */ .tB)(preference?.HideExclusionsFromLocalAdmins);
    const defender = {
        available: status !== undefined && !statusError,
        exclusions: {
            paths: paths.values,
            processes: processes.values,
            extensions: extensions.values,
            // Lists that could not be read are as unknown as hidden ones: every later step must ask MpCmdRun
            // rather than take "none" for an answer, or it could record (and later remove) a pre-existing entry.
            hidden: paths.hidden ||
                processes.hidden ||
                extensions.hidden ||
                hideFromAdmins === true ||
                preferenceError !== undefined,
        },
    };
    if (statusError) {
        defender.error = statusError.message;
        if (statusError.code)
            defender.errorCode = statusError.code;
    }
    if (preferenceError)
        defender.preferenceError = preferenceError.message;
    if (hideFromAdmins !== undefined)
        defender.hideExclusionsFromLocalAdmins = hideFromAdmins;
    if (status) {
        assign(defender, 'amServiceEnabled', (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asBoolean */ .tB)(status.AMServiceEnabled));
        assign(defender, 'antivirusEnabled', (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asBoolean */ .tB)(status.AntivirusEnabled));
        assign(defender, 'realTimeProtectionEnabled', (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asBoolean */ .tB)(status.RealTimeProtectionEnabled));
        assign(defender, 'behaviorMonitorEnabled', (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asBoolean */ .tB)(status.BehaviorMonitorEnabled));
        assign(defender, 'ioavProtectionEnabled', (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asBoolean */ .tB)(status.IoavProtectionEnabled));
        assign(defender, 'isTamperProtected', (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asBoolean */ .tB)(status.IsTamperProtected));
        assign(defender, 'amRunningMode', (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asString */ .oJ)(status.AMRunningMode));
        assign(defender, 'productVersion', (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asString */ .oJ)(status.AMProductVersion));
        assign(defender, 'engineVersion', (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asString */ .oJ)(status.AMEngineVersion));
        assign(defender, 'signatureVersion', (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asString */ .oJ)(status.AntivirusSignatureVersion));
        assign(defender, 'signatureLastUpdated', (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .parsePsDate */ .NM)(status.AntivirusSignatureLastUpdated));
    }
    const languageMode = (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asString */ .oJ)(data.LanguageMode);
    if (languageMode)
        defender.powerShellLanguageMode = languageMode;
    const maps = preference?.MAPSReporting;
    if (typeof maps === 'number')
        defender.cloudProtection = maps !== 0;
    return { elevated: (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asBoolean */ .tB)(data.Elevated), defender };
}
function assign(target, key, value) {
    if (value !== undefined)
        target[key] = value;
}
/** The HRESULT in a Defender error, preferring the one in the message ("... error: 0x800106ba"). */
function errorInfo(raw) {
    if (!raw || typeof raw !== 'object')
        return undefined;
    const info = raw;
    const message = ((0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asString */ .oJ)(info.Message) ?? 'unknown error').trim();
    const fromMessage = /0x[0-9a-f]{8}/i.exec(message)?.[0];
    const code = (fromMessage ?? (0,_platform_psjson_js__WEBPACK_IMPORTED_MODULE_2__/* .asString */ .oJ)(info.HResult))?.toLowerCase();
    return code ? { message, code } : { message };
}


/***/ }),

/***/ 332:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Bn: () => (/* binding */ derName),
/* harmony export */   Cf: () => (/* binding */ derOctetString),
/* harmony export */   Dk: () => (/* binding */ TAG),
/* harmony export */   K2: () => (/* binding */ replaceNested),
/* harmony export */   LU: () => (/* binding */ childrenOf),
/* harmony export */   MQ: () => (/* binding */ readName),
/* harmony export */   P$: () => (/* binding */ encodingOf),
/* harmony export */   XH: () => (/* binding */ readNode),
/* harmony export */   XR: () => (/* binding */ derSetOf),
/* harmony export */   _2: () => (/* binding */ derOid),
/* harmony export */   _f: () => (/* binding */ oidOf),
/* harmony export */   bH: () => (/* binding */ derExtension),
/* harmony export */   f7: () => (/* binding */ derNull),
/* harmony export */   i5: () => (/* binding */ derInteger),
/* harmony export */   nD: () => (/* binding */ formatName),
/* harmony export */   qP: () => (/* binding */ derTlv),
/* harmony export */   rk: () => (/* binding */ derUtcTime),
/* harmony export */   xy: () => (/* binding */ derSequence)
/* harmony export */ });
/**
 * Just enough DER (X.690) to walk an Authenticode PKCS#7 blob: tag, length, children. Bounds-checked;
 * anything malformed comes back as undefined rather than throwing.
 */
const TAG = {
    integer: 0x02,
    octetString: 0x04,
    oid: 0x06,
    sequence: 0x30,
    set: 0x31,
    context0: 0xa0,
    context1: 0xa1,
    utcTime: 0x17,
    generalizedTime: 0x18,
    bitString: 0x03,
};
function readNode(buf, at, limit = buf.length) {
    if (at + 2 > limit)
        return undefined;
    const tag = buf[at];
    if ((tag & 0x1f) === 0x1f)
        return undefined; // high tag numbers never occur in these structures
    let length = buf[at + 1];
    let start = at + 2;
    if (length & 0x80) {
        const octets = length & 0x7f;
        if (octets === 0 || octets > 4 || start + octets > limit)
            return undefined; // indefinite or absurd
        length = 0;
        for (let i = 0; i < octets; i++)
            length = length * 256 + buf[start + i];
        start += octets;
    }
    const end = start + length;
    if (end > limit)
        return undefined;
    return { tag, start, end, headerStart: at };
}
function childrenOf(buf, node) {
    const out = [];
    let at = node.start;
    while (at < node.end && out.length < 10_000) {
        const child = readNode(buf, at, node.end);
        if (!child)
            break;
        out.push(child);
        at = child.end;
    }
    return out;
}
function oidOf(buf, node) {
    if (node.tag !== TAG.oid || node.end <= node.start)
        return undefined;
    const first = buf[node.start];
    const parts = [Math.floor(first / 40), first % 40];
    let value = 0;
    for (let i = node.start + 1; i < node.end; i++) {
        const byte = buf[i];
        value = value * 128 + (byte & 0x7f);
        if (!(byte & 0x80)) {
            parts.push(value);
            value = 0;
        }
    }
    return parts.join('.');
}
const NAME_KEYS = {
    '2.5.4.3': 'CN',
    '2.5.4.6': 'C',
    '2.5.4.7': 'L',
    '2.5.4.8': 'S',
    '2.5.4.10': 'O',
    '2.5.4.11': 'OU',
    '2.5.4.5': 'SERIALNUMBER',
    '1.2.840.113549.1.9.1': 'E',
};
/** An X.501 Name as (key, value) pairs in DER order (usually country first). */
function readName(buf, name) {
    const parts = [];
    for (const rdn of childrenOf(buf, name)) {
        for (const attribute of childrenOf(buf, rdn)) {
            const [type, value] = childrenOf(buf, attribute);
            if (!type || !value)
                continue;
            const oid = oidOf(buf, type) ?? '?';
            // BMPString (0x1e) is UTF-16 big-endian; the other string types are UTF-8 or ASCII subsets.
            const text = value.tag === 0x1e
                ? Buffer.from(buf.subarray(value.start, value.start + ((value.end - value.start) & ~1)))
                    .swap16()
                    .toString('utf16le')
                : buf.toString('utf8', value.start, value.end);
            parts.push({ key: NAME_KEYS[oid] ?? `OID.${oid}`, value: text });
        }
    }
    return parts;
}
/** Windows display order: most specific first, e.g. "CN=Example, O=Example Ltd, C=GB". */
function formatName(parts) {
    return [...parts]
        .reverse()
        .map((p) => `${p.key}=${/[,+"\\<>;]/.test(p.value) ? `"${p.value.replace(/"/g, '""')}"` : p.value}`)
        .join(', ');
}
/** DER writing: one TLV with a definite length (X.690 8.1.3), contents concatenated. */
function derTlv(tag, ...contents) {
    const body = Buffer.concat(contents);
    const n = body.length;
    let header;
    if (n < 0x80)
        header = Buffer.from([tag, n]);
    else {
        const bytes = [];
        for (let v = n; v > 0; v = Math.floor(v / 256))
            bytes.unshift(v & 0xff);
        header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
    }
    return Buffer.concat([header, body]);
}
const derSequence = (...contents) => derTlv(TAG.sequence, ...contents);
const derNull = () => Buffer.from([0x05, 0x00]);
const derOctetString = (value) => derTlv(TAG.octetString, value);
/** SET OF in DER order: the encoded elements sorted as octet strings (X.690 11.6). */
function derSetOf(elements) {
    return derTlv(TAG.set, ...[...elements].sort(Buffer.compare));
}
function derOid(oid) {
    const parts = oid.split('.').map(Number);
    const bytes = [(parts[0] ?? 0) * 40 + (parts[1] ?? 0)];
    for (const part of parts.slice(2)) {
        const chunk = [part & 0x7f];
        for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128))
            chunk.unshift(0x80 | (v & 0x7f));
        bytes.push(...chunk);
    }
    return derTlv(TAG.oid, Buffer.from(bytes));
}
/** A non-negative INTEGER from its big-endian magnitude (or a small number). */
function derInteger(value) {
    const hex = typeof value === 'number' ? value.toString(16) : '';
    let bytes = typeof value === 'number' ? Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex') : Buffer.from(value);
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1] < 0x80)
        start++;
    bytes = bytes.subarray(start);
    if (bytes[0] >= 0x80)
        bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return derTlv(TAG.integer, bytes);
}
/** A node's full encoding (tag, length and content). */
const encodingOf = (buf, node) => buf.subarray(node.headerStart, node.end);
/**
 * Replaces the last node of `path` (root first, each the parent of the next) with `replacement` and
 * re-encodes every ancestor's length, so an edit deep inside leaves all other bytes as they were.
 */
function replaceNested(buf, path, replacement) {
    let inner = replacement;
    for (let i = path.length - 1; i > 0; i--) {
        const child = path[i];
        const parent = path[i - 1];
        inner = derTlv(buf[parent.headerStart], buf.subarray(parent.start, child.headerStart), inner, buf.subarray(child.end, parent.end));
    }
    const root = path[0];
    return Buffer.concat([buf.subarray(0, root.headerStart), inner, buf.subarray(root.end)]);
}
/** An X.501 Name from (attribute OID, UTF8String value) pairs, one RDN each, most general first. */
function derName(parts) {
    return derSequence(...parts.map(([oid, value]) => derSetOf([derSequence(derOid(oid), derTlv(0x0c, Buffer.from(value)))])));
}
/** An X.509 Extension: OID, critical flag when set, the value's DER in an OCTET STRING. */
function derExtension(oid, critical, value) {
    return derSequence(derOid(oid), ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []), derOctetString(value));
}
/** UTCTime (YYMMDDHHMMSSZ), as certificates carry dates before 2050. */
function derUtcTime(date) {
    return derTlv(TAG.utcTime, Buffer.from(`${date.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`, 'ascii'));
}


/***/ }),

/***/ 4924:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ou: () => (/* binding */ writableFolderProblem),
/* harmony export */   S2: () => (/* binding */ removeQuietly),
/* harmony export */   TQ: () => (/* binding */ describeFsError),
/* harmony export */   aY: () => (/* binding */ findOnPath),
/* harmony export */   hI: () => (/* binding */ makePrivateDir),
/* harmony export */   qZ: () => (/* binding */ readSmallRegularFile),
/* harmony export */   rP: () => (/* binding */ smallRegularFileProblem),
/* harmony export */   t2: () => (/* binding */ exists)
/* harmony export */ });
/* unused harmony exports isDiskFull, withTimeout */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _which_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1054);




/**
 * Finds a program on PATH (PATHEXT on Windows), skipping empty and relative entries, which would mean the
 * current folder: the search of `which.ts`, for callers that are already async. Undefined when absent.
 */
async function findOnPath(name, env = process.env, platform = process.platform) {
    return (0,_which_js__WEBPACK_IMPORTED_MODULE_3__/* .resolveProgram */ .d)(name, { env, platform });
}
async function exists(file) {
    try {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.stat)(file);
        return true;
    }
    catch {
        return false;
    }
}
/** A fresh owner-only folder for secret material (PFX files, keys), under this run's temp dir. */
async function makePrivateDir(parent, prefix) {
    try {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.mkdir)(parent, { recursive: true, mode: 0o700 });
        return await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.mkdtemp)(node_path__WEBPACK_IMPORTED_MODULE_2___default().join(parent, prefix));
    }
    catch (error) {
        throw new Error(describeFsError(error, `create a private folder in ${parent}`), { cause: error });
    }
}
async function removeQuietly(target) {
    try {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.rm)(target, { recursive: true, force: true, maxRetries: 3 });
        return undefined;
    }
    catch (error) {
        return error instanceof Error ? error.message : String(error);
    }
}
/**
 * Names the real cause of a file-system failure in words: a full disk is a full disk, not a key or
 * certificate problem. `doing` completes "could not ...".
 */
function describeFsError(error, doing) {
    const code = error?.code;
    const why = {
        ENOSPC: 'the disk is full (ENOSPC); free some space and run again',
        EDQUOT: 'the disk quota is used up (EDQUOT); free some space and run again',
        EROFS: 'the file system is read-only (EROFS)',
        EACCES: 'permission denied (EACCES)',
        EPERM: 'the operation is not permitted (EPERM)',
        ENOENT: 'it, or a folder on the way, does not exist (ENOENT)',
        ENOTDIR: 'part of the path is a file, not a folder (ENOTDIR)',
        EISDIR: 'it is a folder (EISDIR)',
        ELOOP: 'too many symbolic links (ELOOP)',
        ENAMETOOLONG: 'the path is too long (ENAMETOOLONG)',
        EMFILE: 'too many open files (EMFILE)',
    };
    const reason = (code && why[code]) ?? (code ? `${code}` : error instanceof Error ? error.message : String(error));
    return `could not ${doing}: ${reason}`;
}
/** The disk is full (or the quota used up): say so instead of blaming whatever was being written. */
function isDiskFull(error) {
    const code = error?.code;
    return code === 'ENOSPC' || code === 'EDQUOT';
}
const kindOf = (info) => info.isDirectory()
    ? 'a folder'
    : info.isCharacterDevice()
        ? 'a character device'
        : info.isBlockDevice()
            ? 'a block device'
            : info.isFIFO()
                ? 'a named pipe (FIFO)'
                : info.isSocket()
                    ? 'a socket'
                    : 'not a regular file';
/** Gives up waiting on `work` after `ms` (a stuck network share, a kernel file system that never answers). */
async function withTimeout(work, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
        timer.unref();
    });
    try {
        return await Promise.race([work, timeout]);
    }
    finally {
        clearTimeout(timer);
    }
}
/**
 * Checks, without reading it, that `file` is a regular file of at most `maxBytes`: what an input naming a
 * certificate or key file must be before anything else is touched. Undefined when fine, else why not.
 */
async function smallRegularFileProblem(file, maxBytes = 1024 * 1024) {
    let info;
    try {
        info = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.stat)(file);
    }
    catch (error) {
        return describeFsError(error, `read ${file}`);
    }
    if (!info.isFile())
        return `${file} is ${kindOf(info)}, not a regular file`;
    if (info.size > maxBytes)
        return `${file} is ${info.size} bytes, more than the ${maxBytes} allowed`;
    return undefined;
}
/**
 * Reads a small regular file (a certificate, a chain, a key list) with a size and time bound: /dev/zero,
 * FIFOs, sockets and folders are refused with a message instead of eating memory or hanging. The file is
 * opened non-blocking (a FIFO swapped in after the check cannot hang the open) and checked again through
 * the open handle, so what is read is the regular file that was checked.
 */
async function readSmallRegularFile(file, maxBytesOrLimits = {}) {
    const limits = typeof maxBytesOrLimits === 'number' ? { maxBytes: maxBytesOrLimits } : maxBytesOrLimits;
    const maxBytes = limits.maxBytes ?? 1024 * 1024;
    const problem = await smallRegularFileProblem(file, maxBytes);
    if (problem)
        throw new Error(problem);
    return withTimeout(readBounded(file, maxBytes), limits.timeoutMs ?? 30_000, `reading ${file}`);
}
async function readBounded(file, maxBytes) {
    const handle = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.open)(file, node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.O_RDONLY | (node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.O_NONBLOCK ?? 0));
    try {
        const info = await handle.stat();
        if (!info.isFile())
            throw new Error(`${file} is ${kindOf(info)}, not a regular file`);
        if (info.size > maxBytes)
            throw new Error(`${file} is larger than ${maxBytes} bytes`);
        // Chunks sized to the file, not to the limit: a large limit costs nothing for a small file.
        const chunks = [];
        let total = 0;
        for (;;) {
            const chunk = Buffer.allocUnsafe(Math.min(Math.max(info.size - total, 0) + 1, 1024 * 1024));
            const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
            if (bytesRead === 0)
                break;
            total += bytesRead;
            if (total > maxBytes)
                throw new Error(`${file} is larger than ${maxBytes} bytes`);
            chunks.push(chunk.subarray(0, bytesRead));
        }
        return Buffer.concat(chunks, total);
    }
    finally {
        await handle.close();
    }
}
/**
 * Makes sure an output folder exists and takes a file, before any work that would be lost without it.
 * Creates missing folders one level at a time: Node's recursive mkdir loops forever under /proc (a parent
 * that exists but refuses children with ENOENT). Bounded in time. Undefined when fine, else why not.
 */
async function writableFolderProblem(dir, timeoutMs = 30_000) {
    try {
        await withTimeout(createFolderAndProbe(node_path__WEBPACK_IMPORTED_MODULE_2___default().resolve(dir)), timeoutMs, `checking ${dir}`);
        return undefined;
    }
    catch (error) {
        return error instanceof Error ? error.message : String(error);
    }
}
async function createFolderAndProbe(dir) {
    const missing = [];
    let at = dir;
    for (;;) {
        const info = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.stat)(at).catch((error) => {
            if (error.code === 'ENOENT')
                return undefined;
            throw new Error(describeFsError(error, `use ${dir}`), { cause: error });
        });
        if (info) {
            if (!info.isDirectory())
                throw new Error(`could not use ${dir}: ${at} is ${kindOf(info)}`);
            break;
        }
        missing.unshift(at);
        const parent = node_path__WEBPACK_IMPORTED_MODULE_2___default().dirname(at);
        if (parent === at)
            break;
        at = parent;
    }
    for (const folder of missing) {
        try {
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.mkdir)(folder);
        }
        catch (error) {
            const code = error.code;
            if (code === 'ENOENT')
                throw new Error(`could not create ${dir}: ${node_path__WEBPACK_IMPORTED_MODULE_2___default().dirname(folder)} does not accept new folders (ENOENT)`, {
                    cause: error,
                });
            if (code !== 'EEXIST')
                throw new Error(describeFsError(error, `create ${dir}`), { cause: error });
        }
    }
    const probe = node_path__WEBPACK_IMPORTED_MODULE_2___default().join(dir, `.go-av-guard-probe-${process.pid}-${Date.now()}`);
    try {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.writeFile)(probe, '', { flag: 'wx' });
    }
    catch (error) {
        throw new Error(describeFsError(error, `write into ${dir}`), { cause: error });
    }
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.rm)(probe, { force: true });
}


/***/ }),

/***/ 1022:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Bk: () => (/* binding */ sharePowerShell),
/* harmony export */   N5: () => (/* binding */ runPowerShell)
/* harmony export */ });
/* unused harmony exports POWERSHELL_INPUT_VAR, POWERSHELL_INPUT_FILE_VAR, POWERSHELL_RESULT_MARKER, POWERSHELL_ERROR_MARKER, POWERSHELL_ARGS, framePowerShellScript, PowerShellError, windowsPowerShellPath, parsePowerShellOutput, decodeClixml, isPowerShellCall, powerShellScriptOf */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_os__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_string_decoder__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6193);
/* harmony import */ var node_string_decoder__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_string_decoder__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var _process_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9638);





/** The environment variable that carries a script's input as JSON. Scripts read it; nothing is spliced. */
const POWERSHELL_INPUT_VAR = 'GO_AV_GUARD_INPUT';
/**
 * In a shared PowerShell (one start for several scripts) the environment is fixed at start, so each
 * script's JSON goes into an owner-only file in a private folder, and this variable names that file.
 */
const POWERSHELL_INPUT_FILE_VAR = 'GO_AV_GUARD_INPUT_FILE';
/** The script's one line of JSON output starts with this, so stray host output cannot be mistaken for it. */
const POWERSHELL_RESULT_MARKER = 'GO_AV_GUARD_RESULT:';
/** A script that stopped with an error says so on one line: its message as a JSON string. */
const POWERSHELL_ERROR_MARKER = 'GO_AV_GUARD_ERROR:';
/**
 * The way an administrator starts PowerShell: no profile, no prompts, the script on standard input.
 * Never -EncodedCommand (an EDR indicator that hides nothing from AMSI), never -ExecutionPolicy (it does
 * nothing for an inline command, and Bypass is itself an indicator).
 */
const POWERSHELL_ARGS = [
    '-NoLogo',
    '-NoProfile',
    '-NonInteractive',
    '-Command',
    '-',
];
/**
 * Every script runs inside this frame. `-Command -` runs standard input statement by statement, so the
 * whole frame is one `& { }` statement, ended by a blank line. It is Constrained Language Mode safe (no
 * property set on a .NET type): the result line is made ASCII by escaping every other character as
 * \uXXXX, so the console code page cannot garble it. Errors come back as one line with their message.
 */
const PRELUDE = [
    '& {',
    "$ErrorActionPreference = 'Stop'",
    "$ProgressPreference = 'SilentlyContinue'",
    '$In = $null',
    `if ($env:${POWERSHELL_INPUT_FILE_VAR}) { $In = Get-Content -LiteralPath $env:${POWERSHELL_INPUT_FILE_VAR} -Raw -Encoding UTF8 | ConvertFrom-Json }`,
    `elseif ($env:${POWERSHELL_INPUT_VAR}) { $In = $env:${POWERSHELL_INPUT_VAR} | ConvertFrom-Json }`,
    'try {',
    '$Result = & {',
].join('\n');
const POSTLUDE = [
    '}',
    `$Reply = '${POWERSHELL_RESULT_MARKER}' + (ConvertTo-Json -InputObject $Result -Depth 8 -Compress)`,
    '} catch {',
    `$Reply = '${POWERSHELL_ERROR_MARKER}' + (ConvertTo-Json -InputObject ([string]$_.Exception.Message) -Compress)`,
    '}',
    "foreach ($c in @([regex]::Matches($Reply, '[^\\x20-\\x7E]') | ForEach-Object { $_.Value } | Sort-Object -Unique -CaseSensitive)) {",
    "  $Reply = $Reply.Replace($c, ('\\u{0:x4}' -f [int][char]$c))",
    '}',
    '$Reply',
    '}',
    '',
    '',
].join('\n');
/** The exact text PowerShell reads on standard input for `script`. */
function framePowerShellScript(script) {
    return `${PRELUDE}\n${script}\n${POSTLUDE}`;
}
class PowerShellError extends Error {
}
const WINDOWS_ABSOLUTE = /^[a-z]:\\(?:[^\\/:*?"<>|\r\n]+\\?)*$/i;
/**
 * `%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe`, with SystemRoot as the OS gave it to this
 * process. Never a bare name: Windows searches the current folder (the workspace) first.
 */
function windowsPowerShellPath(env = process.env) {
    const root = env.SystemRoot ?? env.SYSTEMROOT ?? env.windir ?? env.WINDIR;
    // Off Windows (tests that record what would run) there is no SystemRoot: name the default one.
    if (root === undefined)
        return 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
    if (!WINDOWS_ABSOLUTE.test(root) || root.split('\\').includes('..'))
        throw new PowerShellError(`SystemRoot is not an absolute Windows path (${JSON.stringify(root)}), so PowerShell cannot be found safely`);
    return `${root.replace(/\\+$/, '')}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`;
}
/**
 * Runs a constant PowerShell script with `data` as JSON in the environment and returns its JSON value.
 * `script` must be a constant: never build it from inputs, paths or secrets.
 */
async function runPowerShell(run, script, data, options = {}) {
    const executable = options.executable ?? windowsPowerShellPath();
    const result = await run(executable, POWERSHELL_ARGS, {
        env: { [POWERSHELL_INPUT_VAR]: JSON.stringify(data ?? null) },
        input: framePowerShellScript(script),
        timeoutMs: options.timeoutMs ?? 120_000,
    });
    return parsePowerShellOutput(executable, result.stdout, () => (0,_process_js__WEBPACK_IMPORTED_MODULE_4__/* .describeFailure */ .Ic)(executable, { ...result, stderr: decodeClixml(result.stderr) }));
}
function parsePowerShellOutput(executable, stdout, failure) {
    const line = stdout
        .split(/\r?\n/)
        .map((l) => l.replace(/^\uFEFF/, ''))
        .reverse()
        .find((l) => l.startsWith(POWERSHELL_RESULT_MARKER) || l.startsWith(POWERSHELL_ERROR_MARKER));
    if (line === undefined)
        throw new PowerShellError(`PowerShell gave no result: ${failure()}`);
    if (line.startsWith(POWERSHELL_ERROR_MARKER)) {
        const message = readJson(line.slice(POWERSHELL_ERROR_MARKER.length));
        throw new PowerShellError(`the PowerShell script stopped: ${String(message ?? 'no message')}`);
    }
    const json = line.slice(POWERSHELL_RESULT_MARKER.length).replace(/^\uFEFF/, '');
    try {
        return json.trim() === '' ? null : JSON.parse(json);
    }
    catch {
        throw new PowerShellError(`${executable} wrote a result that is not JSON: ${json.slice(0, 200)}`);
    }
}
function readJson(text) {
    try {
        return JSON.parse(text);
    }
    catch {
        return text;
    }
}
/**
 * PowerShell started by another program can write its error stream as CLIXML (`#< CLIXML` then
 * `<Objs>` with `<S S="Error">` lines). Returns the messages as plain text; other text as it is.
 */
function decodeClixml(stderr) {
    const at = stderr.indexOf('#< CLIXML');
    if (at < 0)
        return stderr;
    const before = stderr.slice(0, at);
    const xml = stderr.slice(at + '#< CLIXML'.length);
    const lines = [...xml.matchAll(/<S S="(?:Error|Warning)">([\s\S]*?)<\/S>/g)].map((m) => unescapeClixml(m[1] ?? ''));
    const text = lines.join('').replace(/\r\n/g, '\n').trim();
    return [before.trim(), text].filter(Boolean).join('\n');
}
function unescapeClixml(text) {
    return text
        .replace(/_x([0-9a-f]{4})_/gi, (_m, hex) => String.fromCharCode(Number.parseInt(hex, 16)))
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&#(\d+);/g, (_m, n) => String.fromCharCode(Number(n)))
        .replace(/&amp;/g, '&');
}
/** Is this a call runPowerShell made (the standard argv, the framed script on stdin)? */
function isPowerShellCall(args, options) {
    return (args.length === POWERSHELL_ARGS.length &&
        args.every((a, i) => a === POWERSHELL_ARGS[i]) &&
        typeof options?.input === 'string' &&
        options.input.startsWith(PRELUDE));
}
/** A queue of stdin chunks that a long-lived child reads as they are pushed. */
class StdinQueue {
    chunks = [];
    wake;
    ended = false;
    push(chunk) {
        this.chunks.push(chunk);
        this.wake?.();
    }
    end() {
        this.ended = true;
        this.wake?.();
    }
    async *[Symbol.asyncIterator]() {
        for (;;) {
            const next = this.chunks.shift();
            if (next !== undefined)
                yield next;
            else if (this.ended)
                return;
            else
                await new Promise((resolve) => (this.wake = resolve));
        }
    }
}
/**
 * One PowerShell start for several scripts in a row (doctor, exclusions, detections and the scan in the
 * main step; restore and detections in the post step). Each framed script goes to the same process's
 * stdin and its result line ends that script's answer. If the process ends early, the next script starts
 * a new one. Scripts run one at a time, in the order they were asked for.
 */
function sharePowerShell(run, options = {}) {
    let starts = 0;
    let process;
    let inputDir;
    let chain = Promise.resolve();
    let pending;
    let buffered = '';
    const decoder = new node_string_decoder__WEBPACK_IMPORTED_MODULE_3__.StringDecoder('utf8');
    let streamed = false;
    const onStdout = (chunk) => {
        streamed = true;
        buffered += decoder.write(chunk);
        const lines = buffered.split('\n');
        const markerAt = lines.findIndex((l, i) => i < lines.length - 1 &&
            (l.replace(/^\uFEFF/, '').startsWith(POWERSHELL_RESULT_MARKER) ||
                l.replace(/^\uFEFF/, '').startsWith(POWERSHELL_ERROR_MARKER)));
        if (markerAt < 0 || !pending)
            return;
        const answer = lines.slice(0, markerAt + 1).join('\n');
        buffered = lines.slice(markerAt + 1).join('\n');
        const done = pending;
        pending = undefined;
        done.resolve({ exitCode: 0, stdout: answer, stderr: '', durationMs: Date.now() - done.started });
    };
    const start = async (file, timeoutMs) => {
        if (inputDir === undefined) {
            const parent = options.tempDir ?? (0,node_os__WEBPACK_IMPORTED_MODULE_1__.tmpdir)();
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)(parent, { recursive: true });
            inputDir = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdtemp)(node_path__WEBPACK_IMPORTED_MODULE_2___default().join(parent, 'go-av-guard-ps-'));
        }
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.chmod)(inputDir, 0o700);
        const stdin = new StdinQueue();
        starts++;
        buffered = '';
        streamed = false;
        const abort = new AbortController();
        const started = {
            ended: false,
            abort,
            stdin,
            exited: run(file, POWERSHELL_ARGS, {
                env: { [POWERSHELL_INPUT_FILE_VAR]: node_path__WEBPACK_IMPORTED_MODULE_2___default().join(inputDir, 'input.json') },
                stdin,
                onStdout,
                signal: abort.signal,
                timeoutMs,
            }),
        };
        void started.exited.then(() => {
            started.ended = true;
        });
        return started;
    };
    const runScript = async (file, options) => {
        const active = process && !process.ended ? process : (process = await start(file, 6 * 60 * 60_000));
        const json = options.env?.[POWERSHELL_INPUT_VAR] ?? 'null';
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.writeFile)(node_path__WEBPACK_IMPORTED_MODULE_2___default().join(inputDir, 'input.json'), json, { mode: 0o600 });
        const answer = new Promise((resolve) => {
            pending = { resolve, started: Date.now() };
        });
        active.stdin.push(options.input);
        // The process ended before it answered: the script's answer is whatever it left behind. (A runner
        // that does not stream stdout, as in tests that record starts, hands it all over here.)
        const ended = active.exited.then((result) => ({
            ...result,
            stdout: streamed ? buffered + decoder.end() : result.stdout,
        }));
        const limit = options.timeoutMs;
        if (!limit)
            return Promise.race([answer, ended]);
        let timer;
        const timedOut = new Promise((resolve) => {
            timer = setTimeout(() => {
                // A script that hangs ends this PowerShell; the next script starts a fresh one.
                active.stdin.end();
                active.abort.abort();
                if (process === active)
                    process = undefined;
                pending = undefined;
                resolve({ exitCode: null, stdout: '', stderr: '', timedOut: true, durationMs: limit });
            }, limit);
        });
        try {
            return await Promise.race([answer, ended, timedOut]);
        }
        finally {
            clearTimeout(timer);
        }
    };
    const shared = (file, args, opts) => {
        if (!isPowerShellCall(args, opts))
            return run(file, args, opts);
        const next = chain.then(() => runScript(file, opts ?? {}));
        chain = next.catch(() => undefined);
        return next;
    };
    return {
        run: shared,
        starts: () => starts,
        close: async () => {
            await chain;
            const active = process;
            process = undefined;
            if (active) {
                active.stdin.end();
                await active.exited;
            }
            if (inputDir)
                await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(inputDir, { recursive: true, force: true });
        },
    };
}
/** The script text a recorded PowerShell start carried on stdin (tests prove it is the constant). */
function powerShellScriptOf(options) {
    const input = options?.input;
    if (typeof input !== 'string' || !input.startsWith(PRELUDE))
        throw new Error('not a framed PowerShell script');
    return input;
}


/***/ }),

/***/ 9638:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Db: () => (/* binding */ runProcessOnDemand),
/* harmony export */   Ic: () => (/* binding */ describeFailure),
/* harmony export */   xn: () => (/* binding */ startFailure)
/* harmony export */ });
/**
 * Node's spawn throws synchronously for most start failures (on Windows an antivirus block, 225/226,
 * arrives as UNKNOWN / -4094) and emits 'error' for a few (ENOENT, EACCES, ...): both become a result.
 */
function startFailure(error) {
    const e = error;
    return {
        spawnError: e instanceof Error ? e.message : String(error),
        ...(typeof e?.code === 'string' ? { spawnCode: e.code } : {}),
        ...(typeof e?.errno === 'number' ? { spawnErrno: e.errno } : {}),
    };
}
/**
 * `runProcess`, its module loaded on the first start: a run that starts no process (signing with a key
 * file) does not load node:child_process (~6 ms of every start of the CLI).
 */
const runProcessOnDemand = async (file, args, options) => (await __webpack_require__.e(/* import() */ 437).then(__webpack_require__.bind(__webpack_require__, 4818))).runProcess(file, args, options);
/** A one-line description of why a process did not succeed, for reports. */
function describeFailure(file, result) {
    if (result.spawnError)
        return `${file} could not be started: ${result.spawnError}`;
    if (result.timedOut)
        return `${file} did not finish within the time limit and was stopped`;
    const detail = (result.stderr.trim() || result.stdout.trim()).split(/\r?\n/).slice(-3).join(' | ');
    return `${file} exited with code ${result.exitCode}${detail ? `: ${detail}` : ''}`;
}


/***/ }),

/***/ 1796:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $U: () => (/* binding */ enumName),
/* harmony export */   JU: () => (/* binding */ asInteger),
/* harmony export */   NM: () => (/* binding */ parsePsDate),
/* harmony export */   P7: () => (/* binding */ asStrings),
/* harmony export */   _j: () => (/* binding */ asArray),
/* harmony export */   oJ: () => (/* binding */ asString),
/* harmony export */   tB: () => (/* binding */ asBoolean)
/* harmony export */ });
/**
 * PowerShell JSON comes in two dialects (Windows PowerShell 5.1 and PowerShell 7) and several shapes for
 * the same data. These helpers turn any of them into one plain form, and never throw on a surprise.
 */
/**
 * One result comes back as a bare object, none as null, deep arrays as {"value":[...],"Count":n}; a null
 * element (a cmdlet that wrote nothing for one item) is dropped so callers can read fields safely.
 */
function asArray(value) {
    if (value === null || value === undefined || value === '')
        return [];
    if (Array.isArray(value))
        return value.filter((v) => v !== null && v !== undefined);
    if (isCountWrapper(value))
        return asArray(value.value);
    return [value];
}
function isCountWrapper(value) {
    return (typeof value === 'object' &&
        value !== null &&
        'value' in value &&
        'Count' in value &&
        Object.keys(value).length === 2);
}
const ZONELESS = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
const MS_DATE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;
/**
 * Windows PowerShell 5.1 writes dates as "\/Date(ms)\/" (JSON.parse leaves "/Date(ms)/"), sometimes
 * wrapped as {"value": ..., "DateTime": "..."}; PowerShell 7 writes ISO 8601. Returns ISO 8601 or undefined.
 */
function parsePsDate(value) {
    if (value === null || value === undefined || value === '')
        return undefined;
    if (typeof value === 'object' && 'value' in value)
        return parsePsDate(value.value);
    if (typeof value === 'number')
        return Number.isFinite(value) ? new Date(value).toISOString() : undefined;
    if (typeof value !== 'string')
        return undefined;
    const ms = MS_DATE.exec(value.trim());
    if (ms)
        return new Date(Number(ms[1])).toISOString();
    // A time without a zone (Defender's event data, some saved files) is UTC, never this machine's local time.
    const text = ZONELESS.test(value.trim()) ? `${value.trim().replace(' ', 'T')}Z` : value;
    const parsed = Date.parse(text);
    return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}
function asString(value) {
    if (value === null || value === undefined)
        return undefined;
    if (typeof value === 'string')
        return value;
    if (typeof value === 'number' || typeof value === 'boolean')
        return String(value);
    return undefined;
}
function asStrings(value) {
    return asArray(value)
        .map(asString)
        .filter((s) => s !== undefined && s !== '');
}
function asBoolean(value) {
    if (typeof value === 'boolean')
        return value;
    if (value === 1 || value === 'True' || value === 'true')
        return true;
    if (value === 0 || value === 'False' || value === 'false')
        return false;
    return undefined;
}
/** Integers may arrive as numbers or strings (sint64 ThreatIDs exceed 2^53 in theory, not in practice). */
function asInteger(value) {
    if (typeof value === 'number' && Number.isInteger(value))
        return value;
    if (typeof value === 'string' && /^-?\d+$/.test(value.trim()))
        return Number(value.trim());
    if (typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value.trim()))
        return Number.parseInt(value.trim(), 16);
    return undefined;
}
/** An enumeration value by its documented name, keeping unknown numbers: "unknown (18)". */
function enumName(names, value) {
    const n = asInteger(value);
    if (n === undefined)
        return asString(value);
    return names[n] ?? `unknown (${n})`;
}


/***/ }),

/***/ 4062:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Al: () => (/* binding */ readJsonState),
/* harmony export */   Rv: () => (/* binding */ memoryState),
/* harmony export */   ru: () => (/* binding */ writeJsonState)
/* harmony export */ });
function memoryState(initial = {}) {
    const values = { ...initial };
    return { values, get: (key) => values[key] ?? '', set: (key, value) => void (values[key] = value) };
}
/** Typed JSON on top of a string store; a missing or damaged value reads as the fallback. */
function readJsonState(store, key, fallback) {
    const raw = store.get(key);
    if (!raw)
        return fallback;
    try {
        return JSON.parse(raw);
    }
    catch {
        return fallback;
    }
}
function writeJsonState(store, key, value) {
    store.set(key, JSON.stringify(value));
}


/***/ }),

/***/ 1054:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   d: () => (/* binding */ resolveProgram)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);


function realIsExecutable(platform) {
    return (file) => {
        try {
            if (!(0,node_fs__WEBPACK_IMPORTED_MODULE_0__.statSync)(file).isFile())
                return false;
            if (platform !== 'win32')
                (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.accessSync)(file, node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.X_OK);
            return true;
        }
        catch {
            return false;
        }
    };
}
function envValue(env, name) {
    const key = Object.keys(env).find((k) => k.toUpperCase() === name);
    return key === undefined ? undefined : env[key];
}
/**
 * The absolute path of a program, searched in PATH only. Windows' own search (and Node's spawn there)
 * looks in the current folder first, which for an action is the workspace: a `go.exe` committed to a
 * repository would run instead of the toolchain. So a bare name is looked up here, skipping empty and
 * relative PATH entries (they mean the current folder too), and the result is what gets started.
 * A name with a folder in it is the caller's explicit choice: made absolute, not searched.
 * Returns undefined when nothing is found.
 */
function resolveProgram(name, options) {
    const p = options.platform === 'win32' ? (node_path__WEBPACK_IMPORTED_MODULE_1___default().win32) : (node_path__WEBPACK_IMPORTED_MODULE_1___default().posix);
    const isExecutable = options.isExecutable ?? realIsExecutable(options.platform);
    if (name === '')
        return undefined;
    if (p.isAbsolute(name))
        return name;
    if (name.includes('/') || (options.platform === 'win32' && name.includes('\\')))
        return p.resolve(name);
    const dirs = (envValue(options.env, 'PATH') ?? '')
        .split(options.platform === 'win32' ? ';' : ':')
        .map((d) => d.trim().replace(/^"(.*)"$/, '$1'))
        .filter((d) => d !== '' && p.isAbsolute(d));
    const extensions = options.platform === 'win32'
        ? p.extname(name) !== ''
            ? ['']
            : (envValue(options.env, 'PATHEXT') ?? '.COM;.EXE;.BAT;.CMD')
                .split(';')
                .filter((e) => /^\.[a-z0-9]+$/i.test(e))
                .map((e) => e.toLowerCase())
        : [''];
    for (const dir of dirs)
        for (const ext of extensions) {
            const candidate = p.join(dir, name + ext);
            if (isExecutable(candidate))
                return candidate;
        }
    return undefined;
}


/***/ }),

/***/ 1860:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $e: () => (/* binding */ warning),
/* harmony export */   pq: () => (/* binding */ info),
/* harmony export */   z3: () => (/* binding */ error)
/* harmony export */ });
const info = (message) => ({ level: 'info', message });
const warning = (message) => ({ level: 'warning', message });
const error = (message) => ({ level: 'error', message });


/***/ }),

/***/ 1991:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   B$: () => (/* binding */ parseVersionInfoLines),
/* harmony export */   G6: () => (/* binding */ applicationManifest),
/* harmony export */   P0: () => (/* binding */ VERSION_FLAGS),
/* harmony export */   ot: () => (/* binding */ parseVersion)
/* harmony export */ });
/* unused harmony exports VERSION_STRING_KEYS, VERSION_NUMBER_KEYS, SUPPORTED_OS_IDS */
/**
 * What goes into a stamped binary's VERSIONINFO and manifest: the version numbers, the `version-info`
 * strings (multiline `Key: value`) and the application manifest text. Pure; no file access.
 */
/** StringFileInfo keys a user may set (VS_VERSIONINFO "StringFileInfo" names, learn.microsoft.com). */
const VERSION_STRING_KEYS = [
    'CompanyName',
    'ProductName',
    'FileDescription',
    'LegalCopyright',
    'OriginalFilename',
    'InternalName',
    'Comments',
    'LegalTrademarks',
];
/** The two version keys: numbers for VS_FIXEDFILEINFO, text as given for the string table. */
const VERSION_NUMBER_KEYS = ['FileVersion', 'ProductVersion'];
/** CLI flags of `go-av-guard stamp` and the version-info key each one sets. */
const VERSION_FLAGS = {
    'file-version': 'FileVersion',
    'product-version': 'ProductVersion',
    'company-name': 'CompanyName',
    'product-name': 'ProductName',
    'file-description': 'FileDescription',
    copyright: 'LegalCopyright',
};
/**
 * A release tag or version ("v1.2.3", "1.2", "1.2.3.4", "1.2.3-rc.1+meta") as four numbers and a text.
 * Undefined when it does not start with a number.
 */
function parseVersion(value) {
    const text = value.trim().replace(/^v(?=\d)/i, '');
    const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?=$|[-+])/.exec(text);
    if (!match)
        return undefined;
    const parts = match.slice(1, 5).map((p) => (p === undefined ? 0 : Number(p)));
    if (parts.some((p) => p > 0xffff))
        return undefined;
    return { parts: parts, text };
}
/** `Key: value` lines (the `version-info` input) -> fields; problems name the line that is wrong. */
function parseVersionInfoLines(lines) {
    const input = { strings: {} };
    const problems = [];
    const known = [...VERSION_STRING_KEYS, ...VERSION_NUMBER_KEYS];
    for (const line of lines) {
        const colon = line.indexOf(':');
        const key = colon > 0 ? line.slice(0, colon).trim() : '';
        const value = colon > 0 ? line.slice(colon + 1).trim() : '';
        const name = known.find((k) => k.toLowerCase() === key.toLowerCase());
        if (!name) {
            problems.push(`version-info: expected "Key: value" lines with a key among ${known.join(', ')}, got ${JSON.stringify(line)}`);
            continue;
        }
        if (name === 'FileVersion' || name === 'ProductVersion') {
            if (!parseVersion(value))
                problems.push(`version-info: ${name} must be a version such as 1.2.3 or v1.2.3 (parts up to 65535), got ${JSON.stringify(value)}`);
            else if (name === 'FileVersion')
                input.fileVersion = value;
            else
                input.productVersion = value;
        }
        else if (value) {
            input.strings[name] = value;
        }
    }
    return { input, problems };
}
/** Microsoft's supportedOS ids ("Application manifests", learn.microsoft.com): Windows 7 up to 10/11. */
const SUPPORTED_OS_IDS = {
    'Windows 7': '{35138b9a-5d96-4fbd-8e2d-a2440225f93a}',
    'Windows 8': '{4a2f28e3-53b9-4441-ba9c-d69d4a4a6e38}',
    'Windows 8.1': '{1f676c76-80e1-4239-95bb-83d0f6d0da78}',
    'Windows 10 and 11': '{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}',
};
/**
 * The application manifest (resource type 24): runs as the invoking user (no UAC prompt, no installer
 * detection), declares the supported Windows versions, long path awareness and UTF-8 as the active code
 * page (schemas as in "Application manifests" on learn.microsoft.com).
 */
function applicationManifest() {
    const os = Object.entries(SUPPORTED_OS_IDS)
        .map(([name, id]) => `      <supportedOS Id="${id}"/> <!-- ${name} -->`)
        .join('\n');
    return [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">',
        '  <trustInfo xmlns="urn:schemas-microsoft-com:asm.v3">',
        '    <security>',
        '      <requestedPrivileges>',
        '        <requestedExecutionLevel level="asInvoker" uiAccess="false"/>',
        '      </requestedPrivileges>',
        '    </security>',
        '  </trustInfo>',
        '  <compatibility xmlns="urn:schemas-microsoft-com:compatibility.v1">',
        '    <application>',
        os,
        '    </application>',
        '  </compatibility>',
        '  <application xmlns="urn:schemas-microsoft-com:asm.v3">',
        '    <windowsSettings>',
        '      <longPathAware xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">true</longPathAware>',
        '      <activeCodePage xmlns="http://schemas.microsoft.com/SMI/2019/WindowsSettings">UTF-8</activeCodePage>',
        '    </windowsSettings>',
        '  </application>',
        '</assembly>',
        '',
    ].join('\n');
}


/***/ })

};

//# sourceMappingURL=747.index.js.map