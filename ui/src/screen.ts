// The one shape of every full page of the app. The router (routes.ts) makes a screen from its
// factory, mounts it into the app's root, and disposes it before the next one mounts.

/**
 * A full page. Its factory only captures its arguments; the work starts in `mount`.
 * Sections that are parts of a page (erase.ts, passcode.ts, …) are plain elements instead.
 */
export interface Screen {
  /**
   * Draws the page into `root` (moving focus to its heading, see dom.ts `mount`). It may
   * finish after awaiting the core; if it is disposed meanwhile, it must draw nothing more.
   */
  mount(root: HTMLElement): void | Promise<void>;
  /** Stops what `mount` started: timers, subscriptions to core events. Called once. */
  dispose?(): void;
}

/** A screen drawn at once by `draw`, which returns what to call on leaving. */
export function drawnScreen(draw: (root: HTMLElement) => () => void): Screen {
  let stop = (): void => undefined;
  return {
    mount: (root) => {
      stop = draw(root);
    },
    dispose: () => stop(),
  };
}
