export const id = 253;
export const ids = [253];
export const modules = {

/***/ 9253:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  DETECTIONS_REPORTED_STATE_KEY: () => (/* binding */ DETECTIONS_REPORTED_STATE_KEY),
  DETECTIONS_SINCE_STATE_KEY: () => (/* binding */ DETECTIONS_SINCE_STATE_KEY),
  FALSE_POSITIVE_SUBMISSION_URL: () => (/* reexport */ FALSE_POSITIVE_SUBMISSION_URL),
  READ_DETECTIONS_SCRIPT: () => (/* binding */ READ_DETECTIONS_SCRIPT),
  classifyRelevance: () => (/* reexport */ classifyRelevance),
  collectDetections: () => (/* binding */ collectDetections),
  decodeDetectionsFile: () => (/* binding */ decodeDetectionsFile),
  detectionWindowStart: () => (/* binding */ detectionWindowStart),
  isGoTool: () => (/* reexport */ isGoTool),
  parseDetectionsFile: () => (/* binding */ parseDetectionsFile),
  readDetections: () => (/* binding */ readDetections),
  rememberDetectionWindowStart: () => (/* binding */ rememberDetectionWindowStart)
});

// EXTERNAL MODULE: ./src/platform/powershell.ts
var powershell = __webpack_require__(1022);
// EXTERNAL MODULE: ./src/platform/psjson.ts
var psjson = __webpack_require__(1796);
// EXTERNAL MODULE: ./src/platform/state.ts
var state = __webpack_require__(4062);
// EXTERNAL MODULE: ./src/report/note.ts
var note = __webpack_require__(1860);
// EXTERNAL MODULE: ./node_modules/fast-xml-parser/src/xmlparser/XMLParser.js + 26 modules
var XMLParser = __webpack_require__(9658);
// EXTERNAL MODULE: ./node_modules/fast-xml-parser/src/fxp.js
var fxp = __webpack_require__(5824);
;// CONCATENATED MODULE: ./src/defender/enums.ts
/**
 * Defender enumerations by MpClient.h (the WMI class pages get some values wrong). Values outside these
 * tables occur in real output: enumName from psjson keeps them as "unknown (N)".
 */
const DETECTION_SOURCE = {
    0: 'Unknown',
    1: 'User',
    2: 'System',
    3: 'Real-time protection',
    4: 'Downloads and attachments (IOAV)',
    5: 'Network inspection (NRI)',
    7: 'Early launch (ELAM)',
    8: 'Local attestation',
    9: 'Remote attestation',
};
const EXECUTION_STATUS = {
    0: 'Unknown',
    1: 'Blocked',
    2: 'Allowed',
    3: 'Executing',
    4: 'Not executing',
};
/** MPTHREAT_ACTION */
const CLEANING_ACTION = {
    1: 'Clean',
    2: 'Quarantine',
    3: 'Remove',
    6: 'Allow',
    8: 'User defined',
    9: 'No action',
    10: 'Block',
};
/** MPTHREAT_STATUS */
const THREAT_STATUS = {
    0: 'Unknown',
    1: 'Detected',
    2: 'Cleaned',
    3: 'Quarantined',
    4: 'Removed',
    5: 'Allowed',
    6: 'Blocked',
    102: 'Clean failed',
    103: 'Quarantine failed',
    104: 'Remove failed',
    105: 'Allow failed',
    106: 'Abandoned',
    107: 'Block failed',
};
const SEVERITY = {
    0: 'Unknown',
    1: 'Low',
    2: 'Moderate',
    4: 'High',
    5: 'Severe',
};
/** MPTHREAT_CATEGORY */
const CATEGORY = {
    1: 'Adware',
    2: 'Spyware',
    3: 'Password stealer',
    4: 'Trojan downloader',
    5: 'Worm',
    6: 'Backdoor',
    7: 'Remote access trojan',
    8: 'Trojan',
    9: 'Email flooder',
    10: 'Keylogger',
    11: 'Dialer',
    12: 'Monitoring software',
    13: 'Browser modifier',
    14: 'Cookie',
    15: 'Browser plugin',
    16: 'AOL exploit',
    17: 'Nuker',
    18: 'Security disabler',
    19: 'Joke program',
    20: 'Hostile ActiveX control',
    21: 'Software bundler',
    22: 'Stealth notifier',
    23: 'Settings modifier',
    24: 'Toolbar',
    25: 'Remote control software',
    26: 'Trojan FTP',
    27: 'Potentially unwanted software',
    28: 'ICQ exploit',
    29: 'Trojan telnet',
    30: 'Exploit',
    31: 'File sharing program',
    32: 'Malware creation tool',
    33: 'Remote control software',
    34: 'Tool',
    36: 'Trojan denial of service',
    37: 'Trojan dropper',
    38: 'Trojan mass mailer',
    39: 'Trojan monitoring software',
    40: 'Trojan proxy server',
    42: 'Virus',
    43: 'Known',
    44: 'Unknown',
    45: 'SPP',
    46: 'Behavior',
    47: 'Vulnerability',
    48: 'Policy',
    49: 'Enterprise unwanted software',
    50: 'Ransomware',
    51: 'ASR rule',
};

