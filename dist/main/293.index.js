export const id = 293;
export const ids = [293];
export const modules = {

/***/ 39349:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   WW: () => (/* binding */ parseCertificates),
/* harmony export */   aq: () => (/* binding */ ecdsaJoseToDer),
/* harmony export */   k$: () => (/* binding */ orderChain),
/* harmony export */   s1: () => (/* binding */ readChainFile),
/* harmony export */   zK: () => (/* binding */ joseAlgorithm),
/* harmony export */   zj: () => (/* binding */ keyTypeOf)
/* harmony export */ });
/* unused harmony export messageOf */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _pe_der_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(40332);
/* harmony import */ var _platform_files_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(94924);



/**
 * Certificate and signature plumbing the remote keys share: chains from PEM files and PKCS#7 bundles,
 * ordered leaf first; the key type a certificate implies; ECDSA signatures in the DER form CMS wants.
 */
const SIGNED_DATA = '1.2.840.113549.1.7.2';
/** Every certificate in PEM text, DER bytes of one certificate, or a DER/base64 PKCS#7 certificate bundle. */
function parseCertificates(data) {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    if (text.includes('-----BEGIN CERTIFICATE-----')) {
        return [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
    }
    let der = typeof data === 'string' ? Buffer.from(data.replace(/\s+/g, ''), 'base64') : Buffer.from(data);
    // Services hand bundles back as base64 text inside base64 (Artifact Signing's signingCertificate).
    const inner = der.toString('latin1').replace(/\s+/g, '');
    if (der.length > 0 && der[0] !== 0x30 && /^[A-Za-z0-9+/]+={0,2}$/.test(inner))
        der = Buffer.from(inner, 'base64');
    return certificatesInPkcs7(der) ?? [new Uint8Array(new node_crypto__WEBPACK_IMPORTED_MODULE_0__.X509Certificate(der).raw)];
}
/** The certificates of a PKCS#7 SignedData (RFC 5652 5.1, `certificates [0] IMPLICIT`); undefined if not one. */
function certificatesInPkcs7(der) {
    const root = (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .readNode */ .XH)(der, 0);
    const [type, explicit] = root ? (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .childrenOf */ .LU)(der, root) : [];
    if (!type || !explicit || (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .oidOf */ ._f)(der, type) !== SIGNED_DATA)
        return undefined;
    const [signedData] = (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .childrenOf */ .LU)(der, explicit);
    const set = signedData ? (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .childrenOf */ .LU)(der, signedData).find((n) => n.tag === _pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .TAG */ .Dk.context0) : undefined;
    return set
        ? (0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .childrenOf */ .LU)(der, set)
            .filter((n) => n.tag === _pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .TAG */ .Dk.sequence)
            .map((n) => new Uint8Array((0,_pe_der_js__WEBPACK_IMPORTED_MODULE_1__/* .encodingOf */ .P$)(der, n)))
        : [];
}
/** Orders a set of certificates (a PKCS#7 SET has no order) as a chain: the leaf, then each issuer. */
function orderChain(certificates) {
    const parsed = certificates.map((der) => ({ der, x509: new node_crypto__WEBPACK_IMPORTED_MODULE_0__.X509Certificate(der) }));
    const issuesAnother = (c) => parsed.some((o) => o !== c && o.x509.checkIssued(c.x509));
    const leaf = parsed.find((c) => !issuesAnother(c)) ?? parsed[0];
    if (!leaf)
        return [];
    const chain = [leaf];
    for (let current = leaf; chain.length < parsed.length;) {
        const issuer = parsed.find((c) => !chain.includes(c) && current.x509.checkIssued(c.x509));
        if (!issuer)
            break;
        chain.push(issuer);
        current = issuer;
    }
    return chain.map((c) => c.der);
}
/** A chain file (PEM, the signing certificate first, then intermediates); one clear message when it is not. */
async function readChainFile(file, input) {
    let certificates;
    try {
        certificates = parseCertificates(await (0,_platform_files_js__WEBPACK_IMPORTED_MODULE_2__/* .readSmallRegularFile */ .qZ)(file));
    }
    catch (error) {
        throw new Error(`${input}: cannot read ${file} as PEM certificates: ${messageOf(error)}`, {
            cause: error,
        });
    }
    if (certificates.length === 0)
        throw new Error(`${input}: ${file} holds no PEM certificate`);
    return certificates;
}
/** The key type a certificate's public key implies (what the CMS signature algorithm follows). */
function keyTypeOf(certificate) {
    const type = new node_crypto__WEBPACK_IMPORTED_MODULE_0__.X509Certificate(certificate).publicKey.asymmetricKeyType;
    if (type === 'rsa')
        return 'rsa';
    if (type === 'ec')
        return 'ecdsa';
    throw new Error(`the signing certificate has a ${type} key; Authenticode here takes RSA or ECDSA keys`);
}
/** JOSE algorithm names, as Key Vault and Artifact Signing take them. */
function joseAlgorithm(keyType, digest) {
    return `${keyType === 'rsa' ? 'RS' : 'ES'}${digest.slice(3)}`;
}
/** A JOSE ECDSA signature (r || s, each the curve's size) as the DER ECDSA-Sig-Value CMS carries. */
function ecdsaJoseToDer(raw) {
    const half = raw.length / 2;
    const integer = (bytes) => {
        let i = 0;
        while (i < bytes.length - 1 && bytes[i] === 0)
            i++;
        const trimmed = Buffer.from(bytes.subarray(i));
        const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
        return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
    };
    const body = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))]);
    return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}
