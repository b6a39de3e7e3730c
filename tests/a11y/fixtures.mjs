// @ts-check
// Realistic answers from the Rust core, typed against the generated IPC types
// (ui/src/bindings.ts; `npm run typecheck` checks this file against them). The words and
// numbers follow what core really returns: the built-in directory, the PHQ-9's published
// wording, action labels as core builds them.

/** @typedef {import('../../ui/src/bindings').VaultStatus} VaultStatus */
/** @typedef {import('../../ui/src/bindings').CheckIn} CheckIn */
/** @typedef {import('../../ui/src/bindings').TeamInfo} TeamInfo */
/** @typedef {import('../../ui/src/bindings').RequestView} RequestView */
/** @typedef {import('../../ui/src/bindings').InboxItem} InboxItem */
/** @typedef {import('../../ui/src/bindings').PeerPublicKeys} PeerPublicKeys */
/** @typedef {import('../../ui/src/bindings').Contact} Contact */
/** @typedef {import('../../ui/src/bindings').Form} Form */
/** @typedef {import('../../ui/src/bindings').Instrument} Instrument */
/** @typedef {import('../../ui/src/bindings').SavedScore} SavedScore */
/** @typedef {import('../../ui/src/bindings').Bucket} Bucket */
/** @typedef {import('../../ui/src/bindings').Trends} Trends */
/** @typedef {import('../../ui/src/bindings').ReminderTime} ReminderTime */
/** @typedef {import('../../ui/src/bindings').Hit} Hit */
/** @typedef {import('../../ui/src/bindings').Query} Query */
/** @typedef {import('../../ui/src/bindings').AgencyInfo} AgencyInfo */