;// CONCATENATED MODULE: ./src/defender/merge.ts
/** Detection IDs arrive as "{GUID}" from both sources, in either case; compare them in one form. */
function normalizeDetectionId(id) {
    const bare = id
        .trim()
        .replace(/^\{|\}$/g, '')
        .toUpperCase();
    return bare ? `{${bare}}` : '';
}
/** Which source wins a field both have: the cmdlet (current state) first, then later events over earlier. */
const ORIGIN_RANK = {
    'Get-MpThreatDetection': 0,
    'event 1119': 1,
    'event 1118': 2,
    'event 1117': 3,
    'event 1116': 4,
};
const rank = (d) => Math.min(...d.origins.map((o) => ORIGIN_RANK[o]));
/**
 * One detection per detection ID across sources: fields are taken from the best source that has them,
 * resources are united (by their raw text), origins listed. Detections without an ID are kept as they are.
 */
function mergeDetections(detections) {
    const byId = new Map();
    const loose = [];
    for (const d of detections) {
        const id = normalizeDetectionId(d.id);
        if (!id)
            loose.push(d);
        else
            byId.set(id, [...(byId.get(id) ?? []), { ...d, id }]);
    }
    const merged = [...byId.values()].map((group) => {
        const ordered = [...group].sort((a, b) => rank(a) - rank(b));
        const out = { id: ordered[0].id, resources: [], origins: [] };
        for (const d of ordered) {
            for (const [key, value] of Object.entries(d)) {
                if (key === 'resources' || key === 'origins' || value === undefined)
                    continue;
                if (out[key] === undefined)
                    out[key] = value;
            }
            for (const r of d.resources)
                if (!out.resources.some((x) => x.raw.toLowerCase() === r.raw.toLowerCase()))
                    out.resources.push(r);
            for (const o of d.origins)
                if (!out.origins.includes(o))
                    out.origins.push(o);
        }
        // The earliest time is when it was first detected.
        const times = group
            .map((d) => d.time)
            .filter((t) => !!t)
            .sort();
        if (times[0])
            out.time = times[0];
        return out;
    });
    return [...merged, ...loose].sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
}

;// CONCATENATED MODULE: ./src/defender/resources.ts

const KINDS = ['file', 'containerfile', 'webfile', 'amsi', 'regkeyvalue', 'process'];
const PREFIX = /^([a-z]+):_/i;
/**
 * One Defender resource string: `file:_C:\x.exe`, `containerfile:_C:\a.zip`, `file:_C:\a.zip->inner.exe`,
 * `webfile:_C:\dl.exe|https://host/dl.exe|pid:123,ProcessStart:456`, `process:_pid:123,ProcessStart:456`.
 */
function parseResource(raw) {
    const text = raw.trim();
    const prefix = PREFIX.exec(text);
    const named = prefix?.[1]?.toLowerCase() ?? '';
    const kind = KINDS.includes(named) ? named : 'other';
    let rest = prefix ? text.slice(prefix[0].length) : text;
    const resource = { kind, path: rest, raw: text };
    if (kind === 'webfile') {
        const [file = '', url, ...more] = rest.split('|');
        rest = file;
        if (url)
            resource.url = url;
        const pid = (0,psjson/* asInteger */.JU)(/(?:^|,)pid:(\d+)/i.exec(more.join('|'))?.[1]);
        if (pid !== undefined)
            resource.pid = pid;
    }
    if (kind === 'process') {
        const pid = (0,psjson/* asInteger */.JU)(/(?:^|,)pid:(\d+)/i.exec(rest)?.[1]);
        if (pid !== undefined)
            resource.pid = pid;
        // process:_ carries a pid, sometimes followed by the image path; keep whatever path there is.
        rest = rest.replace(/^pid:\d+(?:,ProcessStart:\d+)?,?/i, '');
    }
    // An archive member: the first `->` separates the archive from the (possibly nested) member.
    const arrow = rest.indexOf('->');
    if (arrow > 0 && kind !== 'regkeyvalue') {
        resource.archiveMember = rest.slice(arrow + 2);
        rest = rest.slice(0, arrow);
    }
    resource.path = rest;
    return resource;
}
/** Event 1116/1117 `Path` joins resources with "; "; split only where a new `kind:_` begins. */
function parseResourceList(joined) {
    return joined
        .split(/;\s*(?=[a-z]+:_)/i)
        .map((s) => s.trim())
        .filter(Boolean)
        .map(parseResource);
}
/** Resources that name a place on disk (what relevance and annotations can use). */
function isFileResource(resource) {
    return (resource.kind === 'file' ||
        resource.kind === 'containerfile' ||
        resource.kind === 'webfile' ||
        (resource.kind === 'other' && /^[a-z]:\\|^\\\\/i.test(resource.path)));
}

