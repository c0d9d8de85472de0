#!/usr/bin/python3
"""What two keep-alive HTTPS POSTs a phone cost a client without lscrenew:
the curl tool posts an updatePhone and an applyPhone, as lscrenew sends
them, for each of N registered phones of the simulator, over one
connection (`curl -K` with one `next` section a request), and prints the
user+sys CPU GNU time measured, per request and per phone (FINDINGS §10).

    /usr/bin/python3 tests/bench/curl_floor.py [PHONES [LATENCY_MS]]

The simulator's write throttle is off; one POST's fixed cost (start-up,
the handshake) is in the figure: run it with 1 phone to see it.
"""

import os
import shutil
import subprocess
import sys
import tempfile

from bench import START, Sim

OPS = (("updatePhone", "<name>{}</name><certificateOperation>Install/Upgrade"
        "</certificateOperation><authenticationMode>By Null String"
        "</authenticationMode><keySize>2048</keySize><upgradeFinishTime>"
        "2027:01:08:00:00</upgradeFinishTime>"),
       ("applyPhone", "<name>{}</name>"))


def config(sim, names, tmp):
    """A curl -K file: one section a POST, each body in its own file."""
    info, v = sim.info, sim.info["version"]
    url = f"https://{info['host']}:{info['port']}/axl/"
    out = []
    for i, name in enumerate(names):
        for op, inner in OPS:
            body = os.path.join(tmp, f"{i}-{op}.xml")
            with open(body, "w") as f:
                f.write('<?xml version="1.0" encoding="UTF-8"?>'
                        '<soapenv:Envelope xmlns:soapenv="http://schemas.'
                        'xmlsoap.org/soap/envelope/" xmlns:ns="http://www.'
                        f'cisco.com/AXL/API/{v}"><soapenv:Body><ns:{op}>'
                        f'{inner.format(name)}</ns:{op}></soapenv:Body>'
                        '</soapenv:Envelope>')
            if out:
                out.append("next")
            out += [f'url = "{url}"', f'cacert = "{info["ca_file"]}"',
                    f'user = "{info["username"]}:{info["password"]}"',
                    'header = "Content-Type: text/xml; charset=utf-8"',
                    f'header = "SOAPAction: \\"CUCM:DB ver={v} {op}\\""',
                    f'data-binary = "@{body}"', 'output = "/dev/null"',
                    "silent", "show-error"]
    path = os.path.join(tmp, "curl.cfg")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return path


def main():
    phones = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    latency = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    tmp = tempfile.mkdtemp(prefix="curl-floor-")
    try:
        with Sim(start_timeout=180, phones=max(4000, 2 * phones), pools=10,
                 seed=1, start=START, latency_axl=latency) as sim:
            names = sorted(d["name"] for d in sim.devices()
                           if d["registered"])[:phones]
            cfg = config(sim, names, tmp)
            sim.config(write_queue=0)
            sim.reset_counts()
            r = subprocess.run(["/usr/bin/time", "-f", "%U %S %e", "curl",
                                "-K", cfg], capture_output=True, text=True)
            counts = sim.counts()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if r.returncode != 0:
        print(f"curl exited {r.returncode}: {r.stderr[-500:]}",
              file=sys.stderr)
        return 1
    user, system, wall = (float(x) for x in r.stderr.split()[-3:])
    n = 2 * len(names)
    cpu = user + system
    print(f"curl -K: {n} POSTs for {len(names)} phones, {latency} ms added "
          f"latency, {counts['tls_handshakes']} handshake(s), answers "
          f"{counts['http_status']}: user {user:.2f} s + sys {system:.2f} s "
          f"(wall {wall:.1f} s) = {cpu * 1e6 / n:.0f} µs a request, "
          f"{cpu * 1e6 / len(names):.0f} µs a phone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
