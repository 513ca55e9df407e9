// A tiny observable: the session and the language live in stores, and the
// App re-renders when either changes.
export function store(value) {
  const subs = new Set();
  return {
    get: () => value,
    set(v) { value = v; subs.forEach(f => f(v)); },
    subscribe(f) { subs.add(f); return () => subs.delete(f); },
  };
}