;// CONCATENATED MODULE: ./src/defender/threatjson.ts




/** Get-MpThreat rows by ThreatID (as text: sint64 IDs may arrive as numbers or strings). */
function threatsById(threats) {
    const map = new Map();
    for (const t of (0,psjson/* asArray */._j)(threats)) {
        const id = (0,psjson/* asString */.oJ)(t?.ThreatID);
        if (id !== undefined)
            map.set(id, t);
    }
    return map;
}
/** Is this row from Get-MpThreatDetection (it has a DetectionID)? */
const isDetectionRow = (row) => !!row && typeof row === 'object' && 'DetectionID' in row;
/** Is this row from Get-MpThreat (a ThreatName, no DetectionID)? */
const isThreatRow = (row) => !!row && typeof row === 'object' && 'ThreatName' in row && !('DetectionID' in row);
/**
 * Get-MpThreatDetection rows (PowerShell 5.1 or 7, bare object, array or {"value":[...],"Count":n}) joined
 * to Get-MpThreat rows on ThreatID, since the detection itself has no threat name.
 */
function detectionsFromCmdlets(detectionRows, threatRows) {
    const threats = threatsById(threatRows);
    return (0,psjson/* asArray */._j)(detectionRows)
        .filter(isDetectionRow)
        .map((row) => {
        const threat = threats.get((0,psjson/* asString */.oJ)(row.ThreatID) ?? '') ?? {};
        const d = {
            id: normalizeDetectionId((0,psjson/* asString */.oJ)(row.DetectionID) ?? ''),
            resources: (0,psjson/* asStrings */.P7)(row.Resources).map(parseResource),
            origins: ['Get-MpThreatDetection'],
        };
        set(d, 'time', (0,psjson/* parsePsDate */.NM)(row.InitialDetectionTime));
        set(d, 'lastChange', (0,psjson/* parsePsDate */.NM)(row.LastThreatStatusChangeTime));
        set(d, 'threatId', (0,psjson/* asInteger */.JU)(row.ThreatID));
        set(d, 'threatName', (0,psjson/* asString */.oJ)(threat.ThreatName ?? row.ThreatName));
        set(d, 'severity', (0,psjson/* enumName */.$U)(SEVERITY, threat.SeverityID ?? row.SeverityID));
        set(d, 'category', (0,psjson/* enumName */.$U)(CATEGORY, threat.CategoryID ?? row.CategoryID));
        set(d, 'action', (0,psjson/* enumName */.$U)(CLEANING_ACTION, row.CleaningActionID));
        set(d, 'status', (0,psjson/* enumName */.$U)(THREAT_STATUS, row.ThreatStatusID));
        set(d, 'source', (0,psjson/* enumName */.$U)(DETECTION_SOURCE, row.DetectionSourceTypeID));
        set(d, 'process', meaningful((0,psjson/* asString */.oJ)(row.ProcessName)));
        set(d, 'user', meaningful((0,psjson/* asString */.oJ)(row.DomainUser)));
        return d;
    });
}
/** "Unknown" and empty strings say nothing; leave the field out instead. */
function meaningful(value) {
    const v = value?.trim();
    return v && v.toLowerCase() !== 'unknown' ? v : undefined;
}
function set(d, key, value) {
    if (value !== undefined && value !== '')
        d[key] = value;
}

;// CONCATENATED MODULE: ./src/defender/eventxml.ts






const DEFENDER_PROVIDER = 'Microsoft-Windows-Windows Defender';
const DETECTION_EVENTS = [1116, 1117, 1118, 1119];
/** How each detection event reads as a status when the cmdlet has none. */
const EVENT_STATUS = {
    1116: 'Detected',
    1117: 'Action taken',
    1118: 'Action failed',
    1119: 'Action failed (critical)',
};
const UNRESOLVED_INSERT = /^%%\d+$/;
class EventXmlError extends Error {
}
const parser = new XMLParser/* default */.A({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    removeNSPrefix: true,
    isArray: (name) => name === 'Event' || name === 'Data',
});
/**
 * Defender event XML in any of its saved forms: one `Get-WinEvent ... .ToXml()` string (single-quoted
 * attributes), `wevtutil qe ... /f:xml` output (several <Event> elements and no root, double quotes), or
 * the same under an <Events> root. EventData is read by Name, so UnusedN elements may come and go.
 */
