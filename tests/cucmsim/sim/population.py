"""The deterministic population: pools, nodes, users and phones from a seed.

Everything here is a pure function of (options, scenario); two runs with the
same seed produce byte-identical data.  The scenario's explicit phones are
merged last (README "Scenario file").
"""

import random
import uuid

from . import enums
from .clock import parse_time
from .schedule import FAR_PAST, Flapping, Steps, always, from_spec

FIRST_POOLS = ["HQ Phones", "Branch East", "Lab & Test", "Pool 'A'"]
_CITIES = ["Zürich", "São Paulo", "O'Hare Terminal", "Kraków", "Malmö",
           "Dublin", "Osaka", "Lyon", "Austin", "Québec", "Gdańsk", "Cork",
           "Porto", "Ålesund", "Nice", "Leeds", "Perth", "Graz"]
_POOL_PATTERNS = ["Branch {c}", "Site {n:03d} {c}", "{c} Campus",
                  "R&D \"{c}\"", "{c} <Annex>", "Retail {c} & Co"]
_FIRSTS = ["Zoë", "José", "Björn", "Łukasz", "Søren", "Renée", "Ana", "Mike",
           "Chloé", "Øyvind", "Ngozi", "Mei", "王伟", "Jürgen", "François",
           "Siobhán", "Dmitri", "Aiko", "Ilse", "Raúl"]
_LASTS = ["O'Brien", "Müller", "García", "Nguyễn", "Smith", "Kowalski",
          "Dupont", "Ivanova", "Tanaka", "Andersson", "Ó Súilleabháin",
          "Rossi", "Khan", "Schröder", "Brown"]
_DEPTS = ["Sales & Marketing", "R&D <Lab>", "Front \"Desk\"", "IT", "Finance",
          "Legal & Compliance", "Lobby", "Warehouse", "Board Room", "Support"]
_HW_MODELS = [("Cisco 8845", 22), ("Cisco 8865", 12), ("Cisco 7841", 20),
              ("Cisco 8851", 14), ("Cisco 8811", 8), ("Cisco 7821", 10),
              ("Cisco 8861", 6), ("Cisco 8841", 5), ("Cisco 7861", 3)]
CSS_NAMES = ["CSS_Internal", "CSS_National", "CSS_International"]
PROFILE_UDT = "Universal Device Template - Model-independent Security Profile"
PROFILE_SECURE = "LSC Encrypted SIP Phone Profile"
PROFILE_SCCP = "Standard SCCP Non-Secure Profile"
NODES = ["cucm-pub", "cucm-sub1", "cucm-sub2", "cucm-sub3"]
CM_NODES = NODES[1:]
ENTERPRISE_ROOT = "Acme Enterprise Root CA"
ENTERPRISE_ISSUING = "Acme Enterprise Issuing CA 1"
MIC_CA = "Cisco Manufacturing CA SHA2"

DEFAULT_FRACTIONS = {"due": 0.10, "offline": 0.18, "mic_only": 0.12,
                     "pending": 0.02, "expired": 0.05, "dual_node": 0.01,
                     "soft": 0.02, "mic_invalid": 0.005, "sccp": 0.08,
                     "enterprise": 0.2}


def loopback_ip(index):
    """127.x.y.z, x >= 1, distinct for every index below 254**3."""
    return "127.%d.%d.%d" % (1 + index // 64516, 1 + (index // 254) % 254,
                             1 + index % 254)


def _uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def capf_issuer_name(seed):
    return "CAPF-%08x" % random.Random(f"capf:{seed}").getrandbits(32)


def pool_names(count, rng):
    names = FIRST_POOLS[:count]
    seen = set(names)
    n = len(names)
    while len(names) < count:
        pat = _POOL_PATTERNS[n % len(_POOL_PATTERNS)]
        name = pat.format(c=rng.choice(_CITIES), n=n)
        if name in seen:
            name = f"{name} {n}"
        seen.add(name)
        names.append(name)
        n += 1
    return names


class Population:
    """pools: [(pkid, name)]; phones: [dict]; users: [(pkid, userid, first,
    last)]; profiles/css: {name: pkid}; capf_issuer: CN of the CAPF CA."""

    def __init__(self):
        self.pools, self.phones, self.users = [], [], []
        self.profiles, self.css = {}, {}
        self.capf_issuer = ""


