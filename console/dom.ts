/**
 * Building the page from data without ever parsing it as HTML: elements by createElement, text by
 * text nodes, attributes by setAttribute. Alert titles, tenants and notes are outside input, and
 * the CSP forbids inline scripts and styles anyway, so nothing here knows innerHTML.
 */

/** A child of an element: text (set as a text node), an element, or nothing (skipped, for optional parts). */
export type Child = Node | string | number | null | undefined | false;

/** Attributes by name; `false` and `undefined` leave one out, `true` sets it empty (e.g. `download`, `required`). */
export type Attributes = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces everything inside `parent` with `children`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** `<section id aria-labelledby>` with its `<h2>`: every section of a page is named by its heading. */
export function section(id: string, heading: string, ...children: Child[]): HTMLElement {
  const headingId = `${id}-heading`;
  return h('section', { id, 'aria-labelledby': headingId }, h('h2', { id: headingId }, heading), ...children);
}

/** A term, its value (one child or several), and optionally the `dd`'s id. */
export type Definition = [term: string, value: Child | Child[], id?: string];

/** A definition list; a missing value shows as an em dash, so every row reads alike. */
export function definitions(rows: Definition[], attributes: Attributes = {}): HTMLDListElement {
  const dl = h('dl', attributes);
  for (const [term, value, id] of rows) {
    const dd = h('dd', { id });
    const parts = Array.isArray(value) ? value : [value];
    if (parts.every((p) => p === undefined || p === null || p === false || p === '')) append(dd, '—');
    else append(dd, ...parts);
    append(dl, h('dt', {}, term), dd);
  }
  return dl;
}

/**
 * A table with a caption and a header row, in a region that scrolls sideways on a narrow
 * screen; the region takes the keyboard focus, so it can be scrolled without a mouse.
 */
export function table(id: string, caption: string, headings: string[], rows: HTMLTableRowElement[]): HTMLElement {
  const captionId = `${id}-caption`;
  return h(
    'div',
    { class: 'table-scroll', role: 'region', 'aria-labelledby': captionId, tabindex: 0 },
    h(
      'table',
      { id },
      h('caption', { id: captionId }, caption),
      h('thead', {}, h('tr', {}, ...headings.map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, ...rows),
    ),
  );
}

/** A list joined with commas, or nothing (so `definitions` shows its dash). */
export const listText = (values: readonly string[] | undefined): string => (values ?? []).join(', ');