function parseEventXml(xml) {
    const body = xml.replace(/^\uFEFF/, '').replace(/<\?xml[^>]*\?>/g, '');
    const wrapped = `<GoAvGuardEvents>${body}</GoAvGuardEvents>`;
    const valid = fxp/* XMLValidator */.iI.validate(wrapped);
    if (valid !== true) {
        throw new EventXmlError(`the event XML is incomplete or damaged (line ${valid.err.line}: ${valid.err.msg})`);
    }
    const events = findEvents(parser.parse(wrapped));
    const out = { detections: [], events: [], total: events.length, defender: 0 };
    for (const event of events) {
        const system = (event.System ?? {});
        const provider = attr(system.Provider, 'Name');
        if (provider && provider !== DEFENDER_PROVIDER)
            continue;
        const id = (0,psjson/* asInteger */.JU)(eventxml_text(system.EventID));
        if (!provider && !(id !== undefined && [...DETECTION_EVENTS, 5001, 5007].includes(id)))
            continue;
        out.defender++;
        const data = eventData(event);
        const time = (0,psjson/* parsePsDate */.NM)(attr(system.TimeCreated, 'SystemTime'));
        if (id === 1116 || id === 1117 || id === 1118 || id === 1119)
            out.detections.push(detectionFromEvent(id, data, time));
        else if (id === 5001)
            out.events.push({ id, ...(time ? { time } : {}), message: 'Real-time protection was disabled.' });
        else if (id === 5007)
            out.events.push(configurationChange(data, time));
    }
    return out;
}
/** <Event> elements at any depth (bare, under <Events>, or both in one concatenated file). */
function findEvents(node) {
    if (!node || typeof node !== 'object')
        return [];
    return Object.entries(node).flatMap(([key, child]) => {
        if (key === 'Event')
            return Array.isArray(child) ? child : [];
        if (key.startsWith('@_') || key === '#text')
            return [];
        return Array.isArray(child) ? child.flatMap(findEvents) : findEvents(child);
    });
}
function eventxml_text(node) {
    if (node === undefined || node === null)
        return undefined;
    if (typeof node === 'string' || typeof node === 'number')
        return String(node);
    if (typeof node === 'object' && '#text' in node)
        return String(node['#text']);
    return typeof node === 'object' ? '' : undefined;
}
function attr(node, name) {
    if (!node || typeof node !== 'object')
        return undefined;
    const value = node[`@_${name}`];
    return typeof value === 'string' ? value : undefined;
}
/** EventData as Name -> value; elements without a Name (never seen from Defender) are skipped. */
function eventData(event) {
    const map = new Map();
    const data = (event.EventData ?? {}).Data;
    for (const item of Array.isArray(data) ? data : []) {
        const name = attr(item, 'Name');
        if (name)
            map.set(name.toLowerCase(), (eventxml_text(item) ?? '').trim());
    }
    return map;
}
function detectionFromEvent(id, data, created) {
    const get = (name) => meaningful(data.get(name.toLowerCase()));
    // Older platforms (4.18.1906) store names as unresolved message inserts ("%%809"): the ID beside
    // them says the same through the documented tables; an insert with no usable ID is kept, marked.
    const named = (field, table) => {
        const text = get(`${field} Name`);
        if (text !== undefined && !UNRESOLVED_INSERT.test(text))
            return text;
        const byId = get(`${field} ID`) === undefined ? undefined : (0,psjson/* enumName */.$U)(table, get(`${field} ID`));
        return byId ?? (text === undefined ? undefined : `unknown (${text})`);
    };
    const d = {
        id: normalizeDetectionId(data.get('detection id') ?? ''),
        resources: parseResourceList(data.get('path') ?? ''),
        origins: [`event ${id}`],
    };
    set(d, 'time', (0,psjson/* parsePsDate */.NM)(get('Detection Time')) ?? created);
    set(d, 'threatName', get('Threat Name'));
    set(d, 'threatId', (0,psjson/* asInteger */.JU)(get('Threat ID')));
    set(d, 'severity', named('Severity', SEVERITY));
    set(d, 'category', named('Category', CATEGORY));
    set(d, 'source', named('Source', DETECTION_SOURCE));
    set(d, 'process', get('Process Name'));
    set(d, 'user', get('Detection User'));
    if (id !== 1116)
        set(d, 'action', named('Action', CLEANING_ACTION));
    const failed = id === 1118 || id === 1119 ? get('Error Description') : undefined;
    set(d, 'status', failed ? `${EVENT_STATUS[id]}: ${failed}` : EVENT_STATUS[id]);
    return d;
}
const EXCLUSION_KEY = /\\Exclusions\\(Paths|Processes|Extensions)\\(.+?)(?:\s*=\s*0x[0-9a-f]+)?\s*$/i;
/** 5007: a setting changed. An exclusion shows as HKLM\...\Exclusions\Paths\<value> = 0x0 in New or Old Value. */
function configurationChange(data, time) {
    const oldValue = data.get('old value') ?? '';
    const newValue = data.get('new value') ?? '';
    const event = {
        id: 5007,
        ...(time ? { time } : {}),
        message: `Defender configuration changed: ${oldValue || '(none)'} -> ${newValue || '(none)'}`,
        ...(oldValue ? { oldValue } : {}),
        ...(newValue ? { newValue } : {}),
    };
    const match = EXCLUSION_KEY.exec(newValue) ?? EXCLUSION_KEY.exec(oldValue);
    if (match) {
        const kinds = { paths: 'path', processes: 'process', extensions: 'extension' };
        const kind = kinds[match[1].toLowerCase()];
        const change = EXCLUSION_KEY.test(newValue) ? 'added' : 'removed';
        event.exclusion = { kind, value: match[2], change };
        event.message = `Defender ${kind} exclusion ${change}: ${match[2]}`;
    }
    return event;
}

