/** How the CLI reports problems to a person: a headline, one line per problem, a pointer. */
import { isHoldgateError } from '../errors.js';

export function printConfigError(err: unknown, headline: string): number {
  if (isHoldgateError(err)) {
    console.error(`${headline}: ${err.message} [${err.code}]`);
    for (const line of err.details) console.error(`  - ${line}`);
    console.error('See README.md, "Configuration", for every setting and its default.');
    return 2;
  }
  throw err;
}
