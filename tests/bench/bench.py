#!/usr/bin/python3
"""make bench: what lscrenew costs the cluster and the host.

Runs the real binary against the CUCM simulator (tests/cucmsim) at 1,000,
10,000 and 40,000 phones, with WAN-like latency added by the simulator, and
measures `lscrenew plan` and a `lscrenew run` that queues every due
registered phone:

  - AXL and RisPort70 calls by operation (simulator's /truth/counts, reset
    before each command) next to the minimum for that population, computed
    from the simulator's ground truth (/truth/devices);
  - which phones were queued, against the simulator's write log;
  - wall time, the time the client waited on purpose (RIS pacing, backoff)
    and the time it waited on the cluster (`calls: ... busy_ms= waited_ms=`
    printed at -v), client user+sys CPU (os.wait4) and peak RSS (GNU time,
    see measure()), the simulator's own CPU (/proc/PID/stat);
  - bytes received (client bytes_in, simulator bytes_sent).

Prints one table and the checks, and writes both to tests/bench/RESULTS.md
with the machine, date, commit and command.  Exit status: 0 when every
measurement worked, calls are at the minimum and exactly the due
registered phones were queued (timings are reported, never failed on); 1
when a command failed, a call count is off the minimum or the wrong phones
were queued; 2 for bad usage.

Debian's /usr/bin/python3, standard library only.
"""

import argparse
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
PAGE = 1000                 # cluster default page_size
RIS_CHUNK = 1000            # names per selectCmDevice
LAT_AXL_MS = 20
LAT_RIS_MS = 50
DUE_FRACTION = 0.05
OFFLINE_OF_DUE = 0.10       # share of due phones made offline
SIZES = [(1000, 10), (10000, 25), (40000, 100)]
SEED = 1
CMD_TIMEOUT = 900           # seconds; a hung command is a failed measurement
RSS_LIMIT_MB = 32.0

AXL_OPS = ["getCCMVersion", "listPhone", "executeSQLQuery", "updatePhone",
           "applyPhone"]
