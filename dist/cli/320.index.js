export const id = 320;
export const ids = [320];
export const modules = {

/***/ 2320:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   RT_MANIFEST: () => (/* binding */ RT_MANIFEST),
/* harmony export */   RT_VERSION: () => (/* binding */ RT_VERSION),
/* harmony export */   readResourceFacts: () => (/* binding */ readResourceFacts),
/* harmony export */   stampImage: () => (/* binding */ stampImage)
/* harmony export */ });
/* harmony import */ var resedit__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3155);
/* harmony import */ var _versioninfo_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1991);


/**
 * Writes a VERSIONINFO, an application manifest and optionally an icon into a PE image, with resedit
 * (npm `resedit`, which builds the resource tree and the VS_VERSIONINFO blocks). Everything else in the
 * file keeps its bytes: resedit appends a new .rsrc section after the last one and changes only the
 * headers (section count, image size, resource data directory).
 *
 * resedit refuses images whose COFF header points at a symbol table, and Go's linker always writes one
 * (in a `.symtab` section, or after the sections): the header fields are cleared for resedit and put
 * back, moved to where the table lies in the new file. Go's build info sits in `.data`, untouched, so
 * `go version -m` reads it as before.
 */
const RT_VERSION = 16;
const RT_MANIFEST = 24;
/** CREATEPROCESS_MANIFEST_RESOURCE_ID for executables, ISOLATIONAWARE_MANIFEST_RESOURCE_ID for DLLs. */
const MANIFEST_ID_EXE = 1;
const MANIFEST_ID_DLL = 2;
const LANG_EN_US = 1033;
/** Unicode (UTF-16LE) string tables, as rc.exe writes them. */
const CODEPAGE_UNICODE = 1200;
const IMAGE_FILE_DLL = 0x2000;
const SECURITY_DIRECTORY = 4;
function readHeaders(image) {
    if (image.length < 0x40 || image.toString('latin1', 0, 2) !== 'MZ')
        return undefined;
    const peOffset = image.readUInt32LE(0x3c);
    if (peOffset + 24 > image.length || image.toString('latin1', peOffset, peOffset + 4) !== 'PE\0\0')
        return undefined;
    const fileHeader = peOffset + 4;
    const optional = fileHeader + 20;
    const magic = image.readUInt16LE(optional);
    if (magic !== 0x10b && magic !== 0x20b)
        return undefined;
    const dataDirectory = optional + (magic === 0x20b ? 112 : 96);
    if (dataDirectory + 16 * 8 > image.length)
        return undefined;
    return {
        peOffset,
        fileHeader,
        dataDirectory,
        certOffset: image.readUInt32LE(dataDirectory + SECURITY_DIRECTORY * 8),
        certSize: image.readUInt32LE(dataDirectory + SECURITY_DIRECTORY * 8 + 4),
        symbolPointer: image.readUInt32LE(fileHeader + 8),
        symbolCount: image.readUInt32LE(fileHeader + 12),
        dll: (image.readUInt16LE(fileHeader + 18) & IMAGE_FILE_DLL) !== 0,
    };
}
/** Parses the image for resedit: symbol-table fields cleared, signature cut off when asked. */
function openImage(original, dropSignature) {
    const headers = readHeaders(original);
    if (!headers)
        return { reason: 'not a PE file (no MZ/PE headers)' };
    let image = Buffer.from(original);
    if (headers.certSize > 0) {
        if (!dropSignature)
            return {
                reason: 'it is signed, and stamping removes the signature; stamp it before signing, or sign it in the same run',
            };
        image = image.subarray(0, headers.certOffset);
        image.writeUInt32LE(0, headers.dataDirectory + SECURITY_DIRECTORY * 8);
        image.writeUInt32LE(0, headers.dataDirectory + SECURITY_DIRECTORY * 8 + 4);
    }
    image.writeUInt32LE(0, headers.fileHeader + 8);
    image.writeUInt32LE(0, headers.fileHeader + 12);
    try {
        return { exe: resedit__WEBPACK_IMPORTED_MODULE_0__/* .NtExecutable */ .PE.from(image), headers };
    }
    catch (error) {
        return { reason: `resedit cannot read it: ${error instanceof Error ? error.message : String(error)}` };
    }
}
/** Signature and resource facts, read the same way stamping reads the file. */
function readResourceFacts(image) {
    const opened = openImage(image, true);
    if ('reason' in opened)
        return undefined;
    const types = resedit__WEBPACK_IMPORTED_MODULE_0__/* .NtExecutableResource */ .vA.from(opened.exe).entries.map((e) => e.type);
    return {
        signed: opened.headers.certSize > 0,
        versionInfo: types.includes(RT_VERSION),
        manifest: types.includes(RT_MANIFEST),
        icon: types.includes(3) || types.includes(14),
    };
}
function stampImage(original, input) {
    const opened = openImage(original, input.dropSignature);
    if ('reason' in opened)
        return { ok: false, reason: opened.reason };
    const { exe, headers } = opened;
    const before = exe.getAllSections().map((s) => ({ ...s.info }));
    const extraBefore = exe.getExtraData()?.byteLength ?? 0;
    const extraStart = before.reduce((end, s) => Math.max(end, s.pointerToRawData + s.sizeOfRawData), 0);
    const res = resedit__WEBPACK_IMPORTED_MODULE_0__/* .NtExecutableResource */ .vA.from(exe);
    const added = [];
    const hasVersion = res.entries.some((e) => e.type === RT_VERSION);
    if (!hasVersion || input.replaceVersion) {
        res.entries = res.entries.filter((e) => e.type !== RT_VERSION);
        versionResource(input).outputToResourceEntries(res.entries);
        added.push('version');
    }
    if (!res.entries.some((e) => e.type === RT_MANIFEST)) {
        res.entries.push({
            type: RT_MANIFEST,
            id: headers.dll ? MANIFEST_ID_DLL : MANIFEST_ID_EXE,
            lang: LANG_EN_US,
            codepage: 0,
            bin: new TextEncoder().encode((0,_versioninfo_js__WEBPACK_IMPORTED_MODULE_1__/* .applicationManifest */ .G6)()).buffer,
        });
        added.push('manifest');
    }
    if (input.icon && !res.entries.some((e) => e.type === 14)) {
        let icons;
        try {
            icons = resedit__WEBPACK_IMPORTED_MODULE_0__/* .Data.IconFile */ .B_.g6.from(input.icon);
        }
        catch (error) {
            return { ok: false, reason: `the icon is not an .ico file: ${String(error)}` };
        }
        resedit__WEBPACK_IMPORTED_MODULE_0__/* .Resource.IconGroupEntry */ .FW.rH.replaceIconsForResource(res.entries, 1, LANG_EN_US, icons.icons.map((i) => i.data));
        added.push('icon');
    }
    if (added.length === 0)
        return { ok: false, reason: 'it already has a version resource and a manifest' };
    res.outputResource(exe);
    const bytes = Buffer.from(exe.generate());
    if (headers.symbolCount > 0 || headers.symbolPointer > 0) {
        const pointer = movedSymbolPointer(headers.symbolPointer, before, exe, {
            start: extraStart,
            size: extraBefore,
            newStart: bytes.length - (exe.getExtraData()?.byteLength ?? 0),
        });
        bytes.writeUInt32LE(pointer, headers.fileHeader + 8);
        bytes.writeUInt32LE(headers.symbolCount, headers.fileHeader + 12);
    }
    return { ok: true, bytes, added };
}
/** Where the COFF symbol table lies after resedit rewrote the file: same section and offset, or moved extra data. */
function movedSymbolPointer(pointer, before, exe, extra) {
    const index = before.findIndex((s) => pointer >= s.pointerToRawData && pointer < s.pointerToRawData + s.sizeOfRawData);
    const section = index >= 0 ? before[index] : undefined;
    if (section) {
        const now = exe.getAllSections().find((s) => s.info.name === section.name);
        if (now)
            return now.info.pointerToRawData + (pointer - section.pointerToRawData);
    }
    if (extra.size > 0 && pointer >= extra.start)
        return extra.newStart + (pointer - extra.start);
    return pointer;
}
function versionResource(input) {
    const info = resedit__WEBPACK_IMPORTED_MODULE_0__/* .Resource.VersionInfo */ .FW.B9.createEmpty();
    info.lang = LANG_EN_US;
    const language = { lang: LANG_EN_US, codepage: CODEPAGE_UNICODE };
    const file = (0,_versioninfo_js__WEBPACK_IMPORTED_MODULE_1__/* .parseVersion */ .ot)(input.version.fileVersion ?? input.version.productVersion ?? '0.0.0');
    const product = (0,_versioninfo_js__WEBPACK_IMPORTED_MODULE_1__/* .parseVersion */ .ot)(input.version.productVersion ?? input.version.fileVersion ?? '0.0.0');
    if (file) {
        info.setFileVersion(...file.parts, LANG_EN_US);
        info.setStringValue(language, 'FileVersion', file.text);
    }
    if (product) {
        info.setProductVersion(...product.parts, LANG_EN_US);
        info.setStringValue(language, 'ProductVersion', product.text);
    }
    const strings = {
        ProductName: baseName(input.fileName),
        FileDescription: baseName(input.fileName),
        OriginalFilename: input.fileName,
        InternalName: baseName(input.fileName),
        ...input.version.strings,
    };
    info.setStringValues(language, strings);
    return info;
}
const baseName = (fileName) => fileName.replace(/\.[^.]+$/, '');


/***/ })

};

//# sourceMappingURL=320.index.js.map