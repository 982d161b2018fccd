export const id = 251;
export const ids = [251];
export const modules = {

/***/ 7632:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   exitWhenWritten: () => (/* binding */ exitWhenWritten)
/* harmony export */ });
async function exitWhenWritten(code, streams = [process.stdout, process.stderr], exit = (c) => process.exit(c)) {
    await Promise.all(streams.map((stream) => new Promise((resolve) => {
        // The callback runs when this empty write, and so every write before it, is done (or failed).
        stream.write('', () => resolve());
    })));
    exit(code);
}


/***/ })

};

//# sourceMappingURL=251.index.js.map