import { h } from './dom';

/**
 * The list's filters, those of `klaxon incidents list` (client/api/compliance-query.ts): kept in
 * the page's URL (`/console?severity=SEV1`) so a filtered view can be bookmarked and shared,
 * and passed on to `GET /v1/incidents` as they are. Only the names below travel: the API
 * refuses unknown parameters, and a stray one in a bookmark must not break the page.
 */
export const FILTER_NAMES = ['status', 'severity', 'tenant', 'category', 'jurisdiction', 'deadlineWithinHours', 'all'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type Filters = Partial<Record<FilterName, string>>;

const STATUSES = ['triggered', 'acknowledged', 'snoozed', 'resolved'];
const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'];

/** The filters a query string names, blanks dropped; severities upper-cased as the API spells them (`sev1` in a hand-typed URL). */
export function filtersOf(search: string): Filters {
  const params = new URLSearchParams(search);
  const filters: Filters = {};
  for (const name of FILTER_NAMES) {
    const value = params.get(name)?.trim();
    if (value) filters[name] = name === 'severity' ? value.toUpperCase() : value;
  }
  return filters;
}

/** The page's own query for `filters` (`?severity=SEV1`, or empty). */
export function queryOf(filters: Filters): string {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) if (filters[name]) params.set(name, filters[name]);
  const q = params.toString();
  return q ? `?${q}` : '';
}

/** `GET /v1/incidents` for `filters`. Resolved incidents are closed ones: asking for them asks for closed incidents too. */
export function listPath(filters: Filters): string {
  const apiFilters = filters.status === 'resolved' ? { ...filters, all: 'true' } : filters;
  return `/v1/incidents${queryOf(apiFilters)}`;
}

function field(name: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  control.id = `filter-${name}`;
  control.setAttribute('name', name);
  if (hint) control.setAttribute('aria-describedby', `filter-${name}-hint`);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hint ? h('small', { id: `filter-${name}-hint`, class: 'hint' }, hint) : null);
}

function select(current: string | undefined, anyLabel: string, values: string[]): HTMLSelectElement {
  const el = h('select', {}, h('option', { value: '' }, anyLabel), ...values.map((v) => h('option', { value: v }, v)));
  el.value = current && values.includes(current) ? current : '';
  return el;
}

function text(current: string | undefined, attributes: Record<string, string> = {}): HTMLInputElement {
  const el = h('input', { type: 'text', autocomplete: 'off', ...attributes });
  el.value = current ?? '';
  return el;
}

/**
 * `form#filters`, showing `filters`. A plain GET form to `/console`, so it works as a link does;
 * `onApply` takes over when the script runs, to filter without reloading the page.
 */
export function filterForm(filters: Filters, onApply: (filters: Filters) => void): HTMLFormElement {
  const all = h('input', { type: 'checkbox', id: 'filter-all', name: 'all', value: 'true', checked: filters.all === 'true' });
  const form = h(
    'form',
    { id: 'filters', method: 'get', action: '/console', class: 'filters' },
    field('status', 'Status', select(filters.status, 'Any open', STATUSES)),
    field('severity', 'Severity', select(filters.severity, 'Any', SEVERITIES)),
    field('tenant', 'Tenant', text(filters.tenant)),
    field('category', 'Data category', text(filters.category), 'e.g. email'),
    field('jurisdiction', 'Jurisdiction', text(filters.jurisdiction), 'e.g. EU'),
    field('deadlineWithinHours', 'Deadline within (hours)', text(filters.deadlineWithinHours, { inputmode: 'decimal', pattern: '\\d{1,6}(\\.\\d{1,6})?' }), 'e.g. 72'),
    h('div', { class: 'field check' }, all, h('label', { for: 'filter-all' }, 'Include closed incidents')),
    h('div', { class: 'field buttons' }, h('button', { type: 'submit' }, 'Apply filters'), h('a', { href: '/console', class: 'clear' }, 'Clear filters')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (typeof value === 'string') params.append(name, value);
    onApply(filtersOf(params.toString()));
  });
  return form;
}
