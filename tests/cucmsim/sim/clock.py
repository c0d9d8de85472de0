"""The virtual clock and the time formats CUCM uses.

Virtual time moves only when the control interface says so; nothing in the
simulator reads the wall clock for phone or CAPF state.  Real time is used
only for transport matters (sessions, rate limits, TLS certificates).
"""

import calendar
import re
import threading
import time

UFT_FORMAT = "%Y:%m:%d:%H:%M"
_UFT_RE = re.compile(r"^(\d{4}):(\d{2}):(\d{2}):(\d{2}):(\d{2})$")
_REL_RE = re.compile(r"^([+-])\s*(\d+(?:\.\d+)?)\s*([smhdwy]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400,
          "y": 365 * 86400}


class VirtualClock:
    """An integer epoch that only moves when told to."""

    def __init__(self, start):
        self._now = int(start)
        self._lock = threading.Lock()

    def now(self):
        with self._lock:
            return self._now

    def set(self, t):
        with self._lock:
            self._now = int(t)


def floor_hour(t):
    return int(t) - int(t) % 3600


def real_start():
    """Default --start: the current UTC time floored to the hour."""
    return floor_hour(time.time())


def format_uft(epoch):
    """upgradeFinishTime as CUCM shows it: YYYY:MM:DD:HH:MM, UTC."""
    return time.strftime(UFT_FORMAT, time.gmtime(int(epoch)))


def parse_uft(text):
    """Parses YYYY:MM:DD:HH:MM (UTC) into an epoch; ValueError if malformed."""
    m = _UFT_RE.match(text.strip())
    if not m:
        raise ValueError(text)
    y, mo, d, h, mi = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59):
        raise ValueError(text)
    if d > calendar.monthrange(y, mo)[1]:
        raise ValueError(text)
    return calendar.timegm((y, mo, d, h, mi, 0, 0, 0, 0))


def parse_time(value, start):
    """A time in a scenario: an epoch, "+3d"/"-36h" relative to start, or ISO
    "2025-01-31T12:00:00Z"."""
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, (int, float)):
        return int(value)
    s = str(value).strip()
    m = _REL_RE.match(s)
    if m:
        sign, num, unit = m.groups()
        off = float(num) * _UNITS[unit]
        return int(start + off if sign == "+" else start - off)
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d"):
        try:
            return calendar.timegm(time.strptime(s, fmt))
        except ValueError:
            pass
    raise ValueError(f"not a time: {value!r}")


def parse_duration(value):
    """A duration: seconds, or "90m", "2h", "3d"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    m = _REL_RE.match("+" + str(value).strip().lstrip("+"))
    if not m:
        raise ValueError(f"not a duration: {value!r}")
    return int(float(m.group(2)) * _UNITS[m.group(3)])
