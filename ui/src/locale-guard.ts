// WebKitGTK reports the POSIX locale "C" as `navigator.language` when the app runs with
// LANG=C (containers, CI, some desktops). Intl rejects that tag, and uPlot builds a number
// formatter from it when its module loads, which would stop the whole UI from starting.
// Imported first by main.ts so it runs before any module that reads the language.
function valid(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length > 0;
  } catch {
    return false;
  }
}

if (!valid(navigator.language)) {
  const usable = (navigator.languages ?? []).find(valid) ?? 'en-US';
  Object.defineProperty(navigator, 'language', { configurable: true, get: () => usable });
}

export {};
