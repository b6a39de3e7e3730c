// What the UI knows of the core between commands: the latest vault status, and the core's
// events. This is the only place that calls `listen`; screens subscribe here by event name
// and unsubscribe in their `dispose`.
import { listen } from '@tauri-apps/api/event';
import type { CoreEvents, VaultStatus } from './bindings';

// Every event and its payload type come from Rust (`CoreEvents` in bindings.ts, generated).
export type { CoreEvents };
export type CoreEvent = keyof CoreEvents;

// The compiler checks this against the generated CoreEvents both ways: a name missing or
// extra fails the type check.
const NAMES = Object.keys({
  'vault-status': true,
  'request-updated': true,
  'peer-event': true,
  'reminder-due': true,
  duty: true,
  conversation: true,
  link: true,
  'open-inbox': true,
  'open-invite': true,
} satisfies Record<CoreEvent, true>) as CoreEvent[];

/** The slice of Tauri's `listen` the store uses; a test passes a fake. */
export type Listen = (name: string, handler: (event: { payload: unknown }) => void) => Promise<unknown>;

export interface Store {
  /** The latest vault status: from every command that returned one and from the core's events. */
  readonly status: VaultStatus | undefined;
  setStatus(status: VaultStatus): void;
  /** Calls `handler` with each `name` event from now on; returns the unsubscribe. */
  on<E extends CoreEvent>(name: E, handler: (payload: CoreEvents[E]) => void): () => void;
  /** Listens to every core event; resolves once the core will deliver them. Once is enough. */
  start(): Promise<void>;
}

export function createStore(listenTo: Listen): Store {
  let status: VaultStatus | undefined;
  let started: Promise<void> | undefined;
  const handlers = new Map<CoreEvent, Set<(payload: unknown) => void>>();

  const deliver = (name: CoreEvent, payload: unknown): void => {
    if (name === 'vault-status') status = payload as VaultStatus;
    const set = handlers.get(name);
    if (!set) return;
    // A handler may swap screens, so subscriptions change while this runs: the screen
    // subscribed now does not get this event again, and a disposed one gets nothing more.
    for (const handler of [...set]) if (set.has(handler)) handler(payload);
  };

  return {
    get status() {
      return status;
    },
    setStatus(s) {
      status = s;
    },
    on(name, handler) {
      const set = handlers.get(name) ?? new Set();
      handlers.set(name, set);
      // The payload's type is the core's promise for this name (CoreEvents).
      const h = handler as (payload: unknown) => void;
      set.add(h);
      return () => void set.delete(h);
    },
    start() {
      started ??= Promise.all(NAMES.map((name) => listenTo(name, (ev) => deliver(name, ev.payload)))).then(
        () => undefined,
      );
      return started;
    },
  };
}

export const store: Store = createStore(listen);
