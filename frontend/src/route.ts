import { useEffect, useState } from 'react';

/** The views, addressed by the URL hash so reloads and the back button work with any static host. */
export type Route =
  | { name: 'predict' }
  | { name: 'calls' }
  | { name: 'call'; id: string }
  | { name: 'record' }
  | { name: 'account' }
  | { name: 'signin' }
  | { name: 'signup' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const match = /^\/calls\/([^/]+)\/?$/.exec(path);
  if (match?.[1]) return { name: 'call', id: safeDecode(match[1]) };
  if (/^\/calls\/?$/.test(path)) return { name: 'calls' };
  if (/^\/record\/?$/.test(path)) return { name: 'record' };
  if (/^\/account\/?$/.test(path)) return { name: 'account' };
  if (/^\/signin\/?$/.test(path)) return { name: 'signin' };
  if (/^\/signup\/?$/.test(path)) return { name: 'signup' };
  return { name: 'predict' };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray % in a hand-typed URL: look it up as it is
  }
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    // The same view again (e.g. "#/" after "#"): keep the route, so nothing reloads or moves focus.
    const onChange = () =>
      setRoute((previous) => {
        const next = parseRoute(window.location.hash);
        return JSON.stringify(next) === JSON.stringify(previous) ? previous : next;
      });
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(hash: string): void {
  window.location.hash = hash;
}
