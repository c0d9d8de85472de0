#!/usr/bin/python3
"""make bench: what lscrenew costs the cluster and the host.

Runs the real binary against the CUCM simulator (tests/cucmsim) at 1,000,
10,000 and 40,000 phones, with WAN-like latency added by the simulator and
RisPort70 limited to 15 calls a minute, through these cases:

  plan        a cold store (no state file)
  run         the first run: queues every due registered phone (~5 %)
  plan warm   the store the run left, the cluster unchanged since
  run warm    a second run over the unchanged cluster: writes nothing
  plan CA     (40,000 only) the campaign given an expected_issuer most
  run CA      phones still match: a CA migration, a third of them queued

For each it measures the AXL and RisPort70 calls by operation (the
simulator's /truth/counts), the bytes read (client bytes_in, simulator
bytes_sent), client CPU user+sys (wait4), peak RSS (GNU time %M), wall
time, the time the client waited on purpose (waited_ms) and on the cluster
(busy_ms), and prints each figure next to its target from issue 12.

Exact checks, from the simulator's ground truth (/truth/devices, its
write log): the queued phones are the due registered phones, one
getCCMVersion, no listPhone, executeSQLQuery = one count plus the pages the
paging rule allows, selectCmDevice one per 1000 candidates, updatePhone
and applyPhone one per queued phone in a run, every answer 200.  Exit
status: 0 when every command worked and every exact check holds, 1
otherwise, 2 for bad usage.  Targets are reported (met or not, with the
ratio), never failed on.  Results also go to tests/bench/RESULTS.md.

Debian's /usr/bin/python3, standard library only.
"""

import argparse
import collections
import datetime
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "cucmsim"))

from simclient import Sim  # noqa: E402

START = 1798761600          # 2027-01-01 00:00 UTC: fixed, so runs repeat
DAY = 86400
RENEW_BEFORE = 30 * DAY     # campaign default renew_before
LAT_AXL_MS = 20
LAT_RIS_MS = 50
DUE_FRACTION = 0.05
OFFLINE_OF_DUE = 0.10       # share of due phones made offline
# The simulator issues this share of the LSCs from the enterprise CA, the
# rest from CAPF's own: a campaign expecting the enterprise CA (plan CA,
# run CA) finds about a third of the phones due, most of them registered.
ENTERPRISE = 0.6
ENTERPRISE_CA = "Acme Enterprise Issuing CA 1"    # cucmsim population.py
SIZES = [(1000, 10), (10000, 25), (40000, 100)]
SEED = 1
CMD_TIMEOUT = 3600          # seconds; a hung command is a failed measurement

# The client's rules (axl/axl_read.c, axl/ris.c, the configuration defaults)
PAGE_SIZE = 1000            # page_size: the first page's rows
PAGE_BYTES = 2 << 20        # later pages: what fits in 2 MB ...
PAGE_ROWS_MAX = 20000       # ... at most this many rows
POOLS_PER_QUERY = 100       # pools named in one statement
RIS_NAMES = 1000            # names per selectCmDevice
RIS_RATE = 12.0             # ris_rate: calls in any 60 s
SIM_RIS_RATE = 15           # the simulator's limit, a rolling minute

# issue 12's targets, at the largest size
T_PLAN_AXL = 12
T_PLAN_MB = 12.0            # 10^6 bytes
T_PLAN_CPU = 0.5
T_PLAN_RSS = 16.0           # MiB
T_RSS_FLAT = 0.05           # "flat": at most 5 % more at 40,000 than 1,000
T_CA_CPU = 3.0
T_WARM_RUN_CPU = 0.6
T_WALL_FLOOR = 0.10         # plan wall within 10 % of the floor

AXL_OPS = ["getCCMVersion", "listPhone", "executeSQLQuery", "updatePhone",
           "applyPhone"]
OPS = AXL_OPS + ["selectCmDevice"]
SHORT = {"getCCMVersion": "ver", "listPhone": "list", "executeSQLQuery": "sql",
         "selectCmDevice": "ris", "updatePhone": "upd", "applyPhone": "apply"}
MIB = 1048576.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- ground truth ---------------------------------------------------------

def is_live_pending(d, now):
    """An Install/Upgrade still live: jobs/policy.c is_pending_op() and a
    deadline not passed.  lscrenew never touches those, but asks RIS."""
    st = d["certificate_status"] or ""
    return (d["certificate_operation"] == "Install/Upgrade" and
            st != "Upgrade Success" and not st.startswith("Upgrade Failed")
            and (not d["deadline"] or d["deadline"] > now))


def is_due(d, now, issuer):
    """renew_before 30d, install_missing no, expected_issuer as given."""
    until = d["lscvaliduntil"]
    if not until:
        return False
    return until - now <= RENEW_BEFORE or (
        issuer is not None and d["lscissuername"] != issuer)


