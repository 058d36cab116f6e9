/* eslint-disable no-control-regex -- these tests are about control bytes */
// Cluster text with control bytes, bidi overrides, markup and 10,000-character tokens (issue 10), through every
// human output: lib/text itself, `diagnose`'s report and live lines, the matrix table as the CLI prints it,
// the real `packetwalk` process (lab status, usage errors), and bundle.md rendered by a real CommonMark renderer
// that passes HTML (markdown-it with html: true).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { capTokens, hasUnsafeText, termBlock, termText } from '../../lib/text';
import type { Diagnosis } from '../../lib/model';
import { renderHuman } from './diagnose';
import { LiveHops } from './progress';
import { bundleMarkdown, codeSpan, fence, mdText } from '../web/bundle';

const ROOT = join(import.meta.dirname, '..', '..');
const fixture = JSON.parse(readFileSync(join(ROOT, 'lib/graph/fixtures/cross-node-mtu.json'), 'utf8')) as Diagnosis;

/** One of each kind of hostile text a cluster object can carry. */
const PAYLOADS = [
  'clear\x1b[2J\x1b[H', // ESC sequences: clear screen, cursor home
  'title\x1b]0;pwned\x07', // OSC: set the window title, BEL
  'bell\x07\x07', // BEL
  'c1\u009b31m\u0085', // C1 CSI and NEL
  'rtl\u202Egnp.exe', // RIGHT-TO-LEFT OVERRIDE
  'iso\u2066x\u2069\u202A\u202B\u202C\u202D', // isolates and embeddings
  'marks\u200F\u200E\u061C', // RLM/LRM/ALM
  'ls\u2028ps\u2029', // line/paragraph separators
  'cr\rover',
  'nul\x00del\x7f',
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '[click](javascript:alert(1))',
  '```\n<img src=y onerror=alert(2)>\n```',
  '~~~~\n<b>x</b>',
  '| a | b |',
  'x'.repeat(10_000),
];
const HOSTILE = PAYLOADS.join(' ');

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]/;

/** The fixture with hostile text in every cluster-provided string the outputs show. */
function hostile(): Diagnosis {
  const d = structuredClone(fixture);
  d.spec = { ...d.spec, from: `shop/${HOSTILE}`, to: `${HOSTILE}:80` };
  d.cluster = HOSTILE;
  d.summary = HOSTILE;
  d.hops = d.hops.map((h) => ({
    ...h,
    label: `${h.label} ${HOSTILE}`,
    summary: `${h.summary} ${HOSTILE}`,
    ...(h.node ? { node: `${h.node}${HOSTILE}` } : {}),
    evidence: h.evidence.map((e) => ({ ...e, where: `${e.where} ${HOSTILE}`, finding: HOSTILE, stdout: `${e.stdout}\n${HOSTILE}`, stderr: HOSTILE, reproduce: `${e.reproduce} ${HOSTILE}` })),
  }));
  if (d.firstFailure) d.firstFailure = { ...d.firstFailure, reason: HOSTILE, nextStep: HOSTILE };
  d.warnings = [...d.warnings, { ...(d.warnings[0] ?? { hop: d.hops[0].id, cause: 'ndots-amplification' }), reason: HOSTILE } as unknown as Diagnosis['warnings'][number]];
  return d;
}

function assertTerminalSafe(text: string, maxToken = 4000): void {
  expect(text).not.toMatch(CONTROL);
  expect(text).not.toMatch(BIDI);
  for (const tok of text.split(/\s+/)) expect(Array.from(tok).length).toBeLessThanOrEqual(maxToken);
}

describe('lib/text', () => {
  it('every control, C1, bidi and separator character becomes a visible escape', () => {
    for (const p of PAYLOADS.slice(0, 10)) {
      const t = termText(p);
      expect(t, JSON.stringify(p)).not.toMatch(CONTROL);
      expect(t).not.toMatch(BIDI);
      expect(t).not.toMatch(/\n/);
      expect(hasUnsafeText(p)).toBe(true);
      expect(hasUnsafeText(t)).toBe(false);
    }
    expect(termText('title\x1b]0;pwned\x07')).toBe('title\\x1b]0;pwned\\x07');
    expect(termText('rtl\u202Egnp.exe')).toBe('rtl\\u202egnp.exe');
    expect(termText('a\nb')).toBe('a\\nb');
    expect(termBlock('a\nb\tc\rd\x1b')).toBe('a\nb\tc\\rd\\x1b');
    expect(termText('plain shop/frontend-0 → backend.shop:80 ünïcödé')).toBe('plain shop/frontend-0 → backend.shop:80 ünïcödé');
  });
  it('tokens longer than the cap end with an ellipsis, counted in code points', () => {
    expect(termText('x'.repeat(10_000))).toBe(`${'x'.repeat(199)}…`);
    expect(capTokens('a bbbbbb c', 4)).toBe('a bbb… c');
    expect(capTokens('😀'.repeat(5), 3)).toBe('😀😀…');
    expect(termText('short words stay')).toBe('short words stay');
  });
});

