"""Evaluations and pre/post tests (API §16): questions on the event,
answers once by attendees after the start, the event's quizzes taken by
confirmed registrants without a course, and the report (JSON and CSV):
counts, evaluation means checked against numbers computed here, free-text
answers, and the knowledge gain on a constructed set of attempts where
participants with only one of the two tests do not count. A reviewer's
report covers their own organisation only."""
import csv
import datetime
import io
import urllib.parse

from harness import Server, problem, run, finish

s = Server("evaluations").start()
admin = s.bootstrap()
org_a = s.org(admin, "Ministry A")
org_b = s.org(admin, "Ministry B")
coord_id, coord = s.user(admin, "coord@example.org", "coordinator", org_a)
rev_id, rev = s.user(admin, "rev@example.org", "reviewer", org_a)
A = [s.user(admin, "a%d@example.org" % i, "trainee", org_a) for i in range(1, 7)]
B = [s.user(admin, "b%d@example.org" % i, "trainee", org_b) for i in range(1, 3)]
c_id, c = s.user(admin, "c@example.org", "trainee", org_b)

GIFT = """::q1::Schengen has 29 members. {T}

::q2::Frontex is in Paris. {F}
"""


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def quiz(title):
    r = s.post("/api/v1/quizzes/import?" + urllib.parse.urlencode(
        {"title": title}), token=coord, raw=GIFT.encode(),
        content_type="text/plain; charset=utf-8")
    assert r.status == 201, r
    return r.json["id"]


PRE, POST = quiz("Pre-test"), quiz("Post-test")
QUESTIONS = [{"text": "Was it useful?", "kind": "scale"},
             {"text": "Was the pace right?", "kind": "scale"},
             {"text": "Comments", "kind": "text"}]


def make_event(started=True, **kw):
    t = now()
    if started:
        b = {"starts_at": iso(t - datetime.timedelta(hours=1)),
             "ends_at": iso(t + datetime.timedelta(days=1)),
             "registration_opens_at": iso(t - datetime.timedelta(hours=2)),
             "registration_closes_at": iso(t + datetime.timedelta(days=1))}
    else:
        b = {"starts_at": iso(t + datetime.timedelta(days=5)),
             "ends_at": iso(t + datetime.timedelta(days=6))}
    b.update({"kind": "seminar", "title": "Evaluated", "location": "Riga",
              "country": "LV", "capacity": 20, "evaluation": QUESTIONS,
              "pre_quiz_id": PRE, "post_quiz_id": POST})
    b.update(kw)
    r = s.post("/api/v1/events", b, token=coord)
    assert r.status == 201, r
    return r.json


def register(eid, token):
    r = s.post("/api/v1/events/%d/registrations" % eid, {}, token=token)
    assert r.status == 201, r
    return r.json


def evaluate(rid, token, answers):
    return s.post("/api/v1/registrations/%d/evaluation" % rid,
                  {"answers": answers}, token=token)


def attend(rid, status):
    r = s.put("/api/v1/registrations/%d/attendance" % rid, {"status": status},
              token=coord)
    assert r.status == 200, r


def test_event_fields():
    e = make_event(started=False)
    assert e["evaluation"] == [dict(q, id=i + 1) for i, q in enumerate(QUESTIONS)]
    assert e["pre_quiz_id"] == PRE and e["post_quiz_id"] == POST
    for bad in ([{"text": "", "kind": "scale"}], [{"text": "x", "kind": "stars"}],
                [{"text": "x"}], ["x"], [{"text": "x", "kind": "text", "id": 3}]):
        p = problem(s.patch("/api/v1/events/%d" % e["id"], {"evaluation": bad},
                            token=coord), 422)
        assert p["errors"][0]["field"] == "evaluation", (bad, p)
    p = problem(s.patch("/api/v1/events/%d" % e["id"], {"pre_quiz_id": 999999},
                        token=coord), 422)
    assert p["errors"][0]["field"] == "pre_quiz_id", p
    r = s.patch("/api/v1/events/%d" % e["id"], {"post_quiz_id": None},
                token=coord)
    assert r.status == 200 and r.json["post_quiz_id"] is None, r


def test_evaluation_refused_before_the_event():
    e = make_event(started=False)
    g = register(e["id"], A[0][1])
    p = problem(evaluate(g["id"], A[0][1], [{"question_id": 1, "value": 5}]), 409)
    assert "not started" in p["detail"], p


