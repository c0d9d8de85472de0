"""The phone web servers.  Run from the repository root:
    /usr/bin/python3 -m unittest discover -s tests/cucmsim \
        -p test_phonefleet.py
"""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sim.httpserver import Listener, Server, listen  # noqa: E402


class TestWakeups(unittest.TestCase):
    def test_listeners_added_before_start_never_block(self):
        """The cause of the old hang: each Server.add wrote a byte to a
        socketpair nothing read before start(); ~278 filled it and the
        next add blocked the main thread in send(), deaf to SIGTERM."""
        srv = Server()
        socks = []

        def add_many():
            for _ in range(400):
                socks.append(listen("127.0.0.1", 0))
                srv.add(Listener(socks[-1], lambda req: None))
        t = threading.Thread(target=add_many, daemon=True)
        t.start()
        t.join(60)
        # (when blocked, stop() would block too: the thread is left behind)
        self.assertFalse(t.is_alive(), f"Server.add blocked after "
                         f"{len(socks)} listeners")
        srv.stop()
        for s in socks + [srv._wake_r, srv._wake_w]:
            s.close()
        self.assertEqual(len(socks), 400)


if __name__ == "__main__":
    unittest.main()