describe('diagnose human output', () => {
  it('the final report carries no control or bidi byte and no token over 200 characters', () => {
    const text = renderHuman(hostile(), false);
    assertTerminalSafe(text, 202); // a capped token of 200 plus the brackets around a node name
    expect(text).toContain('title\\x1b]0;pwned\\x07');
    expect(text).toContain('rtl\\u202egnp.exe');
    expect(text).toContain(`${'x'.repeat(199)}…`);
  });
  it('with colour on, the only ESC bytes are our own SGR colour codes', () => {
    const text = renderHuman(hostile(), true);
    const withoutSgr = text.replace(/\x1b\[[0-9;]*m/g, '');
    assertTerminalSafe(withoutSgr, 202);
    expect(text).not.toMatch(/\x1b\[2J|\x1b\]0;/);
  });
  it('the live lines sanitize through the same function', () => {
    let out = '';
    const live = new LiveHops({ write: (s) => (out += s), columns: 120 }, termText);
    const d = hostile();
    live.onEvent({ type: 'diagnosis:plan', payload: { id: d.id, diagnosis: d } });
    live.stop();
    const ours = out.replace(/\x1b\[[0-9;]*[mAKJ]/g, '').replace(/\r/g, '');
    assertTerminalSafe(ours, 200);
    expect(out).not.toMatch(/\x1b\]0;|\x1b\[2J/);
  });
});

describe('the packetwalk process', { timeout: 60_000 }, () => {
  const bin = join(ROOT, 'bin', 'packetwalk.mjs');
  it('lab status prints hostile lab-file/state text escaped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-hostile-'));
    try {
      const state = {
        version: 1, instance: 'hx', labDir: dir, createdAt: new Date().toISOString(),
        cluster: { nodes: [{}], overlay: 'vxlan', kubeProxy: 'iptables', networkPolicy: 'enforce', podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12' },
        nodes: [{ name: `worker\x1b]0;pwned\x07`, internalIP: '10.0.0.1', podCIDR: '10.244.1.0/24', netns: 'hx-node' }],
        pods: [{ namespace: 'shop', name: `web\u202Egnp.exe${'y'.repeat(10_000)}`, ip: '10.244.1.2', node: 'worker', hostVeth: 'v1', hostNetwork: false }],
        faults: [], objects: [], resourceVersion: 1, daemons: { 'dns\x1b[2J': 999999 },
      };
      writeFileSync(join(dir, 'state.json'), JSON.stringify(state));
      const r = spawnSync(process.execPath, [bin, 'lab', 'status'], { env: { ...process.env, PACKETWALK_LAB_DIR: dir, PACKETWALK_LAB: 'hx' }, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      assertTerminalSafe(r.stdout);
      expect(r.stdout).toContain('worker\\x1b]0;pwned\\x07');
      expect(r.stdout).toContain('web\\u202egnp.exe');
      expect(r.stdout).toContain('dns\\x1b[2J');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('usage errors echo argv escaped (unknown command, bad --from)', () => {
    const r1 = spawnSync(process.execPath, [bin, 'x\x1b]0;pwned\x07'], { encoding: 'utf8', timeout: 60_000 });
    expect(r1.status).toBe(2);
    assertTerminalSafe(r1.stderr);
    expect(r1.stderr).toContain('unknown command "x\\x1b]0;pwned\\x07"');
    const r2 = spawnSync(process.execPath, [bin, 'lab', 'frob\u202Ex'], { encoding: 'utf8', timeout: 60_000 });
    assertTerminalSafe(r2.stderr);
    expect(r2.stderr).toContain('frob\\u202ex');
    const r3 = spawnSync(process.execPath, [bin, 'diagnose', '--from', 'a\x1b[2Jb/c\x07', '--to', 'x:80', '--kubeconfig', '/nonexistent/kc'], { encoding: 'utf8', timeout: 60_000 });
    expect(r3.status).toBe(2);
    assertTerminalSafe(r3.stderr);
    for (const argv of [['diagnose', '--b\x1b]0;pwned\x07gus'], ['matrix', '--b\x1b[2Jgus'], ['serve', '--p\u202Eort'], ['lab', 'up', '--config', '/nonexistent/\x1b[2J.yaml']]) {
      const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, argv.join(' ')).toBe(2);
      assertTerminalSafe(r.stderr);
      assertTerminalSafe(r.stdout);
    }
  });
});

describe('bundle.md', () => {
  const md = new MarkdownIt({ html: true, linkify: true });
  it('no cluster string becomes markup under a renderer that passes HTML', () => {
    const text = bundleMarkdown(hostile(), 'http://127.0.0.1:3000/d/abc');
    const html = md.render(text);
    expect(html).not.toMatch(/<img|<script|<b>|<a href="javascript/i);
    // the Hops table keeps 4 cells per row: a '|' in cluster text does not add one
    const rows = html.split('<tr>').slice(2);
    expect(rows.length).toBe(fixture.hops.length);
    for (const r of rows) expect(r.match(/<td>/g)?.length).toBe(4);
    // the hostile text is still there to read, as text
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // and the file itself is terminal-safe for `cat`
    expect(text).not.toMatch(CONTROL);
    expect(text).not.toMatch(BIDI);
  });
  it('fences are longer than any backtick run inside; code spans too', () => {
    for (const body of ['```', '````\nx\n````', 'a `b` ``c``', '~~~']) {
      const f = fence(body);
      const html = md.render(`${f}\n\n<img src=z onerror=alert(3)>`.replace('<img src=z onerror=alert(3)>', 'after'));
      expect(html.match(/<pre>/g)?.length, body).toBe(1);
      expect(html).toContain('<p>after</p>');
    }
    const html = md.render(`x ${codeSpan('a``<img src=q onerror=1>``b')} y`);
    expect(html).not.toMatch(/<img/);
    expect(md.render(codeSpan('`x`'))).toContain('<code>`x`</code>');
  });
  it('inline text escapes everything that could open markup', () => {
    for (const p of PAYLOADS) {
      const html = md.render(`- item ${mdText(p)}`);
      expect(html, JSON.stringify(p)).not.toMatch(/<img|<script|<b>|<a |<em>|<strong>|<code>|<pre>/);
    }
    // real names stay readable
    expect(mdText('shop/frontend-0')).toBe('shop/frontend-0');
  });
});