def generate(opts, scenario):
    """opts: phones, pools, seed, start, fractions (dict).  scenario: dict."""
    seed, start = opts["seed"], opts["start"]
    rng = random.Random(f"population:{seed}")
    fr = dict(DEFAULT_FRACTIONS)
    fr.update(opts.get("fractions") or {})
    pop = Population()
    pop.capf_issuer = capf_issuer_name(seed)
    names = scenario.get("pools") or pool_names(opts["pools"], rng)
    pop.pools = [(_uuid(rng), n) for n in names]
    for n in (PROFILE_UDT, PROFILE_SECURE, PROFILE_SCCP):
        pop.profiles[n] = _uuid(rng)
    for n in CSS_NAMES:
        pop.css[n] = _uuid(rng)

    models = [m for m, _ in _HW_MODELS]
    weights = [w for _, w in _HW_MODELS]
    taken = set()
    for i in range(opts["phones"]):
        pop.phones.append(_phone(i, rng, fr, pop, start, models, weights,
                                 taken))
    for spec in scenario.get("phones", []):
        _merge_explicit(pop, spec, start, rng)
    return pop


def _phone(i, rng, fr, pop, start, models, weights, taken):
    first, last = rng.choice(_FIRSTS), rng.choice(_LASTS)
    user = None
    soft = rng.random() < fr["soft"]
    if soft:
        model = rng.choice(["Cisco Unified Client Services Framework",
                            "Cisco Dual Mode for Android"])
        userid = "u%05d" % i
        pop.users.append((_uuid(rng), userid, first, last))
        user = userid
        name = ("CSF" if "Framework" in model else "BOT") + userid.upper()
    else:
        model = rng.choices(models, weights)[0]
        while True:
            name = "SEP%012X" % rng.getrandbits(48)
            if name not in taken:
                break
    taken.add(name)
    protocol = 0 if (not soft and model.startswith("Cisco 78")
                     and rng.random() < fr["sccp"] * 3) else 11
    pool_index = rng.randrange(len(pop.pools))
    desc = f"{first} {last} – {rng.choice(_DEPTS)}"
    if rng.random() < 0.05:
        desc = f"Shared <{rng.choice(_DEPTS)}> & \"{first}'s\" line"
    r = rng.random()
    css = None if r < 0.2 else CSS_NAMES[int(r * 10) % 3]
    if protocol == 0:
        profile = PROFILE_SCCP
    else:
        profile = PROFILE_SECURE if rng.random() < 0.3 else PROFILE_UDT

    ph = base_phone(name, _uuid(rng), model, pop.pools[pool_index][1], start)
    ph.update(description=desc, protocol=protocol, css=css, owner=user,
              profile=profile, index=i, ip=loopback_ip(i),
              dn=str(10000 + i), node=CM_NODES[pool_index % len(CM_NODES)],
              dual_node=rng.random() < fr["dual_node"])

    # LSC
    r = rng.random()
    if r < fr["mic_only"]:
        ph["mic_only"] = True
    else:
        r -= fr["mic_only"]
        if r < fr["due"]:
            until = start + rng.randint(3600, 30 * 86400)
        elif r < fr["due"] + fr["expired"]:
            until = start - rng.randint(3600, 700 * 86400)
        else:
            until = start + rng.randint(31 * 86400, 5 * 365 * 86400)
        until -= until % 60
        ph["lscvaliduntil"] = until
        ph["lscissuername"] = (ENTERPRISE_ISSUING
                               if rng.random() < fr["enterprise"]
                               else pop.capf_issuer)
        ph["status"] = enums.status_enum("Upgrade Success")
    if not soft and rng.random() < fr["mic_invalid"]:
        ph["mic_invalid"] = True
    if rng.random() < 0.1:
        ph["authmode"] = "By Existing Certificate (precedence to MIC)"
    if rng.random() < 0.03:
        ph["status"] = enums.status_enum(rng.choice(
            ["Upgrade Failed: Phone Communication Failure",
             "Upgrade Failed: Key Generation Failed/Timeout",
             "Upgrade Failed: User Initiated Request Late/Timedout"]))
    if rng.random() < fr["pending"]:
        ph["op"] = enums.OP_INSTALL
        ph["status"] = enums.ST_PENDING
        if rng.random() < 0.25:
            ph["deadline"] = start - rng.randint(1, 72) * 3600
        else:
            ph["deadline"] = start + rng.randint(1, 7 * 24) * 3600

    # registration schedule
    if rng.random() < fr["offline"]:
        ph["schedule"] = _offline_schedule(rng, start)
    else:
        ph["schedule"] = always(start - rng.randint(3600, 90 * 86400))
    return ph


