#!/usr/bin/env node
// kubectl plugin entry: `kubectl packetwalk diagnose …` (kubectl finds kubectl-packetwalk on PATH).
import { run } from './run.mjs';

await run({ asKubectlPlugin: true });
