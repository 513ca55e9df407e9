"""Quizzes and attempts (API §6): GIFT import, attempts that never show
answers before submission, grading of every question type (partial and
negative weights included), attempt limits, a real deadline, idempotent
submission, grading methods, and course completion through a passed quiz.
Courses and enrolments are set up in SQL, so these tests depend on the
quizzes code only."""
import json
import time
import urllib.parse

from harness import Server, problem, run, finish, wait_for

s = Server("quizzes").start()
admin = s.bootstrap()
org = s.org(admin, "Border Guard Service")
coord_id, coord = s.user(admin, "coord@example.org", "coordinator", org)
t1_id, t1 = s.user(admin, "t1@example.org", "trainee", org)
t2_id, t2 = s.user(admin, "t2@example.org", "trainee", org)

GIFT = """// every question type the platform grades
$CATEGORY: checks

::single::Capital of France? {=Paris ~London ~Berlin}

::multi::Pick the primes. {
~%50%Two#yes, 2 is prime
~%50%Three
~%-100%Four#no, 4 is 2 x 2
~%-100%Six
}

::tf::The sky is green. {F#Wrong, it is blue.#Right, it is not green.}

::short::Abbreviation of the Entry/Exit System? {=EES =Entry/Exit System#long form}

::num::How many months must a passport stay valid? {#3:0}

::range::Any number from 1 to 5. {#1..5}

::match::Match the systems. {
=SIS -> alerts
=VIS -> visas
=EES -> entries
}

::weighted::Partial single. {=Best ~%50%Half#half right ~Wrong}
"""
NQ = 8


def sql1(q, *args):
    return s.sql(q, *args)


def new_course(published=True):
    slug = "c-%d" % int(time.time() * 1e6)
    return int(sql1("INSERT INTO courses (slug, title, audience, published) "
                    "VALUES (:'v1', 'Course', '{border_guard}', :'v2') "
                    "RETURNING id", slug, "true" if published else "false"))


def enrol(user_id, course_id):
    return int(sql1("INSERT INTO enrollments (user_id, course_id) "
                    "VALUES (:'v1', :'v2') RETURNING id", user_id, course_id))


def import_quiz(text=GIFT, token=None, **q):
    params = dict(title="Quiz")
    params.update(q)
    query = urllib.parse.urlencode(params)
    return s.post("/api/v1/quizzes/import?" + query, token=token or coord,
                  raw=text.encode(), content_type="text/plain; charset=utf-8")


def quiz_in_course(text=GIFT, published=True, enrolled=(t1_id,), **q):
    """A quiz as a module of a fresh course the given users are enrolled in."""
    cid = new_course(published)
    r = import_quiz(text, course_id=cid, **q)
    assert r.status == 201, r
    for u in enrolled:
        enrol(u, cid)
    return r.json["id"], cid, r.json["module_id"]


def start(qid, token=t1, want=201):
    r = s.post("/api/v1/quizzes/%d/attempts" % qid, token=token)
    assert r.status == want, r
    return r.json


def by_text(attempt, prefix):
    for q in attempt["questions"]:
        if q["text"].startswith(prefix):
            return q
    raise AssertionError("no question " + prefix)


def choice(q, text):
    for c in q["choices"]:
        if c["text"] == text:
            return c["id"]
    raise AssertionError("no choice " + text)


def answers_for(att, spec):
    """spec: {question text prefix: value}; value is a list of choice
    texts, a string, a number or a list of pairs."""
    out = []
    for prefix, v in spec.items():
        q = by_text(att, prefix)
        a = {"question_id": q["id"]}
        if q["type"] in ("single", "multiple", "truefalse"):
            a["choice_ids"] = [choice(q, t) for t in v]
        elif q["type"] == "short":
            a["text"] = v
        elif q["type"] == "numeric":
            a["number"] = v
        else:
            a["pairs"] = v
        out.append(a)
    return out


