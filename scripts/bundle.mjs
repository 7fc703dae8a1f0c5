// Bundles the action (dist/index.js) and the CLI (dist/cli.js) as ESM for Node 24.
// dockerode loads .proto files next to its own sources at run time, so they are copied beside
// the bundle; cpu-features and ssh2's optional crypto binding are native and stay external
// (both are optional: ssh2 falls back to pure JavaScript).
import { build } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';

const banner = [
  "import { createRequire as __isgCreateRequire } from 'node:module';",
  "import { fileURLToPath as __isgFileURLToPath } from 'node:url';",
  "import { dirname as __isgDirname } from 'node:path';",
  'const require = __isgCreateRequire(import.meta.url);',
  'const __filename = __isgFileURLToPath(import.meta.url);',
  'const __dirname = __isgDirname(__filename);',
].join('\n');

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: { index: 'src/index.ts', cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  // Chunks sit beside the entries so `__dirname` (for dockerode's .proto files) is dist/.
  chunkNames: '[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['cpu-features', '*.node'],
  banner: { js: banner },
  legalComments: 'linked',
  logLevel: 'warning',
  sourcemap: false,
});
await mkdir('dist/proto', { recursive: true });
await cp('node_modules/dockerode/lib/proto', 'dist/proto', { recursive: true });