def truth(sim, now, issuer=None):
    """What the cluster holds now: the phones per pool, the due and the
    live pending ones, and the phones a run must queue."""
    devices = sim.devices()
    due = {d["name"] for d in devices if is_due(d, now, issuer)}
    pending = {d["name"] for d in devices if is_live_pending(d, now)}
    registered = {d["name"] for d in devices if d["registered"]}
    return {"per_pool": collections.Counter(d["pool"] for d in devices),
            "phones": len(devices), "due": due, "pending": pending,
            "candidates": len(due | pending),
            "queue": (due - pending) & registered,
            "offline_due": len((due - pending) - registered)}


def pages(rows, first, later):
    """Pages of a keyset stream of `rows` rows: the first asks `first`,
    each later one `later`, and a page that can hold what the count
    leaves asks one row more; it ends at the first page short of what it
    asked (so exactly n pages' worth costs no empty page)."""
    if rows <= first:
        return 1
    return 1 + math.ceil((rows - first) / later)


def sql_bounds(pools, per_pool, bytes_in, phones):
    """executeSQLQuery calls the rule allows: per statement (up to 100
    pools) one COUNT and the pages.  Fewest: every later page at the
    20,000-row cap.  Most: every later page sized at b bytes a row, b =
    bytes_in / phones, more than any page's bytes per row because bytes_in
    also holds the other answers (getCCMVersion, the count, RisPort70)."""
    b = bytes_in // max(1, phones)
    small = max(1, min(PAGE_ROWS_MAX, PAGE_BYTES // (b + 1)))
    lo = hi = 0
    for i in range(0, len(pools), POOLS_PER_QUERY):
        n = sum(per_pool.get(p, 0) for p in pools[i:i + POOLS_PER_QUERY])
        lo += 1 + pages(n, PAGE_SIZE, PAGE_ROWS_MAX)
        hi += 1 + pages(n, PAGE_SIZE, small)
    return lo, hi


def ris_floor(candidates):
    """Seconds of RisPort70 pacing a command cannot avoid: at most
    ris_rate calls of 1000 names in any 60 s, so each further ris_rate
    chunks wait a minute."""
    chunks = math.ceil(candidates / RIS_NAMES)
    return max(0, math.ceil(chunks / RIS_RATE) - 1) * 60.0


# ---- one measured command --------------------------------------------------

def proc_cpu_s(pid):
    """utime + stime of a process (all its threads), seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


CALLS_RE = re.compile(r"calls: (.*)$", re.M)
TIME = "/usr/bin/time"


def parse_calls(stderr):
    m = CALLS_RE.findall(stderr)
    if not m:
        return None
    out = {}
    for kv in m[-1].split():
        k, _, v = kv.partition("=")
        out[k] = int(v)
    return out


def poll_mem(pid, out, stop, child):
    """The process's VmHWM (out[0]) and its largest RssAnon (out[1]: the
    heap and other private pages, without the shared libraries' pages),
    read every 10 ms until it exits; child: the process is GNU time's
    child (only growth in its last 10 ms could be missed)."""
    while not stop.is_set():
        try:
            if child:
                with open(f"/proc/{pid}/task/{pid}/children") as f:
                    kids = f.read().split()
                if kids:
                    pid, child = int(kids[0]), False
            if not child:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        k, _, v = line.partition(":")
                        if k in ("VmHWM", "RssAnon"):
                            i = k == "RssAnon"
                            out[i] = max(out[i], int(v.split()[0]))
        except (OSError, ValueError):
            return
        stop.wait(0.01)


def spawn(argv, workdir, tag, env):
    """Runs argv; returns (exit code, rusage, wall s, peak RSS KiB, stdout,
    stderr, peak RssAnon KiB).

    Peak RSS is *not* taken from this process's wait4(): Linux records the
    high-water mark of the address space a process had before exec(), so a
    child forked from this Python process, which holds the simulator's
    ground truth (~250 MB at 40,000 phones), would report Python's peak.
    GNU time forks lscrenew from its own small process and reports the
    child's own maximum (%M); without it, lscrenew's VmHWM is polled.  CPU
    comes from wait4() (GNU time's own is negligible)."""
    out_path = os.path.join(workdir, f"{tag}.out")
    err_path = os.path.join(workdir, f"{tag}.err")
    rss_path = os.path.join(workdir, f"{tag}.rss")
    use_time = os.access(TIME, os.X_OK)
    if use_time:
        argv = [TIME, "-f", "%M", "-o", rss_path] + argv
    hwm, stop = [0, 0], threading.Event()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, env=env)
        poller = threading.Thread(target=poll_mem,
                                  args=(proc.pid, hwm, stop, use_time))
        poller.start()
        timer = threading.Timer(CMD_TIMEOUT, proc.kill)
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            stop.set()
            poller.join()
        wall = time.monotonic() - t0
    rss_kb = hwm[0]
    if use_time:
        try:
            with open(rss_path) as f:
                rss_kb = int(f.read().split()[-1])  # after "Command exited"
        except (OSError, ValueError, IndexError):
            rss_kb = 0
    with open(out_path, errors="replace") as f:
        stdout = f.read()
    with open(err_path, errors="replace") as f:
        stderr = f.read()
    return (os.waitstatus_to_exitcode(status), ru, wall, rss_kb, stdout,
            stderr, hwm[1])


def measure(binary, config, sim, label, sub, workdir, now):
    """Runs `lscrenew -c config SUB -v` once; returns the measurements."""
    sim.reset_counts()
    env = dict(os.environ, LSCRENEW_NOW=str(now), TZ="UTC")
    env.pop("LSCRENEW_CONFIG", None)
    cpu0 = proc_cpu_s(sim.info["pid"])
    rc, ru, wall, rss_kb, stdout, stderr, anon_kb = spawn(
        [binary, "-c", config, sub, "-v"], workdir, label.replace(" ", "-"),
        env)
    sim_cpu = proc_cpu_s(sim.info["pid"]) - cpu0
    counts = sim.counts()
    calls = dict(counts.get("axl", {}))
    calls.update(counts.get("ris", {}))
    m = re.search(r"(\d+) would be queued" if sub == "plan" else
                  r"phones, (\d+) queued", stdout)
    return {
        "case": label, "cmd": sub, "rc": rc, "wall": wall,
        "user": ru.ru_utime, "sys": ru.ru_stime,
        "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": rss_kb / 1024.0,
        "anon_mb": anon_kb / 1024.0,
        "sim_cpu": sim_cpu, "calls": calls,
        "status": counts.get("http_status", {}),
        "sim_bytes_sent": counts.get("bytes_sent", 0),
        "tls_handshakes": counts.get("tls_handshakes", 0),
        "client": parse_calls(stderr) or {},
        "has_calls_line": CALLS_RE.search(stderr) is not None,
        "stderr_tail": stderr[-1500:],
        "summary": next((l for l in stdout.splitlines()
                         if l.startswith(("plan:", "lscrenew run"))), ""),
        "queued": int(m.group(1)) if m else None,
    }


def baseline_rss(binary, workdir):
    """Peak RSS of `lscrenew version`: the shared libraries' share, which
    no work of the client's can remove (the least of three)."""
    best = None
    for i in range(3):
        rc, _, _, kb, _, _, _ = spawn([binary, "version"], workdir, f"v{i}",
                                   dict(os.environ))
        if rc == 0 and kb and (best is None or kb < best):
            best = kb
    return best / 1024.0 if best else 0.0


class RisWindow:
    """The simulator counts RisPort70 calls over a rolling minute, as a
    cluster shared with cron's other runs would not see them: before a
    command, wait until the calls of the commands before it that could
    still be in that minute leave room for its burst (their calls are
    taken as made at their end, which waits a little longer than
    needed).  The wait is in no figure."""

    def __init__(self):
        self.done = []          # (monotonic end, calls)
        self.waited = 0.0

    def before(self, expected):
        need = min(expected, int(RIS_RATE))
        while True:
            now = time.monotonic()
            self.done = [(t, n) for t, n in self.done if now - t < 60]
            if sum(n for _, n in self.done) + need <= SIM_RIS_RATE:
                return
            pause = self.done[0][0] + 60 - now + 0.1
            self.waited += pause
            time.sleep(pause)

    def after(self, calls):
        self.done.append((time.monotonic(), calls))


# ---- one population ----------------------------------------------------------

def write_config(path, sim, state, pwfile, poolfile, issuer=None):
    info = sim.info
    lines = [
        "[global]", f"state_dir = {state}", "",
        "[cluster sim]", f"host = {info['host']}", f"port = {info['port']}",
        f"ca_file = {info['ca_file']}", f"username = {info['username']}",
        f"password_file = {pwfile}",
        "# ris_rate, page_size and the retries: the defaults", "",
        "[campaign bench]", "cluster = sim",
        f"device_pools_file = {poolfile}",
        "# no limits: a run queues every due registered phone at once",
        "# (a production configuration paces writes: defaults 500 and 60)",
        "max_per_run = 0", "max_per_minute = 0"]
    if issuer:
        lines.append(f"expected_issuer = {issuer}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)


def written(sim):
    """updatePhone requests per phone so far (the simulator's write log)."""
    return collections.Counter(
        {name: sum(w["op"] == "updatePhone" for w in ws)
         for name, ws in sim.writes().items()})


def expect(t, sub):
    """The exact call counts for a command over ground truth t, but
    executeSQLQuery (see sql_bounds)."""
    writes = len(t["queue"]) if sub == "run" else 0
    return {"getCCMVersion": 1, "listPhone": 0,
            "selectCmDevice": math.ceil(t["candidates"] / RIS_NAMES),
            "updatePhone": writes, "applyPhone": writes}


def bench_size(binary, phones, pools, tmp, window):
    opts = dict(phones=phones, pools=pools, seed=SEED, start=START,
                due_fraction=DUE_FRACTION, offline_fraction=0.0,
                latency_axl=LAT_AXL_MS, latency_ris=LAT_RIS_MS,
                ris_rate=SIM_RIS_RATE,
                scenario={"population": {"fractions": {
                    "expired": 0.0, "enterprise": ENTERPRISE}}})
    workdir = tempfile.mkdtemp(prefix=f"n{phones}-", dir=tmp)
    state = os.path.join(workdir, "state")
    os.mkdir(state, 0o700)
    pwfile = os.path.join(workdir, "axl.password")
    poolfile = os.path.join(workdir, "pools")
    res = {"phones": phones, "pools": pools, "runs": [], "errors": [],
           "truth": {}}
    t0 = time.monotonic()
    with Sim(start_timeout=180, **opts) as sim:
        res["sim_start_s"] = time.monotonic() - t0
        with open(pwfile, "w") as f:
            f.write(sim.info["password"] + "\n")
        os.chmod(pwfile, 0o600)
        names = sim.info["pools"]
        with open(poolfile, "w") as f:
            f.write("".join(n + "\n" for n in names))
        now = sim.now()
        t = truth(sim, now)
        # every tenth due phone (by name) offline: 10 % of the due phones
        offline = sorted(t["due"] - t["pending"])[::round(1 / OFFLINE_OF_DUE)]
        if offline:
            sim.set_registered(offline, False)
        # warm the simulator: it loads each schema on first use (~0.4 s),
        # which would otherwise land in the first measured command
        sim.axl("getCCMVersion", "", version="12.5")
        sim.axl("getCCMVersion", "", version=sim.info["version"])
        base = os.path.join(workdir, "base.conf")
        ca = os.path.join(workdir, "ca.conf")
        write_config(base, sim, state, pwfile, poolfile)
        write_config(ca, sim, state, pwfile, poolfile, ENTERPRISE_CA)
        cases = [("plan", "plan", base, None), ("run", "run", base, None),
                 ("plan warm", "plan", base, None),
                 ("run warm", "run", base, None)]
        if phones == SIZES[-1][0]:
            cases += [("plan CA", "plan", ca, ENTERPRISE_CA),
                      ("run CA", "run", ca, ENTERPRISE_CA)]
        before = collections.Counter()
        for label, sub, conf, issuer in cases:
            if sub == "plan":   # the run after it sees the same cluster
                t = truth(sim, now, issuer)
                res["truth"][label] = {
                    k: len(v) if isinstance(v, (set, collections.Counter))
                    else v for k, v in t.items() if k != "per_pool"}
                res["truth"][label]["pool_sizes"] = (
                    min(t["per_pool"].values()), max(t["per_pool"].values()))
            want = expect(t, sub)
            window.before(want["selectCmDevice"])
            log(f"bench: {phones} phones, {pools} pools: lscrenew {sub} "
                f"({label}) ...")
            m = measure(binary, conf, sim, label, sub, workdir, now)
            window.after(m["calls"].get("selectCmDevice", 0))
            m.update(want=want, writes=len(t["queue"]) if sub == "run" else 0,
                     candidates=t["candidates"],
                     sql=sql_bounds(names, t["per_pool"],
                                    m["client"].get("bytes_in", 0),
                                    t["phones"]))
            judge(m, res, t)
            if sub == "run":
                after = written(sim)
                judge_writes(m, res, t["queue"], after - before)
                before = after
            res["runs"].append(m)
            log(f"bench:   {m['wall']:.1f} s wall, {m['cpu']:.2f} s CPU, "
                f"rc {m['rc']}, {m['summary']}")
    pair_pages(res)
    shutil.rmtree(workdir, ignore_errors=True)
    return res


# ---- exact checks -----------------------------------------------------------

def fail(m, res, msg):
    m["ok"] = False
    res["errors"].append(f"{res['phones']:,} phones, {m['case']}: {msg}")


def judge(m, res, t):
    """The command worked, its calls are the ones the rules allow, and it
    queued exactly the due registered phones."""
    m["ok"] = True
    if m["rc"] not in (0, 1, 2):
        fail(m, res, f"lscrenew exited {m['rc']}:\n" + m["stderr_tail"])
    if not m["has_calls_line"]:
        fail(m, res, "no 'calls:' line on stderr")
    extra = set(m["calls"]) - set(OPS)
    if extra:
        fail(m, res, f"unexpected operations {sorted(extra)}")
    for op in OPS:
        got = m["calls"].get(op, 0)
        if op in m["want"] and got != m["want"][op]:
            fail(m, res, f"{op} {got} calls, expected {m['want'][op]}")
        if m["client"].get(op, 0) != got:
            fail(m, res, f"{op}: client counted {m['client'].get(op, 0)}, "
                 f"simulator {got}")
    lo, hi = m["sql"]
    got = m["calls"].get("executeSQLQuery", 0)
    if not lo <= got <= hi:
        fail(m, res, f"executeSQLQuery {got} calls, the paging rule allows "
             f"{lo}..{hi}")
    bad = {k: v for k, v in m["status"].items() if k != "200"}
    if bad:
        fail(m, res, f"answers other than 200 {bad} (retries "
             f"{m['client'].get('retries', '?')}; a 500 to selectCmDevice "
             "is the RisPort70 rate limit)")
    if m["queued"] is None:
        fail(m, res, "no summary line on stdout")
    elif m["queued"] != len(t["queue"]):
        fail(m, res, f"{m['queued']} phones queued, {len(t['queue'])} due "
             "registered phones")


def judge_writes(m, res, queue, got):
    """The simulator's write log agrees: one updatePhone for each phone
    queued, none for any other."""
    missing = sorted(queue - set(got))
    extra = sorted(set(got) - queue)
    twice = sorted(n for n, k in got.items() if k > 1)
    if missing:
        fail(m, res, f"{len(missing)} due registered phones got no "
             f"updatePhone, e.g. {', '.join(missing[:5])}")
    if extra:
        fail(m, res, f"{len(extra)} phones got an updatePhone they did "
             f"not need, e.g. {', '.join(extra[:5])}")
    if twice:
        fail(m, res, f"{len(twice)} phones got more than one updatePhone, "
             f"e.g. {', '.join(twice[:5])}")


def pair_pages(res):
    """A plan and the run after it read the same inventory: the same
    number of pages (the page sizes follow the bytes, which are the
    same)."""
    by = {m["case"]: m for m in res["runs"]}
    for plan, run in (("plan", "run"), ("plan warm", "run warm"),
                      ("plan CA", "run CA")):
        if plan in by and run in by:
            a = by[plan]["calls"].get("executeSQLQuery", 0)
            b = by[run]["calls"].get("executeSQLQuery", 0)
            if a != b:
                fail(by[run], res, f"executeSQLQuery {b} calls, {a} in "
                     f"{plan} over the same inventory")


# ---- report -----------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              cwd=TOP, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine():
    model, mem = "unknown", "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f
                          if l.startswith("model name")), model)
        with open("/proc/meminfo") as f:
            mem = next(("%.1f GiB" % (int(l.split()[1]) / 1048576)
                        for l in f if l.startswith("MemTotal:")), mem)
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} cores, {mem} RAM, Linux "
            f"{platform.release()}, "
            f"{sh(['sh', '-c', '. /etc/os-release && echo $PRETTY_NAME'])}, "
            f"Python {platform.python_version()}")