/** @type {Record<'new' | 'locked' | 'damaged' | 'unlocked', VaultStatus>} */
export const STATUS = {
  new: { state: 'new', credential_store: true, min_passcode_len: 6 },
  locked: { state: 'locked', reason: 'app_lock', retry_after_secs: null },
  damaged: {
    state: 'damaged',
    message:
      'Your vault file could not be read: it looks damaged (for example after the phone ran out of storage while saving). ' +
      'You can try again, or set the damaged copy aside and start a new vault.',
  },
  unlocked: { state: 'unlocked', custody: 'credential_store', app_lock: true, auto_lock_minutes: 5 },
};

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** An RFC 3339 UTC time `ms` ago. @param {number} ms */
function ago(ms) {
  return new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** @returns {CheckIn[]} newest first, as `checkin_recent` returns them. */
export function checkIns() {
  const offset = -new Date().getTimezoneOffset();
  return [
    { id: 'c1a9f2', recorded_at_utc: ago(2 * HOUR_MS), utc_offset_min: offset, mood: 4, stress: 2, energy: 3, sleep_half_hours: 14, tags: [], note: null },
    {
      id: 'c2b7e1',
      recorded_at_utc: ago(DAY_MS + 3 * HOUR_MS),
      utc_offset_min: offset,
      mood: 2,
      stress: 4,
      energy: 2,
      sleep_half_hours: 9,
      tags: ['critical_incident', 'sleep'],
      note: 'Rough call on the night shift. Talked to Sam afterwards, which helped. Could not sleep until 5.',
    },
    { id: 'c3c4d0', recorded_at_utc: ago(3 * DAY_MS), utc_offset_min: offset, mood: 3, stress: 3, energy: 3, sleep_half_hours: 13, tags: ['court'], note: null },
    { id: 'c4d1a7', recorded_at_utc: ago(6 * DAY_MS), utc_offset_min: offset, mood: 5, stress: 1, energy: 5, sleep_half_hours: 16, tags: ['family'], note: 'Day off with the kids.' },
    { id: 'c5e8b3', recorded_at_utc: ago(9 * DAY_MS), utc_offset_min: offset, mood: 3, stress: 4, energy: 2, sleep_half_hours: 11, tags: ['shift_change', 'work'], note: null },
  ];
}

/** @type {TeamInfo} */
export const TEAM = {
  relay_url: 'https://relay.metro-pd.example',
  roster_version: 7,
  peers: [
    { key_id: 'k-3f9a', display_name: 'Sam Ortiz', languages: ['English', 'Spanish'], specialties: ['critical incident'], on_duty_hours: 'Nights', unit: 'Patrol North', gender: 'man', rank_group: 'sworn', service_years: '15_to_24' },
    { key_id: 'k-77c2', display_name: 'Dana Lee', languages: ['English'], specialties: ['family'], on_duty_hours: 'Days', unit: 'Dispatch', gender: 'woman', rank_group: 'civilian', service_years: '5_to_14' },
    { key_id: 'k-a041', display_name: 'Chris Moreau', languages: ['English'], specialties: [], on_duty_hours: null, unit: null, gender: null, rank_group: null, service_years: null },
  ],
};

/** @type {import('../../ui/src/bindings').Preferences} What the officer chose last time. */
export const PREFERENCES = { not_units: ['Patrol North'], gender: null, language: null, experience: null, peer: null, escalate_to_all: false };

/** @type {import('../../ui/src/bindings').NoMatch} Nobody on duty fits: one other on duty, two off. */
export const NO_MATCH = { others_on_duty: 1, off_duty: [TEAM.peers[1], TEAM.peers[2]] };

/** @type {RequestView} A request a peer accepted, with their signed reply. */
export const ACCEPTED_REQUEST = {
  request_id: 'r-5d2c9e',
  created_at_utc: ago(12 * 60_000),
  urgency: 'now',
  stage: 'accepted',
  escalated: false,
  accepted_by: 'Sam Ortiz',
  reply_message: 'Hi, it\u2019s Sam. I\u2019m here. I\u2019ll call you in 10 minutes, pick up when you can.',
  reply_eta_minutes: 10,
  attempts: 1,
  failure: null,
};

/** A recovery code as core shows it. */
export const RECOVERY_CODE = '7K3M-Q9XP-4RTD-8VWN-2HJC-6BFS-0ZYA-5EGQ';

/** The passcode the fake core's locked vault opens with. */
export const PASSCODE = 'night-watch-77';

/** @type {Contact} */
export const CONTACT = { method: 'call', value: '(512) 555-0143' };

/** @type {InboxItem[]} */
export const INBOX = [
  {
    request_id: 'r-8a1f44',
    urgency: 'today',
    age_secs: 7 * 60,
    escalated: false,
    open: true,
    mine: false,
    contact: { method: 'text', value: '(512) 555-0178' },
    note: 'Had a bad one last night. Not urgent, but I would like to talk to someone today.',
  },
  {
    request_id: 'r-3c77e0',
    urgency: 'now',
    age_secs: 25 * 60,
    escalated: false,
    open: false,
    mine: true,
    contact: { method: 'in_app' },
    note: null,
  },
];

/** @type {import('../../ui/src/bindings').ConversationView} The officer's side, with a hand-off to answer. */
export const OFFICER_CONVERSATION = {
  request_id: 'r-5d2c9e',
  as_peer: false,
  can_write: true,
  messages: [
    { mine: true, kind: 'text', text: 'Thanks. It was the crash on 35 last night, I keep seeing it.', sent_at_utc: ago(9 * 60_000), state: 'read' },
    { mine: false, kind: 'text', text: 'That one hit a lot of us. Dana worked crashes for years; she might be better for this.', sent_at_utc: ago(7 * 60_000), state: 'received' },
    { mine: false, kind: 'hand_off', text: 'Asked to hand this conversation to Dana Lee.', sent_at_utc: ago(6 * 60_000), state: 'received' },
  ],
  keep: false,
  hand_off: { to_name: 'Dana Lee' },
  warning: null,
};

/** @type {import('../../ui/src/bindings').ConversationView} A peer's side of a request they took. */
export const PEER_CONVERSATION = {
  request_id: 'r-3c77e0',
  as_peer: true,
  can_write: true,
  messages: [
    { mine: false, kind: 'text', text: 'Can we talk tonight? Not at the station.', sent_at_utc: ago(20 * 60_000), state: 'received' },
    { mine: true, kind: 'text', text: 'Yes. I\u2019m off at 8. Coffee at the diner on 5th?', sent_at_utc: ago(18 * 60_000), state: 'delivered' },
  ],
  keep: false,
  hand_off: null,
  warning: null,
};

/** @type {PeerPublicKeys} */
export const PEER_KEYS = (() => {
  const key_id = 'k-5be08d1c';
  const age_recipient = 'age1qz8h6kq4u7v3t2pxn0cs8d3fj9w5l4m2r6y7e0a9k3g8h5s2d4f6j7sx5kp';
  const signing_key = 'o4N3f1r8Qm2XbVt6yZcLw9KpEa5sGh0UjDi7nRlMqYk=';
  return {
    key_id,
    age_recipient,
    signing_key,
    roster_entry: `[[peers]]\nkey_id = "${key_id}"\ndisplay_name = "YOUR NAME"\nage_recipient = "${age_recipient}"\nsigning_key = "${signing_key}"\n`,
  };
})();

export const DEMO_INVITE = 'peerline://join?v=1&relay=http%3A%2F%2F127.0.0.1%3A47211&team=demo&key=Jq3v0pX8b2mN5cR1tW7yZ4aL6dF9gH0s';

/** @type {ReminderTime} */
export const REMINDER = { hour: 20, minute: 30 };

const FREQ = [
  { value: 0, label: 'Not at all' },
  { value: 1, label: 'Several days' },
  { value: 2, label: 'More than half the days' },
  { value: 3, label: 'Nearly every day' },
];

/** @type {Form} */
export const PHQ9 = {
  instrument: 'phq9',
  title: 'PHQ-9',
  stem: 'Over the last 2 weeks, how often have you been bothered by any of the following problems?',
  items: [
    'Little interest or pleasure in doing things',
    'Feeling down, depressed, or hopeless',
    'Trouble falling or staying asleep, or sleeping too much',
    'Feeling tired or having little energy',
    'Poor appetite or overeating',
    'Feeling bad about yourself \u2014 or that you are a failure or have let yourself or your family down',
    'Trouble concentrating on things, such as reading the newspaper or watching television',
    'Moving or speaking so slowly that other people could have noticed? Or the opposite \u2014 being so fidgety or restless that you have been moving around a lot more than usual',
    'Thoughts that you would be better off dead or of hurting yourself in some way',
  ].map((text) => ({ text, choices: FREQ })),
  credit:
    'Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.',
};

/**
 * PHQ-9 scored as core does: bands at 5, 10, 15, 20; any answer above 0 on item 9 raises
 * the safety flag.
 * @param {number[]} answers
 * @returns {SavedScore}
 */
export function scorePhq9(answers) {
  const total = answers.reduce((a, b) => a + b, 0);
  /** @type {[number, string, string][]} */
  const bands = [
    [20, 'Severe', 'Severe depression symptoms.'],
    [15, 'Moderately severe', 'Moderately severe depression symptoms.'],
    [10, 'Moderate', 'Moderate depression symptoms.'],
    [5, 'Mild', 'Mild depression symptoms.'],
    [0, 'Minimal', 'Minimal or no depression symptoms.'],
  ];
  const [, band, interpretation] = bands.find(([min]) => total >= min) ?? bands[bands.length - 1];
  return {
    id: 's-0e7b31',
    taken_at_utc: ago(0),
    score: { instrument: 'phq9', total, band, interpretation, safety: (answers[8] ?? 0) > 0 },
  };
}

/** `YYYY-MM-DD` of a local date. @param {Date} d */
function dayText(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * First local day of the bucket `d` falls in (weeks start on Monday).
 * @param {Date} d
 * @param {Bucket} bucket
 */
function bucketStart(d, bucket) {
  if (bucket === 'day') return new Date(d.getFullYear(), d.getMonth(), d.getDate());
  if (bucket === 'week') return new Date(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7));
  return new Date(d.getFullYear(), d.getMonth(), 1);
}

/**
 * A small deterministic generator, so screenshots are the same from run to run.
 * @param {number} i @param {number} base @param {number} amp @param {number} period
 */
function wave(i, base, amp, period) {
  return Math.round((base + amp * Math.sin(i / period)) * 100) / 100;
}

/**
 * What `trends` returns for the last `days` days: check-ins on most buckets (with gaps, as
 * real life has), PHQ-9 taken twice and WHO-5 once.
 * @param {Bucket} bucket
 * @param {number} days
 * @returns {Trends}
 */
export function trends(bucket, days) {
  const today = new Date();
  /** @type {string[]} */
  const starts = [];
  for (let back = days - 1; back >= 0; back--) {
    const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() - back);
    const s = dayText(bucketStart(d, bucket));
    if (starts[starts.length - 1] !== s) starts.push(s);
  }
  const n = starts.length;
  // Every 4th bucket and a run near the start stay empty: gaps, never zeros.
  const has = (/** @type {number} */ i) => i % 4 !== 2 && !(i >= 3 && i <= 5 && n > 8);
  /** @param {(i: number) => number} f */
  const series = (f) => starts.map((_, i) => (has(i) ? f(i) : null));
  /** @type {(number | null)[]} */
  const phq9 = starts.map(() => null);
  /** @type {(number | null)[]} */
  const who5 = starts.map(() => null);
  phq9[Math.max(0, n - 2)] = 11;
  if (n > 10) phq9[Math.floor(n / 3)] = 7;
  who5[Math.max(0, n - 4)] = 56;
  return {
    bucket,
    starts,
    mood: series((i) => Math.min(5, Math.max(1, wave(i, 3.2, 1.1, 3)))),
    stress: series((i) => Math.min(5, Math.max(1, wave(i, 3, 1.2, 2.3)))),
    energy: series((i) => Math.min(5, Math.max(1, wave(i, 2.8, 0.9, 4)))),
    sleep_hours: series((i) => wave(i, 6.4, 1.3, 2.7)),
    checkins: starts.map((_, i) => (has(i) ? 1 + (i % 3) : 0)),
    screeners: [
      { instrument: 'phq9', title: 'PHQ-9', max_total: 27, totals: phq9 },
      { instrument: 'who5', title: 'WHO-5', max_total: 100, totals: who5 },
    ],
  };
}

