// Which modules of a course the caller has done: the enrolment's `modules`
// [{module_id, done, done_at}] (API §17), so the outline is the same on
// every device.
export function doneSet(enrollment) {
  if (!enrollment || !Array.isArray(enrollment.modules)) return new Set();
  return new Set(enrollment.modules.filter(m => m.done).map(m => m.module_id));
}
