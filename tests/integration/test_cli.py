"""The command line as an administrator and cron meet it: every exit
status, quiet runs, the lock, bad input, the hook (the command line issue).
"""

import fcntl
import glob
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import time
import unittest

from lsctest import (BIN, DAY, EXIT_ATTENTION, EXIT_CONFIG, EXIT_DONE,
                     EXIT_FAILED, EXIT_LOCKED, EXIT_NOTHING, EXIT_UNREACHABLE,
                     EXIT_USAGE, Env, SimTestCase, sim_pools)
from simclient import Sim


START = 1798761600          # 2027-01-01 00:00 UTC: a deterministic population
HOUR = 3600

# calloc() failing for 7 ints (run's per-cluster arrays, 7 clusters), as
# when memory runs out: an LD_PRELOAD library.
CALLOC_SHIM = r"""
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *
calloc(size_t n, size_t size)
{
	void *p;

	if ((n == 7 && size == sizeof(void *)) ||
	    (size != 0 && n > SIZE_MAX / size)) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = malloc(n * size)) != NULL)
		memset(p, 0, n * size);
	return p;
}
"""


def runs(state):
    """The store's runs: (started, finished, exit_status, error)."""
    with sqlite3.connect(os.path.join(state, "lscrenew.db")) as c:
        return c.execute("SELECT started, finished, exit_status, error "
                         "FROM run ORDER BY id").fetchall()


def run_bin(*args, env=None):
    e = dict(os.environ)
    e.pop("LSCRENEW_CONFIG", None)
    e["TZ"] = "UTC"
    if env:
        e.update(env)
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True,
                       env=e, stdin=subprocess.DEVNULL, timeout=120)
    return p