def test_report_and_knowledge():
    e = make_event()
    eid = e["id"]
    regs = {}
    for uid, tok in A + B:
        regs[uid] = register(eid, tok)
    a = [u for u, _ in A]
    b = [u for u, _ in B]
    tok = dict(A + B)
    for u, st in zip(a + b, ["attended"] * 4 + ["partial", "no_show",
                                                  "attended", "partial"]):
        attend(regs[u]["id"], st)

    # A confirmed registrant takes the tests without a course; others
    # cannot see them.
    assert s.get("/api/v1/quizzes/%d" % PRE, token=tok[a[0]]).status == 200
    problem(s.get("/api/v1/quizzes/%d" % PRE, token=c), 404)
    problem(s.post("/api/v1/quizzes/%d/attempts" % PRE, token=c), 404)
    att = s.post("/api/v1/quizzes/%d/attempts" % PRE, token=tok[a[0]])
    assert att.status == 201, att
    r = s.post("/api/v1/attempts/%d/submit" % att.json["id"], token=tok[a[0]])
    assert r.status == 200 and float(r.json["percent"]) == 0, r
    att = s.post("/api/v1/quizzes/%d/attempts" % POST, token=tok[a[0]]).json
    right = {"Schengen": 1, "Frontex": 2}     # True, False
    answers = [{"question_id": q["id"], "choice_ids": [
        right[q["text"].split()[0]]]} for q in att["questions"]]
    r = s.put("/api/v1/attempts/%d/answers" % att["id"], {"answers": answers},
              token=tok[a[0]])
    assert r.status == 204, r
    r = s.post("/api/v1/attempts/%d/submit" % att["id"], token=tok[a[0]])
    assert r.status == 200 and float(r.json["percent"]) == 100, r

    # The constructed set: (user, quiz, percent, minutes ago); None as
    # percent is an attempt never submitted.
    rows = [(a[1], PRE, 40, 50), (a[1], PRE, 60, 40),
            (a[1], POST, 50, 30), (a[1], POST, 80, 20),
            (a[2], PRE, 50, 30),                       # pre only
            (a[3], POST, 90, 30),                      # post only
            (a[4], PRE, 20, 30), (a[4], POST, 70, 20), (a[4], POST, None, 5),
            (b[0], PRE, 30, 30), (b[0], POST, 60, 20),
            (c_id, PRE, 0, 30), (c_id, POST, 100, 20)]  # not registered
    for u, q, pct, ago in rows:
        if pct is None:
            s.sql("INSERT INTO attempts (quiz_id, user_id, questions)"
                  " VALUES (%d, %d, '[]')" % (q, u))
        else:
            s.sql("INSERT INTO attempts (quiz_id, user_id, questions, started_at,"
                  " submitted_at, score, max_score, percent, passed, review)"
                  " VALUES (%d, %d, '[]', now() - interval '%d min',"
                  " now() - interval '%d min', %d, 100, %d, true, '[]')"
                  % (q, u, ago + 1, ago, pct, pct))
    pairs_all = {a[0]: (0, 100), a[1]: (40, 80), a[4]: (20, 70), b[0]: (30, 60)}
    pairs_a = {k: v for k, v in pairs_all.items() if k != b[0]}

    # Evaluations: once, attendees only, answers checked.
    given = {a[0]: [(1, 5), (2, 3), (3, "Great")], a[1]: [(1, 4), (2, 2)],
             a[2]: [(1, 3), (3, "Too long")], a[4]: [(1, 2), (2, 5), (3, "ok")],
             b[0]: [(1, 1), (3, "B says")]}

    def body(ans):
        return [{"question_id": q, ("text" if isinstance(v, str) else "value"): v}
                for q, v in ans]

    for bad in ([{"question_id": 1, "value": 6}], [{"question_id": 9, "value": 1}],
                [{"question_id": 1, "text": "five"}], [{"question_id": 3, "value": 2}],
                [{"question_id": 1, "value": 2}, {"question_id": 1, "value": 3}],
                [{"question_id": 1, "value": 2.5}], [{"question_id": 1, "x": 1}]):
        p = problem(evaluate(regs[a[0]]["id"], tok[a[0]], bad), 422)
        assert p["errors"][0]["field"] == "answers", (bad, p)
    problem(s.post("/api/v1/registrations/%d/evaluation" % regs[a[0]]["id"],
                   {"answers": {}}, token=tok[a[0]]), 422)
    problem(evaluate(regs[a[0]]["id"], coord, body(given[a[0]])), 403)
    problem(evaluate(regs[a[0]]["id"], tok[a[1]], body(given[a[0]])), 404)
    problem(evaluate(regs[a[0]]["id"], rev, body(given[a[0]])), 403)
    for u, ans in given.items():
        b_ = body(ans)
        if u == b[0]:
            # Numbers spelt as 1.0 are the same numbers.
            b_ = [{k: float(v) if isinstance(v, int) else v
                   for k, v in x.items()} for x in b_]
        r = evaluate(regs[u]["id"], tok[u], b_)
        assert r.status == 201, r
        assert r.json["answers"] == body(ans), r
    problem(evaluate(regs[a[0]]["id"], tok[a[0]], body(given[a[0]])), 409)
    p = problem(evaluate(regs[a[5]]["id"], tok[a[5]], [{"question_id": 1,
                                                        "value": 4}]), 409)
    assert "no_show" in p["detail"], p
    # The questions cannot change once answered.
    problem(s.patch("/api/v1/events/%d" % eid, {"evaluation": QUESTIONS[:1]},
                    token=coord), 409)

    def expect(users, pairs, counts):
        ev = {u: dict(given[u]) for u in users if u in given}
        qs = []
        for i, q in enumerate(QUESTIONS, 1):
            vals = [d[i] for d in ev.values() if i in d]
            item = {"id": i, "text": q["text"], "kind": q["kind"], "n": len(vals)}
            if q["kind"] == "scale":
                item["mean"] = round(sum(vals) / len(vals), 2) if vals else None
            else:
                item["mean"] = None
                item["answers"] = vals
            qs.append(item)
        pre = [p[0] for p in pairs.values()]
        post = [p[1] for p in pairs.values()]
        return dict(counts, evaluation={"responses": len(ev), "questions": qs},
                    knowledge={"paired": len(pairs),
                               "pre_mean_percent": round(sum(pre) / len(pre), 2),
                               "post_mean_percent": round(sum(post) / len(post), 2),
                               "gain_points": round(sum(post) / len(post) -
                                                    sum(pre) / len(pre), 2)})

    def same(got, want, path="report"):
        if isinstance(want, float) or isinstance(got, float):
            assert abs(float(got) - float(want)) < 0.006, (path, got, want)
        elif isinstance(want, dict):
            for k, v in want.items():
                same(got[k], v, path + "." + k)
        elif isinstance(want, list):
            assert len(got) == len(want), (path, got, want)
            for i, (x, y) in enumerate(zip(got, want)):
                same(x, y, "%s[%d]" % (path, i))
        else:
            assert got == want, (path, got, want)

    full = s.get("/api/v1/events/%d/report" % eid, token=coord)
    assert full.status == 200, full
    same(full.json, expect(a + b, pairs_all, {
        "registered": 8, "confirmed": 8, "waitlisted": 0, "attended": 5,
        "partial": 2, "no_show": 1}))
    mine = s.get("/api/v1/events/%d/report" % eid, token=rev)
    assert mine.status == 200, mine
    same(mine.json, expect(a, pairs_a, {
        "registered": 6, "confirmed": 6, "waitlisted": 0, "attended": 4,
        "partial": 1, "no_show": 1}))
    problem(s.get("/api/v1/events/%d/report" % eid, token=tok[a[0]]), 403)
    problem(s.get("/api/v1/events/999999/report", token=coord), 404)
    problem(s.get("/api/v1/events/999999/report?format=csv", token=coord), 404)
    problem(s.get("/api/v1/events/%d/report?format=xml" % eid, token=coord), 400)

    # The CSV says the same.
    r = s.get("/api/v1/events/%d/report?format=csv" % eid, token=coord)
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["section", "item", "n", "value"], rows
    got = {(x[0], x[1]): x for x in rows[1:] if x[0] != "answer"}
    j = full.json
    for k in ("registered", "confirmed", "waitlisted", "attended", "partial",
              "no_show"):
        assert int(got[("count", k)][3]) == j[k]
    for q in j["evaluation"]["questions"]:
        row = got[("question", q["text"])]
        assert int(row[2]) == q["n"]
        assert (row[3] == "" and q["mean"] is None) or \
            abs(float(row[3]) - q["mean"]) < 0.006, (row, q)
    assert [x[3] for x in rows if x[0] == "answer"] == ["Great", "Too long",
                                                        "ok", "B says"]
    for k, v in j["knowledge"].items():
        assert abs(float(got[("knowledge", k)][3]) - v) < 0.006, (k, v)

    # Nobody paired: means are null, not an error.
    e2 = make_event()
    r = s.get("/api/v1/events/%d/report" % e2["id"], token=coord).json
    assert r["knowledge"] == {"paired": 0, "pre_mean_percent": None,
                              "post_mean_percent": None, "gain_points": None}, r


run(test_event_fields, test_evaluation_refused_before_the_event,
    test_report_and_knowledge)
finish(s)
