"""Browser tests of the staff screens (issue 13): a coordinator authors a
course, imports a GIFT quiz, runs an event with a waiting list and marks
attendance; a reviewer sees only their organisation and downloads CSV; an
admin deactivates a user whose open session ends. tests/web/staff.mjs
drives Debian's Chromium like app.mjs; screenshots go to
MIGTRAIN_TEST_OUT/staff."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from harness import Server, SOURCE, PASSWORD, run, finish  # noqa: E402

MODULES = os.environ.get("MIGTRAIN_WEB_MODULES", "build/web/node_modules")
OUT = os.path.join(os.environ.get("MIGTRAIN_TEST_OUT", "build/test-output/web"), "staff")

s = Server("webstaff").start()
admin = s.bootstrap()
org_a = s.org(admin, "State Border Guard Service")
org_b = s.org(admin, "Migration Department")
_, coord = s.user(admin, "coord@example.org", "coordinator", org_a, "Coordinator Vaitkus")
s.user(admin, "reviewer@example.org", "reviewer", org_a, "Reviewer Jankauskas", login=False)
trainees = []
for email, name in (("t1@example.org", "Aistė Trainee"), ("t2@example.org", "Bronius Trainee"),
                    ("t3@example.org", "Cecilija Trainee")):
    uid, tok = s.user(admin, email, "trainee", org_a, name)
    trainees.append({"id": uid, "email": email, "name": name, "token": tok})
other_id, other = s.user(admin, "other@example.org", "trainee", org_b, "Outsider Ottoson")
victim_id, _ = s.user(admin, "victim@example.org", "trainee", org_a, "Victor Victim", login=False)


def setup():
    """Records in both organisations: t1 and the outsider complete a
    published one-lesson course; a secondment in each organisation."""
    r = s.post("/api/v1/courses", {"slug": "fundamental-rights", "title": "Fundamental rights at the border",
               "summary": "Rights of every traveller.", "audience": ["all"], "language": "en",
               "published": True}, token=coord)
    assert r.status == 201, r
    cid = r.json["id"]
    r = s.post("/api/v1/courses/%d/modules" % cid, {"title": "Rights", "kind": "lesson",
               "body_md": "Everyone has rights."}, token=coord)
    assert r.status == 201, r
    mid = r.json["id"]
    for uid, tok in ((trainees[0]["id"], trainees[0]["token"]), (other_id, other)):
        r = s.post("/api/v1/enrollments", {"course_id": cid, "user_id": uid}, token=coord)
        assert r.status in (200, 201), r
        r = s.post("/api/v1/modules/%d/complete" % mid, {}, token=tok)
        assert r.status == 200, r
    for uid, country in ((trainees[1]["id"], "PL"), (other_id, "DE")):
        r = s.post("/api/v1/secondments", {"user_id": uid, "host_institution": "Border Guard HQ",
                   "host_country": country, "starts_on": "2026-03-01", "ends_on": "2026-03-31",
                   "purpose": "Exchange", "status": "completed"}, token=coord)
        assert r.status == 201, r
    return {"course_id": cid}


def test_staff_browser():
    fixture = setup()
    fixture.update({"base": "http://127.0.0.1:%d" % s.port, "password": PASSWORD, "out": OUT,
                    "modules": MODULES, "source": os.path.abspath(SOURCE),
                    "trainees": [{k: t[k] for k in ("id", "email", "name")} for t in trainees],
                    "other_id": other_id, "victim_id": victim_id})
    os.makedirs(OUT, exist_ok=True)
    env = dict(os.environ, MIGTRAIN_WEB_FIXTURE=json.dumps(fixture))
    r = subprocess.run(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "staff.mjs")],
                       env=env, timeout=1500)
    assert r.returncode == 0, "staff browser test failed (see above)"


run(test_staff_browser)
finish(s)
