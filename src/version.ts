/** The release version, read once from package.json (bundled by esbuild into the executable). */
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