/** @type {Hit[]} The built-in national resources, as core's directory_builtin returns them. */
export const BUILTIN = [
  {
    id: '988-lifeline',
    origin: 'builtin',
    entry: {
      name: '988 Suicide & Crisis Lifeline',
      kind: 'crisis_line',
      specialties: [],
      first_responder_competent: false,
      telehealth: false,
      languages: ['en', 'es'],
      cost: 'free',
      always_open: true,
      hours: null,
      region: 'US',
      phone: '988',
      sms: '988',
      sms_body: null,
      web: 'https://988lifeline.org',
      notes: 'Call or text 988. Veterans: press 1. Spanish: press 2, or text AYUDA to 988.',
    },
    actions: [
      { kind: 'call', label: 'Call 988', uri: 'tel:988', disabled_reason: null },
      { kind: 'text', label: 'Text 988', uri: 'sms:988', disabled_reason: null },
      { kind: 'web', label: 'Open 988lifeline.org', uri: 'https://988lifeline.org', disabled_reason: null },
    ],
    source_url: 'https://988lifeline.org/get-help/what-to-expect',
    checked_on: '2026-11-25',
  },
  {
    id: 'crisis-text-line',
    origin: 'builtin',
    entry: {
      name: 'Crisis Text Line',
      kind: 'crisis_line',
      specialties: [],
      first_responder_competent: false,
      telehealth: false,
      languages: ['en'],
      cost: 'free',
      always_open: true,
      hours: null,
      region: 'US',
      phone: null,
      sms: '741741',
      sms_body: 'HOME',
      web: null,
      notes: 'Text HOME to 741741. Free, confidential support by text, 24 hours a day.',
    },
    actions: [{ kind: 'text', label: 'Text HOME to 741741', uri: 'sms:741741?body=HOME', disabled_reason: null }],
    source_url: 'https://en.wikipedia.org/wiki/Crisis_Text_Line',
    checked_on: '2026-11-25',
  },
  {
    id: 'copline',
    origin: 'builtin',
    entry: {
      name: 'COPLINE',
      kind: 'crisis_line',
      specialties: ['trauma', 'ptsd'],
      first_responder_competent: true,
      telehealth: false,
      languages: ['en'],
      cost: 'free',
      always_open: true,
      hours: null,
      region: 'US',
      phone: '1-800-267-5463',
      sms: null,
      sms_body: null,
      web: 'https://www.copline.org',
      notes:
        '1-800-COPLINE. Confidential line for current and former officers and their families, answered by retired officers. Not tied to any agency.',
    },
    actions: [
      { kind: 'call', label: 'Call 1-800-267-5463', uri: 'tel:+18002675463', disabled_reason: null },
      { kind: 'web', label: 'Open copline.org', uri: 'https://www.copline.org', disabled_reason: null },
    ],
    source_url: 'https://www.copline.org/about/who-we-are',
    checked_on: '2026-11-25',
  },
  {
    id: 'samhsa-national-helpline',
    origin: 'builtin',
    entry: {
      name: "SAMHSA's National Helpline",
      kind: 'program',
      specialties: ['substance_use'],
      first_responder_competent: false,
      telehealth: false,
      languages: ['en', 'es'],
      cost: 'free',
      always_open: true,
      hours: null,
      region: 'US',
      phone: '1-800-662-4357',
      sms: '435748',
      sms_body: null,
      web: 'https://www.samhsa.gov/find-help/national-helpline',
      notes: 'Treatment referral and information, not counseling. Text your ZIP code to 435748 (HELP4U) to find help nearby. TTY 1-800-487-4889.',
    },
    actions: [
      { kind: 'call', label: 'Call 1-800-662-4357', uri: 'tel:+18006624357', disabled_reason: null },
      { kind: 'text', label: 'Text 435748', uri: 'sms:435748', disabled_reason: null },
      { kind: 'web', label: 'Open samhsa.gov', uri: 'https://www.samhsa.gov/find-help/national-helpline', disabled_reason: null },
    ],
    source_url: 'https://www.samhsa.gov/find-help/national-helpline',
    checked_on: '2026-11-25',
  },
];