// EXTERNAL MODULE: ./src/defender/psfragments.ts
var psfragments = __webpack_require__(2437);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./src/defender/paths.ts
var paths = __webpack_require__(9599);
// EXTERNAL MODULE: ./src/defender/plan.ts
var plan = __webpack_require__(3568);
;// CONCATENATED MODULE: ./src/defender/relevance.ts




const FALSE_POSITIVE_SUBMISSION_URL = 'https://www.microsoft.com/wdsi/filesubmission';
/** The folders that make a detection this job's business, each with the words the user knows it by. */
function rootsOf(ctx) {
    const roots = [];
    const add = (p, label, place) => {
        if (p && p !== 'off')
            roots.push({ path: p, label, place });
    };
    const go = ctx.go;
    add(ctx.goTmpDir, 'the Go build temp dir', 'ci');
    add(go?.gotmpdir, 'GOTMPDIR', 'ci');
    add(go?.gocache, 'GOCACHE', 'ci');
    add(go?.gomodcache, 'GOMODCACHE', 'ci');
    add(go?.goroot, 'GOROOT', 'ci');
    for (const p of (go?.gopath ?? '').split(';'))
        add(p, 'GOPATH', 'ci');
    add(ctx.workspace, 'the workspace', 'workspace');
    add(ctx.runnerTemp, 'RUNNER_TEMP', 'ci');
    // The deepest folder names the place best (GOMODCACHE rather than GOPATH).
    return roots.sort((a, b) => (0,paths/* normalizeWindowsPath */.U8)(b.path).length - (0,paths/* normalizeWindowsPath */.U8)(a.path).length);
}
function whyRelevant(d, ctx, roots) {
    const files = ctx.files.map((f) => ({ file: f, norm: (0,paths/* normalizeWindowsPath */.U8)(f) }));
    for (const resource of d.resources.filter(isFileResource)) {
        const p = resource.path;
        const file = files.find((f) => f.norm === (0,paths/* normalizeWindowsPath */.U8)(p));
        if (file)
            return {
                because: `it flagged ${p}, a file this run built, signed or analysed`,
                place: 'file',
                path: p,
            };
    }
    for (const resource of d.resources.filter(isFileResource)) {
        const p = resource.path;
        const root = roots.find((r) => (0,paths/* windowsPathCovers */.VG)(r.path, p));
        if (root)
            return {
                because: `it flagged ${p}, in ${root.label} (${root.path})`,
                place: root.place,
                path: p,
                folder: root.path,
            };
        // go build and go test write under %TEMP%\go-build<digits>\ when GOTMPDIR is unset.
        const goBuild = /^(.*?\\go-build\d+)\\/i.exec(p.replace(/\//g, '\\'));
        if (goBuild?.[1]) {
            const folder = goBuild[1];
            return {
                because: `it flagged ${p}, a binary go build or go test wrote to its temp folder`,
                place: 'ci',
                path: p,
                folder,
            };
        }
    }
    const process = d.process;
    if (process && isGoTool(process, ctx.go)) {
        return { because: `it was raised while the Go tool ${process} ran`, place: 'tool', path: process };
    }
    if (process) {
        const root = roots.find((r) => (0,paths/* windowsPathCovers */.VG)(r.path, process));
        if (root)
            return {
                because: `it was raised while ${process} ran, from ${root.label}`,
                place: root.place,
                path: process,
            };
    }
    return undefined;
}
/** go.exe, or one of the compile/link/... tools under GOROOT\pkg\tool\<os_arch>\ (not MSVC's link.exe). */
function isGoTool(processPath, go) {
    const p = (0,paths/* normalizeWindowsPath */.U8)(processPath);
    const name = external_node_path_default().win32.basename(p).replace(/\.exe$/, '');
    if (go?.goroot &&
        (0,paths/* windowsPathCovers */.VG)(external_node_path_default().win32.join(go.goroot, 'bin'), p) &&
        (name === 'go' || name === 'gofmt'))
        return true;
    if (name === 'go' && /\\go\\bin\\go\.exe$/.test(p))
        return true;
    return plan/* GO_TOOLS */.pD.includes(name) && /\\pkg\\tool\\[^\\]+_[^\\]+\\[^\\]+$/.test(p);
}
function adviceFor(d, reason) {
    const parts = [];
    const name = d.threatName ?? '';
    if (/eicar/i.test(name)) {
        parts.push('This is the EICAR test file, harmless by design: expected only where it was planted on purpose.');
    }
    else if (/!ml\b/i.test(name)) {
        parts.push(`"!ml" marks a machine-learning verdict, common for new, unsigned Go binaries and often a false positive.`);
    }
    if (reason.place === 'ci' || reason.place === 'tool') {
        const what = reason.place === 'tool' ? `the process ${reason.path}` : `${reason.folder ?? reason.path}`;
        parts.push(`On a CI machine, exclude ${what} from Defender for the job (go-av-guard exclusions: true, or exclusion-${reason.place === 'tool' ? 'processes' : 'paths'}).`);
    }
    if (reason.place === 'file' || reason.place === 'workspace') {
        parts.push('For a binary you release: sign it (Authenticode with an RFC 3161 timestamp) and give it a version resource (company, product, description); both lower the false-positive risk.');
    }
    if (!/eicar/i.test(name)) {
        parts.push(`If the file is clean, submit it to Microsoft as a false positive: ${FALSE_POSITIVE_SUBMISSION_URL}`);
    }
    return parts.join(' ');
}
/**
 * Splits detections into those that touch this job (the Go toolchain and caches, the Go temp dir, the
 * workspace, RUNNER_TEMP, the files this run made, or a Go tool process) and the other ones on the machine.
 * Each relevant one gets why it matters and what to do. Pure.
 */
function classifyRelevance(detections, ctx) {
    const roots = rootsOf(ctx);
    const relevant = [];
    const other = [];
    for (const d of detections) {
        const reason = whyRelevant(d, ctx, roots);
        if (!reason) {
            other.push(d);
            continue;
        }
        relevant.push({
            ...d,
            relevantBecause: reason.because,
            advice: adviceFor(d, reason),
            ...(reason.path && reason.place !== 'tool' ? { relevantPath: reason.path } : {}),
        });
    }
    return { relevant, other };
}

// EXTERNAL MODULE: ./src/defender/readback.ts
var readback = __webpack_require__(4000);
;// CONCATENATED MODULE: ./src/defender/detections.ts











/** State key: when the main step started (ISO 8601), the start of the detection window for main and post. */
const DETECTIONS_SINCE_STATE_KEY = 'go-av-guard-detections-since';
/** State key: detection IDs the main step already reported, so the post step reports only new ones. */
const DETECTIONS_REPORTED_STATE_KEY = 'go-av-guard-detections-reported';
/**
 * One PowerShell start: Get-MpThreatDetection since the window start (with a few minutes of slack; the
 * exact cut is made in TypeScript), the Get-MpThreat rows for their ThreatIDs (joined in TypeScript), and
 * the Defender Operational events as .ToXml() strings. Each source is caught on its own.
 * Input: { SinceMs: <epoch milliseconds> } (a number, so neither PowerShell reads it as a local date).
 */
const READ_DETECTIONS_SCRIPT = psfragments/* PS_ERROR_INFO */.it +
    String.raw `
$epoch = [datetime]::SpecifyKind([datetime]'1970-01-01T00:00:00', 'Utc')
$since = $epoch.AddMilliseconds([double]$In.SinceMs).AddMinutes(-5)
$out = [ordered]@{ Detections = @(); Threats = @(); Events = @() }
try {
  $out.Detections = @(Get-MpThreatDetection | Where-Object {
      ($_.InitialDetectionTime -and $_.InitialDetectionTime.ToUniversalTime() -ge $since) -or
      ($_.LastThreatStatusChangeTime -and $_.LastThreatStatusChangeTime.ToUniversalTime() -ge $since) } |
    Select-Object DetectionID, ThreatID, ProcessName, DomainUser, DetectionSourceTypeID, Resources,
      InitialDetectionTime, LastThreatStatusChangeTime, RemediationTime, CurrentThreatExecutionStatusID,
      ThreatStatusID, ThreatStatusErrorCode, CleaningActionID, AMProductVersion, ActionSuccess)
} catch { $out.DetectionError = Get-ErrorInfo $_ }
if ($out.Detections.Count -gt 0) {
  try {
    $ids = @($out.Detections | ForEach-Object { $_.ThreatID })
    $out.Threats = @(Get-MpThreat | Where-Object { $ids -contains $_.ThreatID } |
      Select-Object ThreatID, ThreatName, SeverityID, CategoryID, TypeID)
  } catch { $out.ThreatError = Get-ErrorInfo $_ }
}
try {
  $filter = @{ LogName = 'Microsoft-Windows-Windows Defender/Operational'; Id = 1116, 1117, 1118, 1119, 5001, 5007; StartTime = $since }
  $out.Events = @(Get-WinEvent -FilterHashtable $filter -MaxEvents 500 -ErrorAction Stop | ForEach-Object { $_.ToXml() })
} catch {
  if ($_.FullyQualifiedErrorId -match 'NoMatchingEventsFound') { $out.Events = @() }
  else { $out.EventError = Get-ErrorInfo $_ }
}
$out
`;
/** Live detections since `since`, from the cmdlets and the event log, in one PowerShell start. */
async function readDetections(since, deps) {
    if (deps.platform !== 'win32') {
        return {
            detections: [],
            events: [],
            available: false,
            reason: `Defender detections can be read live on Windows only (this is ${deps.platform}); go-av-guard detections --from-file reads saved ones anywhere`,
        };
    }
    let data;
    try {
        data = ((await (0,powershell/* runPowerShell */.N5)(deps.run, READ_DETECTIONS_SCRIPT, { SinceMs: since.getTime() })) ??
            {});
    }
    catch (error) {
        return {
            detections: [],
            events: [],
            available: false,
            reason: error instanceof Error ? error.message : String(error),
        };
    }
    const problems = [];
    const cmdletError = (0,readback/* describeDefenderError */.NB)(data.DetectionError);
    const threatError = (0,readback/* describeDefenderError */.NB)(data.ThreatError);
    const eventError = (0,readback/* describeDefenderError */.NB)(data.EventError);
    if (cmdletError)
        problems.push(`Get-MpThreatDetection failed: ${cmdletError}`);
    if (threatError)
        problems.push(`Get-MpThreat failed (threat names may be missing): ${threatError}`);
    if (eventError)
        problems.push(`the Defender event log could not be read: ${eventError}`);
    const detections = detectionsFromCmdlets(data.Detections, data.Threats);
    const events = [];
    for (const xml of (0,psjson/* asStrings */.P7)(data.Events)) {
        try {
            const parsed = parseEventXml(xml);
            detections.push(...parsed.detections);
            events.push(...parsed.events);
        }
        catch (error) {
            problems.push(`an event could not be read: ${error instanceof Error ? error.message : String(error)}`);
        }
    }
    const bothFailed = !!cmdletError && !!eventError;
    return {
        detections: mergeDetections(detections),
        events: events.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '')),
        available: !bothFailed,
        ...(problems.length ? { reason: problems.join('; ') } : {}),
    };
}
const EXPECTED = 'expected saved Get-MpThreatDetection / Get-MpThreat JSON (ConvertTo-Json) or Defender event XML (wevtutil qe "Microsoft-Windows-Windows Defender/Operational" /f:xml, or Get-WinEvent ... | ForEach-Object { $_.ToXml() })';
/**
 * Files saved on a developer's machine: cmdlet JSON (PowerShell 5.1 or 7, one object, an array or the
 * {"value":[...],"Count":n} wrapping; Get-MpThreatDetection and Get-MpThreat rows may be mixed) or event
 * XML. Throws one Error with a clear message for an empty, truncated or foreign file.
 */
