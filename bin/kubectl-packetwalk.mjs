#!/usr/bin/env node
// kubectl plugin entry: `kubectl packetwalk diagnose …` (kubectl finds kubectl-packetwalk on PATH).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../server/cli.ts');
process.exitCode = await main(process.argv.slice(2), { asKubectlPlugin: true });