def save(att, spec, token=t1, want=204):
    r = s.put("/api/v1/attempts/%d/answers" % att["id"],
              {"answers": answers_for(att, spec)}, token=token)
    assert r.status == want, r
    return r


def submit(att, token=t1):
    r = s.post("/api/v1/attempts/%d/submit" % att["id"], token=token)
    assert r.status == 200, r
    return r.json


ALL_RIGHT = {
    "Capital": ["Paris"], "Pick the primes": ["Two", "Three"],
    "The sky": ["False"], "Abbreviation": "  ees ", "How many": 3,
    "Any number": 4.5,
    "Match": [["SIS", "alerts"], ["VIS", "visas"], ["EES", "entries"]],
    "Partial single": ["Best"],
}

FORBIDDEN = ("weight", "feedback", "correct", "answer", "general_feedback",
             "answers", "pairs", "title", "category")


def walk_keys(o):
    if isinstance(o, dict):
        for k, v in o.items():
            yield k
            yield from walk_keys(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk_keys(v)


# ---------------------------------------------------------------------------

def test_import_rules():
    problem(import_quiz(token=t1), 403)
    r = s.post("/api/v1/quizzes/import?title=Q", token=coord,
               raw=GIFT.encode(), content_type="application/json")
    problem(r, 415)
    p = problem(import_quiz("::a::Fine {=yes ~no}\n\n::b::Essay? {}\n"), 422)
    assert "line 3" in p["detail"], p
    p = problem(import_quiz("Q {=a ~b\n"), 422)
    assert "line 1" in p["detail"], p
    problem(import_quiz(""), 422)
    r = s.post("/api/v1/quizzes/import", token=coord, raw=GIFT.encode(),
               content_type="text/plain")
    p = problem(r, 422)
    assert p["errors"][0]["field"] == "title", p
    problem(import_quiz(course_id=999999), 404)
    problem(import_quiz(pass_percent=101), 422)
    problem(import_quiz(grading="best"), 400)
    # Nothing was stored by the refusals above.
    assert sql1("SELECT count(*) FROM quizzes") == "0"

    r = import_quiz(pass_percent=60, max_attempts=2, time_limit_s=600,
                    shuffle="true", grading="average")
    assert r.status == 201, r
    q = r.json
    assert q == {"id": q["id"], "title": "Quiz", "pass_percent": 60,
                 "max_attempts": 2, "time_limit_s": 600, "shuffle": True,
                 "grading": "average", "question_count": NQ, "draw": 0}, q
    assert sql1("SELECT count(*) FROM audit_log WHERE action = 'quiz.import'"
                " AND object_id = :'v1'", q["id"]) == "1"

    # With a course: a quiz module at the next position, same transaction.
    cid = new_course()
    sql1("INSERT INTO modules (course_id, position, title, kind, body_md,"
         " body_html) VALUES (:'v1', 1, 'Intro', 'lesson', 'x', '<p>x</p>')",
         cid)
    r = import_quiz(course_id=cid, title="Final quiz")
    assert r.status == 201, r
    mod = sql1("SELECT position || ' ' || kind || ' ' || quiz_id || ' ' || title"
               " FROM modules WHERE id = :'v1'", r.json["module_id"])
    assert mod == "2 quiz %d Final quiz" % r.json["id"], mod
    # A body of up to 5 MiB is accepted by the route (not 413).
    big = ("// " + "x" * 1000 + "\n") * 2000 + "Q {T}\n"
    r = import_quiz(big)
    assert r.status == 201, r


def test_quiz_get_and_patch():
    qid, cid, _ = quiz_in_course(published=False)
    # A draft's quiz: hidden from learners, enrolled or not; staff see it.
    problem(s.get("/api/v1/quizzes/%d" % qid, token=t1), 404)
    problem(s.get("/api/v1/quizzes/%d" % qid, token=t2), 404)
    r = s.get("/api/v1/quizzes/%d" % qid, token=coord)
    assert r.status == 200 and "questions" not in r.json, r
    problem(s.get("/api/v1/quizzes/999999", token=coord), 404)
    problem(s.patch("/api/v1/quizzes/%d" % qid, {"pass_percent": 50},
                    token=t1), 403)
    problem(s.patch("/api/v1/quizzes/%d" % qid, {"colour": "red"},
                    token=coord), 422)
    problem(s.patch("/api/v1/quizzes/%d" % qid, {"grading": "best"},
                    token=coord), 422)
    r = s.patch("/api/v1/quizzes/%d" % qid, {"pass_percent": 50,
                "grading": "last", "shuffle": True, "title": " New "},
                token=coord)
    assert r.status == 200, r
    assert (r.json["pass_percent"], r.json["grading"], r.json["shuffle"],
            r.json["title"]) == (50, "last", True, "New"), r.json
    assert sql1("SELECT count(*) FROM audit_log WHERE action = 'quiz.update'"
                " AND object_id = :'v1'", qid) == "1"
    # A published course makes its quiz visible, but taking it needs
    # enrolment (or staff).
    qid2, _, _ = quiz_in_course(enrolled=())
    assert s.get("/api/v1/quizzes/%d" % qid2, token=t2).status == 200
    problem(s.post("/api/v1/quizzes/%d/attempts" % qid2, token=t2), 403)
    problem(s.post("/api/v1/quizzes/%d/attempts" % qid, token=t2), 404)
    att = start(qid2, token=coord)      # staff may try it out
    assert att["questions"], att


def test_no_answers_before_submission():
    qid, _, _ = quiz_in_course(shuffle="true")
    att = start(qid)
    assert set(att) == {"id", "quiz_id", "started_at", "deadline",
                        "submitted_at", "questions", "saved_answers"}, att
    assert att["submitted_at"] is None and att["deadline"] is None
    assert att["started_at"].endswith("Z")
    assert len(att["questions"]) == NQ
    for q in att["questions"]:
        allowed = {"id", "type", "text", "format"}
        if q["type"] in ("single", "multiple", "truefalse"):
            allowed.add("choices")
            for c in q["choices"]:
                assert set(c) == {"id", "text"}, c
        if q["type"] == "matching":
            allowed |= {"left", "right"}
        assert set(q) == allowed, q
    tf = by_text(att, "The sky")
    assert tf["choices"] == [{"id": 1, "text": "True"},
                             {"id": 2, "text": "False"}], tf
    m = by_text(att, "Match")
    assert sorted(m["left"]) == ["EES", "SIS", "VIS"], m
    assert sorted(m["right"]) == ["alerts", "entries", "visas"], m
    for k in walk_keys(att["questions"]):
        assert k not in FORBIDDEN, k
    raw = s.get("/api/v1/attempts/%d" % att["id"], token=t1)
    assert raw.status == 200, raw
    for word in (b"weight", b"feedback", b"Right, it is not green",
                 b"long form", b"correct"):
        assert word not in raw.body, word
    # The order is fixed for the attempt: asking again gives the same.
    again = start(qid, want=200)
    assert again["id"] == att["id"]
    assert again["questions"] == att["questions"] == raw.json["questions"]
    # Saved answers come back to their owner, still without any grading.
    save(att, {"Capital": ["London"]})
    got = s.get("/api/v1/attempts/%d" % att["id"], token=t1).json
    assert got["saved_answers"] == [{"question_id": by_text(att, "Capital")["id"],
                                     "choice_ids": [choice(by_text(att, "Capital"), "London")]}]
    assert b"credit" not in s.get("/api/v1/attempts/%d" % att["id"], token=t1).body


def test_grading_every_type():
    qid, _, _ = quiz_in_course(shuffle="true", pass_percent=75)
    # All right: full marks.
    att = start(qid)
    save(att, ALL_RIGHT)
    res = submit(att)
    assert res == {"score": 8, "max_score": 8, "percent": 100,
                   "passed": True, "certificate_code": res["certificate_code"]}, res

    # Partial credit and negative weights.
    att = start(qid)
    save(att, {
        "Capital": ["London"],                      # 0
        "Pick the primes": ["Two", "Four"],         # 0.5 - 1 -> 0
        "The sky": ["True"],                        # 0
        "Abbreviation": "entry/exit SYSTEM",        # 1
        "How many": 4,                              # 0
        "Any number": 1,                            # 1 (range is inclusive)
        "Match": [["SIS", "alerts"], ["VIS", "entries"],
                  ["EES", "visas"]],                # 1/3
        "Partial single": ["Half"],                 # 0.5
    })
    res = submit(att)
    assert abs(res["score"] - (2.5 + 1 / 3)) < 1e-3, res
    assert res["max_score"] == 8 and res["passed"] is False, res
    assert abs(res["percent"] - 35.42) < 0.01, res
    review = s.get("/api/v1/attempts/%d" % att["id"], token=t1).json
    assert review["submitted_at"] and review["score"] == res["score"]
    credits = {q["text"].split()[0]: q["credit"] for q in review["questions"]}
    assert credits == {"Capital": 0, "Pick": 0, "The": 0, "Abbreviation": 1,
                       "How": 0, "Any": 1, "Match": 0.3333,
                       "Partial": 0.5}, credits
    tf = by_text(review, "The sky")
    assert tf["correct"] is False and tf["correct_answer"] == {"choice_ids": [2]}
    assert tf["feedback"] == ["Wrong, it is blue."], tf
    multi = by_text(review, "Pick the primes")
    assert multi["feedback"] == ["yes, 2 is prime", "no, 4 is 2 x 2"], multi
    ids = {c["text"]: c["id"] for c in multi["choices"]}
    assert sorted(multi["correct_answer"]["choice_ids"]) == \
        sorted([ids["Two"], ids["Three"]]), multi
    assert {c["text"]: c["weight"] for c in multi["choices"]} == \
        {"Two": 50, "Three": 50, "Four": -100, "Six": -100}, multi
    single = by_text(review, "Partial single")
    assert single["feedback"] == ["half right"] and not single["correct"]
    assert single["correct_answer"]["choice_ids"] == [
        c["id"] for c in single["choices"] if c["text"] == "Best"], single
    short = by_text(review, "Abbreviation")
    assert short["correct"] and short["feedback"] == ["long form"], short
    assert short["answer"] == {"text": "entry/exit SYSTEM"}, short
    assert by_text(review, "How many")["correct_answer"] == \
        {"number": 3, "tolerance": 0}
    assert by_text(review, "Any number")["correct_answer"] == \
        {"min": 1, "max": 5}
    assert by_text(review, "Match")["correct_answer"] == {"pairs": [
        ["SIS", "alerts"], ["VIS", "visas"], ["EES", "entries"]]}

    # More partial cases, and unanswered questions score nothing.
    att = start(qid)
    save(att, {"Pick the primes": ["Two"], "Abbreviation": "ETIAS",
               "Any number": 6, "Match": [["SIS", "alerts"],
                                          ["VIS", "visas"]]})
    res = submit(att)
    assert abs(res["score"] - (0.5 + 2 / 3)) < 1e-3, res
    review = s.get("/api/v1/attempts/%d" % att["id"], token=t1).json
    cap = by_text(review, "Capital")
    assert cap["answer"] is None and cap["credit"] == 0 and cap["feedback"] == []


def test_answer_validation():
    qid, _, _ = quiz_in_course()
    att = start(qid)
    url = "/api/v1/attempts/%d/answers" % att["id"]
    cap = by_text(att, "Capital")["id"]
    short = by_text(att, "Abbreviation")["id"]
    problem(s.put(url, {"answers": [{"question_id": cap, "text": "Paris"}]},
                  token=t1), 422)
    problem(s.put(url, {"answers": [{"question_id": 999, "text": "x"}]},
                  token=t1), 422)
    problem(s.put(url, {"answers": [{"question_id": short, "text": 5}]},
                  token=t1), 422)
    problem(s.put(url, {"answers": [{"question_id": cap, "choice_ids": [1],
                                     "text": "x"}]}, token=t1), 422)
    problem(s.put(url, {"answers": [{"choice_ids": [1]}]}, token=t1), 422)
    problem(s.put(url, {"answers": {}}, token=t1), 422)
    problem(s.put(url, {"answers": [], "x": 1}, token=t1), 422)
    problem(s.put(url, {"answers": [{"question_id": cap,
                                     "pairs": [["a"]]}]}, token=t1), 422)
    # Saving again replaces; within one request the last answer wins.
    r = s.put(url, {"answers": [
        {"question_id": cap, "choice_ids": [choice(by_text(att, "Capital"), "Berlin")]},
        {"question_id": cap, "choice_ids": [choice(by_text(att, "Capital"), "Paris")]}]},
        token=t1)
    assert r.status == 204, r
    res = submit(att)
    assert res["score"] == 1, res


def test_attempt_limits():
    qid, _, _ = quiz_in_course(max_attempts=2)
    a1 = start(qid)
    assert start(qid, want=200)["id"] == a1["id"]     # still open
    submit(a1)
    a2 = start(qid)
    assert a2["id"] != a1["id"]
    submit(a2)
    p = problem(s.post("/api/v1/quizzes/%d/attempts" % qid, token=t1), 409)
    assert "2 attempts" in p["detail"], p
    # Another learner has attempts of their own.
    qid2, _, _ = quiz_in_course(max_attempts=1, enrolled=(t1_id, t2_id))
    submit(start(qid2))
    problem(s.post("/api/v1/quizzes/%d/attempts" % qid2, token=t1), 409)
    start(qid2, token=t2)
    assert sql1("SELECT count(*) FROM attempts WHERE quiz_id = :'v1'",
                qid2) == "2"


def test_deadline_real_wait():
    qid, _, _ = quiz_in_course(time_limit_s=2)
    att = start(qid)
    assert att["deadline"] is not None
    save(att, {"Capital": ["Paris"], "The sky": ["False"]})
    time.sleep(2.6)
    p = problem(s.put("/api/v1/attempts/%d/answers" % att["id"],
                      {"answers": answers_for(att, {"How many": 3})},
                      token=t1), 409)
    assert "time limit" in p["detail"], p
    # Late submission: graded on the answers saved before the deadline.
    # (An answer row stamped after the deadline is ignored by grading.)
    sql1("UPDATE attempt_answers SET saved_at = a.deadline + interval '1 s'"
         "  FROM attempts a WHERE a.id = attempt_id AND attempt_id = :'v1'"
         "   AND question_id = :'v2'", att["id"], by_text(att, "The sky")["id"])
    res = submit(att)
    assert res["score"] == 1 and res["max_score"] == NQ, res
    got = s.get("/api/v1/attempts/%d" % att["id"], token=t1).json
    assert got["submitted_at"] == att["deadline"], got

    # Nobody submits: reading the attempt after its deadline grades it.
    att = start(qid)
    save(att, {"Capital": ["Paris"], "Any number": 2})
    time.sleep(2.6)
    got = s.get("/api/v1/attempts/%d" % att["id"], token=t1).json
    assert got["submitted_at"] == att["deadline"], got
    assert got["score"] == 2 and got["passed"] is False, got
    assert submit(att)["score"] == 2
    # And starting again gives a fresh attempt, not the expired one.
    att = start(qid)
    time.sleep(2.6)
    nxt = start(qid)
    assert nxt["id"] != att["id"]
    assert sql1("SELECT submitted_at IS NOT NULL AND score = 0 FROM attempts"
                " WHERE id = :'v1'", att["id"]) == "t"


def test_submission_idempotent():
    qid, _, _ = quiz_in_course()
    att = start(qid)
    save(att, {"Capital": ["Paris"], "Pick the primes": ["Three"]})
    first = submit(att)
    assert first["score"] == 1.5, first
    again = submit(att)
    assert again == first, (first, again)
    assert sql1("SELECT count(*) FROM audit_log WHERE action = 'attempt.submit'"
                " AND object_id = :'v1'", att["id"]) == "1"
    p = problem(s.put("/api/v1/attempts/%d/answers" % att["id"],
                      {"answers": answers_for(att, {"How many": 3})},
                      token=t1), 409)
    assert "submitted" in p["detail"], p
    assert submit(att) == first


def test_save_during_submit_counts():
    """A save that commits while a submission waits for the attempt's lock
    is graded: the submission reads the answers after taking the lock."""
    import subprocess
    import threading
    import time
    qid, _, _ = quiz_in_course()
    att = start(qid)
    cap = by_text(att, "Capital")
    answer = json.dumps([{"question_id": cap["id"],
                          "choice_ids": [choice(cap, "Paris")]}])
    # A saving transaction that holds the attempt's row lock for a while.
    slow = threading.Thread(target=lambda: subprocess.run(
        ["psql", s.db, "-qtAX", "-v", "ON_ERROR_STOP=1", "-c",
         "BEGIN; SELECT mt_attempt_save(%d, %d, '%s'); SELECT pg_sleep(1.5); "
         "COMMIT;" % (att["id"], t1_id, answer)], check=True,
        capture_output=True))
    slow.start()
    # Submit once the save holds the lock (whenever psql gets there).
    wait_for(lambda: s.sql("SELECT count(*) FROM pg_stat_activity WHERE "
                           "wait_event = 'PgSleep' AND query LIKE "
                           "'%mt_attempt_save%'") == "1",
             "the saving transaction to hold the attempt's lock")
    result = submit(att)
    slow.join()
    assert result["score"] == 1.0, result
    review = s.get("/api/v1/attempts/%d" % att["id"], token=t1).json
    got = [q for q in review["questions"] if q["id"] == cap["id"]][0]
    assert got["correct"] is True, got


def test_draft_course_quiz_hidden():
    """A draft's quiz is as hidden as its lessons, enrolled or not."""
    qid, cid, _ = quiz_in_course(published=False)
    problem(s.get("/api/v1/quizzes/%d" % qid, token=t1), 404)
    r = s.post("/api/v1/quizzes/%d/attempts" % qid, token=t1)
    assert r.status in (403, 404), r
    assert sql1("SELECT count(*) FROM attempts WHERE quiz_id = :'v1'", qid) == "0"
    # Published, the enrolled learner may take it.
    sql1("UPDATE courses SET published = true WHERE id = :'v1' RETURNING id", cid)
    assert s.get("/api/v1/quizzes/%d" % qid, token=t1).status == 200
    start(qid)


def test_graded_against_the_bank_it_started_on():
    """A re-import that changes the questions while an attempt is open
    does not change what that attempt is graded against."""
    qid, _, _ = quiz_in_course()
    att = start(qid)
    save(att, {"Capital": ["Paris"]})
    # The quiz's bank changes under the open attempt: Paris is now wrong.
    sql1("UPDATE quizzes SET questions = (SELECT jsonb_agg(CASE"
         " WHEN e->>'title' = 'single' THEN jsonb_set(e, '{choices}',"
         "   (SELECT jsonb_agg(c || jsonb_build_object('weight',"
         "      CASE WHEN c->>'text' = 'Paris' THEN 0 ELSE 100 END))"
         "    FROM jsonb_array_elements(e->'choices') c))"
         " ELSE e END ORDER BY n) FROM jsonb_array_elements(questions)"
         " WITH ORDINALITY t(e, n)) WHERE id = :'v1' RETURNING id", qid)
    result = submit(att)
    assert result["score"] == 1.0, result
    # A new attempt uses the new bank.
    att2 = start(qid)
    save(att2, {"Capital": ["Paris"]})
    assert submit(att2)["score"] == 0.0


def test_other_users_attempt():
    qid, _, _ = quiz_in_course(enrolled=(t1_id, t2_id))
    att = start(qid)
    problem(s.get("/api/v1/attempts/%d" % att["id"], token=t2), 404)
    problem(s.put("/api/v1/attempts/%d/answers" % att["id"],
                  {"answers": []}, token=t2), 404)
    problem(s.post("/api/v1/attempts/%d/submit" % att["id"], token=t2), 404)
    problem(s.get("/api/v1/attempts/%d" % att["id"], token=coord), 404)
    problem(s.get("/api/v1/attempts/999999", token=t1), 404)
    assert sql1("SELECT submitted_at IS NULL FROM attempts WHERE id = :'v1'",
                att["id"]) == "t"
    # The other learner's own attempt is separate.
    assert start(qid, token=t2)["id"] != att["id"]


ONE = "::one::Capital of France? {=Paris ~London}\n"


def take(qid, right, token=t1):
    att = start(qid, token=token)
    save(att, {"Capital": ["Paris" if right else "London"]}, token=token)
    return submit(att, token=token)


def method_case(grading, results):
    """Takes a one-question quiz with the given outcomes; returns the
    grade, whether the quiz counts as passed, and the module progress."""
    qid, cid, mid = quiz_in_course(ONE, grading=grading, pass_percent=70)
    eid = int(sql1("SELECT id FROM enrollments WHERE course_id = :'v1'", cid))
    for right in results:
        take(qid, right)
    grade = sql1("SELECT mt_quiz_grade(:'v1', :'v2')", qid, t1_id)
    done = sql1("SELECT count(*) FROM module_progress WHERE enrollment_id ="
                " :'v1' AND module_id = :'v2'", eid, mid)
    return float(grade), done == "1"


def test_grading_methods():
    assert method_case("first", [False, True]) == (0, False)
    assert method_case("last", [False, True]) == (100, True)
    assert method_case("highest", [False, True, False]) == (100, True)
    assert method_case("average", [False, True]) == (50, False)
    assert method_case("average", [False, True, True]) == (66.67, False)
    assert method_case("average", [False, True, True, True]) == (75, True)
    # "last": a pass earns the module; it stays done after a later fail.
    assert method_case("last", [True, False]) == (0, True)


def test_completion_via_quiz():
    cid = new_course()
    lesson = int(sql1("INSERT INTO modules (course_id, position, title, kind,"
                      " body_md, body_html) VALUES (:'v1', 1, 'L', 'lesson',"
                      " 'x', '<p>x</p>') RETURNING id", cid))
    r = import_quiz(ONE, course_id=cid, pass_percent=100, max_attempts=3)
    assert r.status == 201, r
    qid, qmod = r.json["id"], r.json["module_id"]
    eid = enrol(t1_id, cid)
    sql1("INSERT INTO module_progress (enrollment_id, module_id)"
         " VALUES (:'v1', :'v2')", eid, lesson)
    assert take(qid, False)["passed"] is False
    assert sql1("SELECT completed_at IS NULL FROM enrollments WHERE id ="
                " :'v1'", eid) == "t"
    assert take(qid, True)["passed"] is True
    assert sql1("SELECT count(*) FROM module_progress WHERE enrollment_id ="
                " :'v1' AND module_id = :'v2'", eid, qmod) == "1"
    assert sql1("SELECT completed_at IS NOT NULL FROM enrollments WHERE id ="
                " :'v1'", eid) == "t"
    # The quiz module, the completion and the certificate are audited,
    # each once.
    audit = sql1("SELECT string_agg(action, ',' ORDER BY id) FROM audit_log"
                 " WHERE (action = 'module.complete' AND object_id = :'v1')"
                 "    OR (action = 'enrollment.complete' AND object_id = :'v2')"
                 "    OR (action = 'certificate.issue'"
                 "        AND detail->>'enrollment_id' = :'v2')", qmod, eid)
    assert audit == "module.complete,enrollment.complete,certificate.issue", audit
    # A further pass changes nothing: completion happened once.
    at = sql1("SELECT completed_at FROM enrollments WHERE id = :'v1'", eid)
    take(qid, True)
    assert sql1("SELECT completed_at FROM enrollments WHERE id = :'v1'",
                eid) == at
    assert sql1("SELECT count(*) FROM audit_log WHERE action IN"
                " ('enrollment.complete', 'certificate.issue')"
                " AND (object_id = :'v1' OR detail->>'enrollment_id' = :'v1')",
                eid) == "2"
    # Staff taking the quiz without an enrolment earn no progress.
    take(qid, True, token=coord)
    assert sql1("SELECT count(*) FROM module_progress WHERE module_id ="
                " :'v1'", qmod) == "1"


def test_shuffle_per_attempt():
    many = "::big::Pick one. {=A ~B ~C ~D ~E ~F ~G ~H ~I ~J ~K ~L}\n\n" + \
        "\n\n".join("::q%d::Question %d? {T}" % (i, i) for i in range(12))
    qid, _, _ = quiz_in_course(many, shuffle="true")
    orders = set()
    for _ in range(4):
        att = start(qid)
        orders.add(json.dumps([q["id"] for q in att["questions"]]) +
                   json.dumps([c["id"] for c in by_text(att, "Pick one")["choices"]]))
        assert s.get("/api/v1/attempts/%d" % att["id"], token=t1).json[
            "questions"] == att["questions"]
        submit(att)
    assert len(orders) > 1, orders
    # Without shuffle the bank's order is kept.
    qid, _, _ = quiz_in_course(many)
    att = start(qid)
    assert [q["id"] for q in att["questions"]] == list(range(1, 14))
    assert [c["text"] for c in att["questions"][0]["choices"]] == list("ABCDEFGHIJKL")


def test_choice_ids_do_not_give_answers_away():
    """Authors write the right answer first; the ids a learner sees must not
    tell which choice that was (nor the right ones of a multiple)."""
    bank = "\n\n".join(
        "::q%d::Question %d {=right%d ~wrong%da ~wrong%db ~wrong%dc}" % ((i,) * 6)
        for i in range(8)) + "\n\n::m::Pick two {~%50%good1 ~%50%good2 ~%-100%bad1 ~%-100%bad2}\n"
    qid, cid, mid = quiz_in_course(bank, shuffle="false", enrolled=(t2_id,))
    att = start(qid, token=t2)
    right_ids, all_ids = [], []
    for q in att["questions"]:
        ids = [c["id"] for c in q["choices"]]
        all_ids.append(ids)
        assert len(set(ids)) == len(ids) and all(i > 0 for i in ids), ids
        assert ids != list(range(1, len(ids) + 1)), ids
        right_ids.append(ids[0])
    # The first choice's id is not the same small number everywhere.
    assert len(set(right_ids)) > 1, right_ids
    # Ids are stable: a second quiz from the same text numbers them alike.
    qid2, _, _ = quiz_in_course(bank, shuffle="false", enrolled=(t2_id,))
    att2 = start(qid2, token=t2)
    assert [[c["id"] for c in q["choices"]] for q in att2["questions"]] == all_ids


run(test_import_rules, test_quiz_get_and_patch, test_no_answers_before_submission,
    test_grading_every_type, test_answer_validation, test_attempt_limits,
    test_deadline_real_wait, test_submission_idempotent,
    test_other_users_attempt, test_grading_methods, test_completion_via_quiz,
    test_shuffle_per_attempt, test_choice_ids_do_not_give_answers_away,
    test_save_during_submit_counts, test_draft_course_quiz_hidden,
    test_graded_against_the_bank_it_started_on)
finish(s)