def latency_floor(m):
    """Seconds of added latency the command's calls cost at least."""
    return (sum(m["calls"].get(o, 0) for o in AXL_OPS) * LAT_AXL_MS +
            m["calls"].get("selectCmDevice", 0) * LAT_RIS_MS) / 1000


def axl_calls(m):
    return sum(m["calls"].get(o, 0) for o in AXL_OPS)


def fmt_calls(m, op):
    got = m["calls"].get(op, 0)
    if op == "executeSQLQuery":
        lo, hi = m["sql"]
        return f"{got}" if lo <= got <= hi else f"**{got}**/{lo}..{hi}"
    want = m["want"][op]
    return f"{got}" if got == want else f"**{got}**/{want}"


def md_table(head, rows, left=()):
    w = [max(len(head[i]), *(len(x[i]) for x in rows))
         for i in range(len(head))]
    out = ["| " + " | ".join(h.ljust(w[i]) for i, h in enumerate(head)) +
           " |", "|" + "|".join("-" * (x + 2) for x in w) + "|"]
    for x in rows:
        out.append("| " + " | ".join(
            v.ljust(w[i]) if i in left else v.rjust(w[i])
            for i, v in enumerate(x)) + " |")
    return "\n".join(out)


def results_table(results):
    head = ["phones", "case"] + [SHORT[o] for o in (
        "getCCMVersion", "listPhone", "executeSQLQuery", "selectCmDevice",
        "updatePhone", "applyPhone")] + [
        "exact", "queued", "wall s", "waited s", "on cluster s",
        "latency floor s", "RIS floor s", "CPU s (usr+sys)", "peak RSS MiB",
        "peak anon MiB", "bytes_in (client)", "bytes_sent (sim)", "sim CPU s"]
    rows = []
    for r in results:
        for m in r["runs"]:
            c = m["client"]
            rows.append([
                f"{r['phones']:,}", m["case"],
                *(fmt_calls(m, o) for o in (
                    "getCCMVersion", "listPhone", "executeSQLQuery",
                    "selectCmDevice", "updatePhone", "applyPhone")),
                "yes" if m["ok"] else "**NO**",
                f"{m['queued']:,}" if m["queued"] is not None else "?",
                "%.1f" % m["wall"], "%.1f" % (c.get("waited_ms", 0) / 1000),
                "%.1f" % (c.get("busy_ms", 0) / 1000),
                "%.1f" % latency_floor(m),
                "%.0f" % ris_floor(m["candidates"]),
                "%.2f (%.2f+%.2f)" % (m["cpu"], m["user"], m["sys"]),
                "%.1f" % m["rss_mb"], "%.1f" % m["anon_mb"],
                f"{c.get('bytes_in', 0):,}",
                f"{m['sim_bytes_sent']:,}", "%.1f" % m["sim_cpu"]])
    return md_table(head, rows, left=(1,))