/** @type {Hit[]} The agency's signed list: a counselor, the EAP, a chaplain with a link core refused. */
export const AGENCY = [
  {
    id: 'agency-0',
    origin: 'agency',
    entry: {
      name: 'Dr. Maria Alvarez, LPC',
      kind: 'counselor',
      specialties: ['trauma', 'PTSD', 'critical incident'],
      first_responder_competent: true,
      telehealth: true,
      languages: ['en', 'es'],
      cost: 'eap_covered',
      always_open: false,
      hours: 'Mon\u2013Fri 8:00\u201318:00',
      region: 'Travis County',
      phone: '(512) 555-0190',
      sms: null,
      sms_body: null,
      web: 'https://alvarez-counseling.example.com',
      notes: 'Former dispatcher. Evening telehealth slots for shift workers.',
    },
    actions: [
      { kind: 'call', label: 'Call (512) 555-0190', uri: 'tel:+15125550190', disabled_reason: null },
      { kind: 'web', label: 'Open alvarez-counseling.example.com', uri: 'https://alvarez-counseling.example.com', disabled_reason: null },
    ],
    source_url: null,
    checked_on: null,
  },
  {
    id: 'agency-1',
    origin: 'agency',
    entry: {
      name: 'Metro PD Employee Assistance Program',
      kind: 'eap',
      specialties: ['couples/family', 'substance use'],
      first_responder_competent: true,
      telehealth: true,
      languages: ['en'],
      cost: 'free',
      always_open: true,
      hours: null,
      region: 'Travis County',
      phone: '1-800-555-0127',
      sms: null,
      sms_body: null,
      web: null,
      notes: 'Six free sessions a year for you and your family. Your department is not told who calls.',
    },
    actions: [{ kind: 'call', label: 'Call 1-800-555-0127', uri: 'tel:+18005550127', disabled_reason: null }],
    source_url: null,
    checked_on: null,
  },
  {
    id: 'agency-2',
    origin: 'agency',
    entry: {
      name: 'Chaplain Ray Brooks',
      kind: 'chaplain',
      specialties: ['grief'],
      first_responder_competent: true,
      telehealth: false,
      languages: ['en'],
      cost: 'free',
      always_open: false,
      hours: 'On call through dispatch',
      region: 'Travis County',
      phone: '(512) 555-0111',
      sms: null,
      sms_body: null,
      web: 'http://chaplain-brooks.example.org',
      notes: null,
    },
    actions: [
      { kind: 'call', label: 'Call (512) 555-0111', uri: 'tel:+15125550111', disabled_reason: null },
      {
        kind: 'web',
        label: 'Open chaplain-brooks.example.org',
        uri: null,
        disabled_reason: 'This web page is not secure (https), so Peerline will not open it.',
      },
    ],
    source_url: null,
    checked_on: null,
  },
];

