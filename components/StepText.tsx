// A next step as the page shows it: the engine writes commands and names between backticks (`kubectl get svc -n
// shop`), as the terminal and the Markdown bundle read them; here they become <code>, the rest plain text. Every
// part may carry cluster text (a Service's name), so each goes through ClusterText (escaped, bidi-isolated).
import { ClusterText } from './ClusterText';
import { stepParts } from './stepParts';

export function StepText({ text }: { text: string }) {
  return (
    <>
      {stepParts(text).map((p, i) =>
        p.code ? (
          <code key={i} className="rounded bg-black/10 px-1 font-mono text-[0.92em] dark:bg-white/10">
            <ClusterText value={p.text} max={1000} />
          </code>
        ) : (
          <ClusterText key={i} value={p.text} max={2000} />
        ),
      )}
    </>
  );
}
