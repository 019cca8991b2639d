// Renders every ^XA..^XZ label of a ZPL file to PNG with zpl-renderer-js (Zebrash in WebAssembly),
// an independent renderer: argv = <zpl file> <width mm> <height mm> <dots per mm> <out dir>.
import fs from "node:fs";
import path from "node:path";
import { ready } from "zpl-renderer-js";

const [zplPath, widthMm, heightMm, dpmm, outDir] = process.argv.slice(2);
const { api } = await ready;
const labels = await api.zplToBase64MultipleAsync(
  fs.readFileSync(zplPath, "ascii"), Number(widthMm), Number(heightMm), Number(dpmm));
labels.forEach((b64, i) => fs.writeFileSync(path.join(outDir, `${String(i).padStart(6, "0")}.png`), Buffer.from(b64, "base64")));
process.exit(0);