def population_table(results):
    head = ["phones", "pools", "phones/pool", "case", "due", "live pending",
            "RIS candidates (due ∪ pending)", "due offline",
            "due registered (to queue)", "simulator start s"]
    rows = []
    for r in results:
        for label, t in r["truth"].items():
            lo, hi = t["pool_sizes"]
            rows.append([f"{r['phones']:,}", str(r["pools"]), f"{lo}–{hi}",
                         f"{label}, {label.replace('plan', 'run')}",
                         f"{t['due']:,}", f"{t['pending']:,}",
                         f"{t['candidates']:,}", f"{t['offline_due']:,}",
                         f"{t['queue']:,}", "%.1f" % r["sim_start_s"]])
    return md_table(head, rows, left=(3,))


def verdict(got, target):
    """'met (0.40x)' / 'NOT MET (1.28x)': figure against an upper bound."""
    ratio = got / target if target else float("inf")
    return ("met" if got <= target else "NOT MET") + f" ({ratio:.2f}×)"


def targets(results, base_rss):
    """[(target, figure, verdict)] for the largest size, against issue
    12's targets; empty when the largest size did not run."""
    big = next((r for r in results if r["phones"] == SIZES[-1][0]), None)
    if big is None:
        return []
    by = {m["case"]: m for m in big["runs"]}
    out = []
    for case in ("plan", "plan warm", "plan CA"):
        m = by.get(case)
        if m is None:
            continue
        n = axl_calls(m)
        out.append((f"{case}: AXL calls ≤ {T_PLAN_AXL}",
                    f"{n} ({m['calls'].get('executeSQLQuery', 0)} "
                    "executeSQLQuery)", verdict(n, T_PLAN_AXL)))
        mb = m["client"].get("bytes_in", 0) / 1e6
        out.append((f"{case}: bytes read ≤ {T_PLAN_MB:.0f} MB",
                    "%.1f MB" % mb, verdict(mb, T_PLAN_MB)))
        out.append((f"{case}: client CPU ≤ {T_PLAN_CPU} s",
                    "%.2f s" % m["cpu"], verdict(m["cpu"], T_PLAN_CPU)))
        out.append((f"{case}: peak RSS ≤ {T_PLAN_RSS:.0f} MiB",
                    "%.1f MiB (%.1f above `lscrenew version`; %.1f MiB "
                    "anonymous)" % (m["rss_mb"], m["rss_mb"] - base_rss,
                                    m["anon_mb"]),
                    verdict(m["rss_mb"], T_PLAN_RSS)))
        floor = ris_floor(m["candidates"])
        lat = latency_floor(m)
        out.append((
            f"{case}: wall within {T_WALL_FLOOR:.0%} of the RisPort70 floor "
            "(+ the added latency)",
            "%.1f s; floor %.1f s pacing (%d chunk(s)) + %.1f s latency; "
            "%.1f s on the cluster, %.1f s paced" % (
                m["wall"], floor, math.ceil(m["candidates"] / RIS_NAMES),
                lat, m["client"].get("busy_ms", 0) / 1000,
                m["client"].get("waited_ms", 0) / 1000),
            verdict(m["wall"], (floor + lat) * (1 + T_WALL_FLOOR))))
    rss = [(r["phones"], m["rss_mb"]) for r in results for m in r["runs"]
           if m["case"] == "plan"]
    if len(rss) > 1:
        grow = rss[-1][1] / rss[0][1] - 1
        out.append((f"plan: peak RSS flat from {rss[0][0]:,} to "
                    f"{rss[-1][0]:,} phones (≤ {T_RSS_FLAT:.0%} more)",
                    " → ".join("%.1f" % v for _, v in rss) + " MiB "
                    f"({grow:+.1%})",
                    ("met" if grow <= T_RSS_FLAT else "NOT MET") +
                    f" ({grow / T_RSS_FLAT:.2f}×)"))
    if "run CA" in by:
        m = by["run CA"]
        out.append((f"run CA ({m['writes']:,} writes): client CPU ≤ "
                    f"{T_CA_CPU:.0f} s", "%.2f s (%.0f µs a write)" % (
                        m["cpu"], m["cpu"] * 1e6 / max(1, m["writes"])),
                    verdict(m["cpu"], T_CA_CPU)))
    if "run warm" in by:
        m = by["run warm"]
        out.append((f"run warm (unchanged cluster): client CPU ≤ "
                    f"{T_WARM_RUN_CPU} s", "%.2f s" % m["cpu"],
                    verdict(m["cpu"], T_WARM_RUN_CPU)))
    return out


