#!/usr/bin/python3
"""make bench, the phone side: what an audit of every phone costs the host.

Runs `lscrenew probe --all --json` against the CUCM simulator's phone web
servers (every phone its own TLS server on its own 127.x.y.z address, one
event loop: cucmsim --phone-web N) at 1,000 and 5,000 phones, three ways:

  seq      probe_concurrency = 1: one handshake at a time
  c32      probe_concurrency = 32 (the default)
  c64      probe_concurrency = 64

probe_rate is raised to PROBE_RATE new connections a second so that the
figures show what the client and the phones can do, not the configured
pace (at the default 20 a second, 5,000 phones take 250 s whatever the
concurrency).  For each it measures wall time, client CPU user+sys
(wait4), CPU per handshake, peak RSS (GNU time %M) and the handshakes the
phones counted, and checks exactly: one JSON line per registered phone,
each presenting the certificate the simulator's ground truth says (kind,
serial), one connection per phone and nothing sent after a handshake.

Exit status 0 when every command worked and every exact check holds, 1
otherwise.  Figures are reported, never failed on.  Results go to
tests/bench/PROBE.md.  Debian's /usr/bin/python3, standard library only.
"""

import argparse
import datetime
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench  # noqa: E402  (spawn, machine, md_table, Sim)

SIZES = [(int(n), int(p)) for n, p in (s.split(":") for s in os.environ.get("PROBE_BENCH_SIZES", "1000:10,5000:25").split(","))]
CASES = [("seq", 1), ("c32", 32), ("c64", 64)]
PROBE_RATE = 1000
KINDS = {"mic": "MIC", "capf": "LSC (CAPF)", "enterprise": "LSC (enterprise CA)"}


def write_config(path, sim, state, pwfile, concurrency, pools, extra=()):
    info = sim.info
    poolfile = path + ".pools"
    with open(poolfile, "w") as f:
        f.write("".join(p + "\n" for p in pools))
    text = "\n".join([
        "[global]", f"state_dir = {state}",
        f"probe_concurrency = {concurrency}", f"probe_rate = {PROBE_RATE}", "",
        "[cluster sim]", f"host = {info['host']}", f"port = {info['port']}",
        f"ca_file = {info['ca_file']}", f"username = {info['username']}",
        f"password_file = {pwfile}", "",
        "[campaign audit]", "cluster = sim",
        f"device_pools_file = {poolfile}"] + list(extra) + [""]) + "\n"
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def check(lines, web, registered):
    """The exact checks: None when they hold, else what is wrong.  Every
    registered phone is probed once; the ones with a web server present
    what the ground truth says, the others (no web server in the
    simulator: models without one) fail."""
    truth = {p["address"]: p for p in web}
    got = {j.get("address"): j for j in lines}
    if len(lines) != registered or len(got) != len(lines):
        return f"{len(lines)} lines for {registered} registered phones"
    missing = set(truth) - set(got)
    if missing:
        return f"{len(missing)} phone web servers not probed"
    for addr, j in got.items():
        if addr not in truth:
            if not j.get("error"):
                return f"{addr}: no web server, yet no error"
            continue
        t = truth[addr]["certificate"]
        if j.get("error"):
            return f"{addr}: {j['error']}"
        if j.get("serial", "").lower().lstrip("0") != t["serial"].lstrip("0"):
            return f"{addr}: serial {j.get('serial')} != {t['serial']}"
    return None


def run_case(binary, sim, tmp, label, concurrency, pwfile, pools):
    state = os.path.join(tmp, "state")
    cfg = os.path.join(tmp, f"{label}.conf")
    write_config(cfg, sim, state, pwfile, concurrency, pools)
    port = str(sim.info["phone_web_port"])
    env = dict(os.environ, LSCRENEW_NOW=str(sim.now()), TZ="UTC")
    env.pop("LSCRENEW_CONFIG", None)
    sim.reset_counts()
    before = sim.phone_web_counts(open_at_most=0)
    rc, ru, wall, rss_kb, out, err, anon_kb = bench.spawn(
        [binary, "-c", cfg, "probe", "--all", "--json", "--port", port],
        tmp, label, env)
    after = sim.phone_web_counts(open_at_most=0)
    lines = []
    for line in out.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass
    hs = after["handshakes"] - before["handshakes"]
    return {"label": label, "concurrency": concurrency, "rc": rc,
            "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
            "user": ru.ru_utime, "sys": ru.ru_stime, "rss_mb": rss_kb / 1024,
            "anon_mb": anon_kb / 1024,
            "handshakes": hs,
            "connections": after["connections"] - before["connections"],
            "requests": after["requests"] - before["requests"],
            "lines": lines, "stderr": err[-800:]}


