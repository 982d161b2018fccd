export const id = 683;
export const ids = [683];
export const modules = {

/***/ 51683:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   awsKmsKey: () => (/* binding */ awsKmsKey)
/* harmony export */ });
/* unused harmony export kmsAlgorithm */
/* harmony import */ var _certs_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(39349);
/* harmony import */ var _remote_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(43518);


/**
 * An asymmetric AWS KMS key (key usage SIGN_VERIFY) with its certificate chain in a file: KMS `Sign` with
 * MessageType DIGEST. Credentials and region come the AWS SDK's way (aws-actions/configure-aws-credentials
 * with GitHub OIDC, environment keys, a profile, an instance role). The SDK loads only here.
 */
const SERVICE = 'AWS KMS';
/** KMS signing algorithm names (RSASSA_PKCS1_V1_5_SHA_256, ECDSA_SHA_384, ...) from the JOSE ones. */
function kmsAlgorithm(keyType, digest) {
    const bits = (0,_certs_js__WEBPACK_IMPORTED_MODULE_0__/* .joseAlgorithm */ .zK)(keyType, digest).slice(2);
    return keyType === 'rsa' ? `RSASSA_PKCS1_V1_5_SHA_${bits}` : `ECDSA_SHA_${bits}`;
}
async function awsKmsKey(o) {
    const policy = { ..._remote_js__WEBPACK_IMPORTED_MODULE_1__/* .DEFAULT_REMOTE_POLICY */ .ue, ...o.policy };
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
        if (o.env[name])
            o.setSecret(o.env[name]);
    const chain = await (0,_certs_js__WEBPACK_IMPORTED_MODULE_0__/* .readChainFile */ .s1)(o.chainFile, 'certificate-chain');
    const keyType = (0,_certs_js__WEBPACK_IMPORTED_MODULE_0__/* .keyTypeOf */ .zj)(chain[0]);
    const region = /^arn:aws[\w-]*:kms:([\w-]+):/.exec(o.keyId)?.[1] ?? o.env.AWS_REGION ?? o.env.AWS_DEFAULT_REGION;
    if (!region)
        throw new _remote_js__WEBPACK_IMPORTED_MODULE_1__/* .KeySourceError */ .r5(`${SERVICE}: no region for aws-kms-key ${o.keyId}; give the key's ARN or set AWS_REGION (aws-actions/configure-aws-credentials does)`);
    const { KMSClient, SignCommand } = await __webpack_require__.e(/* import() */ 632).then(__webpack_require__.t.bind(__webpack_require__, 92632, 19));
    // The SDK's standard retry mode backs off on throttling and 5xx; maxAttempts counts the first try.
    const client = new KMSClient({
        region,
        maxAttempts: policy.attempts,
        ...(o.env.AWS_ENDPOINT_URL_KMS ? { endpoint: o.env.AWS_ENDPOINT_URL_KMS } : {}),
        // Keys in the run's environment are used as given; otherwise the SDK's chain (web identity, profile, role).
        ...(o.env.AWS_ACCESS_KEY_ID && o.env.AWS_SECRET_ACCESS_KEY
            ? {
                credentials: {
                    accessKeyId: o.env.AWS_ACCESS_KEY_ID,
                    secretAccessKey: o.env.AWS_SECRET_ACCESS_KEY,
                    ...(o.env.AWS_SESSION_TOKEN ? { sessionToken: o.env.AWS_SESSION_TOKEN } : {}),
                },
            }
            : {}),
    });
    const signDigest = async (digest, algorithm) => {
        try {
            const answer = await client.send(new SignCommand({
                KeyId: o.keyId,
                Message: digest,
                MessageType: 'DIGEST',
                SigningAlgorithm: kmsAlgorithm(keyType, algorithm),
            }), { abortSignal: AbortSignal.timeout(policy.requestTimeoutMs) });
            if (!answer.Signature)
                throw new _remote_js__WEBPACK_IMPORTED_MODULE_1__/* .KeySourceError */ .r5(`${SERVICE}: Sign answered without a signature`);
            // KMS answers ECDSA as a DER Ecdsa-Sig-Value already, RSA as the PKCS#1 v1.5 signature.
            return answer.Signature;
        }
        catch (error) {
            throw explain(error, o.keyId);
        }
    };
    return {
        description: `AWS KMS key ${o.keyId} (${region})`,
        keyType,
        chain: () => Promise.resolve(chain),
        signDigest: (0,_remote_js__WEBPACK_IMPORTED_MODULE_1__/* .limitConcurrency */ .f6)(policy.maxConcurrency, signDigest),
        maxConcurrency: policy.maxConcurrency,
        close: async () => client.destroy(),
    };
}
/** One message per failure: the service's error name, the input, what to check. */
function explain(error, keyId) {
    if (error instanceof _remote_js__WEBPACK_IMPORTED_MODULE_1__/* .KeySourceError */ .r5)
        return error;
    const e = error;
    const name = e.name ?? 'Error';
    const said = `${name}: ${(e.message ?? String(error)).split(/\r?\n/)[0]}`;
    const hint = name === 'AccessDeniedException'
        ? `the identity may not call kms:Sign on ${keyId}; allow it in the key policy or the role's policy`
        : name === 'NotFoundException'
            ? `check aws-kms-key (${keyId}) and the region`
            : name === 'DisabledException' || name === 'KMSInvalidStateException'
                ? `key ${keyId} is disabled or pending deletion; enable it`
                : name === 'InvalidKeyUsageException'
                    ? `key ${keyId} is not a SIGN_VERIFY key, or does not take this algorithm`
                    : name === 'CredentialsProviderError'
                        ? 'no AWS credentials: use aws-actions/configure-aws-credentials (GitHub OIDC) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
                        : name === 'UnrecognizedClientException' || name === 'InvalidSignatureException'
                            ? 'the AWS credentials were refused; check them and the region'
                            : name === 'ThrottlingException' || name === 'TimeoutError' || name === 'AbortError'
                                ? 'KMS is throttling or not answering after several tries; lower concurrency or try again later'
                                : 'check aws-kms-key and the AWS credentials';
    return new _remote_js__WEBPACK_IMPORTED_MODULE_1__/* .KeySourceError */ .r5(`${SERVICE}: signing a digest failed (${said}): ${hint}`);
}


/***/ }),

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

//# sourceMappingURL=683.index.js.map