RIS_OPS = ["selectCmDevice"]
OPS = AXL_OPS + RIS_OPS
SHORT = {"getCCMVersion": "ver", "listPhone": "list", "executeSQLQuery": "sql",
         "selectCmDevice": "ris", "updatePhone": "upd", "applyPhone": "apply"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- population and its minimum -------------------------------------------

def pool_names(phones, pools):
    """None: the simulator's own (adversarial) names.  At 100 pools those do
    not fit: a campaign's device_pools is one configuration line of at most
    1022 characters (iniparser), and 100 generated names take ~1,700.  So
    the largest size uses short names; see RESULTS.md."""
    if pools <= 25:
        return None
    return ["DP%03d" % i for i in range(1, pools + 1)]


def ini_list(names):
    """A lscrenew.conf(5) list: ',' inside a name is '\\,', '\\' is '\\\\'."""
    out = ", ".join(n.replace("\\", "\\\\").replace(",", "\\,")
                    for n in names)
    if ";" in out or "#" in out:
        if '"' in out:
            raise SystemExit("bench: a pool name holds both '\"' and ';'/#'")
        out = '"' + out + '"'
    return out


def is_live_pending(d, now):
    """An Install/Upgrade still live: jobs/policy.c is_pending_op() and a
    deadline not passed.  lscrenew never touches those, but asks RIS."""
    st = d["certificate_status"] or ""
    return (d["certificate_operation"] == "Install/Upgrade" and
            st != "Upgrade Success" and not st.startswith("Upgrade Failed")
            and (not d["deadline"] or d["deadline"] > now))


def is_due(d, now):
    # renew_before 30d, install_missing no, no expected_issuer
    return bool(d["lscvaliduntil"]) and d["lscvaliduntil"] - now <= RENEW_BEFORE


def population(devices, now):
    per_pool = {}
    for d in devices:
        per_pool[d["pool"]] = per_pool.get(d["pool"], 0) + 1
    due = {d["name"] for d in devices if is_due(d, now)}
    pending = {d["name"] for d in devices if is_live_pending(d, now)}
    return per_pool, due, pending


def minimum(per_pool, candidates, writes, run):
    pages = sum(max(1, math.ceil(n / PAGE)) for n in per_pool.values())
    return {
        "getCCMVersion": 1,
        "listPhone": pages,
        "executeSQLQuery": pages,
        "selectCmDevice": math.ceil(candidates / RIS_CHUNK),
        "updatePhone": writes if run else 0,
        "applyPhone": writes if run else 0,
    }


# ---- one measured command --------------------------------------------------

def proc_cpu_s(pid):
    """utime + stime of a process (all its threads), seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


CALLS_RE = re.compile(r"calls: (.*)$", re.M)


def parse_calls(stderr):
    m = CALLS_RE.findall(stderr)
    if not m:
        return None
    out = {}
    for kv in m[-1].split():
        k, _, v = kv.partition("=")
        out[k] = int(v)
    return out


TIME = "/usr/bin/time"


def poll_hwm(pid, out, stop):
    """Fallback peak RSS: the process's own VmHWM, read every 10 ms until
    it exits (only growth in its last 10 ms could be missed)."""
    path = f"/proc/{pid}/status"
    while not stop.is_set():
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        out[0] = max(out[0], int(line.split()[1]))
        except (OSError, ValueError):
            return
        stop.wait(0.01)


def measure(binary, config, sim, sub, workdir, now):
    """Runs `lscrenew -c config SUB -v` once; returns the measurements.

    Peak RSS is *not* taken from this process's wait4(): Linux records the
    high-water mark of the address space a process had before exec(), so a
    child forked (or vforked) from this Python process, which holds the
    simulator's ground truth (~250 MB at 40,000 phones), would report
    Python's peak, not lscrenew's.  GNU time forks lscrenew from its own
    small process and reports the child's own maximum (%M); without it,
    lscrenew's VmHWM is polled.  CPU comes from wait4() (GNU time's own is
    negligible)."""
    sim.reset_counts()
    sim_pid = sim.info["pid"]
    env = dict(os.environ)
    env.pop("LSCRENEW_CONFIG", None)
    env["LSCRENEW_NOW"] = str(now)
    env["TZ"] = "UTC"
    out_path = os.path.join(workdir, f"{sub}.out")
    err_path = os.path.join(workdir, f"{sub}.err")
    rss_path = os.path.join(workdir, f"{sub}.rss")
    argv = [binary, "-c", config, sub, "-v"]
    use_time = os.access(TIME, os.X_OK)
    if use_time:
        argv = [TIME, "-f", "%M", "-o", rss_path] + argv
    hwm, stop = [0], threading.Event()
    sim_cpu0 = proc_cpu_s(sim_pid)
    with open(out_path, "w") as out, open(err_path, "w") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, env=env)
        poller = None
        if not use_time:
            poller = threading.Thread(target=poll_hwm,
                                      args=(proc.pid, hwm, stop))
            poller.start()
        timer = threading.Timer(CMD_TIMEOUT, proc.kill)
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            stop.set()
            if poller:
                poller.join()
        wall = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    sim_cpu = proc_cpu_s(sim_pid) - sim_cpu0
    counts = sim.counts()
    with open(err_path, errors="replace") as f:
        stderr = f.read()
    with open(out_path, errors="replace") as f:
        stdout = f.read()
    rss_kb = hwm[0]
    if use_time:
        try:
            with open(rss_path) as f:
                lines = f.read().split()
            rss_kb = int(lines[-1])   # after "Command exited with ..."
        except (OSError, ValueError, IndexError):
            rss_kb = 0
    calls = parse_calls(stderr)
    got = dict(counts.get("axl", {}))
    got.update(counts.get("ris", {}))
    m = re.search(r"(\d+) would be queued", stdout)
    n = re.search(r"(\d+) queued", stdout)
    return {
        "cmd": sub, "rc": proc.returncode, "wall": wall,
        "user": ru.ru_utime, "sys": ru.ru_stime,
        "cpu": ru.ru_utime + ru.ru_stime,
        "rss_mb": rss_kb / 1024.0,
        "rss_method": "GNU time %M" if use_time else "VmHWM polled",
        "minflt": ru.ru_minflt, "inblock": ru.ru_inblock,
        "oublock": ru.ru_oublock, "nvcsw": ru.ru_nvcsw,
        "sim_cpu": sim_cpu,
        "calls": got, "status": counts.get("http_status", {}),
        "sim_bytes_sent": counts.get("bytes_sent", 0),
        "connections": counts.get("connections", 0),
        "tls_handshakes": counts.get("tls_handshakes", 0),
        "client": calls, "stderr_tail": stderr[-2000:],
        "stdout_tail": stdout[-600:], "stderr_lines": stderr.count("\n"),
        "summary": next((l for l in stdout.splitlines()
                         if l.startswith(("plan:", "lscrenew run"))), ""),
        "queued": int((m or n).group(1)) if (m or n) else None,
    }


def write_config(path, sim, state, pwfile, pools):
    info = sim.info
    # ris_rate, page_size, retry settings: the defaults (12/min, 1000 rows).
    text = "\n".join([
        "[global]",
        f"state_dir = {state}",
        "",
        "[cluster sim]",
        f"host = {info['host']}",
        f"port = {info['port']}",
        f"ca_file = {info['ca_file']}",
        f"username = {info['username']}",
        f"password_file = {pwfile}",
        "",
        "[campaign bench]",
        "cluster = sim",
        f"device_pools = {ini_list(pools)}",
        "# no limits: the run queues every due registered phone",
        "# (a production configuration paces writes: defaults 500 and 60)",
        "max_per_run = 0",
        "max_per_minute = 0",
        "",
    ])
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def bench_size(binary, phones, pools, tmp):
    names = pool_names(phones, pools)
    opts = dict(phones=phones, pools=pools, seed=SEED, start=START,
                due_fraction=DUE_FRACTION, offline_fraction=0.0,
                latency_axl=LAT_AXL_MS, latency_ris=LAT_RIS_MS,
                ris_rate=15)
    scenario = {"population": {"fractions": {"expired": 0.0}}}
    if names:
        scenario["pools"] = names
    opts["scenario"] = scenario
    workdir = tempfile.mkdtemp(prefix=f"n{phones}-", dir=tmp)
    state = os.path.join(workdir, "state")
    os.mkdir(state, 0o700)
    pwfile = os.path.join(workdir, "axl.password")
    res = {"phones": phones, "pools": pools, "runs": [], "errors": []}
    t0 = time.monotonic()
    with Sim(start_timeout=180, **opts) as sim:
        res["sim_start_s"] = time.monotonic() - t0
        with open(pwfile, "w") as f:
            f.write(sim.info["password"] + "\n")
        os.chmod(pwfile, 0o600)
        now = sim.now()
        devices = sim.devices()
        per_pool, due, pending = population(devices, now)
        # ~10 % of the due phones offline (every tenth, by name)
        due_sorted = sorted(due - pending)
        step = round(1 / OFFLINE_OF_DUE)
        offline = set(due_sorted[::step])
        if offline:
            sim.set_registered(sorted(offline), False)
        reg = {d["name"]: d["registered"] for d in sim.devices()}
        expected = {n for n in due - pending if reg.get(n)}
        writes = len(expected)
        candidates = len(due | pending)
        res.update(phones_listed=len(devices), due=len(due),
                   pending=len(pending), offline_due=len(offline),
                   candidates=candidates, writes=writes,
                   pool_sizes=(min(per_pool.values()), max(per_pool.values())),
                   exact_multiple=any(n and n % PAGE == 0
                                      for n in per_pool.values()))
        if len(devices) != phones:
            res["errors"].append(f"simulator made {len(devices)} phones, "
                                 f"not {phones}")
        # warm the simulator: it loads each schema on first use (~0.4 s),
        # which would otherwise land in the first measured command
        sim.axl("getCCMVersion", "", version="12.5")
        sim.axl("getCCMVersion", "", version=sim.info["version"])
        config = os.path.join(workdir, "lscrenew.conf")
        write_config(config, sim, state, pwfile, sorted(per_pool))
        for sub, run in (("plan", False), ("run", True)):
            log(f"bench: {phones} phones, {pools} pools: lscrenew {sub} ...")
            m = measure(binary, config, sim, sub, workdir, now)
            m["min"] = minimum(per_pool, candidates, writes, run)
            judge_calls(m, res)
            judge_queued(m, res, sim, expected, run)
            res["runs"].append(m)
            log(f"bench:   {m['wall']:.1f} s wall, rc {m['rc']}, "
                f"{m['summary']}")
    shutil.rmtree(workdir, ignore_errors=True)
    return res


def judge_queued(m, res, sim, expected, run):
    """The command decided to queue exactly the due registered phones (a
    count from its summary line; for run also the simulator's write log)."""
    where = f"{res['phones']} phones, {m['cmd']}"
    m["queued_ok"] = m["queued"] == len(expected)
    if m["queued"] is None:
        m["queued_ok"] = False
        res["errors"].append(f"{where}: no summary line on stdout")
    elif m["queued"] != len(expected):
        res["errors"].append(
            f"{where}: {m['queued']} phones queued, {len(expected)} due "
            "registered phones")
    if not run:
        return
    written = {name for name, ws in sim.writes().items()
               if any(w["op"] == "updatePhone" for w in ws)}
    missing, extra = sorted(expected - written), sorted(written - expected)
    m["not_queued"], m["wrongly_queued"] = missing, extra
    if missing or extra:
        m["queued_ok"] = False
    if missing:
        res["errors"].append(
            f"{where}: {len(missing)} due registered phones got no "
            f"updatePhone, e.g. {', '.join(missing[:5])}")
    if extra:
        res["errors"].append(
            f"{where}: {len(extra)} phones got an updatePhone they did not "
            f"need, e.g. {', '.join(extra[:5])}")


def judge_calls(m, res):
    """Calls equal to the minimum: a count, checked strictly."""
    where = f"{res['phones']} phones, {m['cmd']}"
    if m["rc"] not in (0, 1, 2):
        res["errors"].append(f"{where}: lscrenew exited {m['rc']}:\n"
                             + m["stderr_tail"][-800:])
    if m["client"] is None:
        res["errors"].append(f"{where}: no 'calls:' line on stderr")
    extra = set(m["calls"]) - set(OPS)
    if extra:
        res["errors"].append(f"{where}: unexpected operations {sorted(extra)}")
    m["calls_ok"] = not extra
    for op in OPS:
        got, want = m["calls"].get(op, 0), m["min"][op]
        slack = 1 if (op in ("listPhone", "executeSQLQuery") and
                      res["exact_multiple"]) else 0
        if not want <= got <= want + slack:
            m["calls_ok"] = False
            res["errors"].append(f"{where}: {op} {got} calls, minimum {want}")
        if m["client"] is not None and m["client"].get(op, 0) != got:
            res["errors"].append(f"{where}: {op}: client counted "
                                 f"{m['client'].get(op, 0)}, simulator {got}")
    bad = {k: v for k, v in m["status"].items() if k != "200"}
    if bad:
        m["calls_ok"] = False
        res["errors"].append(f"{where}: non-200 answers {bad}")


# ---- report -----------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              cwd=TOP, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine():
    model, cores = "unknown", os.cpu_count()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / 1048576)
    except OSError:
        pass
    return {"cpu": model, "cores": cores, "ram": mem,
            "kernel": platform.release(),
            "os": sh(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
            "python": platform.python_version()}


def mb(x):
    return "%.1f" % x


def fmt_calls(m, op):
    got, want = m["calls"].get(op, 0), m["min"][op]
    return f"{got}" if got == want else f"**{got}**/{want}"


def floor(m):
    """Seconds of added latency the command's calls cost at least."""
    return (sum(m["calls"].get(o, 0) for o in AXL_OPS) * LAT_AXL_MS +
            m["calls"].get("selectCmDevice", 0) * LAT_RIS_MS) / 1000


def table(results):
    head = ["phones", "pools", "cmd"] + [SHORT[o] for o in
                                         ["getCCMVersion", "listPhone",
                                          "executeSQLQuery", "selectCmDevice",
                                          "updatePhone", "applyPhone"]] + [
        "= min", "queued", "wall s", "waited s", "on cluster s", "latency floor s",
        "client CPU s (usr+sys)", "CPU µs/phone", "peak RSS MB",
        "bytes_in (client)", "bytes_sent (sim)", "B/phone", "TLS conns",
        "sim CPU s"]
    rows = []
    for r in results:
        for m in r["runs"]:
            c = m["client"] or {}
            c_floor = floor(m)
            rows.append([
                f"{r['phones']:,}", str(r["pools"]), m["cmd"],
                *(fmt_calls(m, o) for o in ["getCCMVersion", "listPhone",
                                            "executeSQLQuery",
                                            "selectCmDevice", "updatePhone",
                                            "applyPhone"]),
                "yes" if m["calls_ok"] else "**NO**",
                (f"{m['queued']}" if m.get("queued_ok") else
                 f"**{m['queued']}**/{r['writes']}"),
                "%.1f" % m["wall"],
                "%.1f" % (c.get("waited_ms", 0) / 1000),
                "%.1f" % (c.get("busy_ms", 0) / 1000),
                "%.1f" % c_floor,
                "%.2f (%.2f+%.2f)" % (m["cpu"], m["user"], m["sys"]),
                "%.0f" % (m["cpu"] * 1e6 / r["phones"]),
                mb(m["rss_mb"]),
                f"{c.get('bytes_in', 0):,}",
                f"{m['sim_bytes_sent']:,}",
                "%.0f" % (m["sim_bytes_sent"] / r["phones"]),
                str(m["tls_handshakes"]),
                "%.1f" % m["sim_cpu"],
            ])
    w = [max(len(head[i]), *(len(x[i]) for x in rows)) for i in range(len(head))]
    lines = ["| " + " | ".join(h.ljust(w[i]) for i, h in enumerate(head)) + " |",
             "|" + "|".join("-" * (x + 2) for x in w) + "|"]
    for x in rows:
        lines.append("| " + " | ".join(v.rjust(w[i]) if i not in (2,) else
                                       v.ljust(w[i]) for i, v in enumerate(x))
                     + " |")
    return "\n".join(lines)


def population_table(results):
    lines = ["| phones | pools | phones/pool | due | live pending | "
             "RIS candidates (due ∪ pending) | due offline | "
             "due registered (writes) | simulator start s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lo, hi = r["pool_sizes"]
        lines.append(f"| {r['phones']:,} | {r['pools']} | {lo}–{hi} | "
                     f"{r['due']:,} | {r['pending']:,} | "
                     f"{r['candidates']:,} | {r['offline_due']:,} | "
                     f"{r['writes']:,} | {r['sim_start_s']:.1f} |")
    return "\n".join(lines)


def checks(results):
    """[(claim, holds: bool, detail)]; timings never fail make bench."""
    out = []
    reads = ["getCCMVersion", "listPhone", "executeSQLQuery",
             "selectCmDevice"]
    writes = ["updatePhone", "applyPhone"]

    def off(ops):
        bad = []
        for r in results:
            for m in r["runs"]:
                for op in ops:
                    got, want = m["calls"].get(op, 0), m["min"][op]
                    if got != want:
                        bad.append(f"{r['phones']:,} {m['cmd']} {op} {got} "
                                   f"(minimum {want})")
                extra = set(m["calls"]) - set(OPS)
                if extra and ops is reads:
                    bad.append(f"{r['phones']:,} {m['cmd']} also "
                               f"{sorted(extra)}")
        return bad

    bad = off(reads)
    out.append(("reads at the minimum: one getCCMVersion, listPhone and "
                "executeSQLQuery one per page of each pool, selectCmDevice "
                "one per 1000 candidates (no per-phone reads; RisPort70 "
                "asked only about due and pending phones, as far as a count "
                "of calls shows it)", not bad,
                "every command at its minimum" if not bad else
                "; ".join(bad)))
    bad = off(writes)
    out.append(("writes at the minimum: one updatePhone and one applyPhone "
                "per due registered phone, none in plan", not bad,
                "every command at its minimum" if not bad else
                "; ".join(bad)))
    bad = []
    for r in results:
        for m in r["runs"]:
            if not m.get("queued_ok"):
                miss = m.get("not_queued") or []
                bad.append(f"{r['phones']:,} {m['cmd']}: {m['queued']} "
                           f"queued of {r['writes']}" +
                           (f" ({len(miss)} due registered phones left "
                            "alone: " + ", ".join(miss[:3]) + "…)"
                            if miss else ""))
    out.append(("plan and run queue exactly the due registered phones "
                "(summary line; run checked against the simulator's write "
                "log)", not bad, "all" if not bad else "; ".join(bad)))

    def per_phone(key, cmd):
        return [(r["phones"], key(m) / r["phones"]) for r in results
                for m in r["runs"] if m["cmd"] == cmd]

    for cmd in ("plan", "run"):
        calls = per_phone(lambda m: sum(m["calls"].values()), cmd)
        cpu = per_phone(lambda m: m["cpu"], cmd)
        byt = per_phone(lambda m: m["sim_bytes_sent"], cmd)
        if len(cpu) < 2:
            continue
        small, big = cpu[0], cpu[-1]
        # flat: the largest size costs at most 1.5x per phone what the
        # smallest does (fixed start-up costs make the smallest dearer)
        worst = max(v for _, v in cpu[1:]) / min(v for _, v in cpu)
        ratio_b = byt[-1][1] / byt[0][1]
        ratio_c = calls[-1][1] / calls[0][1]
        holds = worst <= 1.5 and ratio_b <= 1.5 and ratio_c <= 1.5
        # marginal CPU per added phone between successive sizes: start-up
        # costs cancel out, so growth with the population shows plainly
        tot = [(n, v * n) for n, v in cpu]
        marg = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(tot, tot[1:])]
        out.append((
            f"{cmd}: cost per phone flat from {small[0]:,} to {big[0]:,} "
            "phones (within 1.5x)", holds,
            "client CPU µs/phone " + " → ".join("%.0f" % (v * 1e6)
                                                for _, v in cpu)
            + " (per added phone " + " → ".join("%.0f" % (v * 1e6)
                                               for v in marg) + ")"
            + "; bytes/phone " + " → ".join("%.0f" % v for _, v in byt)
            + "; calls/phone " + " → ".join("%.4f" % v for _, v in calls)))
    for cmd in ("plan", "run"):
        rss = [(r["phones"], m["rss_mb"]) for r in results for m in r["runs"]
               if m["cmd"] == cmd]
        if not rss:
            continue
        hi = rss[-1][1]
        # bounded: 4x the phones (the two largest sizes) adds at most 10 %
        # (+1 MB of noise).  The smallest size is not the reference: it
        # does not fill the store's page caches (SQLite cache_size 4 MB for
        # the store, 2 MB default for the temporary tables), which are
        # bounded by design and fill by 10,000 phones.
        prev = rss[-2][1] if len(rss) > 1 else hi
        flat = hi <= prev * 1.10 + 1.0
        ref = f"{rss[-2][0]:,}" if len(rss) > 1 else "-"
        out.append((f"{cmd}: peak RSS bounded (at {rss[-1][0]:,} phones "
                    f"within 10 % of {ref}) and under {RSS_LIMIT_MB:.0f} MB",
                    flat and hi < RSS_LIMIT_MB,
                    "MB " + " → ".join(mb(v) for _, v in rss)))
    for r in results:
        for m in r["runs"]:
            c = m["client"] or {}
            cluster = (c.get("busy_ms", 0) + c.get("waited_ms", 0)) / 1000
            # busy_ms includes the client's own streaming work (XML parse,
            # store inserts run inside the receive callback), so the
            # client's share is the larger of its CPU and the time outside
            # busy/waited
            own = max(0.0, m["wall"] - cluster)
            share = max(own, m["cpu"]) / m["wall"] if m["wall"] else 0
            out.append((
                f"{r['phones']:,} {m['cmd']}: wall time dominated by the "
                "cluster (simulated latency, simulator work) and mandated "
                "pacing, not the client", share < 0.5,
                "%.1f s wall = %.1f s waiting on the cluster (latency floor "
                "%.1f s) + %.1f s paced + %.1f s other; client CPU %.1f s; "
                "client share %.0f %%" % (
                    m["wall"], c.get("busy_ms", 0) / 1000, floor(m),
                    c.get("waited_ms", 0) / 1000, own, m["cpu"],
                    share * 100)))
    return out


def prod_note(results):
    """What the default write limits would make of the largest size."""
    if not results:
        return "writes are paced"
    r = results[-1]
    runs = max(1, math.ceil(r["writes"] / 500))
    per_run = min(r["writes"], 500) / 60
    return (f"the {r['writes']:,} writes at {r['phones']:,} phones take "
            f"{runs} runs, each with about {per_run:.0f} minutes of "
            "mandated pacing (one operation a second)")


def report(results, args, started, elapsed, failures):
    mc = machine()
    commit = sh(["git", "rev-parse", "HEAD"]) or "unknown"
    dirty = sh(["git", "status", "--porcelain", "--untracked-files=no"])
    untracked = [l for l in sh(["git", "status", "--porcelain"]).splitlines()
                 if l.startswith("??") and not l[3:].startswith("tests/bench")]
    binsum = sh(["sha256sum", args.bin]).split(" ")[0]
    chk = checks(results)
    lines = [
        "# lscrenew benchmark results",
        "",
        "Written by `make bench` (tests/bench/bench.py); see README.md in "
        "this directory for how to read it.",
        "",
        f"- date: {started.strftime('%Y-%m-%d %H:%M:%S UTC')} "
        f"(took {elapsed / 60:.1f} min)",
        f"- machine: {mc['cpu']}, {mc['cores']} cores, {mc['ram']} RAM, "
        f"Linux {mc['kernel']}, {mc['os']}, Python {mc['python']}",
        f"- commit: {commit}" + (" with uncommitted changes in the working "
                                 "tree" if dirty else "") +
        (" (untracked files outside tests/bench)" if untracked else ""),
        f"- binary: {args.bin} (sha256 {binsum[:16]}…)",
        f"- load average before / after: {args.load0} / "
        f"{' '.join('%.2f' % x for x in os.getloadavg())}"
        " (other work on the machine makes timings noisier; counts are "
        "exact)",
        f"- command: `make bench` = `{sys.executable} tests/bench/bench.py "
        f"--bin {args.bin}`" + (f" (run as `{' '.join(sys.argv)}`)"
                                if args.sizes != "all" else ""),
        "",
        "## Set-up",
        "",
        f"- Simulator: `cucmsim --phones N --pools M --seed {SEED} --start "
        f"{START} --due-fraction {DUE_FRACTION} --offline-fraction 0 "
        f"--latency-axl {LAT_AXL_MS} --latency-ris {LAT_RIS_MS} "
        "--ris-rate 15` and a scenario setting the expired fraction to 0, so "
        "that about 5 % of the phones are due (LSC expiring within 30 days); "
        "other fractions are the simulator's defaults (12 % MIC-only, 2 % "
        "with an Install/Upgrade already pending, 1 % reported by two "
        "nodes).  Then every tenth due phone (by name) is set offline with "
        "/phones/registration: 10 % of the due phones are offline.",
        "- `--ris-rate 15` is CUCM's real RisPort70 limit; the client keeps "
        "its default `ris_rate` of 12/min (one call every 5 s), so the "
        "pacing measured is the production pacing, not a raised one.",
        "- Pools: the simulator's generated names (spaces, quotes, `&`, `<`, "
        "non-ASCII) at 10 and 25 pools; `DP001`…`DP100` at 100 pools, "
        "because 100 generated names (~1,700 characters) do not fit a "
        "campaign's `device_pools`, one configuration line of at most 1022 "
        "characters (iniparser).",
        "- Configuration: one cluster and one campaign over all pools, "
        "defaults everywhere (page_size 1000, ris_rate 12, renew_before 30d, "
        "notify apply) except **`max_per_run = 0` and `max_per_minute = 0`**: "
        "the measured run queues every due registered phone at once.  A "
        "production configuration paces writes (defaults 500 per run, 60 "
        "per minute); with them " + prod_note(results) + ".",
        "- Each size: a fresh simulator (warmed: its AXL schemas are loaded "
        "before measuring), an empty state store, then `lscrenew plan -v` "
        "and `lscrenew run -v` at the same virtual time, counts reset before "
        "each.  `-v` is needed for the `calls:` line; on a first run it "
        "also logs one line per phone (all are new), which is included in "
        "the CPU figures (about 3 % of the run's CPU).",
        "- Client CPU is user+sys from wait4(); peak RSS is "
        f"{results[0]['runs'][0]['rss_method'] if results else '?'} "
        "(not wait4's ru_maxrss: Linux carries the pre-exec high-water mark "
        "of the forking process, here the bench's Python holding the "
        "simulator's ground truth, into the child's maxrss).",
        "",
        "## Population",
        "",
        population_table(results),
        "",
        "## Results",
        "",
        "Calls per operation as counted by the simulator (ver getCCMVersion, "
        "list listPhone, sql executeSQLQuery, ris selectCmDevice, upd "
        "updatePhone, apply applyPhone); a bold **n**/m is n calls where the "
        "minimum is m.  *waited* is the client's deliberate waiting "
        "(RisPort70 pacing, backoff: `waited_ms`), *on cluster* the time it "
        "spent waiting for answers (`busy_ms`: latency plus the simulator's "
        "own work, and the client's streaming parse done while the answer "
        "arrives), *latency floor* the calls times the added latency "
        f"({LAT_AXL_MS} ms AXL, {LAT_RIS_MS} ms RIS), *sim CPU* the "
        "simulator's CPU time during the command.  Bytes are response "
        "bodies (client) and everything sent (simulator); *TLS conns* the "
        "TLS handshakes the simulator saw (keep-alive: one per command).",
        "",
        table(results),
        "",
        "## Checks",
        "",
    ]
    for claim, holds, detail in chk:
        lines.append(f"- **{'HOLDS' if holds else 'DOES NOT HOLD'}** — "
                     f"{claim}: {detail}.")
    if failures:
        lines += ["", "## Failures (make bench exits 1)", ""]
        lines += ["```"] + failures + ["```"]
    lines.append("")
    return "\n".join(lines), table(results), chk


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(TOP, "build", "lscrenew"))
    ap.add_argument("--sizes", default="all",
                    help="comma-separated phone counts to run (default: "
                    "1000,10000,40000); RESULTS.md is written only for all")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--json", help="also write the raw measurements here")
    args = ap.parse_args()
    args.bin = os.path.relpath(os.path.abspath(args.bin), TOP) \
        if os.path.abspath(args.bin).startswith(TOP + os.sep) else args.bin
    binary = os.path.join(TOP, args.bin) if not os.path.isabs(args.bin) \
        else args.bin
    if not os.access(binary, os.X_OK):
        print(f"bench: {binary} is not built: run 'make' first",
              file=sys.stderr)
        return 2
    sizes = SIZES
    if args.sizes != "all":
        want = {int(s) for s in args.sizes.split(",")}
        sizes = [s for s in SIZES if s[0] in want]
        if not sizes:
            print("bench: --sizes: choose among 1000,10000,40000",
                  file=sys.stderr)
            return 2
    args.load0 = " ".join("%.2f" % x for x in os.getloadavg())
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="lscrenew-bench-")
    results, failures = [], []
    try:
        for phones, pools in sizes:
            r = bench_size(binary, phones, pools, tmp)
            results.append(r)
            failures += r["errors"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.monotonic() - t0
    text, tab, chk = report(results, args, started, elapsed, failures)
    print(tab)
    print()
    for claim, holds, detail in chk:
        print(f"{'HOLDS        ' if holds else 'DOES NOT HOLD'}  {claim}\n"
              f"               {detail}")
    if failures:
        print("\nmeasurement failures:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
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
