import { postJson } from './api';
import { sendChange, type ChangeAnswer } from './changes';
import { h, section } from './dom';
import { SHIPPED_SCENARIOS } from './drill-scenarios';

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
  const choice = h(
    'select',
    { id: 'drill-scenario-choice', name: 'example' },
    ...SHIPPED_SCENARIOS.map((s) => h('option', { value: s.file }, s.file)),
    h('option', { value: OWN }, 'My own (type or paste it below)'),
  );
  const yaml = h('textarea', { id: 'drill-scenario', name: 'scenario', rows: 16, required: true, maxlength: MAX_SCENARIO_CHARS, spellcheck: 'false', autocomplete: 'off', class: 'yaml' });
  yaml.value = SHIPPED_SCENARIOS[0].text;
  choice.addEventListener('change', () => {
    const shipped = SHIPPED_SCENARIOS.find((s) => s.file === choice.value);
    yaml.value = shipped ? shipped.text : '';
    if (!shipped) yaml.focus();
  });
  // Typing into an example makes it one's own: the choice says so, and picking an example again is a deliberate act.
  yaml.addEventListener('input', () => (choice.value = OWN));

  const start = h('button', { type: 'submit', id: 'drill-start' }, 'Start the drill');
  const form = h(
    'form',
    { id: 'drill-form', class: 'stacked' },
    h('div', { class: 'field' }, h('label', { for: 'drill-policy' }, 'Policy'), policy, h('small', { id: 'drill-policy-hint', class: 'hint' }, 'The policy whose ladder, channels and clocks the drill runs through.')),
    h('div', { class: 'field' }, h('label', { for: 'drill-scenario-choice' }, 'Scenario'), choice),
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
