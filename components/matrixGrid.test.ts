// The matrix page's grid and the wall's tile as a browser gets them (react-dom/server), on a matrix recorded on the lab
// (lib/matrix/fixtures/shop-db.live-partial.json: the e2e lab with node-firewall-drop on worker-2 port 8080, so the
// Service shop/backend answers through backend-1 and not through backend-0 from most sources). A partial cell has its
// own state, the CLI's mark as text, its words in the label and the failing endpoints in its title; a dead Service's
// cell stays a plain disagreement; cluster text stays text.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { PARTIAL_MARK, PARTIAL_WORDS, type Matrix } from '../lib/matrix';
import { MatrixGrid } from './MatrixGrid';
import { MatrixTile } from './MatrixWallTiles';

const m: Matrix = { ...(JSON.parse(readFileSync(fileURLToPath(new URL('../lib/matrix/fixtures/shop-db.live-partial.json', import.meta.url)), 'utf8')) as { matrix: Matrix }).matrix, status: 'done' };
const grid = (x: Matrix) => renderToStaticMarkup(createElement(MatrixGrid, { matrix: x, onOpen: () => undefined }));
const unescape = (s: string) => s.replaceAll('&#x27;', "'").replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

/** The opening tag and text of one element carrying data-from/data-to (a grid button or a tile square). */
function cellHtml(html: string, from: string, to: string): { tag: string; text: string } {
  const at = html.indexOf(`data-from="${from}" data-to="${to}"`);
  if (at < 0) throw new Error(`no cell ${from} → ${to}`);
  const start = html.lastIndexOf('<', at);
  const end = html.indexOf('>', at);
  const close = html.indexOf('</', end);
  return { tag: unescape(html.slice(start, end + 1)), text: html.slice(end + 1, close) };
}
const attr = (tag: string, name: string) => new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1];

describe('the grid marks a partial cell apart', () => {
  const html = grid(m);
  it('partial: its own state, the CLI mark as text, its words in the label, the endpoints in the title', () => {
    const { tag, text } = cellHtml(html, 'shop/frontend-0', 'svc:shop/backend:80');
    expect(attr(tag, 'data-state')).toBe('partial');
    expect(attr(tag, 'data-observed')).toBe('timeout');
    expect(attr(tag, 'data-agree')).toBe('false');
    expect(text).toBe(PARTIAL_MARK);
    expect(attr(tag, 'aria-label')).toBe(`shop/frontend-0 to svc:shop/backend:80: ${PARTIAL_WORDS}`);
    expect(attr(tag, 'title')).toContain('partial: 1 of 2 endpoints does not answer: 10.244.2.2:8080 (shop/backend-0) timeout; answering: 10.244.1.4:8080 (shop/backend-1)');
    expect(attr(tag, 'class')).toContain('bg-amber-400');
  });
  it('a Service dead from its source, and a pod cell, stay plain disagreements', () => {
    for (const [from, to] of [['db/postgres-0', 'svc:shop/backend:80'], ['shop/frontend-0', 'pod:shop/backend-0:8080']]) {
      const { tag, text } = cellHtml(html, from, to);
      expect([from, to, attr(tag, 'data-state'), text]).toEqual([from, to, 'disagree', '!']);
      expect(attr(tag, 'title')).not.toContain('partial');
    }
  });
  it('a partial self cell (backend-0 through its own Service) keeps both marks', () => {
    const { tag, text } = cellHtml(html, 'shop/backend-0', 'svc:shop/backend:80');
    expect(attr(tag, 'data-state')).toBe('partial');
    expect(attr(tag, 'data-self')).toBe('hairpin');
    expect(text).toContain(PARTIAL_MARK);
  });
  it('the row and column counts say how many are partial', () => {
    const row = /data-testid="matrix-row" data-source="shop\/frontend-0"[\s\S]*?data-testid="matrix-row-count"([^>]*)>([\s\S]*?)<\/td>/.exec(html)!;
    expect(attr(row[1], 'data-partial')).toBe('1');
    expect(row[2].replace(/<[^>]+>/g, '').replace(/<!-- -->/g, '')).toBe('1 of 5 open, 1 partial');
    const col = /data-testid="matrix-col-count" data-target="svc:shop\/backend:80"([^>]*)>([\s\S]*?)<\/td>/.exec(html)!;
    expect(attr(col[1], 'data-partial')).toBe('1');
    // "0/2" over "1 !PT" (a block line under it)
    expect(unescape(col[2].replace(/<[^>]+>/g, ''))).toBe(`0/21 ${PARTIAL_MARK}`);
  });
  it('cluster text in an endpoint stays text in the title', () => {
    const evil = { ...m, cells: m.cells.map((c) => (c.partial && c.from === 'shop/frontend-0' ? { ...c, endpoints: c.endpoints!.map((e) => (e.observed === 'open' ? { ...e, pod: 'shop/<img src=x onerror=alert(1)>\u202e' } : e)) } : c)) };
    const h = grid(evil);
    expect(h).not.toContain('<img');
    const { tag } = cellHtml(h, 'shop/frontend-0', 'svc:shop/backend:80');
    expect(attr(tag, 'title')).toContain('(shop/<img src=x onerror=alert(1)>\\u202e)');
  });
});

describe('the wall tile marks a partial cell apart', () => {
  const html = renderToStaticMarkup(createElement(MatrixTile, { m }));
  it('its square is partial (striped), its title names the endpoints, the headline counts it', () => {
    const { tag } = cellHtml(html, 'shop/frontend-0', 'svc:shop/backend:80');
    expect(attr(tag, 'data-state')).toBe('partial');
    expect(attr(tag, 'class')).toContain('repeating-linear-gradient');
    expect(attr(tag, 'title')).toContain('partial: 1 of 2 endpoints does not answer: 10.244.2.2:8080 (shop/backend-0) timeout');
    expect(attr(cellHtml(html, 'db/postgres-0', 'svc:shop/backend:80').tag, 'data-state')).toBe('disagree');
    expect(html).toMatch(/data-testid="wall-matrix-tile"[^>]* data-partial="3"/);
    expect(unescape(/data-testid="wall-matrix-partial"[^>]*>([\s\S]*?)<\/div>/.exec(html)![1].replace(/<!-- -->/g, ''))).toBe('of which 3 partial');
    expect(html).toMatch(/data-testid="wall-matrix-partial" title="of which 3 partial \(some endpoints answer, some not\)"/);
  });
});
