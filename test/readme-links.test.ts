// The README works in any clone: every relative link and every repository path it names exists
// in the repository, anchors name real headings, and nothing points outside (`../`), where a
// clone has nothing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replaceAll(' ', '-');

const headings = (markdown: string) =>
  new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] ?? '')));

const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');
const localLinks = links.filter((l) => !/^[a-z]+:/i.test(l));
// Code spans that name a file or folder of the repository (not API paths, URLs or examples).
const paths = [...readme.matchAll(/`([^`\s]+)`/g)]
  .map((m) => m[1] ?? '')
  .filter((p) => /^(\.\.\/|(src|test|bench|bin|docs|\.ci)\/)/.test(p));

describe('README.md', () => {
  it('names only paths that exist in the repository', () => {
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((p) => p.startsWith('../') || !existsSync(new URL(p, root)))).toEqual([]);
  });

  it('links only to files that exist and headings that are there', () => {
    expect(localLinks.length).toBeGreaterThan(3);
    const broken = localLinks.filter((link) => {
      const [file = '', anchor] = link.split('#');
      if (file.startsWith('../')) return true;
      if (file && !existsSync(new URL(file, root))) return true;
      if (!anchor) return false;
      const target = file ? readFileSync(new URL(file, root), 'utf8') : readme;
      return !headings(target).has(anchor);
    });
    expect(broken).toEqual([]);
  });
});
