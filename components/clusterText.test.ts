// The page's side of cluster text (issue 10): ClusterText isolates bidi, wraps anywhere, cuts with … and keeps
// the whole value in the title; React escapes markup. Rendered with react-dom/server, the markup a browser gets.
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { readFileSync } from 'node:fs';
import { ClusterText } from './ClusterText';
import { truncateText } from './clusterTextCut';

describe('ClusterText', () => {
  it('cuts long values with … and puts the whole value in the title', () => {
    const long = `pod-${'x'.repeat(10_000)}`;
    const html = renderToStaticMarkup(createElement(ClusterText, { value: long }));
    expect(html).toMatch(/^<span class="cluster-text " title="pod-x{10000}" data-truncated="true">pod-x{155}…<\/span>$/);
  });
  it('short values are shown whole, without a title', () => {
    expect(renderToStaticMarkup(createElement(ClusterText, { value: 'shop/frontend-0' }))).toBe('<span class="cluster-text ">shop/frontend-0</span>');
  });
  it('markup and bidi controls stay text inside an isolating span', () => {
    const html = renderToStaticMarkup(createElement(ClusterText, { value: '<img src=x onerror=alert(1)>\u202Egnp.exe' }));
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html.startsWith('<span class="cluster-text')).toBe(true);
    // the override does not reach the page: it is shown as an escape, so nothing after it reads reversed
    expect(html).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(html.replaceAll('<wbr/>', '')).toContain('\\u202egnp.exe');
  });
  it('a long name may break after a dot, colon or slash before it breaks mid-word; the text itself is unchanged', () => {
    const html = renderToStaticMarkup(createElement(ClusterText, { value: 'api.partner.example:443' }));
    expect(html).toBe('<span class="cluster-text ">api.partner.<wbr/>example:<wbr/>443</span>');
    expect(html.replaceAll('<wbr/>', '')).toContain('>api.partner.example:443<');
    expect(renderToStaticMarkup(createElement(ClusterText, { value: 'backend.shop:80' }))).toBe('<span class="cluster-text ">backend.shop:80</span>');
  });
  it('control bytes are shown as escapes, in the text and in the title', () => {
    const html = renderToStaticMarkup(createElement(ClusterText, { value: `t\x1b]0;pwned\x07${'y'.repeat(300)}` }));
    // eslint-disable-next-line no-control-regex
    expect(html).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(html).toContain('t\\x1b]0;pwned\\x07');
    expect(html).toMatch(/title="t\\x1b\]0;pwned\\x07y{300}"/);
  });
  it('cuts by code points, never inside a surrogate pair', () => {
    expect(truncateText('😀'.repeat(10), 4)).toEqual({ text: '😀😀😀…', cut: true });
    expect(truncateText('abc', 3)).toEqual({ text: 'abc', cut: false });
  });
  it('the stylesheet isolates and wraps cluster text and preformatted output', () => {
    const css = readFileSync(new URL('../app/globals.css', import.meta.url), 'utf8');
    expect(css).toMatch(/\.cluster-text\s*{[^}]*unicode-bidi:\s*isolate;[^}]*overflow-wrap:\s*anywhere;/);
    expect(css).toMatch(/\bpre\s*{[^}]*white-space:\s*pre-wrap;[^}]*overflow-wrap:\s*anywhere;/);
    expect(css).toMatch(/\bbody\s*{\s*overflow-wrap:\s*anywhere;/);
  });
});
