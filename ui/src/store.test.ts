import { describe, expect, it } from 'vitest';
import type { PeerEvent, VaultStatus } from './bindings';
import { createStore, type Listen } from './store';

/** A fake `listen` that records the names and lets a test fire events. */
function fakeCore() {
  const listeners = new Map<string, (event: { payload: unknown }) => void>();
  const listen: Listen = async (name, handler) => {
    listeners.set(name, handler);
    return () => undefined;
  };
  const emit = (name: string, payload: unknown) => listeners.get(name)?.({ payload });
  return { listen, listeners, emit };
}

const ev = (request_id: string): PeerEvent => ({ request_id, new_request: false });

const LOCKED: VaultStatus = { state: 'locked', reason: 'app_lock', retry_after_secs: null };

describe('store', () => {
  it('listens to every core event once, however often it is started', async () => {
    const core = fakeCore();
    let calls = 0;
    const store = createStore((name, handler) => {
      calls++;
      return core.listen(name, handler);
    });
    await Promise.all([store.start(), store.start()]);
    expect([...core.listeners.keys()].sort()).toEqual(['conversation', 'duty', 'link', 'open-inbox', 'open-invite', 'peer-event', 'reminder-due', 'request-updated', 'vault-status']);
    expect(calls).toBe(9);
  });

  it('delivers events by name until unsubscribed, and keeps the latest vault status', async () => {
    const core = fakeCore();
    const store = createStore(core.listen);
    await store.start();
    const seen: string[] = [];
    const off = store.on('peer-event', (e) => seen.push(e.request_id ?? ''));
    core.emit('peer-event', ev('r1'));
    off();
    core.emit('peer-event', ev('r2'));
    expect(seen).toEqual(['r1']);

    expect(store.status).toBeUndefined();
    core.emit('vault-status', LOCKED);
    expect(store.status).toBe(LOCKED);
  });

  it('does not hand an event to a handler removed or added while it is delivered', async () => {
    const core = fakeCore();
    const store = createStore(core.listen);
    await store.start();
    const seen: string[] = [];
    let offSecond = () => {};
    store.on('peer-event', (e) => {
      seen.push(`first ${e.request_id}`);
      offSecond();
      store.on('peer-event', (again) => seen.push(`added ${again.request_id}`));
    });
    offSecond = store.on('peer-event', (e) => seen.push(`second ${e.request_id}`));
    core.emit('peer-event', ev('r1'));
    expect(seen).toEqual(['first r1']);
  });
});
