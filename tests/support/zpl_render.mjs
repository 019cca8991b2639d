// Renders every ^XA..^XZ label of a ZPL file to PNG with zpl-renderer-js (Zebrash in WebAssembly),
// an independent renderer: argv = <zpl file> <width mm> <height mm> <dots per mm> <out dir>.
//
// Runs on Debian's Node 18 as well as on Node 20+. The package's `main` is ES module code in a
// .js file (only Node >= 20.19 detects that), so zpl_render.py copies its ES build beside this
// script as zpl-renderer-js.mjs; and its Go WebAssembly runtime needs globalThis.crypto, a global
// only from Node 19 on, when the module is evaluated: hence the dynamic import after the polyfill.
import { webcrypto } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

globalThis.crypto ??= webcrypto;
const { ready } = await import("./zpl-renderer-js.mjs");
const [zplPath, widthMm, heightMm, dpmm, outDir] = process.argv.slice(2);
const { api } = await ready;
const labels = await api.zplToBase64MultipleAsync(
  fs.readFileSync(zplPath, "ascii"), Number(widthMm), Number(heightMm), Number(dpmm));
labels.forEach((b64, i) => fs.writeFileSync(path.join(outDir, `${String(i).padStart(6, "0")}.png`), Buffer.from(b64, "base64")));
process.exit(0);
