// Words for each point on the check-in scales: officers pick a word, not a number.
import type { Tag } from './bindings';

export const SCALES = {
  mood: { label: 'Mood', words: ['Very low', 'Low', 'Okay', 'Good', 'Very good'] },
  stress: { label: 'Stress', words: ['Calm', 'A little', 'Some', 'High', 'Overwhelmed'] },
  energy: { label: 'Energy', words: ['Drained', 'Low', 'Okay', 'Good', 'Full'] },
} as const;

export type ScaleName = keyof typeof SCALES;

export const TAGS: { tag: Tag; label: string }[] = [
  { tag: 'critical_incident', label: 'Critical incident' },
  { tag: 'family', label: 'Family' },
  { tag: 'sleep', label: 'Sleep' },
  { tag: 'health', label: 'Health' },
  { tag: 'work', label: 'Work' },
  { tag: 'court', label: 'Court' },
  { tag: 'shift_change', label: 'Shift change' },
  { tag: 'other', label: 'Other' },
];

export function tagLabel(tag: Tag): string {
  return TAGS.find((t) => t.tag === tag)?.label ?? tag;
}

export function word(scale: ScaleName, value: number): string {
  return SCALES[scale].words[value - 1] ?? String(value);
}

export function sleepWords(halfHours: number): string {
  const hours = Math.floor(halfHours / 2);
  const half = halfHours % 2 === 1;
  if (hours === 0 && !half) return 'No sleep';
  return `${hours}${half ? '½' : ''} h`;
}

/** "Today 21:40", "Yesterday 06:10" or a date, in the officer's local time. */
export function when(isoUtc: string, now = new Date()): string {
  const d = new Date(isoUtc);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const day = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diff = Math.round((day(now) - day(d)) / 86_400_000);
  if (diff === 0) return `Today ${time}`;
  if (diff === 1) return `Yesterday ${time}`;
  return `${d.toLocaleDateString()} ${time}`;
}