/** @type {AgencyInfo} */
export const AGENCY_INFO = {
  version: 4,
  entries: AGENCY.length,
  installed_at_utc: ago(3 * DAY_MS),
  refused: null,
};

/**
 * A small stand-in for core's search: words match the name, notes or specialties; the
 * filters the screen sets narrow it the way core does.
 * @param {Query} q
 * @returns {Hit[]}
 */
export function searchDirectory(q) {
  const words = q.text.toLowerCase().split(/\s+/).filter(Boolean);
  return [...AGENCY, ...BUILTIN]
    .filter((hit) => {
      const e = hit.entry;
      const hay = [e.name, e.notes ?? '', ...e.specialties].join(' ').toLowerCase();
      return (
        words.every((w) => hay.includes(w)) &&
        (q.kinds.length === 0 || q.kinds.includes(e.kind)) &&
        (!q.first_responder_competent || e.first_responder_competent) &&
        (!q.telehealth || e.telehealth) &&
        (!q.always_open || e.always_open) &&
        (q.cost === null || e.cost === q.cost) &&
        (q.language === null || e.languages.includes(q.language)) &&
        (q.origin === null || hit.origin === q.origin)
      );
    })
    .slice(0, q.limit ?? 50);
}

/** @type {import('../../ui/src/bindings').PlanView} A safety plan as core shows it. */
export const SAFETY_PLAN = (() => {
  /** @param {string} name @param {string} number */
  const card = (name, number) => ({
    contact: { name, phone: number },
    actions: [
      { kind: /** @type {const} */ ('call'), label: `Call ${number}`, uri: `tel:${number.replace(/[^0-9+]/g, '')}`, disabled_reason: null },
      { kind: /** @type {const} */ ('text'), label: `Text ${number}`, uri: `sms:${number.replace(/[^0-9+]/g, '')}`, disabled_reason: null },
    ],
  });
  const plan = {
    warning_signs: ['Not sleeping after a bad call', 'Skipping the gym, drinking alone'],
    coping: ['Run the river trail', 'Work on the truck'],
    distractions: [{ name: 'Brother Mike', phone: '+1 555 010 2000' }],
    helpers: [{ name: 'Sgt. Diaz (retired)', phone: '(555) 010-3000' }],
    professionals: [{ name: '988 Suicide & Crisis Lifeline', phone: '988' }],
    safe_environment: ['Service weapon stays in my locker at the station', 'Mike keeps my rifle for now'],
    reason: 'My kids',
  };
  return {
    plan,
    distractions: [card('Brother Mike', '+1 555 010 2000')],
    helpers: [card('Sgt. Diaz (retired)', '(555) 010-3000')],
    professionals: [card('988 Suicide & Crisis Lifeline', '988')],
    updated_at_utc: '2026-11-30T18:00:00Z',
  };
})();

