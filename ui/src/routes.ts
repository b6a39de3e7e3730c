// Which screen shows: the vault's state first (set-up, lock, a problem), and once the vault
// is open, the route. One screen at a time: the router disposes it before mounting the next.
import { api } from './api';
import type { VaultStatus } from './bindings';
import { h, mount } from './dom';
import { describe, toErrorBody } from './errors';
import type { Screen } from './screen';
import { directory } from './screens/directory';
import { historyScreen } from './screens/history';
import { home } from './screens/home';
import { join } from './screens/join';
import { onboarding } from './screens/onboarding';
import { peerScreen } from './screens/peer';
import { problem } from './screens/problem';
import { calm } from './screens/calm';
import { consoleScreen } from './screens/console';
import { lockedPlan, safetyPlan } from './screens/safety-plan';
import { screeners } from './screens/screeners';
import { settings } from './screens/settings';
import { talk } from './screens/talk';
import { trends } from './screens/trends';
import { unlock } from './screens/unlock';
import { welcome } from './screens/welcome';
import { store } from './store';

/** The pages of the open app. */
export type Route =
  | 'home'
  | 'welcome'
  | 'settings'
  | 'talk'
  | 'join'
  | 'peer'
  | 'screeners'
  | 'trends'
  | 'history'
  | 'directory'
  | 'safety-plan'
  | 'calm'
  | 'console';

type OpenStatus = Extract<VaultStatus, { state: 'unlocked' }>;

/** What a route's screen is made with. */
interface RouteContext {
  status: OpenStatus;
  /** Hands a status a command returned to the router, which shows the screen for it. */
  show: (s: VaultStatus) => void;
  navigate: (to: Route) => void;
  /** `navigate(to)` as a link's handler. */
  to: (to: Route) => () => void;
}

const ROUTES: Record<Route, (c: RouteContext) => Screen> = {
  home: (c) =>
    home(c.status, c.show, {
      settings: c.to('settings'),
      screeners: c.to('screeners'),
      trends: c.to('trends'),
      history: c.to('history'),
      directory: c.to('directory'),
      talk: c.to('talk'),
      peer: c.to('peer'),
      plan: c.to('safety-plan'),
      calm: c.to('calm'),
    }),
  // The last step of set-up (see `show`): joining from here leads home, team or not.
  welcome: (c) => welcome({ join: c.to('join'), done: c.to('home') }),
  join: (c) => join(c.to('home'), c.to('home')),
  settings: (c) => settings(c.status, c.show, c.to('home'), c.to('console')),
  talk: talkOrJoin,
  peer: (c) => peerScreen(c.to('home')),
  screeners: (c) => screeners({ back: c.to('home'), talk: c.to('talk'), plan: c.to('safety-plan'), calm: c.to('calm') }),
  trends: (c) => trends({ back: c.to('home') }),
  history: (c) => historyScreen({ back: c.to('home') }),
  directory: (c) => directory({ back: c.to('home') }),
  'safety-plan': (c) => safetyPlan({ back: c.to('home') }),
  calm: (c) => calm({ back: c.to('home') }),
  console: (c) => consoleScreen(c.to('settings')),
};

/**
 * "Talk to a peer": the talk screen when this phone is on a team; otherwise joining one,
 * which leads on to the talk screen once joined.
 */
function talkOrJoin(c: RouteContext): Screen {
  let inner: Screen | undefined;
  let gone = false;
  return {
    async mount(root) {
      try {
        const team = await api.teamInfo();
        if (gone) return;
        inner = team
          ? talk(team, c.to('home'))
          : join((t) => c.navigate(t ? 'talk' : 'home'), c.to('home'));
        await inner.mount(root);
      } catch (e) {
        if (!gone) mount(root, h('h1', {}, 'Talk to a peer'), h('p', {}, describe(toErrorBody(e))));
      }
    },
    dispose() {
      gone = true;
      inner?.dispose?.();
    },
  };
}

export interface Router {
  /** Shows the screen for `status`: set-up, the lock, a problem, or the current route. */
  show(status: VaultStatus): void;
  /** Opens a page of the open app. */
  navigate(to: Route): void;
  /** The vault state the screen on show was chosen for; none before the first. */
  readonly state: VaultStatus['state'] | undefined;
  /** The page shown (or to show once the vault is open). */
  readonly route: Route;
}

export function createRouter(root: HTMLElement): Router {
  let route: Route = 'home';
  /** Where to go once the vault opens, when a page was asked for while it was locked. */
  let afterUnlock: Route | undefined;
  let screen: Screen | undefined;
  let state: VaultStatus['state'] | undefined;

  const swap = (next: Screen): void => {
    screen?.dispose?.();
    screen = next;
    void next.mount(root);
  };

  const show = (s: VaultStatus): void => {
    store.setStatus(s);
    state = s.state;
    switch (s.state) {
      case 'new':
        // Once the vault exists, finish set-up with the role and the team.
        route = 'home';
        swap(
          onboarding(s, (next) => {
            route = 'welcome';
            show(next);
          }),
        );
        break;
      case 'locked':
        // Unlocking leads home, or to the page asked for while locked (a notification's).
        route = afterUnlock ?? 'home';
        swap(
          unlock(
            s,
            (next) => {
              if (next.state === 'unlocked') afterUnlock = undefined;
              show(next);
            },
            (page) => navigate(page),
          ),
        );
        break;
      case 'unlocked':
        swap(ROUTES[route]({ status: s, show, navigate, to: (r) => () => navigate(r) }));
        break;
      case 'damaged':
      case 'key_missing':
      case 'unavailable':
        // The route stays: once the vault opens again, the same page is back.
        swap(problem(s, show));
        break;
    }
  };

  const navigate = (to: Route): void => {
    if (state === 'locked') {
      // Two pages need no vault: the next ten minutes, and the plan's copy the officer
      // chose to keep readable while locked. Back leads to the lock again.
      const back = () => {
        if (store.status) show(store.status);
      };
      if (to === 'calm') {
        swap(calm({ back }));
        return;
      }
      if (to === 'safety-plan') {
        swap(lockedPlan({ back }));
        return;
      }
      route = to;
      afterUnlock = to;
      return;
    }
    route = to;
    if (store.status) show(store.status);
  };

  return {
    show,
    navigate,
    get state() {
      return state;
    },
    get route() {
      return route;
    },
  };
}
