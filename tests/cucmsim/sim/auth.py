"""HTTP Basic authentication and JSESSIONIDSSO sessions.

A request with Authorization is always checked by password.  One without it
is accepted on a valid session cookie; an idle-expired session gets HTTP 404
(what CUCM answers, FACTS §1), no cookie or an unknown one gets 401.  Idle
time is real time (session_idle seconds); expire_all() ends every session at
once for tests.
"""

import base64
import secrets
import threading
import time

COOKIE = "JSESSIONIDSSO"


class AuthResult:
    __slots__ = ("status", "user", "set_cookie", "readonly")

    def __init__(self, status, user=None, set_cookie=None, readonly=False):
        self.status, self.user = status, user
        self.set_cookie, self.readonly = set_cookie, readonly


def parse_cookies(header):
    out = {}
    for part in (header or "").split(";"):
        k, sep, v = part.strip().partition("=")
        if sep:
            out[k.strip()] = v.strip()
    return out


class Authenticator:
    def __init__(self, accounts, session_idle=1800.0):
        """accounts: {username: (password, readonly)}."""
        self.accounts = dict(accounts)
        self.session_idle = float(session_idle)
        self._sessions = {}     # id -> [user, last_used, expired_flag]
        self._lock = threading.Lock()

    def _basic(self, header):
        scheme, _, cred = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, pw = base64.b64decode(cred.strip(), validate=True) \
                .decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        acct = self.accounts.get(user) if sep else None
        if acct is None or not secrets.compare_digest(acct[0], pw):
            return None
        return user

    def check(self, headers):
        now = time.monotonic()
        sid = parse_cookies(headers.get("cookie")).get(COOKIE)
        authz = headers.get("authorization")
        with self._lock:
            sess = self._sessions.get(sid) if sid else None
            live = (sess is not None and not sess[2]
                    and now - sess[1] <= self.session_idle)
            if authz is not None:
                user = self._basic(authz)
                if user is None:
                    return AuthResult(401)
                if live and sess[0] == user:
                    sess[1] = now
                    return AuthResult(200, user,
                                      readonly=self.accounts[user][1])
                if len(self._sessions) > 20000:
                    self._prune(now)
                new = secrets.token_hex(16).upper()
                self._sessions[new] = [user, now, False]
                return AuthResult(200, user, self._cookie(new),
                                  self.accounts[user][1])
            if sess is None:
                return AuthResult(401)
            if not live:
                self._sessions.pop(sid, None)
                return AuthResult(404)
            sess[1] = now
            return AuthResult(200, sess[0], readonly=self.accounts[sess[0]][1])

    def _prune(self, now):
        for k in [k for k, s in self._sessions.items()
                  if s[2] or now - s[1] > self.session_idle]:
            del self._sessions[k]

    @staticmethod
    def _cookie(sid):
        return f"{COOKIE}={sid}; Path=/; Secure; HttpOnly"

    def expire_all(self):
        with self._lock:
            for s in self._sessions.values():
                s[2] = True

    def session_count(self):
        with self._lock:
            return sum(1 for s in self._sessions.values() if not s[2])
