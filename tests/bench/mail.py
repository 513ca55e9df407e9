"""Driver of tests/bench/mail.sh (see its header): mail throughput and
commit-to-delivery delay against a local aiosmtpd sink."""
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from harness import Server  # noqa: E402
import smtp_sink  # noqa: E402

N = int(os.environ.get("BENCH_MAILS", "1000"))
PACE_S = float(os.environ.get("BENCH_PACE_S", "0.02"))


class TimedSink(smtp_sink.Sink):
    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((time.time(), envelope.content))
        return "250 OK"


def tags(sink, tag):
    """{n: receive time} of delivered messages tagged tag-n."""
    out = {}
    with sink.lock:
        msgs = list(sink.messages)
    for t, raw in msgs:
        m = smtp_sink.email.message_from_bytes(
            raw, policy=smtp_sink.email.policy.default)
        body = m.get_body(("plain",)).get_content()
        for n in re.findall(re.escape(tag) + r"-(\d+)\b", body):
            out[int(n)] = t
    return out


def created(server, tag):
    """{n: commit time} from the rows' created_at (the insert is the last
    statement of its autocommitted transaction)."""
    rows = server.sql("SELECT substring(body_text FROM '%s-([0-9]+)'), "
                      "extract(epoch FROM created_at) FROM mail_outbox "
                      "WHERE body_text LIKE '%%%s-%%'" % (tag, tag))
    return {int(a): float(b) for a, b in
            (line.split("|") for line in rows.splitlines())}


def wait(pred, timeout, what):
    """Polls every 10 ms (the sink's own poll parses nothing either)."""
    deadline = time.time() + timeout
    while not pred():
        if time.time() > deadline:
            raise AssertionError("timed out: " + what)
        time.sleep(0.01)


def main():
    sink = TimedSink().start()
    sink.wait = lambda pred, timeout, what: wait(pred, timeout, what)
    s = Server("bench_mail", env={
        "MIGTRAIN_SMTP_URL": "smtp://127.0.0.1:%d" % sink.port,
        "MIGTRAIN_MAIL_FROM": "bench@example.org"}).start()
    try:
        s.bootstrap()
        # 1. Burst: N messages committed at once; delivery rate.
        t0 = time.time()
        s.sql("SELECT mt_mail_enqueue(u.id, 'certificate_issued', "
              "jsonb_build_object('link', 'burst-' || g)) "
              "FROM generate_series(1, %d) g, users u" % N)
        sink.wait(lambda: sink.count() >= N, 600, "burst")
        got = tags(sink, "burst")
        assert len(got) == N, len(got)
        first, last = min(got.values()), max(got.values())
        print("burst: %d messages delivered in %.2f s after commit: "
              "%.0f messages/s" % (N, last - t0, N / (last - t0)))
        # 2. Paced: N messages, one transaction each, PACE_S apart (below
        # capacity, so the delay is the path, not a queue).
        script = "".join(
            "SELECT mt_mail_enqueue(u.id, 'certificate_issued', "
            "jsonb_build_object('link', 'paced-%d')) FROM users u;\n"
            "SELECT pg_sleep(%f);\n" % (i, PACE_S) for i in range(1, N + 1))
        s.sql(script)
        sink.wait(lambda: sink.count() >= 2 * N, 600, "paced")
        got, made = tags(sink, "paced"), created(s, "paced")
        delays = sorted((got[n] - made[n]) * 1000 for n in made)
        p99 = delays[int(len(delays) * 0.99) - 1]
        print("paced (%d messages, one commit each, %.0f ms apart): "
              "commit-to-delivery median %.1f ms, p99 %.1f ms, max %.1f ms"
              % (N, PACE_S * 1000, statistics.median(delays), p99,
                 delays[-1]))
    finally:
        s.close()
        sink.stop()


main()