function derLength(n) {
    return n < 0x80 ? Buffer.from([n]) : Buffer.from([0x81, n]);
}
function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}


/***/ }),

/***/ 27293:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   pkcs11Key: () => (/* binding */ pkcs11Key)
/* harmony export */ });
/* unused harmony export parsePkcs11Uri */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _platform_files_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(94924);
/* harmony import */ var _platform_process_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(59638);
/* harmony import */ var _certs_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(39349);
/* harmony import */ var _remote_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(43518);






/**
 * A key on a PKCS#11 token or HSM, used through OpenSSL's pkcs11 engine (libp11) as a separate process:
 * `openssl pkeyutl -sign` on the digest, the PIN on stdin (`-passin stdin`), never on argv, in the child's
 * environment or in a file. No native addon, so the one bundle runs on every OS; the module is the
 * vendor's library, handed to libp11 as PKCS11_MODULE_PATH. The certificate comes from `certificate-chain`
 * or, when that is not given, from the token (`pkcs11-tool --read-object`, no login).
 */
const SERVICE = 'PKCS#11';
/** Path attributes of an RFC 7512 URI, percent-decoded; the query part (module-name, pin-*) is refused. */
function parsePkcs11Uri(uri) {
    const match = /^pkcs11:([^?]*)(\?.*)?$/i.exec(uri.trim());
    if (!match)
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_4__/* .KeySourceError */ .r5(`pkcs11-key: expected an RFC 7512 URI such as pkcs11:token=ci;object=signing, got "${uri}"`);
    const query = match[2] ?? '';
    if (/[?&]pin-(value|source)=/i.test(query) || /(^|;)pin-value=/i.test(match[1] ?? ''))
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_4__/* .KeySourceError */ .r5('pkcs11-key: the URI carries a PIN; remove it and give the PIN in pkcs11-pin (a secret)');
    const attributes = new Map();
    for (const part of (match[1] ?? '').split(';').filter(Boolean)) {
        const eq = part.indexOf('=');
        if (eq <= 0)
            throw new _remote_js__WEBPACK_IMPORTED_MODULE_4__/* .KeySourceError */ .r5(`pkcs11-key: "${part}" is not an attribute=value pair`);
        attributes.set(part.slice(0, eq).toLowerCase(), decodeURIComponent(part.slice(eq + 1)));
    }
    if (!attributes.has('object') && !attributes.has('id'))
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_4__/* .KeySourceError */ .r5('pkcs11-key: name the key with object=<label> or id=<%-encoded id> in the URI');
    return attributes;
}
/** The URI OpenSSL gets: the key's path attributes only, percent-encoded again, with type=private. */
function keyUri(attributes) {
    const keep = ['token', 'manufacturer', 'model', 'serial', 'slot-id', 'object', 'id'];
    const parts = keep
        .filter((name) => attributes.has(name))
        .map((name) => `${name}=${encodeURIComponent(attributes.get(name))}`);
    return `pkcs11:${[...parts, 'type=private'].join(';')}`;
}
/** pkcs11-tool arguments that pick the same object (for reading the certificate beside the key). */
function objectSelector(attributes) {
    const args = [];
    const token = attributes.get('token');
    if (token)
        args.push('--token-label', token);
    const object = attributes.get('object');
    if (object)
        args.push('--label', object);
    const id = attributes.get('id');
    if (id)
        args.push('--id', Buffer.from(id, 'latin1').toString('hex'));
    return args;
}
async function pkcs11Key(o) {
    o.setSecret(o.pin);
    const attributes = parsePkcs11Uri(o.uri);
    const openssl = await (0,_platform_files_js__WEBPACK_IMPORTED_MODULE_2__/* .findOnPath */ .aY)('openssl', o.env, o.platform);
    if (!openssl)
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_4__/* .KeySourceError */ .r5(`${SERVICE}: openssl is not on PATH; install OpenSSL 3 and the libp11 pkcs11 engine (Debian/Ubuntu: libengine-pkcs11-openssl, Homebrew: libp11)`);
    const dir = await (0,_platform_files_js__WEBPACK_IMPORTED_MODULE_2__/* .makePrivateDir */ .hI)(o.tempDir, 'pkcs11-');
    const env = {
        PKCS11_MODULE_PATH: o.module,
        ...(o.env.OPENSSL_ENGINES ? { OPENSSL_ENGINES: o.env.OPENSSL_ENGINES } : {}),
        ...(o.env.OPENSSL_CONF ? { OPENSSL_CONF: o.env.OPENSSL_CONF } : {}),
    };
    const timeoutMs = o.timeoutMs ?? 120_000;
    try {
        const chain = o.chainFile
            ? await (0,_certs_js__WEBPACK_IMPORTED_MODULE_3__/* .readChainFile */ .s1)(o.chainFile, 'certificate-chain')
            : await certificateFromToken(o, attributes, dir, timeoutMs);
        const keyType = (0,_certs_js__WEBPACK_IMPORTED_MODULE_3__/* .keyTypeOf */ .zj)(chain[0]);
        const uri = keyUri(attributes);
        let calls = 0;
        let loginFailed;
        const signDigest = async (digest, algorithm) => {
            // A wrong PIN is never tried twice: tokens lock after a few failed logins.
            if (loginFailed)
                throw new _remote_js__WEBPACK_IMPORTED_MODULE_4__/* .KeySourceError */ .r5(loginFailed);
            const n = ++calls;
            const input = node_path__WEBPACK_IMPORTED_MODULE_1___default().join(dir, `digest-${n}.bin`);
            const output = node_path__WEBPACK_IMPORTED_MODULE_1___default().join(dir, `signature-${n}.bin`);
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.writeFile)(input, digest, { mode: 0o600 });
            try {
                const result = await o.run(openssl, [
                    'pkeyutl',
                    '-sign',
                    '-engine',
                    'pkcs11',
                    '-keyform',
                    'engine',
                    '-inkey',
                    uri,
                    '-passin',
                    'stdin',
                    '-in',
                    input,
                    '-out',
                    output,
                    '-pkeyopt',
                    `digest:${algorithm}`,
                ], { env, input: `${o.pin}\n`, timeoutMs });
                if (result.exitCode !== 0) {
                    const text = `${result.stderr}\n${result.stdout}`;
                    if (/PIN_INCORRECT|PIN_LOCKED|login failed|PKCS11_login/i.test(text)) {
                        loginFailed = `${SERVICE}: login to the token failed; check pkcs11-pin (no further attempt is made, tokens lock after a few wrong PINs)`;
                        throw new _remote_js__WEBPACK_IMPORTED_MODULE_4__/* .KeySourceError */ .r5(loginFailed);
                    }
                    throw new _remote_js__WEBPACK_IMPORTED_MODULE_4__/* .KeySourceError */ .r5(`${SERVICE}: signing with ${uri} (pkcs11-key) failed: ${(0,_platform_process_js__WEBPACK_IMPORTED_MODULE_5__/* .describeFailure */ .Ic)('openssl', result)}${hint(text, o.module)}`);
                }
                return new Uint8Array(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(output));
            }
            finally {
                await (0,_platform_files_js__WEBPACK_IMPORTED_MODULE_2__/* .removeQuietly */ .S2)(input);
                await (0,_platform_files_js__WEBPACK_IMPORTED_MODULE_2__/* .removeQuietly */ .S2)(output);
            }
        };
        return {
            description: `PKCS#11 key ${uri.replace(/;type=private$/, '')} (${node_path__WEBPACK_IMPORTED_MODULE_1___default().basename(o.module)})`,
            keyType,
            chain: () => Promise.resolve(chain),
            signDigest: (0,_remote_js__WEBPACK_IMPORTED_MODULE_4__/* .limitConcurrency */ .f6)(o.maxConcurrency ?? 1, signDigest),
            maxConcurrency: o.maxConcurrency ?? 1,
            close: async () => void (await (0,_platform_files_js__WEBPACK_IMPORTED_MODULE_2__/* .removeQuietly */ .S2)(dir)),
        };
    }
    catch (error) {
        await (0,_platform_files_js__WEBPACK_IMPORTED_MODULE_2__/* .removeQuietly */ .S2)(dir);
        throw error;
    }
}
/** What to check when openssl could not reach the key. */
function hint(text, module) {
    if (/could not load the shared library|invalid engine|engine "?pkcs11"? .*not|dso_|DSO support routines/i.test(text))
        return '. The pkcs11 engine (libp11) is missing: install libengine-pkcs11-openssl (Debian/Ubuntu) or libp11 (Homebrew)';
    if (/Failed to load (PKCS#11 )?module|Unable to load module|C_Initialize/i.test(text))
        return `. Check pkcs11-module (${module}): the library could not be loaded or initialised`;
    if (/cannot load|No such|not found|Could not find/i.test(text))
        return '. Check pkcs11-key: no private key on the token matches it (token label, object label or id)';
    return '';
}
async function certificateFromToken(o, attributes, dir, timeoutMs) {
    const tool = await (0,_platform_files_js__WEBPACK_IMPORTED_MODULE_2__/* .findOnPath */ .aY)('pkcs11-tool', o.env, o.platform);
    if (!tool)
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_4__/* .KeySourceError */ .r5(`${SERVICE}: certificate-chain is not set and pkcs11-tool (OpenSC) is not on PATH to read the certificate from the token; set certificate-chain to a PEM file (signing certificate first) or install OpenSC`);
    const output = node_path__WEBPACK_IMPORTED_MODULE_1___default().join(dir, 'certificate.der');
    const result = await o.run(tool, [
        '--module',
        o.module,
        '--read-object',
        '--type',
        'cert',
        ...objectSelector(attributes),
        '--output-file',
        output,
    ], { timeoutMs });
    const der = result.exitCode === 0 ? await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(output).catch(() => undefined) : undefined;
    if (!der || der.length === 0)
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_4__/* .KeySourceError */ .r5(`${SERVICE}: no certificate beside the key on the token (${(0,_platform_process_js__WEBPACK_IMPORTED_MODULE_5__/* .describeFailure */ .Ic)('pkcs11-tool', result)}); set certificate-chain to a PEM file with the signing certificate first, then intermediates`);
    return (0,_certs_js__WEBPACK_IMPORTED_MODULE_3__/* .parseCertificates */ .WW)(der);
}


/***/ }),

