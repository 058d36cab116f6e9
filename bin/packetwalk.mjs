#!/usr/bin/env node
// The packetwalk CLI: the prebuilt bundle when it is current (bin/freshness.mjs), else the TypeScript sources
// through tsx, so a checkout works with or without `node scripts/build-cli.mjs` having run.
import { run } from './run.mjs';

await run();
