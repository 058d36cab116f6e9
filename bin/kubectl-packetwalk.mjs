#!/usr/bin/env node
// kubectl plugin entry: `kubectl packetwalk diagnose …` (kubectl finds kubectl-packetwalk on PATH).
import { cliModule } from './freshness.mjs';

const cli = cliModule();
if (!cli.bundled) (await import('tsx/esm/api')).register();
const { main } = await import(cli.url);
process.exitCode = await main(process.argv.slice(2), { asKubectlPlugin: true });