def notes(results):
    """Where each command's wall time went, and the implied page sizes."""
    out = []
    for r in results:
        for m in r["runs"]:
            c = m["client"]
            busy, paced = c.get("busy_ms", 0) / 1000, c.get("waited_ms", 0) / 1000
            sql = m["calls"].get("executeSQLQuery", 0)
            nw = m["calls"].get("updatePhone", 0) + \
                m["calls"].get("applyPhone", 0)
            per_write = (f"; {nw:,} write calls, {busy * 1000 / nw:.0f} ms "
                         "each on the cluster" if nw else "")
            later = sql - 2     # one count, the first page
            rows = r["truth"][m["case"] if m["cmd"] == "plan" else
                              m["case"].replace("run", "plan")]["phones"]
            out.append(
                f"{r['phones']:,} {m['case']}: {m['wall']:.1f} s wall = "
                f"{busy:.1f} s on the cluster (latency floor "
                f"{latency_floor(m):.1f} s, simulator CPU {m['sim_cpu']:.1f} "
                f"s) + {paced:.1f} s paced + "
                f"{max(0.0, m['wall'] - busy - paced):.1f} s other; "
                f"{sql} executeSQLQuery = 1 count + {sql - 1} pages" +
                (f" (after the first 1000 rows, {later} pages of "
                 f"{(rows - PAGE_SIZE) / later:,.0f} rows on average)"
                 if later > 0 and rows > PAGE_SIZE else "") + per_write)
    return out