// The coordinator's console.

/** @type {import('../../ui/src/bindings').ConsoleTeam} */
export const CONSOLE_TEAM = { relay_url: 'https://relay.metro-pd.example', team_id: '6f1d2c9a8b7e4f30', public_key: 'Jq3v0pX8b2mN5cR1tW7yZ4aL6dF9gH0sQe2uVb8nM1k=' };

/** @type {import('../../ui/src/bindings').TeamStatus} */
export const CONSOLE_STATUS = { team_id: CONSOLE_TEAM.team_id, devices: 41, open_requests: 1, active_invites: 2, roster_version: 7, directory_version: 4, escalation_secs: 180 };

const nights = Array.from({ length: 168 }, (_, h) => ((h % 24) >= 18 || (h % 24) < 6 ? 1 : 0));
/** @type {import('../../ui/src/bindings').RosterDraft} A draft with one problem to fix. */
export const ROSTER_DRAFT = {
  roster: {
    peers: [
      { key_id: 'k-3f9a', display_name: 'Sam Ortiz', languages: ['English', 'Spanish'], specialties: ['critical incident'], on_duty_hours: 'Nights', unit: 'Patrol North', gender: 'man', rank_group: 'sworn', service_years: '15_to_24', schedule: ['mon 18-06', 'tue 18-06'], age_recipient: PEER_KEYS.age_recipient, signing_key: PEER_KEYS.signing_key },
      { key_id: 'k-77c2', display_name: 'Dana Lee', languages: ['English'], specialties: ['family'], on_duty_hours: 'Days', unit: 'Dispatch\nNight', gender: 'woman', rank_group: 'civilian', service_years: '5_to_14', schedule: [], age_recipient: PEER_KEYS.age_recipient, signing_key: PEER_KEYS.signing_key },
    ],
  },
  problems: [{ index: 1, field: 'unit', message: 'must be 1–60 characters on one line (or leave it out)' }],
  preview: TEAM.peers.slice(0, 2),
  coverage: nights,
  uncovered_hours: 84,
  published_version: 7,
  unpublished_changes: true,
};

/** @type {import('../../ui/src/bindings').PublishedVersion[]} */
export const ROSTER_HISTORY = [
  { version: 7, published_at_utc: '2026-11-28T16:00:00Z', items: 2 },
  { version: 6, published_at_utc: '2026-10-02T09:30:00Z', items: 3 },
];

