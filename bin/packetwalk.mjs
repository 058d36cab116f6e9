#!/usr/bin/env node
// The packetwalk CLI. Sources are TypeScript, loaded through tsx so a checkout needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../server/cli.ts');
process.exitCode = await main(process.argv.slice(2));
