#!/usr/bin/python3
"""make demo: a simulated CUCM cluster and a real renewal campaign.

Starts the CUCM simulator (200 phones in 3 device pools), writes a
configuration that verifies the simulator's TLS certificate with its test
CA, and runs the real lscrenew binary through two nights of a campaign:
the first run queues renewals for the registered due phones and records the
offline ones as left behind; a day later some of those phones are back, the
second run verifies the renewals and queues exactly the returning phones.
Everything is left in build/demo for a look afterwards; no process is left
running.
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "cucmsim"))

from simclient import Sim  # noqa: E402

DAY = 86400


def say(text=""):
    print(text, flush=True)


def banner(text):
    say()
    say("== " + text)


class Demo:
    def __init__(self, binary, sim, workdir):
        self.bin = os.path.abspath(binary)
        self.sim = sim
        self.dir = workdir
        self.state = os.path.join(workdir, "state")
        self.config = os.path.join(workdir, "lscrenew.conf")

    def setup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.state, 0o700)
        info = self.sim.info
        pwfile = os.path.join(self.dir, "axl.password")
        with open(pwfile, "w") as f:
            f.write(info["password"] + "\n")
        os.chmod(pwfile, 0o600)
        pools = []
        for d in self.sim.devices():
            if d["pool"] not in pools:
                pools.append(d["pool"])
        self.pools = pools
        # a literal comma inside a pool name is written "\,"
        pool_list = ", ".join(p.replace(",", "\\,") for p in pools)
        text = f"""# lscrenew demo configuration (written by make demo)
[global]
state_dir = {self.state}
report_file = {os.path.join(self.dir, "report.html")}
metrics_file = {os.path.join(self.dir, "lscrenew.prom")}

[cluster sim]
host = {info['host']}
port = {info['port']}
ca_file = {info['ca_file']}
username = {info['username']}
password_file = {pwfile}
ris_rate = 60

[campaign nightly]
cluster = sim
device_pools = {pool_list}
renew_before = 30d
deadline = 2d
max_per_minute = 0
"""
        with open(self.config, "w") as f:
            f.write(text)
        os.chmod(self.config, 0o600)
        return text

    def state_of(self):
        """The state of each phone in the store (for choosing who returns)."""
        with sqlite3.connect(os.path.join(self.state, "lscrenew.db")) as c:
            return dict(c.execute("SELECT name, state FROM phone"))

    def lsc(self, *args, show=True, limit=None):
        env = dict(os.environ)
        env["LSCRENEW_NOW"] = str(self.sim.now())
        env["TZ"] = "UTC"
        env.pop("LSCRENEW_CONFIG", None)
        say()
        say("$ lscrenew " + " ".join(args))
        p = subprocess.run([self.bin, "-c", self.config] + list(args),
                           capture_output=True, text=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=600)
        lines = (p.stdout + p.stderr).rstrip("\n").split("\n")
        if show:
            shown = lines if limit is None else lines[:limit]
            for line in shown:
                say("  " + line)
            if limit is not None and len(lines) > limit:
                say(f"  ... ({len(lines) - limit} more lines)")
        say(f"  [exit status {p.returncode}]")
        return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(TOP, "build", "lscrenew"))
    ap.add_argument("--dir", default=os.path.join(TOP, "build", "demo"))
    args = ap.parse_args()

    banner("lscrenew demo: renewing phone LSCs on a simulated CUCM 14")
    say("Starting the CUCM simulator: 200 phones in 3 device pools ...")
    with Sim(phones=200, pools=3, seed=1, phone_web=200,
             phone_web_port=0) as sim:
        demo = Demo(args.bin, sim, args.dir)
        conf = demo.setup()
        info = sim.info
        say(f"  AXL      {info['axl_url']}")
        say(f"  RIS      {info['ris_url']}")
        say(f"  test CA  {info['ca_file']}  (TLS is verified, always)")
        banner(f"Configuration ({demo.config})")
        for line in conf.strip().split("\n"):
            say("  " + line)

        banner("Is everything reachable and allowed?")
        p = demo.lsc("check")
        if p.returncode != 0:
            say("demo: check failed")
            return 1

        banner("What would a run do? (plan changes nothing)")
        demo.lsc("plan", limit=12)

        banner("Night 1: the campaign runs")
        r1 = demo.lsc("run")
        if r1.returncode not in (1, 2):
            say("demo: the first run failed")
            return 1

        left = [d["name"] for d in sim.devices()
                if not d["registered"]]
        back = []
        with_state = demo.state_of()
        for name in sorted(left):
            if with_state.get(name) == "left_behind":
                back.append(name)
        back = back[:max(1, len(back) // 2)]
        banner(f"A day passes: CAPF completes the queued operations; "
               f"{len(back)} left-behind phones come back online")
        for name in back:
            say("  back online: " + name)
        sim.advance(DAY)
        sim.set_registered(back, True)

        banner("Night 2: verify, and queue the phones that came back")
        r2 = demo.lsc("run")
        if r2.returncode not in (1, 2):
            say("demo: the second run failed")
            return 1

        banner("Who is still left behind, and why")
        demo.lsc("report", "left-behind", limit=25)

        banner("The whole picture")
        demo.lsc("report", "summary")
        demo.lsc("status")

        banner("The phones' side: what each phone's web server presents")
        demo.lsc("probe", "--port", str(info["phone_web_port"]),
                 "--campaign", "nightly", limit=12)
        bundle = os.path.join(demo.dir, "phones-ca.pem")
        banner("Which CA must a browser trust for the phones' web pages?")
        demo.lsc("report", "trust", "--pem", bundle)

        banner("Files")
        say(f"  state store   {os.path.join(demo.state, 'lscrenew.db')}")
        say(f"  HTML report   {os.path.join(demo.dir, 'report.html')}")
        say(f"  metrics       {os.path.join(demo.dir, 'lscrenew.prom')}")
        say(f"  CA bundle     {bundle}")
    say()
    say("Simulator stopped; nothing is left running.")
    return 0

if __name__ == "__main__":
    sys.exit(main())
