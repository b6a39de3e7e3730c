// A tiny element builder: enough for a handful of screens without a framework.

type Child = Node | string | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((ev: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(key.replace(/^on/, '').toLowerCase(), value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** Replaces the content of `root` and moves focus to its first heading for screen readers. */
export function mount(root: HTMLElement, ...nodes: Node[]): void {
  root.replaceChildren(...nodes);
  const heading = root.querySelector<HTMLElement>('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

/** A status line that screen readers announce. */
export function messageArea(): HTMLParagraphElement {
  return h('p', { class: 'message', role: 'status', 'aria-live': 'polite' });
}