def bench_size(binary, phones, pools, tmp):
    with bench.Sim(start_timeout=300, phones=phones, pools=pools,
                   seed=bench.SEED, start=bench.START, phone_web=phones,
                   phone_web_port=0, offline_fraction=0.0,
                   due_fraction=0.0) as sim:
        pw = os.path.join(tmp, "pw")
        with open(pw, "w") as f:
            f.write(sim.info["password"] + "\n")
        os.chmod(pw, 0o600)
        pools = sorted({d["pool"] for d in sim.devices()})
        # a run over a cluster with nothing due records the inventory the
        # selection reads, and writes nothing
        os.mkdir(os.path.join(tmp, "state"), 0o700)
        cfg = os.path.join(tmp, "inventory.conf")
        # (the expired phones are queued at once, unpaced)
        write_config(cfg, sim, os.path.join(tmp, "state"), pw, 32, pools,
                     ["max_per_run = 0", "max_per_minute = 0"])
        rc, _, _, _, out, err, _ = bench.spawn(
            [binary, "-c", cfg, "run", "--no-delay"], tmp, "inventory",
            dict(os.environ, LSCRENEW_NOW=str(sim.now()), TZ="UTC"))
        if rc not in (0, 1):    # 1: some phones queued (expired ones)
            raise SystemExit(f"probe_bench: the inventory run failed (exit {rc}): {out}{err}")
        web = sim.phone_web()
        registered = sum(d["registered"] for d in sim.devices())
        res = []
        for label, conc in CASES:
            bench.log(f"{phones} phones: probe --all at concurrency {conc}")
            m = run_case(binary, sim, tmp, f"{phones}-{label}", conc, pw,
                         pools)
            m["phones"] = phones
            m["web"] = len(web)
            m["problem"] = None
            failed = registered - len(web)
            if m["rc"] != (2 if failed else 0):
                m["problem"] = f"exit {m['rc']}: {m['stderr'].strip()}"
            else:
                m["problem"] = check(m["lines"], web, registered)
            if m["problem"] is None and m["connections"] != len(web):
                m["problem"] = (f"{m['connections']} connections for "
                                f"{len(web)} phones")
            if m["problem"] is None and m["requests"]:
                m["problem"] = f"{m['requests']} requests after a handshake"
            res.append(m)
        return res


def report(results, out, started, elapsed, base_rss):
    rows = []
    for m in results:
        per = m["cpu"] / m["handshakes"] * 1e6 if m["handshakes"] else 0
        rows.append([f"{m['phones']:,}", m["label"].split("-")[1],
                     str(m["concurrency"]), f"{m['wall']:.1f}",
                     f"{m['cpu']:.2f} ({m['user']:.2f}+{m['sys']:.2f})",
                     f"{per:.0f}", f"{m['rss_mb']:.1f}", f"{m['anon_mb']:.1f}",
                     f"{m['handshakes']:,}",
                     "yes" if m["problem"] is None else "**NO**"])
    text = [
        "# make bench: the phone-side audit", "",
        "Written by `make bench` (tests/bench/probe_bench.py).", "",
        f"- date: {started} UTC (took {elapsed / 60:.1f} min)",
        f"- machine: {bench.machine()}",
        f"- `lscrenew version` alone peaks at {base_rss:.1f} MiB RSS; "
        "peak anon: the largest RssAnon (heap and private pages, not the "
        "shared libraries')",
        f"- command: `lscrenew probe --all --json --port P` with "
        f"`probe_rate = {PROBE_RATE}` and the concurrency shown; the "
        "simulator's phone web servers on 127.x.y.z, one Python event "
        "loop (its CPU bounds the wall time, not the client's)", "",
        bench.md_table(["phones", "case", "concurrency", "wall s",
                        "CPU s (usr+sys)", "CPU µs a handshake",
                        "peak RSS MiB", "peak anon MiB", "handshakes",
                        "exact"], rows), ""]
    bad = [m for m in results if m["problem"]]
    for m in bad:
        text.append(f"- {m['phones']} {m['label']}: {m['problem']}")
    with open(out, "w") as f:
        f.write("\n".join(text) + "\n")
    return not bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(bench.TOP, "build",
                                                  "lscrenew"))
    ap.add_argument("--out", default=os.path.join(HERE, "PROBE.md"))
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    started = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S")
    t0 = time.monotonic()
    results = []
    with tempfile.TemporaryDirectory(prefix="lscrenew-probe-bench-") as tmp:
        base = bench.baseline_rss(binary, tmp)
        for phones, pools in SIZES:
            sub = os.path.join(tmp, str(phones))
            os.mkdir(sub)
            results += bench_size(binary, phones, pools, sub)
    ok = report(results, args.out, started, time.monotonic() - t0, base)
    print(open(args.out).read())
    bench.log(f"written: {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
