'use client';
// The verdict in one line, the first failure in one sentence with what its hop observed, the next step an expert
// would take and the command that reproduces it (as the CLI's report prints them), warnings with theirs.
// Handles: data-verdict, data-cause (first failure's cause, empty when none) — DESIGN §4.
import type { Diagnosis } from '../lib/model';
import { CAUSES, WARNING_CAUSES, isCauseCode, nextStepFor } from '../lib/causes';
import { VERDICT_LOOK } from './statusStyles';
import { ClusterText } from './ClusterText';
import { CopyButton } from './CopyButton';
import { StepText } from './StepText';
import { firstFailureShown } from '../lib/verdict/reproduce';

function causeTitle(c: string): string {
  return isCauseCode(c) ? CAUSES[c].title : c in WARNING_CAUSES ? WARNING_CAUSES[c as keyof typeof WARNING_CAUSES].title : c;
}

export function VerdictBanner({ d }: { d: Diagnosis }) {
  const look = VERDICT_LOOK[d.verdict];
  const ff = d.firstFailure;
  const done = d.hops.filter((h) => h.status !== 'pending' && h.status !== 'running').length;
  // what the first failure's hop observed, and the one probe that shows it (the CLI's evidence: and reproduce: lines)
  const { observed, reproduce: repro, lead } = firstFailureShown(d);
  return (
    <section
      data-testid="verdict-banner"
      data-verdict={d.verdict}
      data-cause={ff?.cause ?? ''}
      aria-live="polite"
      className={`min-h-[136px] rounded-xl border-l-8 px-5 py-3 ${look.banner}`}
    >
      <div className="flex flex-wrap items-baseline gap-x-4">
        <h2 className="text-2xl font-bold">{look.word}</h2>
        {d.verdict === 'running' ? (
          <span className="text-sm">
            {done} of {d.hops.length || '…'} hops probed
          </span>
        ) : (
          <span className="text-sm opacity-80">depth: {d.depth === 'live' ? 'live probes' : 'config only (no exec permission)'}</span>
        )}
      </div>
      {ff ? (
        <div className="mt-1">
          {lead ? (
            <p className="text-base" data-testid="verdict-lead">
              <ClusterText value={`${lead.charAt(0).toUpperCase()}${lead.slice(1)}.`} max={1000} />
            </p>
          ) : null}
          <p className="text-base" data-testid="first-failure">
            <span className="font-semibold">{causeTitle(ff.cause)}</span> at hop <span className="font-mono">{ff.hop}</span>: <ClusterText value={ff.reason} max={1000} />
          </p>
          {observed ? (
            <p className="mt-1 text-sm" data-testid="first-failure-evidence">
              <span className="font-semibold">Evidence: </span>
              <ClusterText value={observed} max={1000} />
            </p>
          ) : null}
          <p className="mt-1 text-sm">
            <span className="font-semibold">Next step: </span>
            <StepText text={ff.nextStep ?? nextStepFor(ff.cause)} />
          </p>
          {repro?.reproduce ? (
            <div className="mt-1 flex items-start gap-2 text-sm" data-testid="first-failure-reproduce">
              <span className="shrink-0 font-semibold">Reproduce: </span>
              <code className="min-w-0 flex-1 rounded bg-black/10 px-1 font-mono text-[0.92em] dark:bg-white/10">
                <ClusterText value={repro.reproduce} max={2000} />
              </code>
              <CopyButton text={repro.reproduce} label="Copy the command that reproduces the failure" />
            </div>
          ) : null}
        </div>
      ) : d.summary ? (
        <p className="mt-1 text-base"><ClusterText value={d.summary} max={1000} /></p>
      ) : d.verdict === 'reachable' ? (
        <p className="mt-1 text-base">Every hop on the path passed.</p>
      ) : null}
      {d.warnings.length ? (
        <ul className="mt-2 space-y-0.5 text-sm" data-testid="warnings">
          {d.warnings.map((w, i) => (
            <li key={`${w.hop}-${w.cause}-${i}`}>
              <span aria-hidden>⚠ </span>
              <span className="font-semibold">{causeTitle(w.cause)}</span> ({w.hop}): <ClusterText value={w.reason} max={1000} />
              {w.nextStep ? (
                <>
                  {' '}
                  — <StepText text={w.nextStep} />
                </>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
