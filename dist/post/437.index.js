export const id = 437;
export const ids = [437];
export const modules = {

/***/ 2437:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runProcess: () => (/* binding */ runProcess)
});

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(31421);
;// CONCATENATED MODULE: ./src/platform/childenv.ts
/**
 * The environment a child process gets: only what programs need to run (paths, temp, locale, Go's own
 * settings), never the runner's INPUT_* values, tokens or secrets. Windows names are case-insensitive.
 */
const ALLOWED_NAMES = new Set([
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
].map((n) => n.toUpperCase()));
const ALLOWED_PREFIXES = ['GO', 'CGO_', 'LC_', 'PKG_CONFIG'];
/** Even under an allowed prefix, a name that says it holds a secret stays out (GOAUTH tokens, ...). */
const SECRET_LOOKING = /TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|PRIVATE_KEY|APIKEY|API_KEY|PIN$|^GOAUTH$/i;
function isAllowedInChild(name) {
    const upper = name.toUpperCase();
    if (SECRET_LOOKING.test(upper))
        return false;
    return ALLOWED_NAMES.has(upper) || ALLOWED_PREFIXES.some((p) => upper.startsWith(p));
}
/** The allowlisted part of `parent`, plus `extra` (what the caller passes by name; undefined removes). */
function childEnvironment(parent, extra = {}) {
    const env = {};
    for (const [name, value] of Object.entries(parent))
        if (value !== undefined && isAllowedInChild(name))
            env[name] = value;
    for (const [name, value] of Object.entries(extra)) {
        for (const existing of Object.keys(env))
            if (existing.toUpperCase() === name.toUpperCase())
                delete env[existing];
        if (value !== undefined)
            env[name] = value;
    }
    return env;
}

// EXTERNAL MODULE: ./src/platform/process.ts
var platform_process = __webpack_require__(59638);
;// CONCATENATED MODULE: ./src/platform/runprocess.ts



const MAX_CAPTURE = 16 * 1024 * 1024;
const runProcess = (file, args, options = {}) => new Promise((resolve) => {
    const started = Date.now();
    const stdout = [];
    const stderr = [];
    let captured = 0;
    let timedOut = false;
    let settled = false;
    let timer;
    const finish = (result) => {
        if (settled)
            return;
        settled = true;
        clearTimeout(timer);
        resolve({
            ...result,
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
            durationMs: Date.now() - started,
            ...(timedOut ? { timedOut } : {}),
        });
    };
    let child;
    try {
        child = (0,external_node_child_process_.spawn)(file, [...args], {
            cwd: options.cwd,
            env: childEnvironment(process.env, options.env),
            shell: false,
            windowsHide: true,
            stdio: ['pipe', 'pipe', 'pipe'],
        });
    }
    catch (error) {
        finish({ exitCode: null, ...(0,platform_process/* startFailure */.xn)(error) });
        return;
    }
    const keep = (into) => (chunk) => {
        if (captured >= MAX_CAPTURE)
            return;
        captured += chunk.length;
        into.push(chunk);
    };
    child.stdout?.on('data', keep(stdout));
    if (options.onStdout)
        child.stdout?.on('data', options.onStdout);
    child.stderr?.on('data', keep(stderr));
    if (options.timeoutMs)
        timer = setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
        }, options.timeoutMs);
    options.signal?.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
    // A signal aborted before the start (runProcessOnDemand awaits this module first) fires no event.
    if (options.signal?.aborted)
        child.kill('SIGKILL');
    child.on('error', (error) => finish({ exitCode: null, ...(0,platform_process/* startFailure */.xn)(error) }));
    child.on('close', (code) => finish({ exitCode: code }));
    // A child that exits before reading stdin raises EPIPE here; its exit code tells the real story.
    child.stdin?.on('error', () => undefined);
    if (options.stdin)
        void feed(child, options.stdin);
    else
        child.stdin?.end(options.input ?? '');
});
async function feed(child, chunks) {
    try {
        for await (const chunk of chunks)
            child.stdin?.write(chunk);
    }
    finally {
        child.stdin?.end();
    }
}


/***/ })

};

//# sourceMappingURL=437.index.js.map