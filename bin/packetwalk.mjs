#!/usr/bin/env node
// The packetwalk CLI: the prebuilt bundle when it is current (bin/freshness.mjs), else the TypeScript sources
// through tsx, so a checkout works with or without `node scripts/build-cli.mjs` having run.
import { cliModule } from './freshness.mjs';

const cli = cliModule();
if (!cli.bundled) (await import('tsx/esm/api')).register();
const { main } = await import(cli.url);
process.exitCode = await main(process.argv.slice(2));
