import { describe, expect, it } from 'vitest';
import type { CheckIn } from './bindings';
import { draftOf, noteOrNull } from './checkin-form';

describe('check-in form', () => {
  const saved: CheckIn = {
    id: 'abc',
    recorded_at_utc: '2026-11-25T08:00:00Z',
    utc_offset_min: -300,
    mood: 2,
    stress: 4,
    energy: 3,
    sleep_half_hours: 11,
    tags: ['family', 'work'],
    note: 'Long shift.',
  };

  it('starts an edit from the saved entry, tags included', () => {
    expect(draftOf(saved)).toEqual({
      mood: 2,
      stress: 4,
      energy: 3,
      sleep_half_hours: 11,
      tags: ['family', 'work'],
      note: 'Long shift.',
    });
  });

  it('leaves the saved entry alone while the draft changes', () => {
    const draft = draftOf(saved);
    draft.tags.push('court');
    expect(saved.tags).toEqual(['family', 'work']);
  });

  it('treats a blank note as none', () => {
    expect(noteOrNull('   \n')).toBeNull();
    expect(noteOrNull(' ok ')).toBe(' ok ');
  });
});
