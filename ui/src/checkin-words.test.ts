import { describe, expect, it } from 'vitest';
import { sleepWords, tagLabel, when, word } from './checkin-words';

describe('check-in words', () => {
  it('names every point of every scale', () => {
    expect(word('mood', 1)).toBe('Very low');
    expect(word('mood', 5)).toBe('Very good');
    expect(word('stress', 5)).toBe('Overwhelmed');
    expect(word('energy', 3)).toBe('Okay');
  });

  it('names tags as the chips do', () => {
    expect(tagLabel('shift_change')).toBe('Shift change');
    expect(tagLabel('critical_incident')).toBe('Critical incident');
  });

  it('says sleep in hours and halves', () => {
    expect(sleepWords(0)).toBe('No sleep');
    expect(sleepWords(1)).toBe('0½ h');
    expect(sleepWords(14)).toBe('7 h');
    expect(sleepWords(15)).toBe('7½ h');
  });

  it('says today and yesterday', () => {
    const now = new Date(2026, 10, 25, 12, 0);
    expect(when(new Date(2026, 10, 25, 8, 5).toISOString(), now)).toMatch(/^Today/);
    expect(when(new Date(2026, 10, 24, 23, 0).toISOString(), now)).toMatch(/^Yesterday/);
  });
});
