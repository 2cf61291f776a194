import { useEffect, useState } from 'react';

/** The views, addressed by the URL hash so reloads and the back button work with any static host. */
export type Route = { name: 'predict' } | { name: 'calls' } | { name: 'call'; id: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const match = /^\/calls\/([^/]+)\/?$/.exec(path);
  if (match?.[1]) return { name: 'call', id: decodeURIComponent(match[1]) };
  if (/^\/calls\/?$/.test(path)) return { name: 'calls' };
  return { name: 'predict' };
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(hash: string): void {
  window.location.hash = hash;
}