/** @type {import('../../ui/src/bindings').InviteRow[]} */
export const INVITES = [
  { invite_id: 'a1b2c3d4e5f60718', uses: 3, max_uses: 10, expires_at: Math.floor(Date.now() / 1000) + 5 * 86400, state: 'active' },
  { invite_id: '0f9e8d7c6b5a4321', uses: 1, max_uses: 1, expires_at: Math.floor(Date.now() / 1000) - 86400, state: 'used_up' },
];

/** @type {import('../../ui/src/bindings').IssuedInvite} */
export const ISSUED_INVITE = { invite: { invite_id: '77aa88bb99cc0011', uses: 0, max_uses: 5, expires_at: Math.floor(Date.now() / 1000) + 7 * 86400, state: 'active' }, link: DEMO_INVITE };

/** @type {import('../../ui/src/bindings').DirectoryDraft} */
export const DIRECTORY_DRAFT = {
  directory: {
    entries: [
      { name: 'Metro EAP', kind: 'eap', specialties: ['trauma'], first_responder_competent: true, telehealth: true, languages: ['English'], cost: 'Free', always_open: false, hours: 'Mon–Fri 8–18', region: 'Metro', phone: '+1 555 010 2000', sms: null, sms_body: null, web: 'https://eap.metro.example', notes: null },
      { name: 'Dr. Ames', kind: 'counselor', specialties: [], first_responder_competent: false, telehealth: false, languages: [], cost: null, always_open: false, hours: null, region: null, phone: null, sms: null, sms_body: null, web: 'http://ames.example', notes: null },
    ],
  },
  problems: [{ index: 1, field: 'web', message: 'must start with https://' }],
  published_version: 4,
  unpublished_changes: true,
};

/** @param {number} requests @param {number} claimed @returns {import('../../ui/src/bindings').Summary} */
const summary = (requests, claimed) => ({ requests, claimed, escalated: 1, expired_unclaimed: requests - claimed, claimed_pct: Math.floor((claimed * 100) / requests), escalated_pct: Math.floor(100 / requests), median_claim: 'under 5 minutes', p90_claim: 'under 15 minutes', claim_times: [2, claimed - 3, 1, 0, 0, 0] });
/** @type {import('../../ui/src/bindings').FiguresView} */
export const FIGURES = {
  periods: [
    { label: '2026-11-23 – 2026-11-29', first_day: '2026-11-23', last_day: '2026-11-29', summary: null, more_pending: true },
    { label: '2026-11-09 – 2026-11-22', first_day: '2026-11-09', last_day: '2026-11-22', summary: summary(6, 5), more_pending: false },
    { label: '2026-11-02 – 2026-11-08', first_day: '2026-11-02', last_day: '2026-11-08', summary: summary(9, 8), more_pending: false },
  ],
  months: [{ label: 'November 2026', first_day: '2026-11-01', last_day: '2026-11-30', summary: summary(15, 13), more_pending: true }],
  total: summary(15, 13),
  coverage: { weeks: 4, mean_peers: nights.map((n) => n * 1.5), scheduled_hours: 336, held_hours: 301, held_pct: 89 },
  rule: 'Figures from fewer than 5 requests are shown as "fewer than 5", with no breakdown, so that no figure can point to one officer\u2019s call.',
};

/** @type {import('../../ui/src/bindings').FollowUpView} A week after a critical incident. */
export const FOLLOW_UP = (() => {
  /**
   * @param {import('../../ui/src/bindings').Step} s @param {string} label @param {string} due
   * @param {import('../../ui/src/bindings').StepState} state @param {boolean} pcl5
   * @returns {import('../../ui/src/bindings').StepView}
   */
  const step = (s, label, due, state, pcl5) => ({ step: s, label, due_local: due, state, offer_pcl5: pcl5 });
  const week = step('week1', 'A week after', '2026-12-07T14:30:00', 'due', true);
  return {
    incident_day: '2026-11-30',
    steps: [
      step('day1', 'A day after', '2026-12-01T14:30:00', 'done', false),
      step('day3', 'Three days after', '2026-12-03T14:30:00', 'passed', false),
      week,
      step('month1', 'A month after', '2026-12-30T14:30:00', 'upcoming', true),
    ],
    current: week,
    source: 'After critical incident stress management practice.',
  };
})();
