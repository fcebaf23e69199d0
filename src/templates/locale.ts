// Which locale of a template a message gets: the asked one, then its parents (`es-MX` → `es`),
// then the project's default and its parents, then the template's first locale. Pure, so
// sends, previews and layouts all choose the same way.

/** `zh-Hant-TW` → [`zh-Hant-TW`, `zh-Hant`, `zh`] */
function withParents(locale: string): string[] {
  const parts = locale.split('-');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('-'));
}

/** The locale of `available` to use; `available` must not be empty. */
export function resolveLocale(
  requested: string | undefined,
  available: readonly string[],
  projectDefault?: string,
): string {
  const byLower = new Map(available.map((l) => [l.toLowerCase(), l]));
  const wanted = [
    ...(requested ? withParents(requested) : []),
    ...(projectDefault ? withParents(projectDefault) : []),
  ];
  for (const locale of wanted) {
    const found = byLower.get(locale.toLowerCase());
    if (found) return found;
  }
  return available[0] as string;
}
