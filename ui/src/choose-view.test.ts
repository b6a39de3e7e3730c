import { describe, expect, it } from 'vitest';
import type { PeerCard } from './bindings';
// The form and the no-match panel are DOM: the a11y suite draws them in Chromium.
import { choiceCount, emptyPreferences, optionsFrom, peerLine } from './choose-view';

function card(key_id: string, over: Partial<PeerCard> = {}): PeerCard {
  return {
    key_id,
    display_name: key_id.toUpperCase(),
    languages: ['English'],
    specialties: [],
    on_duty_hours: null,
    unit: null,
    gender: null,
    rank_group: null,
    service_years: null,
    ...over,
  };
}

const peers = [
  card('ana', { unit: 'Patrol North', gender: 'woman', languages: ['English', 'Spanish'] }),
  card('ben', { unit: 'patrol north', gender: 'man', specialties: ['family'] }),
  card('cat', { unit: 'Dispatch', languages: ['english'] }),
];

describe('choosing who may read a request', () => {
  it('offers what the roster has, once each, case aside', () => {
    const o = optionsFrom(peers);
    expect(o.units).toEqual(['Patrol North', 'Dispatch']);
    expect(o.genders).toEqual(['woman', 'man']);
    expect(o.languages).toEqual(['English', 'Spanish']);
    expect(o.experience).toEqual(['family']);
  });

  it('counts the choices so a choice is never hidden', () => {
    const prefs = emptyPreferences();
    expect(choiceCount(prefs)).toBe(0);
    prefs.not_units = ['Patrol North', 'Dispatch'];
    prefs.gender = 'woman';
    prefs.escalate_to_all = true;
    expect(choiceCount(prefs)).toBe(3);
    expect(peerLine(peers[0])).toBe('ANA \u2014 Patrol North');
    expect(peerLine(peers[2])).toBe('CAT \u2014 Dispatch');
    expect(peerLine(card('dan'))).toBe('DAN');
  });
});
