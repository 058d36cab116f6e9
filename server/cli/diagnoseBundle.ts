// Entry of the diagnose command's CommonJS bundle (dist/cli/diagnose.cjs, scripts/build-cli.mjs). The engine is
// imported here at once, not on first use as server/cli/diagnose.ts does from the sources, so that its top level
// runs while the build writes the bundle's V8 code cache and the cache holds the engine's compiled code too.
import '../diagnose';

export { diagnoseMain } from './diagnose';
