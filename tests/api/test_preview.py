"""POST /api/v1/markdown/preview: the lesson editor's preview renders
through the same sanitiser as a stored lesson (the same HTML a lesson with
that body serves), stores nothing, and is for staff only."""
from harness import Server, problem, run, finish

s = Server("preview").start()
admin = s.bootstrap()
org = s.org(admin, "Preview org")
_, coord = s.user(admin, "coord@example.org", "coordinator", org)
_, reviewer = s.user(admin, "rev@example.org", "reviewer", org)
_, trainee = s.user(admin, "tr@example.org", "trainee", org)

MD = ("# Title\n\n<script>alert(1)</script>\n\n**bold** "
      "[bad](javascript:alert(1)) <img src=x onerror=alert(1)>\n")


def test_preview_is_the_stored_rendering():
    r = s.post("/api/v1/markdown/preview", {"body_md": MD}, token=coord)
    assert r.status == 200, r
    html = r.json["body_html"]
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html, html
    for bad in ("<script", "javascript:", "onerror", "<img"):
        assert bad not in html, html
    c = s.post("/api/v1/courses", {"slug": "preview-course", "title": "P",
               "summary": "s", "audience": ["all"], "language": "en"}, token=coord)
    assert c.status == 201, c
    m = s.post("/api/v1/courses/%d/modules" % c.json["id"],
               {"title": "L", "kind": "lesson", "body_md": MD}, token=coord)
    assert m.status == 201, m
    mid = m.json["id"]
    g = s.get("/api/v1/modules/%d" % mid, token=coord)
    assert g.json["body_html"] == html
    assert s.post("/api/v1/markdown/preview", {"body_md": ""}, token=admin).json["body_html"] == ""


def test_preview_rejects_bad_input_and_non_staff():
    problem(s.post("/api/v1/markdown/preview", {"body_md": MD}, token=reviewer), 403)
    problem(s.post("/api/v1/markdown/preview", {"body_md": MD}, token=trainee), 403)
    problem(s.post("/api/v1/markdown/preview", {"body_md": MD}), 401)
    problem(s.post("/api/v1/markdown/preview", {}, token=coord), 422)
    problem(s.post("/api/v1/markdown/preview", {"body_md": 3}, token=coord), 422)
    problem(s.post("/api/v1/markdown/preview", {"body_md": "x", "other": 1}, token=coord), 422)
    # Over the body limit: refused from Content-Length before the body is
    # read, so the body is only declared (a client still sending it could
    # meet the closed connection instead of the answer).
    import socket
    c = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    c.sendall(b"POST /api/v1/markdown/preview HTTP/1.1\r\nHost: x\r\n"
              b"Authorization: Bearer " + coord.encode() + b"\r\n"
              b"Content-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n{" % (2 * 1024 * 1024))
    out = c.recv(65536)
    c.close()
    assert out.startswith(b"HTTP/1.1 413"), out[:200]
    assert b"application/problem+json" in out


run(test_preview_is_the_stored_rendering, test_preview_rejects_bad_input_and_non_staff)
finish(s)
