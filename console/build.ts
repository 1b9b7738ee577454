/**
 * Builds the web console into `dist/console/`: one ES module bundle (Preact and the pages, minified)
 * and the style sheet. Run by `npm run build` and `prepare`, so `npm install` leaves a console that
 * works offline; the server reads the files from there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Writes through a temporary file and a rename: a server (or a parallel build) never reads half a file. */
function writeAtomic(file: string, contents: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

export async function buildConsole(outDir = path.join(root, 'dist', 'console')): Promise<string> {
  fs.mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(root, 'console', 'app', 'main.tsx')],
    outfile: path.join(outDir, 'console.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
    write: false,
  });
  for (const out of result.outputFiles) writeAtomic(out.path, out.contents);
  writeAtomic(
    path.join(outDir, 'console.css'),
    fs.readFileSync(path.join(root, 'console', 'app', 'console.css')),
  );
  return outDir;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildConsole();
}
