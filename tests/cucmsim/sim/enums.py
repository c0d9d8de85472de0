"""CUCM enumerations the simulator stores as integers (type tables).

Enum numbers of the certificate tables are the 1-based positions in the AXL
schema order (FACTS §4, INFERRED: consistent with the 1/1 idle and 2/2
Install/Upgrade values seen on real systems).  test_cucmsim.py checks these
lists against AXLEnums.xsd.  Model and product numbers are believed to be
CUCM's but were not verified against a data dictionary.
"""

CERT_OPERATIONS = ["No Pending Operation", "Install/Upgrade", "Delete",
                   "Troubleshoot"]

_REASONS = ["Invalid LSC", "Invalid Authentication String", "Invalid MIC",
            "Invalid Credentials", "Phone Communication Failure",
            "Key Generation Failed/Timeout", "CA Communication Failure",
            "CA Rejected Connection", "User Initiated Request Late/Timedout"]

CERT_STATUSES = (
    ["None", "Operation Pending", "Upgrade Success", "Delete Success",
     "Troubleshoot Success", "Upgrade Failed", "Delete Failed",
     "Troubleshoot Failed"]
    + ["Upgrade Failed: " + r for r in _REASONS]
    + ["Delete Failed: " + r for r in _REASONS]
    + ["Troubleshoot Failed: " + r for r in _REASONS
       if not r.startswith("CA ")]
    + ["Upgrade Failed: No Support for EC only in CAPF version 3"])

OP_NONE, OP_INSTALL, OP_DELETE, OP_TROUBLESHOOT = 1, 2, 3, 4


def status_enum(name):
    return CERT_STATUSES.index(name) + 1


def status_name(enum):
    return CERT_STATUSES[enum - 1]


def op_enum(name):
    return CERT_OPERATIONS.index(name) + 1


def op_name(enum):
    return CERT_OPERATIONS[enum - 1]


ST_NONE = status_enum("None")
ST_PENDING = status_enum("Operation Pending")

# Which status words belong to which operation.
OP_RESULT_PREFIX = {OP_INSTALL: "Upgrade", OP_DELETE: "Delete",
                    OP_TROUBLESHOOT: "Troubleshoot"}

AUTH_MODES = ["By Authentication String", "By Null String",
              "By Existing Certificate (precedence to LSC)",
              "By Existing Certificate (precedence to MIC)"]

# name -> (tkmodel, tkproduct, is hardware phone with a MIC and web server,
#          phone-load prefix)
MODELS = {
    "Cisco 7821": (621, 621, True, "sip78xx.14-2-1-0001-14"),
    "Cisco 7841": (622, 622, True, "sip78xx.14-2-1-0001-14"),
    "Cisco 7861": (623, 623, True, "sip78xx.14-2-1-0001-14"),
    "Cisco 8811": (36213, 36213, True, "sip88xx.14-2-1-0001-14"),
    "Cisco 8841": (683, 683, True, "sip88xx.14-2-1-0001-14"),
    "Cisco 8845": (36224, 36224, True, "sip8845_65.14-2-1-0001-14"),
    "Cisco 8851": (684, 684, True, "sip88xx.14-2-1-0001-14"),
    "Cisco 8861": (685, 685, True, "sip88xx.14-2-1-0001-14"),
    "Cisco 8865": (36225, 36225, True, "sip8845_65.14-2-1-0001-14"),
    "Cisco Unified Client Services Framework": (503, 503, False, ""),
    "Cisco Dual Mode for Android": (575, 575, False, ""),
}

# Phone-model prefix of the MIC subject (CN=CP-8845-SEP...)
def mic_prefix(model):
    return "CP-" + model.split()[-1]


DEVICE_PROTOCOLS = {0: "SCCP", 11: "SIP"}
DEVICE_CLASSES = {1: "Phone", 2: "Gateway", 254: "Unknown"}