function parseDetectionsFile(content) {
    const text = content.replace(/^\uFEFF/, '').trim();
    if (text === '')
        throw new Error(`The file is empty: ${EXPECTED}.`);
    if (text.includes('\u0000')) {
        throw new Error('The file looks like UTF-16 text read as UTF-8: decode it with decodeDetectionsFile first, or save it as UTF-8.');
    }
    if (text.startsWith('<'))
        return parseXmlFile(text);
    if (text.startsWith('{') || text.startsWith('['))
        return parseJsonFile(text);
    throw new Error(`This is not a Defender detections file: ${EXPECTED}.`);
}
/** Windows PowerShell 5.1 `>` writes UTF-16LE with a BOM; everything else is UTF-8. */
function decodeDetectionsFile(bytes) {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buffer[0] === 0xff && buffer[1] === 0xfe)
        return buffer.subarray(2).toString('utf16le');
    if (buffer[0] === 0xfe && buffer[1] === 0xff)
        return Buffer.from(buffer.subarray(2)).swap16().toString('utf16le');
    return buffer.toString('utf8');
}
function parseXmlFile(text) {
    let parsed;
    try {
        parsed = parseEventXml(text);
    }
    catch (error) {
        if (error instanceof EventXmlError)
            throw new Error(`The file cannot be read: ${error.message}. Save it again in full.`, { cause: error });
        throw error;
    }
    if (parsed.defender === 0) {
        const seen = parsed.total === 0 ? 'no <Event> elements' : `${parsed.total} event(s), none from Microsoft Defender`;
        throw new Error(`This XML holds ${seen}: ${EXPECTED}.`);
    }
    return { detections: mergeDetections(parsed.detections), events: parsed.events };
}
function parseJsonFile(text) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new Error(`The file cannot be read: the JSON is incomplete or damaged (${why}). Save it again in full.`, { cause: error });
    }
    // Our own script's output ({Detections, Threats, Events}) saved as is.
    if (data &&
        typeof data === 'object' &&
        !Array.isArray(data) &&
        ('Detections' in data || 'Events' in data)) {
        const saved = data;
        const detections = detectionsFromCmdlets(saved.Detections, saved.Threats);
        const events = [];
        for (const xml of (0,psjson/* asStrings */.P7)(saved.Events)) {
            const p = parseXmlFile(xml);
            detections.push(...p.detections);
            events.push(...p.events);
        }
        return { detections: mergeDetections(detections), events };
    }
    const rows = (0,psjson/* asArray */._j)(data);
    const detectionRows = rows.filter(isDetectionRow);
    const threatRows = rows.filter(isThreatRow);
    if (rows.length > 0 && detectionRows.length === 0 && threatRows.length === 0) {
        throw new Error(`This JSON holds no Defender detections (no DetectionID or ThreatName fields): ${EXPECTED}.`);
    }
    if (detectionRows.length === 0) {
        // Get-MpThreat alone: one detection-like entry per threat, so a saved threat list still reads.
        return { detections: threatRows.map(threatOnly), events: [] };
    }
    return { detections: mergeDetections(detectionsFromCmdlets(detectionRows, threatRows)), events: [] };
}
function threatOnly(row) {
    const [d] = detectionsFromCmdlets([{ ...row, DetectionID: '' }], [row]);
    return { ...d, origins: [] };
}
/** A detection is in the window when it was first seen, or last changed, at or after `since`. */
function inWindow(time, since) {
    return time !== undefined && Date.parse(time) >= since.getTime();
}
/**
 * Reads detections since `since`, keeps those in the window, splits them into this job's and the rest,
 * and turns 5001/5007 during the job into notes. The post step skips what main already reported.
 */
