"""A real SMTP server for the mail tests (Debian's python3-aiosmtpd): it
keeps every message it accepts, optionally offers STARTTLS with a
self-signed certificate (made with openssl) and requires TLS and AUTH.
Waiting is polling with a bounded deadline, never a fixed sleep."""
import email
import email.policy
import os
import ssl
import subprocess
import tempfile
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from harness import free_port


def self_signed_cert(directory):
    """A certificate for 127.0.0.1/localhost; returns (cert, key) paths."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class Sink:
    def __init__(self, port=None, tls=False, user=None, password=None):
        self.port = port or free_port()
        self.messages = []          # (rcpt_tos, raw bytes, tls used)
        self.lock = threading.Lock()
        self.controller = None
        self.tls = tls
        self.user, self.password = user, password
        self.dir = tempfile.mkdtemp(prefix="migtrain-sink-")
        self.cert = None
        if tls:
            self.cert, self.key = self_signed_cert(self.dir)

    # aiosmtpd handler hook
    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos),
                                  envelope.original_content or envelope.content,
                                  session.ssl is not None))
        return "250 OK"

    def _auth(self, server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login == self.user.encode() and
              auth_data.password == self.password.encode())
        return AuthResult(success=ok)

    def start(self):
        kw = {}
        if self.tls:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(self.cert, self.key)
            kw.update(tls_context=ctx, require_starttls=True)
        if self.user:
            kw.update(authenticator=self._auth, auth_required=True,
                      auth_require_tls=True)
        self.controller = Controller(self, hostname="127.0.0.1",
                                     port=self.port, **kw)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def count(self):
        with self.lock:
            return len(self.messages)

    def parsed(self, to=None):
        """[(rcpt_tos, email.message.EmailMessage, raw, tls)] for `to`."""
        with self.lock:
            msgs = list(self.messages)
        out = []
        for rcpt, raw, tls in msgs:
            if to is not None and to not in rcpt:
                continue
            out.append((rcpt, email.message_from_bytes(
                raw, policy=email.policy.default), raw, tls))
        return out

    def wait(self, pred, timeout=30, what="messages"):
        """Polls pred() until true; fails after timeout seconds."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred():
                return
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %s (sink has %d)"
                             % (what, self.count()))
