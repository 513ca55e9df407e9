// Which modules of a course the caller has done. The enrolment lists them
// when the API provides `modules` (§17); until then this browser remembers
// the lessons it marked done, and a completed course has all of them done.
const KEY = 'migtrain.done';

function load() {
  try { return JSON.parse(localStorage.getItem(KEY) || '{}'); } catch (e) { return {}; }
}

export function markDone(userId, moduleId) {
  const all = load();
  const k = String(userId);
  all[k] = Array.from(new Set([...(all[k] || []), moduleId]));
  try { localStorage.setItem(KEY, JSON.stringify(all)); } catch (e) { /* ignore */ }
}

export function doneSet(userId, enrollment, course) {
  if (!enrollment) return new Set();
  if (Array.isArray(enrollment.modules))
    return new Set(enrollment.modules.filter(m => m.done).map(m => m.module_id));
  if (enrollment.completed_at) return new Set(course.modules.map(m => m.id));
  return new Set(load()[String(userId)] || []);
}