async function collectDetections(phase, since, ctx, deps) {
    const until = deps.now();
    const report = {
        phase,
        since: since.toISOString(),
        until: until.toISOString(),
        available: false,
        relevant: [],
        other: [],
        events: [],
        notes: [],
    };
    const read = await readDetections(since, deps);
    report.available = read.available;
    if (read.reason)
        report.reason = read.reason;
    if (!read.available) {
        if (deps.platform === 'win32')
            report.notes.push((0,note/* warning */.$e)(`Defender detections could not be read: ${read.reason ?? 'no answer'}.`));
        return report;
    }
    if (read.reason)
        report.notes.push((0,note/* warning */.$e)(`Defender detections may be incomplete: ${read.reason}.`));
    let detections = read.detections.filter((d) => inWindow(d.time, since) || inWindow(d.lastChange, since) || !d.time);
    const reported = new Set((0,state/* readJsonState */.Al)(deps.state, DETECTIONS_REPORTED_STATE_KEY, []));
    if (phase === 'post' && reported.size > 0) {
        const before = detections.length;
        detections = detections.filter((d) => !reported.has(d.id));
        if (before > detections.length)
            report.notes.push((0,note/* info */.pq)(`${before - detections.length} detection(s) were already reported by the main step.`));
    }
    if (phase === 'main')
        (0,state/* writeJsonState */.ru)(deps.state, DETECTIONS_REPORTED_STATE_KEY, detections.map((d) => d.id).filter(Boolean));
    const split = classifyRelevance(detections, ctx);
    report.relevant = split.relevant;
    report.other = split.other;
    report.events = read.events.filter((e) => !e.time || Date.parse(e.time) >= since.getTime());
    report.notes.push(...eventNotes(report.events));
    return report;
}
/** 5001 during the job is worth a warning; 5007 (go-av-guard's own exclusions included) an info line. */
function eventNotes(events) {
    return events.map((e) => e.id === 5001
        ? (0,note/* warning */.$e)(`Defender real-time protection was disabled during the job${e.time ? ` (${e.time})` : ''}.`)
        : (0,note/* info */.pq)(`${e.message}${e.time ? ` (${e.time})` : ''}`));
}
/** Remembers when the main step started, for the detection window of main and post. */
function rememberDetectionWindowStart(deps) {
    const start = deps.now();
    deps.state.set(DETECTIONS_SINCE_STATE_KEY, start.toISOString());
    return start;
}
/** When the main step started, from state; `fallback` when it was not recorded or is damaged. */
function detectionWindowStart(deps, fallback) {
    const parsed = Date.parse(deps.state.get(DETECTIONS_SINCE_STATE_KEY));
    return Number.isNaN(parsed) ? fallback : new Date(parsed);
}


/***/ })

};

//# sourceMappingURL=253.index.js.map