#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so there is no build step to
// remember; the single-file executable bundles the same sources with esbuild instead.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
