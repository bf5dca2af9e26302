/** Markup: text the `html` tag made (or `raw` vouched for), never escaped again. */
export class Html {
  readonly #markup: string;

  constructor(markup: string) {
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function markupOf(value: unknown): string {
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(markupOf).join('');
  return value === undefined || value === null || value === false ? '' : escapeHtml(String(value));
}

/**
 * A template tag for HTML: every value put in is escaped (stream names, notes and paths from a catalog
 * are data, not markup) unless it is `Html` itself; arrays are joined; undefined, null and false are nothing.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return new Html(strings.reduce((markup, text, index) => markup + markupOf(values[index - 1]) + text));
}

/** Markup written by draydog itself (a style sheet), taken as it is. */
export function raw(markup: string): Html {
  return new Html(markup);
}
