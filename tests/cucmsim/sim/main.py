"""Entry point: start, print the JSON line, serve until SIGTERM/SIGINT."""

import ctypes
import json
import signal
import sys
import threading
import time

from . import options


def exit_with_parent():
    """Asks Linux for SIGTERM when the process that started us dies, so a
    test killed half way leaves no simulator behind (prctl
    PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def main(argv):
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t0 = time.monotonic()
    try:
        opts, scenario = options.parse(argv)
        if opts["exit_with_parent"]:
            exit_with_parent()
        from .core import Simulator     # after parsing: --help stays fast
        sim = Simulator(opts, scenario)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"cucmsim: {e.__class__.__name__}: {e}", file=sys.stderr)
        return 2
    try:
        sim.start_serving()
        if opts["verbose"]:
            print(f"cucmsim: ready in {time.monotonic() - t0:.2f} s, "
                  f"{len(sim.registry.phones)} phones, dir {sim.dir}",
                  file=sys.stderr, flush=True)
        sys.stdout.write(json.dumps(sim.info()) + "\n")
        sys.stdout.flush()
        while not stop.wait(3600):
            pass
    finally:
        sim.stop()
    return 0
