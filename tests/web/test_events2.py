"""Browser tests of the event screens of issue 13, part 2: the quota
editor of the coordinator's event form (client and server messages at the
fields), the registration list with each person's organisation, email,
nominator and note, the attendee's evaluation (sent once; the report
counts it), and event times entered and shown on the office's clock
(Europe/Vilnius) from a browser in another zone. tests/web/events2.mjs
drives Debian's Chromium; screenshots go to MIGTRAIN_TEST_OUT/events2."""
import datetime
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from harness import Server, SOURCE, PASSWORD, run, finish  # noqa: E402

MODULES = os.environ.get("MIGTRAIN_WEB_MODULES", "build/web/node_modules")
OUT = os.path.join(os.environ.get("MIGTRAIN_TEST_OUT", "build/test-output/web"), "events2")

s = Server("webevents2").start()
admin = s.bootstrap()
org_a = s.org(admin, "State Border Guard Service")
org_b = s.org(admin, "Migration Department")
_, coord = s.user(admin, "coord@example.org", "coordinator", org_a, "Coordinator Vaitkus")
_, reviewer = s.user(admin, "reviewer@example.org", "reviewer", org_b, "Reviewer Jankauskas")
learner_id, learner = s.user(admin, "learner@example.org", "trainee", org_a, "Aistė Learner")
nominee_id, _ = s.user(admin, "nominee@example.org", "trainee", org_b, "Bronius Nominee", login=False)


def iso(d):
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def setup():
    """A seminar that began an hour ago, with a test before and two
    evaluation questions: the learner registered and attended; the reviewer
    nominated an official of their organisation with a note."""
    now = datetime.datetime.now(datetime.timezone.utc)
    r = s.post("/api/v1/quizzes/import?" + urllib.parse.urlencode({"title": "Fraud basics"}), token=coord,
               raw="::q1::A passport has a machine-readable zone. {T}\n".encode(),
               content_type="text/plain; charset=utf-8")
    assert r.status == 201, r
    pre = r.json["id"]
    r = s.post("/api/v1/events", {"kind": "seminar", "title": "Document fraud seminar", "location": "Vilnius",
               "country": "LT", "starts_at": iso(now - datetime.timedelta(hours=1)),
               "ends_at": iso(now + datetime.timedelta(hours=6)), "capacity": 10,
               "registration_opens_at": iso(now - datetime.timedelta(hours=2)),
               "registration_closes_at": iso(now + datetime.timedelta(hours=5)), "pre_quiz_id": pre,
               "evaluation": [{"text": "How useful was the seminar?", "kind": "scale"},
                              {"text": "What should change next time?", "kind": "text"}]}, token=coord)
    assert r.status == 201, r
    eid = r.json["id"]
    r = s.post("/api/v1/events/%d/registrations" % eid, {}, token=learner)
    assert r.status == 201 and r.json["status"] == "confirmed", r
    r = s.put("/api/v1/registrations/%d/attendance" % r.json["id"], {"status": "attended"}, token=coord)
    assert r.status == 200, r
    r = s.post("/api/v1/events/%d/nominations" % eid, {"user_id": nominee_id, "note": "Leads the airport shift."},
               token=reviewer)
    assert r.status == 201, r
    return {"event_id": eid, "org_a": org_a, "org_b": org_b}


def test_events2_browser():
    fixture = setup()
    fixture.update({"base": "http://127.0.0.1:%d" % s.port, "password": PASSWORD, "out": OUT,
                    "modules": MODULES, "source": os.path.abspath(SOURCE)})
    os.makedirs(OUT, exist_ok=True)
    env = dict(os.environ, MIGTRAIN_WEB_FIXTURE=json.dumps(fixture))
    r = subprocess.run(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "events2.mjs")],
                       env=env, timeout=1200)
    assert r.returncode == 0, "events2 browser test failed (see above)"


run(test_events2_browser)
finish(s)