class WithoutCluster(unittest.TestCase):
    """What needs no cluster: usage, configuration, state directory."""

    def setUp(self):
        if not os.access(BIN, os.X_OK):
            self.fail(f"{BIN} is not built: run 'make' first")
        self.dir = tempfile.mkdtemp(prefix="lscrenew-cli-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.state = os.path.join(self.dir, "state")
        os.mkdir(self.state, 0o700)
        self.pw = os.path.join(self.dir, "pw")
        with open(self.pw, "w") as f:
            f.write("secret\n")
        os.chmod(self.pw, 0o600)

    def config(self, text=None, mode=0o600, extra_cluster=""):
        path = os.path.join(self.dir, "lscrenew.conf")
        if text is None:
            text = (f"[global]\nstate_dir = {self.state}\n\n"
                    "[cluster pub]\nhost = 127.0.0.1\nport = 1\n"
                    f"username = axl\npassword_file = {self.pw}\n"
                    f"connect_timeout = 2s\nretry_attempts = 1\n"
                    f"{extra_cluster}\n"
                    "[campaign nightly]\ncluster = pub\n"
                    "device_pools = HQ Phones\n")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def test_version_and_help(self):
        p = run_bin("version")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^lscrenew \d+\.\d+\.\d+\n$")
        p = run_bin("help")
        self.assertEqual(p.returncode, 0)
        for cmd in ("run", "plan", "check", "status", "report", "phone",
                    "reset", "version", "help"):
            self.assertIn(f"  {cmd} ", p.stdout)

    def test_help_agrees_with_the_man_page(self):
        man = open(os.path.join(Install.TOP, "cli", "lscrenew.1")).read()
        for cmd in ("run", "plan", "check", "status", "report", "phone",
                    "reset"):
            a = run_bin("help", cmd)
            b = run_bin(cmd, "--help")
            self.assertEqual(a.returncode, 0, a.stderr)
            self.assertEqual(b.returncode, 0, b.stderr)
            self.assertIn(b.stdout, a.stdout)
            self.assertIn(f".Cm {cmd}", man)
            for opt in set(re.findall(r"--([a-z][a-z-]+)", a.stdout)):
                self.assertIn(f"Fl Fl {opt}", man,
                              f"lscrenew {cmd} --{opt} is not in lscrenew(1)")

    def test_usage_errors(self):
        p = run_bin("frobnicate")
        self.assertEqual(p.returncode, EXIT_USAGE)
        self.assertIn('unknown command "frobnicate"', p.stderr)
        p = run_bin("run", "--frobnicate", "-c", self.config())
        self.assertEqual(p.returncode, EXIT_USAGE)
        self.assertIn("--frobnicate", p.stderr)
        p = run_bin("status", "--pool", "X", "-c", self.config())
        self.assertEqual(p.returncode, EXIT_USAGE, "an option a command "
                         "does not take is refused, not ignored")
        p = run_bin("run", "-q", "-v", "-c", self.config())
        self.assertEqual(p.returncode, EXIT_USAGE)
        for cmd in ("run", "plan", "check", "status", "config"):
            p = run_bin(cmd, "-c", self.config(), "extra")
            self.assertEqual(p.returncode, EXIT_USAGE, cmd)
            self.assertIn(f'lscrenew {cmd}: unexpected argument "extra"',
                          p.stderr)
        p = run_bin()
        self.assertEqual(p.returncode, EXIT_USAGE)
        p = run_bin("report", "nonsense", "-c", self.config())
        self.assertEqual(p.returncode, EXIT_USAGE)
        self.assertIn('unknown report "nonsense"', p.stderr)
        p = run_bin("run", "--campaign", "nope", "-c", self.config())
        self.assertEqual(p.returncode, EXIT_USAGE)
        self.assertIn('no campaign named "nope"', p.stderr)
        p = run_bin("run", "-c", self.config(), env={"LSCRENEW_NOW": "x"})
        self.assertEqual(p.returncode, EXIT_USAGE)
        self.assertIn("LSCRENEW_NOW", p.stderr)

    def test_password_never_on_the_command_line(self):
        p = run_bin("run", "--password", "hunter2", "-c", self.config())
        self.assertEqual(p.returncode, EXIT_USAGE)
        self.assertNotIn("hunter2", p.stdout + p.stderr)

    def test_missing_and_unreadable_config(self):
        p = run_bin("run", "-c", os.path.join(self.dir, "missing.conf"))
        self.assertEqual(p.returncode, EXIT_CONFIG)
        self.assertIn("missing.conf", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)
        p = run_bin("run", "-c", self.dir)
        self.assertEqual(p.returncode, EXIT_CONFIG)

    def test_bad_config_all_errors_at_once(self):
        path = self.config(
            f"[global]\nstate_dir = {self.state}\nretension = 9d\n\n"
            "[cluster pub]\nhost = h\nport = 99999\nusername = u\n"
            f"password_file = {self.pw}\n\n"
            "[campaign c]\ncluster = pbu\ndevice_pools = P\n"
            "renew_before = 30 days\nwindow = 25:00-26:00\n")
        p = run_bin("check", "-c", path)
        self.assertEqual(p.returncode, EXIT_CONFIG)
        lines = p.stderr.strip().splitlines()
        self.assertGreaterEqual(len(lines), 5, p.stderr)
        text = p.stderr
        for needle in ("retension", "retention", "port", "99999", "pbu",
                       "renew_before", "window"):
            self.assertIn(needle, text)
        for line in lines:
            self.assertIn(path, line)

    def test_world_readable_config_with_password(self):
        path = self.config(
            f"[global]\nstate_dir = {self.state}\n\n[cluster pub]\n"
            "host = h\nusername = u\npassword = hunter2\n\n"
            "[campaign c]\ncluster = pub\ndevice_pools = P\n", mode=0o644)
        p = run_bin("check", "--offline", "-c", path)
        self.assertEqual(p.returncode, EXIT_CONFIG)
        self.assertIn(f"chmod 600 {path}", p.stderr)
        self.assertNotIn("hunter2", p.stdout + p.stderr)

    def test_files_others_could_change_are_refused(self):
        # whoever can change these can make lscrenew run commands
        pools = os.path.join(self.dir, "nightly.pools")
        with open(pools, "w") as f:
            f.write("HQ Phones\n")
        os.chmod(pools, 0o666)
        prog = os.path.join(self.dir, "getpw")
        with open(prog, "w") as f:
            f.write(f"#!/bin/sh\ncat {self.pw}\n")
        os.chmod(prog, 0o777)
        open_dir = os.path.join(self.dir, "open")
        os.mkdir(open_dir)
        os.chmod(open_dir, 0o777)
        hook = os.path.join(open_dir, "notify")
        with open(hook, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(hook, 0o755)
        path = self.config(
            f"[global]\nstate_dir = {self.state}\nhook = {hook} --run\n\n"
            "[cluster pub]\nhost = 127.0.0.1\nport = 1\nusername = axl\n"
            f"password_command = {prog} --cluster pub\n"
            f"ca_file = {self.pw}\n\n"
            "[campaign nightly]\ncluster = pub\n"
            f"device_pools_file = {pools}\n", mode=0o664)
        want = [
            f"lscrenew: {path}: writable by group or others (mode 0664); "
            f"run: chmod go-w {path}",
            f"lscrenew: {path}: [global] hook = {hook} --run: {hook}: its "
            f"directory {open_dir}: writable by group or others (mode "
            f"0777); run: chmod go-w {open_dir}",
            f"lscrenew: {path}: [cluster pub] password_command = {prog} "
            f"--cluster pub: {prog}: writable by group or others (mode "
            f"0777); run: chmod go-w {prog}",
            f"lscrenew: {path}: [campaign nightly] device_pools_file = "
            f"{pools}: writable by group or others (mode 0666); run: chmod "
            f"go-w {pools}"]
        for cmd in (("check", "--offline"), ("run",), ("plan",)):
            p = run_bin(*cmd, "-c", path)
            self.assertEqual(p.returncode, EXIT_CONFIG, p.stderr)
            self.assertEqual(p.stderr.splitlines(), want, cmd)
        # fixed as told, all is well; a directory with the sticky bit
        # (as /tmp) may be open to all
        for f in (path, pools, prog):
            os.chmod(f, os.stat(f).st_mode & ~0o022)
        os.chmod(open_dir, 0o1777)
        p = run_bin("check", "--offline", "-c", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        # a file of another user is refused as well
        if os.geteuid() == 0:
            os.chown(pools, 65534, -1)
            p = run_bin("check", "--offline", "-c", path)
            self.assertEqual(p.returncode, EXIT_CONFIG, p.stderr)
            self.assertIn(f"device_pools_file = {pools}: owned by nobody, "
                          "not root; run lscrenew as nobody, or run: chown "
                          f"root {pools}", p.stderr)
        # commands that only read the store run nothing, and check none
        os.chmod(path, 0o666)
        p = run_bin("status", "-c", path)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_system_ca_store_is_a_warning(self):
        p = run_bin("check", "--offline", "-c", self.config())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("WARN  cluster pub: no ca_file or ca_path: any CA of "
                      "the system store can vouch for 127.0.0.1; set "
                      "ca_file to the CA of its Tomcat certificate\n",
                      p.stdout)
        p = run_bin("check", "-q", "--offline", "-c", self.config())
        self.assertEqual(p.stdout.count("WARN"), 1, p.stdout)

    def test_proxy_is_checked_and_shown(self):
        for bad, why in (("127.0.0.1:3128", "not an http, https, socks5 or "
                          "socks5h URL"),
                         ("http://u:pw@proxy:3128", "credentials in the URL"),
                         ("http://proxy", "no port"),
                         ("http://::1:3128", "an IPv6 address not in "
                          "brackets")):
            path = self.config(extra_cluster=f"proxy = {bad}")
            p = run_bin("check", "--offline", "-c", path)
            self.assertEqual(p.returncode, EXIT_CONFIG, p.stderr)
            self.assertIn(f"proxy = {bad}: {why}; expected a proxy URL",
                          p.stderr)
        path = self.config(extra_cluster="proxy = socks5h://[::1]:1080")
        p = run_bin("check", "--offline", "-c", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ok    cluster pub: connects through the proxy "
                      "socks5h://[::1]:1080\n", p.stdout)

    def test_reading_commands_need_no_cluster_files(self):
        # a reporting host: no CA file, no password file, a password in a
        # file anyone may read
        path = self.config(
            f"[global]\nstate_dir = {self.state}\n\n[cluster pub]\n"
            "host = h\nusername = u\nca_file = /nonexistent/ca.pem\n"
            "password = hunter2\n\n"
            "[campaign c]\ncluster = pub\ndevice_pools = P\n", mode=0o644)
        for cmd in (("status",), ("report", "summary"), ("config",)):
            p = run_bin(*cmd, "-c", path)
            self.assertEqual(p.returncode, 0, (cmd, p.stderr))
        p = run_bin("run", "-c", path)
        self.assertEqual(p.returncode, EXIT_CONFIG, p.stderr)
        self.assertIn("[cluster pub] ca_file = /nonexistent/ca.pem: cannot "
                      "read it: No such file or directory", p.stderr)
        self.assertIn(f"chmod 600 {path}", p.stderr)

    def test_config_prints_secrets_as_stars(self):
        path = self.config(
            f"[global]\nstate_dir = {self.state}\n\n[cluster pub]\n"
            "host = h\nusername = u\npassword = hunter2\n\n"
            "[campaign c]\ncluster = pub\ndevice_pools = P\n"
            "auth_mode = auth-string\nauth_string = 123456\n")
        p = run_bin("config", "-c", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("hunter2", p.stdout)
        self.assertNotIn("123456", p.stdout)
        self.assertIn("renew_before", p.stdout)

    def test_missing_state_directory(self):
        shutil.rmtree(self.state)
        p = run_bin("run", "-c", self.config())
        self.assertEqual(p.returncode, EXIT_CONFIG)
        self.assertIn(f"install -d -m 0700 {self.state}", p.stderr)

    def test_state_directory_not_writable(self):
        path = self.config(mode=0o644)
        os.chmod(self.pw, 0o644)
        os.chmod(self.state, 0o555)
        os.chmod(self.dir, 0o755)
        # a copy of the binary any user can run (the checkout may sit in a
        # private home directory)
        binary = os.path.join(self.dir, "lscrenew")
        shutil.copy(BIN, binary)
        os.chmod(binary, 0o755)
        argv = [binary, "run", "-c", path]
        if os.geteuid() == 0:
            # root writes anywhere: run as nobody, as cron would run a
            # misconfigured job
            argv = ["setpriv", "--reuid=65534", "--regid=65534",
                    "--clear-groups"] + argv
        p = subprocess.run(argv, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=60)
        self.assertEqual(p.returncode, EXIT_CONFIG, p.stderr)
        self.assertIn("not writable", p.stderr)

    def test_cluster_unreachable(self):
        p = run_bin("run", "-c", self.config())
        self.assertEqual(p.returncode, EXIT_UNREACHABLE, p.stderr)
        self.assertIn("cluster pub", p.stderr)
        self.assertIn("127.0.0.1", p.stderr)

    def test_lock_held(self):
        path = self.config()
        lock = os.path.join(self.state, "lock")
        with open(lock, "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            f.write("4242 1798761600\n")
            f.flush()
            p = run_bin("run", "-c", path)
            self.assertEqual(p.returncode, EXIT_LOCKED, p.stderr)
            self.assertIn("in use by pid 4242 since 2027-01-01 00:00:00 "
                          "UTC", p.stderr)
            p = run_bin("reset", "SEP001122334455", "-c", path)
            self.assertEqual(p.returncode, EXIT_LOCKED, p.stderr)

    def test_left_behind_report_takes_the_lock(self):
        # saving the report's mark is a write: it does not wait on a run
        # (for 5 s, then "database is locked"), it says who holds the lock
        path = self.config()
        self.assertEqual(run_bin("run", "-c", path).returncode,
                         EXIT_UNREACHABLE)
        lock = os.path.join(self.state, "lock")
        with open(lock, "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            f.write("4242 1798761600\n")
            f.flush()
            p = run_bin("report", "left-behind", "-c", path)
            # 75 with the holder named, not 3 "database is locked"
            self.assertEqual(p.returncode, EXIT_LOCKED, p.stderr)
            self.assertIn("in use by pid 4242 since 2027-01-01 00:00:00 "
                          "UTC", p.stderr)
            self.assertIn("--since LAST", p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1)
            # reports that save nothing need no lock
            for args in (["left-behind", "--format", "html"], ["summary"],
                         ["history"]):
                p = run_bin("report", *args, "-c", path)
                self.assertEqual(p.returncode, 0, p.stderr)
        p = run_bin("report", "left-behind", "-c", path)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_state_directory_writable_by_others(self):
        # a planted lscrenew.db (a symbolic link) would be followed
        os.chmod(self.state, 0o777)
        path = self.config()
        for args in (["run"], ["plan"], ["status"], ["check", "--offline"],
                     ["reset", "SEP001122334455"], ["report", "summary"]):
            p = run_bin(*args, "-c", path)
            self.assertEqual(p.returncode, EXIT_CONFIG, (args, p.stderr))
            self.assertIn(f"state directory {self.state} is writable by "
                          f"group or others (mode 0777); run chmod 700 "
                          f"{self.state}", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.state,
                                                     "lscrenew.db")))
        os.chmod(self.state, 0o1770)
        p = run_bin("run", "-c", path)
        self.assertEqual(p.returncode, EXIT_CONFIG, p.stderr)
        self.assertIn("(mode 1770); run chmod 700", p.stderr)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to chown")
    def test_state_directory_of_another_user(self):
        os.chown(self.state, 65534, 65534)
        path = self.config()
        p = run_bin("run", "-c", path)
        self.assertEqual(p.returncode, EXIT_CONFIG, p.stderr)
        self.assertRegex(p.stderr, rf"state directory {self.state} is owned "
                         rf"by \S+, not root; run chown root {self.state} "
                         rf"\(or run lscrenew as \S+\)\n$")
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        # reading it is no harm
        p = run_bin("status", "-c", path)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_password_command_error_names_the_cluster_once(self):
        path = self.config(
            f"[global]\nstate_dir = {self.state}\n\n"
            "[cluster pub]\nhost = 127.0.0.1\nport = 1\nusername = axl\n"
            "password_command = exit 3\n\n"
            "[campaign nightly]\ncluster = pub\ndevice_pools = HQ Phones\n")
        p = run_bin("run", "-c", path)
        self.assertEqual(p.returncode, EXIT_FAILED, p.stderr)
        self.assertIn("cluster pub: password_command exited with status 3",
                      p.stderr)
        self.assertNotIn("cluster pub: cluster pub", p.stdout + p.stderr)

    def test_out_of_memory_fails_the_run(self):
        if not shutil.which("cc"):
            self.skipTest("no C compiler")
        ldd = subprocess.run(["ldd", BIN], capture_output=True, text=True)
        if "libasan" in ldd.stdout:
            self.skipTest("ASan must come first: no LD_PRELOAD")
        src = os.path.join(self.dir, "shim.c")
        shim = os.path.join(self.dir, "shim.so")
        with open(src, "w") as f:
            f.write(CALLOC_SHIM)
        subprocess.run(["cc", "-shared", "-fPIC", "-o", shim, src],
                       check=True)
        text = (f"[global]\nstate_dir = {self.state}\n\n"
                f"[cluster c0]\nhost = 127.0.0.1\nport = 1\n"
                f"username = axl\npassword_file = {self.pw}\n\n")
        for i in range(7):
            text += f"[campaign n{i}]\ncluster = c0\ndevice_pools = HQ\n\n"
        p = run_bin("run", "-c", self.config(text),
                    env={"LD_PRELOAD": shim})
        self.assertEqual(p.returncode, EXIT_FAILED, p)
        self.assertIn("Cannot allocate memory", p.stderr)
        (_, _, status, error), = runs(self.state)
        self.assertEqual(status, EXIT_FAILED)
        self.assertIn("Cannot allocate memory", error)

    def test_run_starts_after_the_random_delay(self):
        path = self.config(
            f"[global]\nstate_dir = {self.state}\nrandom_delay = 3s\n\n"
            "[cluster pub]\nhost = 127.0.0.1\nport = 1\nusername = axl\n"
            f"password_file = {self.pw}\nretry_attempts = 1\n\n"
            "[campaign nightly]\ncluster = pub\ndevice_pools = HQ Phones\n")
        # the delay is random: a run or two more may take one of a second
        # or more, which tells the start before it from the start after it
        for _ in range(5):
            before = int(time.time())
            p = run_bin("run", "-v", "-c", path, env={"LSCRENEW_NOW": ""})
            after = time.time()
            self.assertEqual(p.returncode, EXIT_UNREACHABLE, p.stderr)
            waited = int(re.search(r"waiting (\d+) s \(random_delay\)",
                                   p.stderr).group(1))
            if waited >= 1:
                break
        started, finished, _, _ = runs(self.state)[-1]
        self.assertGreaterEqual(started, before + waited)
        self.assertLessEqual(started, finished)
        self.assertLessEqual(finished, after + 1)


class Install(unittest.TestCase):
    """make install / uninstall with DESTDIR and PREFIX, and the man pages
    as mandoc sees them."""

    TOP = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

    def test_install_and_uninstall(self):
        dest = tempfile.mkdtemp(prefix="lscrenew-destdir-")
        self.addCleanup(shutil.rmtree, dest, True)
        make = ["make", "-s", "-C", self.TOP, f"DESTDIR={dest}",
                "PREFIX=/opt/lsc"]
        p = subprocess.run(make + ["install"], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        files = ["opt/lsc/bin/lscrenew", "opt/lsc/share/man/man1/lscrenew.1",
                 "opt/lsc/share/man/man5/lscrenew.conf.5",
                 "opt/lsc/share/doc/lscrenew/examples/lscrenew.conf.example",
                 "opt/lsc/share/doc/lscrenew/examples/lscrenew.cron",
                 "opt/lsc/lib/systemd/system/lscrenew.service",
                 "opt/lsc/lib/systemd/system/lscrenew.timer",
                 "opt/lsc/lib/sysusers.d/lscrenew.conf",
                 "opt/lsc/lib/tmpfiles.d/lscrenew.conf"]
        for f in files:
            self.assertTrue(os.path.isfile(os.path.join(dest, f)), f)
        mode = os.stat(os.path.join(dest, files[0])).st_mode
        self.assertTrue(mode & stat.S_IXOTH)
        # the unit, the cron line and the man page's example run the
        # installed binary; the man pages carry the version
        version = run_bin("version").stdout.split()[1]
        for f in (files[5], files[4], files[1]):
            with open(os.path.join(dest, f)) as fp:
                text = fp.read()
            self.assertIn("/opt/lsc/bin/lscrenew run -q", text, f)
            self.assertNotIn("/usr/local/bin/lscrenew", text, f)
        for f in files[1:3]:
            with open(os.path.join(dest, f)) as fp:
                self.assertIn(f"\n.Os lscrenew {version}\n", fp.read(), f)
        p = subprocess.run(make + ["uninstall"], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        for f in files:
            self.assertFalse(os.path.exists(os.path.join(dest, f)), f)

    def test_new_version_rebuilds_the_binary(self):
        # objects built before VERSION changed must not keep the old one
        build = tempfile.mkdtemp(prefix="lscrenew-build-")
        self.addCleanup(shutil.rmtree, build, True)
        shutil.copytree(os.path.join(os.path.dirname(BIN), "obj"),
                        os.path.join(build, "obj"))
        shutil.copy(os.path.join(os.path.dirname(BIN), "version"), build)
        p = subprocess.run(["make", "-s", "-j2", "-C", self.TOP,
                            f"BUILD={build}", "OPT=-O0", "VERSION=9.8.7",
                            f"{build}/lscrenew"], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = subprocess.run([f"{build}/lscrenew", "version"],
                           capture_output=True, text=True)
        self.assertEqual(p.stdout, "lscrenew 9.8.7\n")
        # and no package is built before the changelog has its entry
        p = subprocess.run(["make", "-s", "-C", self.TOP, f"BUILD={build}",
                            "OPT=-O0", "VERSION=9.8.7", "deb"],
                           capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("lscrenew: etc/debian/changelog ends at 0.2.0 but "
                      "VERSION is 9.8.7: add an entry", p.stderr)
        self.assertEqual(glob.glob(f"{build}/*.deb"), [])

    def fake_tools(self, **scripts):
        """A directory of stand-in commands, first on PATH."""
        d = tempfile.mkdtemp(prefix="lscrenew-fakebin-")
        self.addCleanup(shutil.rmtree, d, True)
        for name, body in scripts.items():
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write("#!/bin/sh\n" + body + "\n")
            os.chmod(path, 0o755)
        os.chmod(d, 0o755)
        return d

    def test_missing_library_names_the_package(self):
        fake = self.fake_tools(**{"pkg-config": 'case "$*" in *libcurl*) '
                                  'exit 1;; esac; exec /usr/bin/pkg-config '
                                  '"$@"'})
        env = dict(os.environ, PATH=fake + ":" + os.environ["PATH"])
        p = subprocess.run(["make", "-C", self.TOP, "-n", "all"],
                           capture_output=True, text=True, env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("libcurl not found: install the Debian package "
                      "libcurl4-openssl-dev", p.stderr)

    def test_deps_without_root_names_the_packages(self):
        # dpkg-query says nothing is installed; as a user, make only says
        # what to install, in one apt-get line
        fake = self.fake_tools(**{"dpkg-query": "exit 1"})
        # a copy of the Makefile where any user can read it (the checkout
        # may sit in a private home directory)
        top = tempfile.mkdtemp(prefix="lscrenew-top-")
        self.addCleanup(shutil.rmtree, top, True)
        shutil.copy(os.path.join(self.TOP, "Makefile"), top)
        os.chmod(top, 0o777)
        argv = ["make", "-s", "-C", top, "deps-check"]
        if os.geteuid() == 0:
            argv = ["setpriv", "--reuid=65534", "--regid=65534",
                    "--clear-groups"] + argv
        env = dict(os.environ, PATH=fake + ":/usr/bin:/bin")
        p = subprocess.run(argv, capture_output=True, text=True, env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("sudo apt-get install build-essential pkg-config "
                      "libcurl4-openssl-dev", p.stderr)
        self.assertIn("python3-lxml", p.stderr)
        self.assertIn("chromium", p.stderr)
        self.assertIn("dpkg-dev lintian systemd", p.stderr)

    def test_man_pages_are_lint_clean(self):
        for page in ("lscrenew.1", "lscrenew.conf.5"):
            p = subprocess.run(["mandoc", "-Tlint", "-W", "warning",
                                os.path.join(self.TOP, "cli", page)],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual(p.stdout + p.stderr, "")


class WithCluster(SimTestCase):
    sim_options = {"phones": 60, "pools": 2, "seed": 3, "ris_rate": 0}

    def test_nothing_to_do_is_silent_and_0(self):
        # one phone that is not due: nothing to do
        now = self.sim.now()
        ok = [d for d in self.sim.devices() if d["lscvaliduntil"] > now +
              400 * DAY and d["certificate_operation"] ==
              "No Pending Operation"][0]
        env = self.env(campaigns={"one": {"device_pools": ok["pool"],
                                          "name_pattern": ok["name"]}})
        r = env.run("run", "-q")
        self.assertEqual(r.rc, EXIT_NOTHING, r)
        self.assertEqual(r.out + r.err, "")
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_NOTHING, r)
        self.assertIn("1 phones", r.out)

    def test_work_done_is_1_and_quiet(self):
        now = self.sim.now()
        due = [d["name"] for d in self.sim.devices()
               if d["lscvaliduntil"] and d["lscvaliduntil"] - now < 30 * DAY]
        self.sim.set_registered(due, True)
        env = self.env()
        r = env.run("run", "-q")
        self.assertEqual(r.rc, EXIT_DONE, r)
        self.assertEqual(r.out + r.err, "", "cron mails nothing")

    def test_attention_is_2_and_says_who(self):
        env = self.env()
        r = env.run("run", "-q")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        left = env.phones_in("left_behind")
        self.assertTrue(left)
        for name in left:
            self.assertIn(name, r.out)
        self.assertEqual(r.err, "", "no progress when not a terminal")

    def test_run_failed_is_3(self):
        env = self.env()
        with open(env.pwfile, "w") as f:
            f.write("wrong password\n")
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertIn("username/password", r.err)
        self.assertNotIn("wrong password", r.out + r.err)

    def test_syslog_still_tells_cron_about_errors(self):
        env = self.env()
        env.write_config(
            {"nightly": {"device_pools": ", ".join(sim_pools(self.sim))}},
            global_extra="log = syslog\nsyslog_facility = local3")
        with open(env.pwfile, "w") as f:
            f.write("wrong password\n")
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        # errors go to syslog and to stderr, where cron mails them
        self.assertIn("username/password", r.err)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)

    def test_json_summary(self):
        env = self.env()
        r = env.run("run", "--json")
        doc = json.loads(r.out)
        self.assertEqual(doc["exit_status"], r.rc)
        self.assertEqual(sum(doc["states"].values()), doc["phones"])
        r = env.run("status", "--json")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(json.loads(r.out)["last_run"]["id"], 1)

    def test_plan_changes_nothing(self):
        env = self.env()
        r = env.run("plan")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        self.assertIn("queue", r.out)
        self.assertEqual(self.sim.writes(), {})
        self.assertFalse(os.path.exists(os.path.join(env.state,
                                                     "lscrenew.db")))
        env.run("run")
        db = os.path.join(env.state, "lscrenew.db")
        before = open(db, "rb").read()
        writes = self.sim.writes()
        r = env.run("plan", "--json")
        for line in r.out.splitlines():
            json.loads(line)
        self.assertEqual(open(db, "rb").read(), before)
        self.assertEqual(self.sim.writes(), writes)

    def test_hook_gets_the_outcome_and_cannot_fail_the_run(self):
        env = self.env()
        out = os.path.join(env.dir, "hook.out")
        env.write_config(
            {"nightly": {"device_pools": ", ".join(sim_pools(self.sim))}},
            global_extra=f'hook = "env | grep ^LSCRENEW_ | sort > {out}; '
            'exit 7"')
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        self.assertIn("hook", r.err)
        self.assertIn("status 7", r.err)
        seen = dict(line.split("=", 1) for line in
                    open(out).read().splitlines())
        self.assertEqual(seen["LSCRENEW_EXIT"], "2")
        self.assertEqual(seen["LSCRENEW_RUN"], "1")
        self.assertEqual(int(seen["LSCRENEW_STATE_LEFT_BEHIND"]),
                         len(env.phones_in("left_behind")))
        self.assertNotIn(self.sim.info["password"], open(out).read())

    def test_hook_inherits_no_descriptor(self):
        # the connections to CUCM, the store and the lock stay with us
        env = self.env()
        out = os.path.join(env.dir, "fds.out")
        env.write_config(
            {"nightly": {"device_pools": ", ".join(sim_pools(self.sim))}},
            global_extra=f'hook = "ls -l /proc/self/fd > {out}"')
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        with open(out) as f:
            fds = dict(re.findall(r" (\d+) -> (.*)$", f.read(), re.M))
        self.assertTrue({"0", "1", "2"} <= set(fds), fds)
        # beyond 0, 1 and 2 only ls's own listing of /proc/self/fd
        others = {fd: target for fd, target in fds.items()
                  if fd not in ("0", "1", "2")}
        self.assertLessEqual(len(others), 1, fds)
        for target in others.values():
            self.assertRegex(target, r"^/proc/\d+/fd$", fds)

    def test_random_delay_is_taken_and_can_be_skipped(self):
        env = self.env()
        env.write_config(
            {"nightly": {"device_pools": ", ".join(sim_pools(self.sim))}},
            global_extra="random_delay = 1s")
        r = env.run("run", "-v")
        self.assertIn("random_delay", r.err)
        r = env.run("run", "-v", "--no-delay")
        self.assertNotIn("random_delay", r.err)

    def test_progress_only_on_a_terminal(self):
        import pty
        env = self.env()
        master, slave = pty.openpty()
        e = dict(os.environ, LSCRENEW_NOW=str(self.sim.now()), TZ="UTC")
        p = subprocess.Popen([BIN, "-c", env.config, "run"],
                             stdout=subprocess.DEVNULL, stderr=slave,
                             stdin=subprocess.DEVNULL, env=e)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        p.wait()
        os.close(master)
        text = b"".join(chunks).decode()
        self.assertIn("reading", text)
        self.assertIn("phones read", text)

    def test_soap_bodies_only_at_vvv_without_secrets(self):
        env = self.env(campaigns={"nightly": {
            "device_pools": ", ".join(sim_pools(self.sim)),
            "auth_mode": "auth-string", "install_auth_mode": "auth-string",
            "auth_string": "97531"}})
        now = self.sim.now()
        due = [d["name"] for d in self.sim.devices()
               if d["lscvaliduntil"] and d["lscvaliduntil"] - now < 30 * DAY]
        self.sim.set_registered(due, True)
        r = env.run("plan", "-vv")
        self.assertFalse("<soapenv:Envelope" in r.err, "no SOAP at -vv")
        r = env.run("run", "-vvv")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r.rc)
        self.assertTrue("<soapenv:Envelope" in r.err, "SOAP bodies at -vvv")
        self.assertTrue("<authenticationString>*</authenticationString>"
                        in r.err, "the CAPF string is redacted")
        self.assertFalse("97531" in r.out + r.err, "CAPF string leaked")
        self.assertFalse(self.sim.info["password"] in r.out + r.err,
                         "password leaked")
        with env.db() as c:
            dump = "\n".join(str(row) for row in c.iterdump())
        self.assertFalse("97531" in dump, "CAPF string in the store")
        self.assertFalse(self.sim.info["password"] in dump,
                         "password in the store")

    def test_two_campaigns_never_queue_a_phone_twice(self):
        pools = ", ".join(sim_pools(self.sim))
        env = self.env(campaigns={"a": {"device_pools": pools},
                                  "b": {"device_pools": pools,
                                        "renew_before": "60d"}})
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        counts = {}
        for name, writes in self.sim.writes().items():
            counts[name] = sum(1 for w in writes if w["op"] == "updatePhone")
        self.assertTrue(counts)
        self.assertEqual(set(counts.values()), {1})

    def test_reset_refuses_what_it_cannot_reset(self):
        env = self.env()
        env.run("run")
        r = env.run("reset", "SEPNOTAPHONE00")
        self.assertEqual(r.rc, EXIT_USAGE, r)
        self.assertIn("no such phone", r.err)
        pending = sorted(env.phones_in("pending"))[0]
        r = env.run("reset", pending)
        self.assertEqual(r.rc, EXIT_USAGE, r)
        self.assertIn("nothing to reset", r.err)
        left = sorted(env.phones_in("left_behind"))[0]
        r = env.run("reset", left)
        self.assertEqual(r.rc, 0, r)
        self.assertIn(f"{left}: left_behind -> due", r.out)

    def test_device_pools_file_selects_exactly_its_pools(self):
        # The class's two pools have plain names: this simulator's five
        # hold spaces, quotes, an ampersand, '<', '>' and UTF-8, written
        # in the file as they are.  One pool is left out.
        sim = Sim(phones=80, pools=5, seed=3, ris_rate=0).start()
        self.addCleanup(sim.stop)
        pools = sim_pools(sim)
        self.assertTrue({"Lab & Test", "Pool 'A'"} <= set(pools), pools)
        chosen = [p for p in pools if p != "Branch East"]
        env = Env(sim, campaigns={})
        self.addCleanup(env.close)
        path = os.path.join(env.dir, "nightly.pools")
        with open(path, "w", encoding="utf-8") as f:
            f.write("# the pools of the nightly campaign\n\n")
            f.write("".join(f"  {p}\t\n" for p in chosen))
        # with device_pools too: a pool named in both counts once
        env.write_config({"nightly": {"device_pools": "HQ Phones",
                                      "device_pools_file": path}})
        r = env.run("check", "--offline")
        self.assertEqual(r.rc, 0, r)
        r = env.run("config")
        self.assertIn(f"device_pools_file = {path}\n", r.out)
        self.assertIn("device_pools = HQ Phones\n", r.out)
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_NOTHING, EXIT_DONE, EXIT_ATTENTION), r)
        want = {d["name"] for d in sim.devices() if d["pool"] in chosen}
        self.assertTrue(want)
        self.assertLess(len(want), len(sim.devices()))
        self.assertEqual(set(env.states()), want)
        self.assertLessEqual(set(sim.writes()), want)


class OnlineCluster(SimTestCase):
    """Every phone registered and no operation pending: the exit status
    says only what the run did."""
    sim_options = {"phones": 60, "pools": 2, "seed": 3, "ris_rate": 0,
                   "start": START, "offline_fraction": 0.0,
                   "pending_fraction": 0.0, "due_fraction": 0.2}

    def test_plan_counts_the_renewals_a_run_would_confirm(self):
        # every renewal succeeds (no phone with a bad MIC)
        self.sim.capf(rates={}, outcomes={d["name"]: "Upgrade Success"
                                          for d in self.sim.devices()})
        env = self.env()
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_DONE, r)
        queued = env.phones_in("pending", "queued")
        self.assertTrue(queued)
        self.sim.advance(HOUR)      # CAPF does its work
        r = env.run("plan")
        self.assertEqual(r.rc, EXIT_DONE, r)
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_DONE, r)
        self.assertEqual(env.phones_in("renewed"), queued)
        # and then nothing is left to do, for either
        self.assertEqual(env.run("plan").rc, EXIT_NOTHING)
        self.assertEqual(env.run("run").rc, EXIT_NOTHING)

    def lost_reply(self, rule, why):
        """A write whose reply was lost: CUCM was reached, the write's
        outcome is verified next run.  Exit 2, not 69."""
        # every renewal succeeds (no phone with a bad MIC)
        self.sim.capf(rates={}, outcomes={d["name"]: "Upgrade Success"
                                          for d in self.sim.devices()})
        env = self.env()
        self.sim.faults([rule])
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        self.assertRegex(r.err, rf"warning: SEP\w+: {rule['op']}: .*{why}")
        self.assertNotIn("error", r.err)
        self.assertNotIn("run failed", r.out)
        (_, _, status, error), = runs(env.state)
        self.assertEqual((status, error), (EXIT_ATTENTION, None))
        self.sim.clear_faults()
        if rule["op"] == "updatePhone":
            # CUCM shows the phone's last, finished operation: the write
            # may have been acted on, so it counts as a failed attempt,
            # tried again after the campaign's backoff (retry_base 1h)
            r = env.run("run")
            self.assertEqual(r.rc, EXIT_ATTENTION, r)
            doubt = env.phones_in("failed_retryable")
            self.assertEqual(len(doubt), 1, r)
            self.assertRegex(r.out, rf"{doubt.pop()} .* failed_retryable "
                             "updatePhone outcome unknown; CUCM shows "
                             "Upgrade Success; retry after ")
            self.sim.advance(2 * HOUR)
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_DONE, r)
        self.assertFalse(env.phones_in("failed_retryable"))
        for name, writes in self.sim.writes().items():
            self.assertEqual([w["op"] for w in writes].count("updatePhone"),
                             1, name)

    def test_update_reply_lost(self):
        self.lost_reply({"endpoint": "axl", "op": "updatePhone",
                         "action": "reset", "nth": 1}, "outcome unknown")

    def test_apply_reply_lost(self):
        self.lost_reply({"endpoint": "axl", "op": "applyPhone",
                         "action": "drop_mid_response", "nth": 1},
                        "transfer closed")


class SlowCluster(SimTestCase):
    sim_options = {"phones": 30, "pools": 2, "seed": 3, "ris_rate": 0,
                   "latency_axl": 300}

    def test_finished_is_when_the_run_ended(self):
        env = self.env()
        t0 = time.monotonic()
        r = env.run("run")
        took = time.monotonic() - t0
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        (started, finished, _, _), = runs(env.state)
        self.assertEqual(started, self.sim.now())
        self.assertGreaterEqual(finished - started, 2, (started, finished))
        self.assertLessEqual(finished - started, took + 1)
        r = env.run("report", "history", "--format", "csv")
        self.assertEqual(r.rc, 0, r)
        self.assertIn(f",{finished - started},", r.out)


if __name__ == "__main__":
    unittest.main()


def closed_port():
    """A loopback port nothing listens on."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# What must never reach a terminal as it is: C0 but the newline, DEL, C1,
# bidirectional controls.
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067" \
    "\u2068\u2069"


def unsafe(text):
    return [c for c in text if (ord(c) < 0x20 and c != "\n") or
            0x7f <= ord(c) < 0xa0 or c in BIDI]


def as_nobody(*argv):
    return ["setpriv", "--reuid=65534", "--regid=65534",
            "--clear-groups"] + list(argv)


HOSTILE = "SEP0000000BAD01"


class Hardening(SimTestCase):
    """What the environment, another user or a hostile cluster could do to
    a run: proxy variables, core files, text with terminal controls, and
    the store read by other commands."""
    sim_options = {"scenario": {
        "population": {"phones": 20, "pools": 1},
        "phones": [{"name": HOSTILE, "lscvaliduntil": "+400d",
                    "lscissuername": "Evil\u202eAC\x9b[2J\u2066"}]},
        "ris_rate": 0}

    def test_proxy_variables_are_ignored(self):
        env = self.env()
        dead = f"http://127.0.0.1:{closed_port()}"
        r = env.run("run", env={v: dead for v in (
            "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")})
        self.assertIn(r.rc, (EXIT_NOTHING, EXIT_DONE, EXIT_ATTENTION), r)
        self.assertNotIn("proxy", r.err)

    def test_a_dead_proxy_is_named(self):
        env = self.env()
        dead = f"http://127.0.0.1:{closed_port()}"
        env.write_config({"nightly": {"device_pools": ", ".join(
            sim_pools(self.sim))}}, cluster_extra=f"proxy = {dead}")
        r = env.run("run", env={"NO_PROXY": "*"})
        self.assertEqual(r.rc, EXIT_UNREACHABLE, r)
        lines = r.err.splitlines()
        self.assertEqual(len(lines), 1, r)
        self.assertIn(f"(through the proxy {dead})", lines[0])
        r = env.run("check")
        self.assertEqual(r.rc, EXIT_UNREACHABLE, r)
        self.assertIn(f"ok    cluster sim: connects through the proxy "
                      f"{dead}\n", r.out)

    def test_cluster_text_reaches_the_terminal_harmless(self):
        env = self.env(campaigns={"nightly": {
            "device_pools": ", ".join(sim_pools(self.sim)),
            "expected_issuer": "Good CA"}})
        r = env.run("plan", "--all")
        self.assertRegex(r.out, rf"{HOSTILE} .* LSC issued by "
                         r"Evil\?AC\?\[2J\?, campaign expects Good CA")
        for cmd in (("plan",), ("run", "-v"), ("status",),
                    ("phone", HOSTILE), ("report", "left-behind")):
            r = env.run(*cmd)
            self.assertEqual(unsafe(r.out + r.err), [], (cmd, r))
        self.assertIn(HOSTILE, env.phones_in("pending"))

    def test_core_files_tracing_and_sigpipe(self):
        # run as another user than root, so that /proc tells whether the
        # process may be traced or dumped
        if os.geteuid() != 0:
            self.skipTest("needs root to run lscrenew as nobody")
        d = tempfile.mkdtemp(prefix="lscrenew-nobody-")
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o755)
        state = os.path.join(d, "state")
        os.mkdir(state, 0o700)
        os.chown(state, 65534, -1)
        shutil.copy(self.sim.info["ca_file"], os.path.join(d, "ca.pem"))
        facts = os.path.join(state, "facts")
        script = os.path.join(d, "getpw")
        with open(script, "w") as f:
            f.write(f"""#!/bin/sh
p=$PPID
[ "$(cat /proc/$p/comm)" = lscrenew ] || \\
    p=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$p/status)
{{ cat /proc/$p/comm; stat -c %u /proc/$p/status; ulimit -c
  sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$p/status /proc/self/status
}} > {facts}
echo '{self.sim.info["password"]}'
""")
        os.chmod(script, 0o755)
        binary = os.path.join(d, "lscrenew")
        shutil.copy(BIN, binary)
        os.chmod(binary, 0o755)
        info = self.sim.info
        conf = os.path.join(d, "lscrenew.conf")
        with open(conf, "w") as f:
            f.write(f"[global]\nstate_dir = {state}\n\n[cluster sim]\n"
                    f"host = {info['host']}\nport = {info['port']}\n"
                    f"ca_file = {d}/ca.pem\nusername = {info['username']}\n"
                    f"password_command = {script}\n\n[campaign c]\n"
                    f"cluster = sim\ndevice_pools = "
                    f"{sim_pools(self.sim)[0]}\n")
        os.chmod(conf, 0o644)
        p = subprocess.run(as_nobody(binary, "-c", conf, "check"),
                           capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
        self.assertIn("credentials accepted", p.stdout, p)
        comm, owner, core, ign_parent, ign_child = \
            open(facts).read().split()
        self.assertEqual(comm, "lscrenew")
        self.assertEqual(owner, "0", "/proc/PID of a process that may not "
                         "be dumped or traced belongs to root")
        self.assertEqual(core, "0")
        sigpipe = 1 << 12
        self.assertTrue(int(ign_parent, 16) & sigpipe, "SIGPIPE ignored")
        self.assertFalse(int(ign_child, 16) & sigpipe,
                         "the command gets SIGPIPE back")


class ReadingTheStore(SimTestCase):
    """status, report, phone and probe read the store: read-only, never
    migrated, never leaving a file its owner could not use."""
    sim_options = {"phones": 20, "pools": 1, "seed": 3, "ris_rate": 0}

    def test_an_old_store_is_not_migrated(self):
        env = self.env()
        env.run("run")
        db = os.path.join(env.state, "lscrenew.db")
        with sqlite3.connect(db) as c:
            current = c.execute("PRAGMA user_version").fetchone()[0]
            c.execute("PRAGMA user_version = 3")
        c.close()
        before = open(db, "rb").read()
        r = env.run("status")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertEqual(r.err, f"lscrenew: {db}: schema version 3, this "
                         f"lscrenew needs {current}: run 'lscrenew run' "
                         "once to migrate it\n")
        with open(db, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_root_leaves_the_store_to_its_owner(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        env = self.env()
        env.run("run")
        for f in os.listdir(env.state) + [""]:
            os.chown(os.path.join(env.state, f), 65534, -1)
        for cmd in (("status",), ("report", "summary"), ("phone",
                    self.sim.devices()[0]["name"])):
            r = env.run(*cmd)
            self.assertEqual(r.rc, 0, r)
        for f in os.listdir(env.state):
            self.assertEqual(os.stat(os.path.join(env.state, f)).st_uid,
                             65534, f)

    def test_a_directory_it_cannot_write(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to run lscrenew as nobody")
        env = self.env()
        env.run("run")
        for path in (env.dir, env.state):
            os.chmod(path, 0o755)
        db = os.path.join(env.state, "lscrenew.db")
        os.chmod(db, 0o644)
        os.chmod(env.config, 0o644)
        binary = os.path.join(env.dir, "lscrenew")
        shutil.copy(BIN, binary)
        os.chmod(binary, 0o755)
        p = subprocess.run(as_nobody(binary, "-c", env.config, "status"),
                           capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, EXIT_CONFIG, p)
        self.assertEqual(p.stderr, f"lscrenew: state store {db}: cannot be "
                         f"read without write access to {env.state} "
                         f"(SQLite makes its index {db}-shm there); run "
                         "lscrenew as root\n")
