"""Command-line options and the scenario file, merged: command line over
scenario over defaults."""

import argparse
import json
import os

from .clock import parse_time, real_start

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(HERE))

DEFAULTS = {"phones": 200, "pools": 3, "seed": 1, "port": 0,
            "version": "14.0", "start": None, "dir": None,
            "latency_axl": 0, "latency_ris": 0, "ris_rate": 15,
            "phone_web": 0, "phone_web_port": None,
            "pickup_on_register": False, "verbose": False,
            "exit_with_parent": False,
            "control_port": 0, "username": "axladmin",
            "password": "C1sco&Sim:pass w0rd", "schema_dir": None,
            "sql_dictionary": None}
FRACTIONS = ("due", "offline", "mic_only", "pending")


def _has_schema(d):
    base = os.path.join(d, "14.0", "AXLSoap.xsd")
    return os.path.isfile(base) or os.path.isfile(base + ".xz")


def _schema_dir(explicit):
    """The AXL schemas: --schema-dir, $CUCMSIM_SCHEMA_DIR, or the copies
    kept in this repository (cisco/axl-schema, xz-compressed)."""
    for d in (explicit, os.environ.get("CUCMSIM_SCHEMA_DIR"),
              os.path.join(HERE, "cisco", "axl-schema")):
        if d and _has_schema(d):
            return os.path.abspath(d)
    raise SystemExit("cucmsim: cannot find the AXL schemas (AXLSoap.xsd); "
                     "use --schema-dir or CUCMSIM_SCHEMA_DIR")


def parser():
    p = argparse.ArgumentParser(
        prog="cucmsim", description="CUCM publisher simulator (AXL, "
        "RisPort70, CAPF) for lscrenew's tests; see README.md")
    a = p.add_argument
    a("--phones", type=int)
    a("--pools", type=int)
    a("--seed", type=int)
    a("--scenario", metavar="FILE")
    a("--port", type=int)
    a("--control-port", type=int)
    a("--version", choices=["12.5", "14.0", "15.0"])
    a("--start", type=int, metavar="EPOCH")
    a("--dir")
    a("--latency-axl", type=int, metavar="MS")
    a("--latency-ris", type=int, metavar="MS")
    a("--ris-rate", type=int, metavar="N")
    a("--phone-web", type=int, metavar="N")
    a("--phone-web-port", type=int)
    a("--phone-fault", action="append", metavar="NAME=FAULT")
    a("--phone-fault-fraction", action="append", metavar="FAULT=F")
    a("--pickup-on-register", action="store_true", default=None)
    a("--verbose", action="store_true", default=None)
    a("--exit-with-parent", action="store_true", default=None)
    a("--username")
    a("--password")
    a("--schema-dir")
    a("--sql-dictionary", choices=["current", "old"])
    for f in FRACTIONS:
        a(f"--{f.replace('_', '-')}-fraction", type=float, metavar="F")
    return p


def _phone_faults(spec, args):
    """The scenario's phone_faults with --phone-fault NAME=FAULT (a fault,
    keep_old_cert or send_root) and --phone-fault-fraction FAULT=F added;
    the names and values are checked when the phones are known."""
    if not isinstance(spec, dict):
        parser().error("scenario phone_faults must be an object")
    spec = {k: (dict(v) if isinstance(v, dict) else v)
            for k, v in spec.items()}
    for item in args.phone_fault or ():
        name, sep, fault = item.partition("=")
        if not sep or not name or not fault:
            parser().error(f"--phone-fault {item!r}: expected NAME=FAULT")
        if fault in ("keep_old_cert", "send_root"):
            knob = spec.get(fault) or {}
            if isinstance(knob, list):
                knob = dict.fromkeys(knob, True)
            spec[fault] = dict(knob, **{name: True})
        else:
            spec.setdefault("phones", {})[name] = fault
    for item in args.phone_fault_fraction or ():
        fault, sep, value = item.partition("=")
        try:
            spec.setdefault("fractions", {})[fault] = float(value)
        except ValueError:
            sep = ""
        if not sep or not fault:
            parser().error(f"--phone-fault-fraction {item!r}: expected "
                           "FAULT=F")
    return spec


def parse(argv):
    args = parser().parse_args(argv)
    scenario = {}
    if args.scenario:
        with open(args.scenario, encoding="utf-8") as f:
            scenario = json.load(f)
    opts = dict(DEFAULTS)
    pop = scenario.get("population", {})
    for k in ("phones", "pools", "seed"):
        if k in pop:
            opts[k] = pop[k]
    for k in ("version", "start", "port", "phone_web", "phone_web_port"):
        if k in scenario:
            opts[k] = scenario[k]
    fractions = dict(pop.get("fractions", {}))
    opts["phone_faults"] = _phone_faults(scenario.get("phone_faults", {}),
                                         args)
    for k, v in vars(args).items():
        if v is None or k in ("scenario", "phone_fault",
                              "phone_fault_fraction"):
            continue
        if k.endswith("_fraction"):
            fractions[k[:-len("_fraction")]] = v
        else:
            opts[k] = v
    opts["fractions"] = fractions
    if opts["start"] is None:
        opts["start"] = real_start()
    else:
        opts["start"] = parse_time(opts["start"], real_start())
    if opts["phone_web_port"] is None:
        opts["phone_web_port"] = 443 if os.geteuid() == 0 else 8443
    opts["schema_dir"] = _schema_dir(opts["schema_dir"])
    wsdl = os.path.join(opts["schema_dir"], "..", "risport70",
                        "RISService70.wsdl")
    opts["wsdl"] = os.path.abspath(wsdl) if os.path.isfile(wsdl) else None
    if opts["phones"] < 0 or opts["pools"] < 1:
        raise SystemExit("cucmsim: --phones must be >= 0 and --pools >= 1")
    return opts, scenario
