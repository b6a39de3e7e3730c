// Words and query-building for the directory screen, kept apart from the DOM so they can
// be tested on their own.
import type { AgencyInfo, Hit, Kind, Query } from './bindings';

export const KINDS: { kind: Kind; label: string; plural: string }[] = [
  { kind: 'crisis_line', label: 'Crisis line', plural: 'Crisis lines' },
  { kind: 'counselor', label: 'Counselor', plural: 'Counselors' },
  { kind: 'eap', label: 'EAP', plural: 'EAP' },
  { kind: 'chaplain', label: 'Chaplain', plural: 'Chaplains' },
  { kind: 'program', label: 'Program', plural: 'Programs' },
  { kind: 'peer_team', label: 'Peer team', plural: 'Peer teams' },
];

export const SPECIALTIES = ['trauma', 'PTSD', 'substance use', 'couples/family', 'grief', 'critical incident'];

export const COSTS: { value: string; label: string }[] = [
  { value: 'free', label: 'Free' },
  { value: 'eap_covered', label: 'Covered by EAP' },
  { value: 'insurance', label: 'Insurance' },
  { value: 'sliding_scale', label: 'Sliding scale' },
];

export const LANGUAGES: { value: string; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'es', label: 'Spanish' },
];

/** What the officer has set on the screen. */
export interface Filters {
  text: string;
  kinds: Kind[];
  specialty: string;
  cost: string;
  language: string;
  firstResponder: boolean;
  telehealth: boolean;
  alwaysOpen: boolean;
}

export function emptyFilters(): Filters {
  return { text: '', kinds: [], specialty: '', cost: '', language: '', firstResponder: false, telehealth: false, alwaysOpen: false };
}

/** The core query for what is on screen; an unset choice is no filter. */
export function toQuery(f: Filters): Query {
  return {
    text: f.text,
    kinds: f.kinds,
    specialty: f.specialty || null,
    first_responder_competent: f.firstResponder,
    telehealth: f.telehealth,
    language: f.language || null,
    cost: f.cost || null,
    always_open: f.alwaysOpen,
    region: null,
    origin: null,
    limit: 100,
  };
}

/** How many filters beyond the words are set, for the "More filters (2)" label. */
export function filterCount(f: Filters): number {
  return (
    f.kinds.length +
    [f.specialty, f.cost, f.language].filter(Boolean).length +
    [f.firstResponder, f.telehealth, f.alwaysOpen].filter(Boolean).length
  );
}

export function kindLabel(k: Kind): string {
  return KINDS.find((x) => x.kind === k)?.label ?? k;
}

function costLabel(c: string): string {
  return COSTS.find((x) => x.value === c)?.label ?? c;
}

function languageLabel(l: string): string {
  return LANGUAGES.find((x) => x.value === l.toLowerCase())?.label ?? l;
}

/** Short facts shown under an entry's name, in a fixed order. */
export function badges(hit: Hit): string[] {
  const e = hit.entry;
  const out = [kindLabel(e.kind)];
  out.push(e.always_open ? 'Open 24/7' : (e.hours ?? 'Hours not listed'));
  if (e.first_responder_competent) out.push('Knows first responders');
  if (e.telehealth) out.push('Telehealth');
  if (e.cost) out.push(costLabel(e.cost));
  if (e.languages.length > 0) out.push(e.languages.map(languageLabel).join(', '));
  return out;
}

/** Where an entry comes from, in words. */
export function provenance(hit: Hit): string {
  if (hit.origin === 'agency') return "From your agency's list";
  let site = hit.source_url ?? '';
  try {
    site = new URL(site).host.replace(/^www\./, '');
  } catch {
    // Keep it as written.
  }
  return hit.checked_on ? `Checked ${hit.checked_on} against ${site}` : 'Built into Peerline';
}

export function resultCount(n: number, searched: boolean): string {
  if (n === 0) {
    return searched
      ? 'Nothing matches. Try fewer words or filters; the crisis lines are always under Crisis help.'
      : 'The list is empty.';
  }
  return n === 1 ? '1 place to get help' : `${n} places to get help`;
}

/** What the footer says about the agency's own list. */
export function agencyWords(info: AgencyInfo | null, joined: boolean): string {
  if (!joined) return "Join your team to add your agency's own counselors, EAP and chaplains to this list.";
  if (!info || info.version === null) return "Your coordinator has not published your agency's list yet.";
  const n = info.entries === 1 ? '1 entry' : `${info.entries} entries`;
  return `Your agency's list: version ${info.version}, ${n}.`;
}

/** A specialty as people write it: the built-in list stores tags ("critical_incident"). */
export function specialtyLabel(s: string): string {
  const t = s.trim().toLowerCase().replace(/[_\s]+/g, ' ');
  if (t === 'ptsd') return 'PTSD';
  if (t === 'couples family') return 'couples/family';
  return t;
}