/***/ 43518:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   J5: () => (/* binding */ fetchWithRetry),
/* harmony export */   Kg: () => (/* binding */ githubOidcToken),
/* harmony export */   NK: () => (/* binding */ serviceDetail),
/* harmony export */   f6: () => (/* binding */ limitConcurrency),
/* harmony export */   r5: () => (/* binding */ KeySourceError),
/* harmony export */   ue: () => (/* binding */ DEFAULT_REMOTE_POLICY),
/* harmony export */   yy: () => (/* binding */ sleep)
/* harmony export */ });
/* unused harmony exports retryAfterMs, isTransientStatus */
/**
 * What every remote signer needs: a small concurrency limit per service, a time limit per request, 429 and
 * 5xx answered with Retry-After or exponential back-off, and one message per failure that names the
 * service, the input and what to check.
 */
const DEFAULT_REMOTE_POLICY = {
    attempts: 5,
    baseDelayMs: 1_000,
    maxDelayMs: 30_000,
    requestTimeoutMs: 60_000,
    operationTimeoutMs: 300_000,
    maxConcurrency: 4,
};
/** A failure a user can act on: which service, which input, what to check. */
class KeySourceError extends Error {
    constructor(message) {
        super(message);
        this.name = 'KeySourceError';
    }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Wraps `work` so that at most `limit` calls run at once; the rest queue in call order. */
function limitConcurrency(limit, work) {
    let running = 0;
    const queue = [];
    return async (...args) => {
        if (running >= limit)
            await new Promise((resolve) => queue.push(resolve));
        running++;
        try {
            return await work(...args);
        }
        finally {
            running--;
            queue.shift()?.();
        }
    };
}
/** Retry-After as seconds or an HTTP date (RFC 9110 10.2.3), in milliseconds; undefined when absent or bad. */
function retryAfterMs(header, now = Date.now()) {
    if (!header)
        return undefined;
    const trimmed = header.trim();
    if (/^\d+$/.test(trimmed))
        return Number(trimmed) * 1000;
    const date = Date.parse(trimmed);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
/** Statuses worth another try: throttled, or the service (or a gateway before it) briefly unavailable. */
function isTransientStatus(status) {
    return (status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504);
}
/**
 * One HTTP request with a time limit per try, repeated on 429/5xx and network failures. The last answer
 * comes back whatever its status; a request that never got an answer throws with the last reason.
 */
async function fetchWithRetry(url, init, policy) {
    const wait = policy.wait ?? sleep;
    let lastError;
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
        let delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        // Building the request (an access token) fails for its own reasons, which another try does not fix.
        const request = await init();
        try {
            const response = await fetch(url, { ...request, signal: AbortSignal.timeout(policy.requestTimeoutMs) });
            const body = Buffer.from(await response.arrayBuffer());
            if (!isTransientStatus(response.status) || attempt === policy.attempts)
                return { status: response.status, headers: response.headers, body, attempts: attempt };
            delay = Math.min(policy.maxDelayMs, retryAfterMs(response.headers.get('retry-after')) ?? delay);
        }
        catch (error) {
            lastError = error;
            if (attempt === policy.attempts)
                break;
        }
        await wait(delay);
    }
    const reason = lastError instanceof Error
        ? lastError.cause instanceof Error
            ? lastError.cause.message
            : lastError.message
        : String(lastError);
    throw new Error(`no answer after ${policy.attempts} tries (${reason})`);
}
/** The service's own words from an error body (Azure's `{error: {code, message}}` or problem details). */
function serviceDetail(body) {
    const text = body.toString().trim();
    try {
        const json = JSON.parse(text);
        const error = (json.error ?? json);
        const parts = [error.code, error.message ?? json.title ?? json.detail].filter((p) => typeof p === 'string');
        if (parts.length > 0)
            return parts.join(': ').slice(0, 300);
    }
    catch {
        /* not JSON */
    }
    return text.replace(/\s+/g, ' ').slice(0, 300);
}
/**
 * The GitHub Actions OIDC token for `audience` (what @actions/core's getIDToken fetches), or undefined when
 * the job has no `id-token: write` permission. The token is registered as a secret before it is returned.
 */
async function githubOidcToken(env, audience, setSecret, policy) {
    const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!url || !bearer)
        throw new KeySourceError('GitHub OIDC: no ID token is available to this job; add `permissions: id-token: write` to the job (or set AZURE_CLIENT_SECRET for a client secret)');
    const answer = await fetchWithRetry(`${url}&audience=${encodeURIComponent(audience)}`, () => ({ headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/json' } }), policy);
    const value = answer.status === 200 ? JSON.parse(answer.body.toString()).value : undefined;
    if (typeof value !== 'string' || value === '')
        throw new KeySourceError(`GitHub OIDC: the token request answered ${answer.status} without a token (${serviceDetail(answer.body)}); check the job's id-token permission`);
    setSecret(value);
    return value;
}


/***/ })

};

//# sourceMappingURL=293.index.js.map