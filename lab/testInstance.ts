// A lab instance name for one test run: the file's prefix plus random letters up to the 6-character limit,
// so two runs of the same test file (a developer's and a CI rehearsal's) never share a lab.
export function testInstance(prefix: string): string {
  const room = 6 - prefix.length;
  let tail = '';
  while (tail.length < room) tail += Math.random().toString(36).slice(2);
  return prefix + tail.slice(0, room);
}
