// The pure half of StepText (components/StepText.tsx): a next step's text and the commands between its backticks.

/** The parts of `text` between backticks (odd indexes) and outside them (even); an unpaired backtick stays text. */
export function stepParts(text: string): { code: boolean; text: string }[] {
  const pieces = text.split('`');
  if (pieces.length % 2 === 0) return [{ code: false, text }]; // an odd number of backticks: no pairing to trust
  return pieces.map((t, i) => ({ code: i % 2 === 1, text: t })).filter((p) => p.text !== '');
}
