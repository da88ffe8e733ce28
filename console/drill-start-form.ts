import type { ShippedScenario } from '../client/api/drill-scenarios';
import { getJson, postJson } from './api';
import { sendChange, type ChangeAnswer } from './changes';
import { h, replaceChildren, section } from './dom';
import { failureNotice } from './failure';

/** The API's bound on a scenario (core/drills/scenario.ts MAX_SCENARIO_BYTES is 64 KiB); the API checks it again. */
const MAX_SCENARIO_CHARS = 65_536;
const OWN = '';

/**
 * `section#start-drill`, for a write token bound to a responder: a policy and a scenario (one
 * Klaxon ships, or YAML typed or pasted), sent as `POST /v1/drills`. The API parses the scenario:
 * its refusal names the file, line and field, and is shown as given; the form keeps what was typed.
 */
export function drillStartSection(answer: ChangeAnswer): HTMLElement {
  const policy = h('input', { type: 'text', id: 'drill-policy', name: 'policy', required: true, maxlength: 128, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'drill-policy-hint' });
  const choice = h('select', { id: 'drill-scenario-choice', name: 'example' }, h('option', { value: OWN }, 'My own (type or paste it below)'));
  const yaml = h('textarea', { id: 'drill-scenario', name: 'scenario', rows: 16, required: true, maxlength: MAX_SCENARIO_CHARS, spellcheck: 'false', autocomplete: 'off', class: 'yaml' });
  const problem = h('div');
  let shipped: ShippedScenario[] = [];
  /** Someone chose or typed before the list came: what they did stands. */
  let touched = false;
  choice.addEventListener('change', () => {
    touched = true;
    const picked = shipped.find((s) => s.file === choice.value);
    yaml.value = picked ? picked.text : '';
    if (!picked) yaml.focus();
  });
  // Typing into an example makes it one's own: the choice says so, and picking an example again is a deliberate act.
  yaml.addEventListener('input', () => {
    touched = true;
    choice.value = OWN;
  });
  // The scenarios Klaxon ships (GET /v1/drill-scenarios), offered first; the first fills the field unless something was typed already.
  getJson<{ scenarios: ShippedScenario[] }>('/v1/drill-scenarios').then(
    ({ scenarios }) => {
      shipped = scenarios;
      choice.prepend(...scenarios.map((s) => h('option', { value: s.file }, s.description ? `${s.file}: ${s.description}` : s.file)));
      if (!touched && scenarios[0]) {
        choice.value = scenarios[0].file;
        yaml.value = scenarios[0].text;
      }
    },
    (err: unknown) => replaceChildren(problem, failureNotice(err)),
  );

  const start = h('button', { type: 'submit', id: 'drill-start' }, 'Start the drill');
  const form = h(
    'form',
    { id: 'drill-form', class: 'stacked' },
    h('div', { class: 'field' }, h('label', { for: 'drill-policy' }, 'Policy'), policy, h('small', { id: 'drill-policy-hint', class: 'hint' }, 'The policy whose ladder, channels and clocks the drill runs through.')),
    h('div', { class: 'field' }, h('label', { for: 'drill-scenario-choice' }, 'Scenario'), choice, problem),
    h('div', { class: 'field' }, h('label', { for: 'drill-scenario' }, 'Scenario (YAML)'), yaml),
    h('div', { class: 'buttons' }, start),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void sendChange<{ drillId: string; policy: string }>(
      answer,
      start,
      () => postJson('/v1/drills', { policy: policy.value.trim(), scenario: yaml.value }),
      (r) => `Drill ${r.drillId} started under policy ${r.policy}: it is listed below.`,
    );
  });
  return section(
    'start-drill',
    'Start a drill',
    h('p', {}, 'A drill runs an incident through the same code, paging, clocks and containment as a real one; its messages are marked DRILL and it is listed only here.'),
    form,
  );
}
