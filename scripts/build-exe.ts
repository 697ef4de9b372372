// `npm run build:exe`: the single-file executable for linux-x64 (runs with no Node.js and
// no node_modules). esbuild bundles src/main.ts into one CommonJS file; Node's
// single-executable support turns it into a blob with the native SQLite addon as an asset;
// postject injects the blob into a copy of this Node binary. Offline throughout.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);
const started = Date.now();
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await build({
  entryPoints: [join(root, 'src/main.ts')],
  outfile: join(dist, 'holdgate.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    {
      // ws tries these optional native speed-ups inside try/catch; in the executable such a
      // require() only prints a warning, so they are bundled as modules that throw.
      name: 'absent-optional-addons',
      setup(b) {
        b.onResolve({ filter: /^(bufferutil|utf-8-validate)$/ }, (a) => ({
          path: a.path,
          namespace: 'absent',
        }));
        b.onLoad({ filter: /.*/, namespace: 'absent' }, (a) => ({
          contents: `throw new Error('${a.path} is not in the executable');`,
        }));
      },
    },
  ],
});

const addon = join(
  dirname(require.resolve('better-sqlite3/package.json')),
  'build/Release/better_sqlite3.node',
);
const seaConfig = join(dist, 'sea-config.json');
writeFileSync(
  seaConfig,
  JSON.stringify({
    main: join(dist, 'holdgate.cjs'),
    output: join(dist, 'holdgate.blob'),
    disableExperimentalSEAWarning: true,
    assets: { 'better_sqlite3.node': addon },
  }),
);
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });
const exe = join(dist, 'holdgate');
copyFileSync(process.execPath, exe);
execFileSync(
  join(root, 'node_modules/.bin/postject'),
  [
    exe,
    'NODE_SEA_BLOB',
    join(dist, 'holdgate.blob'),
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ],
  { stdio: 'inherit' },
);
console.log(
  `built ${exe}: ${(statSync(exe).size / 2 ** 20).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s (Node ${process.version}, linux-${process.arch})`,
);
