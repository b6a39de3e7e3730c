import { describe, expect, it } from 'vitest';
import type { Hit } from './bindings';
import { agencyWords, badges, emptyFilters, filterCount, provenance, resultCount, specialtyLabel, toQuery } from './directory-view';

function hit(over: Partial<Hit['entry']> = {}, origin: Hit['origin'] = 'builtin'): Hit {
  return {
    id: 'x',
    origin,
    entry: {
      name: 'Test',
      kind: 'counselor',
      specialties: [],
      first_responder_competent: false,
      telehealth: false,
      languages: [],
      cost: null,
      always_open: false,
      hours: null,
      region: null,
      phone: null,
      sms: null,
      sms_body: null,
      web: null,
      notes: null,
      ...over,
    },
    actions: [],
    source_url: origin === 'builtin' ? 'https://www.example.org/page' : null,
    checked_on: origin === 'builtin' ? '2026-11-25' : null,
  };
}

describe('directory view', () => {
  it('turns unset choices into no filter', () => {
    const q = toQuery(emptyFilters());
    expect(q.specialty).toBeNull();
    expect(q.cost).toBeNull();
    expect(q.language).toBeNull();
    expect(q.kinds).toEqual([]);
    expect(q.first_responder_competent).toBe(false);
  });

  it('passes every set filter through', () => {
    const f = { ...emptyFilters(), text: 'coun', kinds: ['eap' as const], specialty: 'PTSD', cost: 'free', language: 'es', firstResponder: true, telehealth: true, alwaysOpen: true };
    const q = toQuery(f);
    expect(q).toMatchObject({ text: 'coun', kinds: ['eap'], specialty: 'PTSD', cost: 'free', language: 'es', first_responder_competent: true, telehealth: true, always_open: true });
    expect(filterCount(f)).toBe(7);
    expect(filterCount(emptyFilters())).toBe(0);
  });

  it('describes an entry in words', () => {
    expect(badges(hit({ always_open: true, cost: 'eap_covered', languages: ['en', 'es'], telehealth: true, first_responder_competent: true }))).toEqual([
      'Counselor',
      'Open 24/7',
      'Knows first responders',
      'Telehealth',
      'Covered by EAP',
      'English, Spanish',
    ]);
    expect(badges(hit({ hours: 'Mon-Fri 9-5', kind: 'chaplain' }))).toEqual(['Chaplain', 'Mon-Fri 9-5']);
    expect(badges(hit())).toContain('Hours not listed');
  });

  it('says where an entry comes from', () => {
    expect(provenance(hit())).toBe('Checked 2026-11-25 against example.org');
    expect(provenance(hit({}, 'agency'))).toBe("From your agency's list");
  });

  it('counts results and explains an empty search', () => {
    expect(resultCount(1, true)).toBe('1 place to get help');
    expect(resultCount(3, false)).toBe('3 places to get help');
    expect(resultCount(0, true)).toMatch(/Crisis help/);
  });

  it('explains the agency list', () => {
    expect(agencyWords(null, false)).toMatch(/Join your team/);
    expect(agencyWords(null, true)).toMatch(/not published/);
    expect(agencyWords({ version: 2, entries: 5, installed_at_utc: 'x', refused: null }, true)).toBe("Your agency's list: version 2, 5 entries.");
  });

  it('writes specialty tags as words', () => {
    expect(['critical_incident', 'ptsd', 'couples_family', 'PTSD', 'substance use'].map(specialtyLabel)).toEqual([
      'critical incident',
      'PTSD',
      'couples/family',
      'PTSD',
      'substance use',
    ]);
  });
});