def _offline_schedule(rng, start):
    r = rng.random()
    if r < 0.3:
        period = rng.randint(2, 48) * 3600
        return Flapping(period, rng.uniform(0.3, 0.7),
                        start - rng.randrange(period))
    if r < 0.6:
        frm = start - rng.randint(0, 5 * 86400)
        return Steps(True, [(frm, False),
                            (start + rng.randint(1, 20) * 86400, True)],
                     frm - rng.randint(86400, 60 * 86400), kind="away")
    if r < 0.85:
        return Steps(False, (), start - rng.randint(1, 400) * 86400, kind="gone")
    if r < 0.95:
        frm = start - rng.randint(1, 12) * 3600
        return Steps(True, [(frm, False), (start + rng.randint(1, 24) * 3600,
                                           True)],
                     frm - 30 * 86400, kind="away")
    return Steps(False, (), FAR_PAST, kind="never_registered")


def base_phone(name, pkid, model, pool, start):
    return {"name": name, "pkid": pkid, "model": model, "pool": pool,
            "description": name, "protocol": 11, "css": None, "owner": None,
            "profile": PROFILE_UDT, "ip": None, "dn": None,
            "node": CM_NODES[0], "dual_node": False, "mic_only": False,
            "mic_invalid": False, "lscvaliduntil": 0, "lscissuername": None,
            "op": enums.OP_NONE, "status": enums.ST_NONE, "deadline": None,
            "authstring": "", "authmode": "By Null String", "keysize": "2048",
            "keyorder": "RSA Only", "eckeysize": None,
            "schedule": always(start - 7 * 86400)}


_EXPLICIT_KEYS = {"description", "model", "pool", "protocol", "css", "owner",
                  "profile", "ip", "dn", "node", "dual_node", "mic_only",
                  "mic_invalid", "lscissuername", "authstring", "authmode",
                  "keysize", "keyorder", "eckeysize"}


def _merge_explicit(pop, spec, start, rng):
    name = spec["name"]
    existing = next((p for p in pop.phones if p["name"] == name), None)
    if existing is None:
        pool = spec.get("pool", pop.pools[0][1])
        existing = base_phone(name, spec.get("pkid") or _uuid(rng),
                              spec.get("model", "Cisco 8845"), pool, start)
        idx = len(pop.phones)
        existing.update(index=idx, ip=loopback_ip(idx), dn=str(10000 + idx))
        pop.phones.append(existing)
    ph = existing
    for k in _EXPLICIT_KEYS & spec.keys():
        ph[k] = spec[k]
    if "protocol" in spec and isinstance(spec["protocol"], str):
        ph["protocol"] = 0 if spec["protocol"].upper() == "SCCP" else 11
    if "lscvaliduntil" in spec:
        ph["lscvaliduntil"] = (parse_time(spec["lscvaliduntil"], start)
                               if spec["lscvaliduntil"] else 0)
    if ph["mic_only"]:
        ph["lscvaliduntil"], ph["lscissuername"] = 0, None
    elif ph["lscvaliduntil"] and not ph["lscissuername"]:
        ph["lscissuername"] = pop.capf_issuer
    if "certificate_operation" in spec:
        ph["op"] = enums.op_enum(spec["certificate_operation"])
    if "certificate_status" in spec:
        ph["status"] = enums.status_enum(spec["certificate_status"])
    elif "certificate_operation" in spec and ph["op"] != enums.OP_NONE:
        ph["status"] = enums.ST_PENDING
    if "upgrade_finish_time" in spec:
        ph["deadline"] = parse_time(spec["upgrade_finish_time"], start)
    if "schedule" in spec:
        ph["schedule"] = from_spec(spec["schedule"], start)
    elif "registered" in spec:
        ph["schedule"] = (always(start - 86400) if spec["registered"]
                          else from_spec({"type": "offline",
                                          "since": "-1h"}, start))
    if ph["pool"] not in {n for _, n in pop.pools}:
        pop.pools.append((_uuid(rng), ph["pool"]))
    if ph["owner"] and ph["owner"] not in {u[1] for u in pop.users}:
        pop.users.append((_uuid(rng), ph["owner"], ph["owner"], ""))