def report(results, args, started, elapsed, failures, base_rss, waited):
    commit = sh(["git", "rev-parse", "HEAD"]) or "unknown"
    dirty = sh(["git", "status", "--porcelain", "--untracked-files=no"])
    binsum = sh(["sha256sum", args.bin]).split(" ")[0]
    tg = targets(results, base_rss)
    lines = [
        "# lscrenew benchmark results", "",
        "Written by `make bench` (tests/bench/bench.py); README.md in this "
        "directory says how to read it.", "",
        f"- date: {started.strftime('%Y-%m-%d %H:%M:%S UTC')} (took "
        f"{elapsed / 60:.1f} min, of which {waited:.0f} s waiting between "
        "commands for the simulator's RisPort70 minute to clear)",
        f"- machine: {machine()}",
        f"- commit: {commit}" + (" with uncommitted changes in the working "
                                 "tree" if dirty else ""),
        f"- binary: {args.bin} (sha256 {binsum[:16]}…); `lscrenew version` "
        f"alone peaks at {base_rss:.1f} MiB RSS (the shared libraries)",
        f"- load average before / after: {args.load0} / "
        f"{' '.join('%.2f' % x for x in os.getloadavg())} (other work on "
        "the machine makes timings noisier; counts are exact)",
        f"- command: `make bench` = `{sys.executable} tests/bench/bench.py "
        f"--bin {args.bin}`" + (f" (run as `{' '.join(sys.argv)}`)"
                                if args.sizes != "all" else ""),
        "",
        "## Set-up", "",
        f"- Simulator: `cucmsim --phones N --pools M --seed {SEED} --start "
        f"{START} --due-fraction {DUE_FRACTION} --offline-fraction 0 "
        f"--latency-axl {LAT_AXL_MS} --latency-ris {LAT_RIS_MS} --ris-rate "
        f"{SIM_RIS_RATE}`, a scenario setting the expired fraction to 0 and "
        f"the enterprise-issued fraction to {ENTERPRISE}; every tenth due "
        "phone (by name) set offline.  Its generated pool names (spaces, "
        "quotes, `&`, non-ASCII), given through `device_pools_file`.",
        "- Configuration: one cluster, one campaign over every pool, the "
        "defaults (page_size 1000, ris_rate 12, renew_before 30d) but "
        "**`max_per_run = 0`, `max_per_minute = 0`**: a run queues every due "
        "registered phone at once.  plan CA and run CA add `expected_issuer "
        f"= {ENTERPRISE_CA}`.",
        "- Cases, in order, at the same virtual time, counts reset before "
        "each: plan (no state file), run, plan warm, run warm (the cluster "
        "as the run left it), and at 40,000 phones plan CA and run CA over "
        "that store.",
        "- Client CPU: user+sys from wait4(); peak RSS: GNU time %M; "
        "peak anon: the largest RssAnon of /proc/PID/status read every "
        "10 ms (heap and private pages, not the shared libraries'); "
        "*waited*: `waited_ms` (RisPort70 pacing, backoff); *on cluster*: "
        "`busy_ms` (latency, the simulator's work, the client's parse of "
        "what arrives); *latency floor*: calls × the added latency; *RIS "
        "floor*: a minute for each 12 chunks of 1000 names beyond the first 12.",
        "",
        "## Population", "", population_table(results), "",
        "## Results", "",
        "Calls as the simulator counted them; a bold **n**/m is n where the "
        "rules give m (executeSQLQuery: the range the paging rule allows).",
        "", results_table(results), "",
        "## Targets (issue 12, 40,000 phones / 100 pools)", "",
        "Reported, never failed on.", "",
        md_table(["target", "figure", "verdict"], [list(x) for x in tg],
                 left=(0, 1, 2)) if tg else "(the largest size did not run)",
        "", "## Where the time went", ""]
    lines += [f"- {n}" for n in notes(results)]
    lines += ["", "## Exact checks", ""]
    lines.append(
        "- getCCMVersion 1, listPhone 0, executeSQLQuery one count per "
        "statement and the pages the rule allows (a plan and the run after "
        "it the same), selectCmDevice one per 1000 candidates, updatePhone "
        "and applyPhone one per due registered phone in a run (none in a "
        "plan), the client's `calls:` line equal to the simulator's counts, "
        "every answer 200, the phones queued equal to the due registered "
        "phones (a run's also in the simulator's write log): " +
        ("**all hold**." if not failures else "**FAILED** (below)."))
    if failures:
        lines += ["", "## Failures (make bench exits 1)", "", "```"] + \
            failures + ["```"]
    lines.append("")
    return "\n".join(lines), tg


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(TOP, "build", "lscrenew"))
    ap.add_argument("--sizes", default="all",
                    help="comma-separated phone counts to run (default: "
                    "1000,10000,40000); RESULTS.md is written only for all")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--json", help="also write the raw measurements here")
    args = ap.parse_args()
    if os.path.abspath(args.bin).startswith(TOP + os.sep):
        args.bin = os.path.relpath(os.path.abspath(args.bin), TOP)
    binary = args.bin if os.path.isabs(args.bin) else \
        os.path.join(TOP, args.bin)
    if not os.access(binary, os.X_OK):
        print(f"bench: {binary} is not built: run 'make' first",
              file=sys.stderr)
        return 2
    sizes = SIZES
    if args.sizes != "all":
        want = {int(s) for s in args.sizes.split(",") if s.isdigit()}
        sizes = [s for s in SIZES if s[0] in want]
        if not sizes:
            print("bench: --sizes: choose among 1000,10000,40000",
                  file=sys.stderr)
            return 2
    args.load0 = " ".join("%.2f" % x for x in os.getloadavg())
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="lscrenew-bench-")
    results, failures, window = [], [], RisWindow()
    try:
        base_rss = baseline_rss(binary, tmp)
        for phones, pools in sizes:
            r = bench_size(binary, phones, pools, tmp, window)
            results.append(r)
            failures += r["errors"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.monotonic() - t0
    text, tg = report(results, args, started, elapsed, failures, base_rss,
                      window.waited)
    print(results_table(results))
    print(f"\nbaseline: `lscrenew version` peaks at {base_rss:.1f} MiB\n")
    for target, figure, v in tg:
        print(f"{v:<16} {target}: {figure}")
    for n in notes(results):
        print("  " + n)
    if failures:
        print("\nexact checks failed:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
    else:
        print("\nexact checks: all hold")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    if args.sizes == "all" or args.out != ap.get_default("out"):
        with open(args.out, "w") as f:
            f.write(text)
        print(f"\nwritten: {os.path.relpath(args.out, TOP)} "
              f"({elapsed / 60:.1f} min)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
