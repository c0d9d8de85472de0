"""The Debian package as an administrator gets it (run by make check-deb).

LSCRENEW_DEB names the package make built, LSCRENEW_VERSION the Makefile's
VERSION.  Every tool used here is in the Makefile's CHECK_PKGS: a missing
one fails its test, naming the Debian package.  Only systemd-analyze may be
missing (a machine without systemd), and that test then says it skipped.
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

DEB = os.environ.get("LSCRENEW_DEB", "")
VERSION = os.environ.get("LSCRENEW_VERSION", "")
TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
UNITS = "usr/lib/systemd/system"

# Every regular file of the package, with its mode; all are root's.
FILES = {
    "etc/lscrenew/lscrenew.conf": "-rw-r-----",
    "usr/bin/lscrenew": "-rwxr-xr-x",
    "usr/lib/systemd/system/lscrenew.service": "-rw-r--r--",
    "usr/lib/systemd/system/lscrenew.timer": "-rw-r--r--",
    "usr/lib/sysusers.d/lscrenew.conf": "-rw-r--r--",
    "usr/lib/tmpfiles.d/lscrenew.conf": "-rw-r--r--",
    "usr/share/doc/lscrenew/changelog.gz": "-rw-r--r--",
    "usr/share/doc/lscrenew/copyright": "-rw-r--r--",
    "usr/share/doc/lscrenew/examples/lscrenew.conf.example": "-rw-r--r--",
    "usr/share/doc/lscrenew/examples/lscrenew.cron": "-rw-r--r--",
    "usr/share/lintian/overrides/lscrenew": "-rw-r--r--",
    "usr/share/man/man1/lscrenew.1.gz": "-rw-r--r--",
    "usr/share/man/man5/lscrenew.conf.5.gz": "-rw-r--r--",
}


def tool(name, package):
    path = shutil.which(name)
    if path is None:
        raise AssertionError(f"{name} not found: install the Debian package "
                             f"{package} ('make check' installs it)")
    return path


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True)


def read(path):
    with open(path) as f:
        return f.read()


class Package(unittest.TestCase):

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if not os.path.isfile(DEB) or not VERSION:
            raise RuntimeError("LSCRENEW_DEB and LSCRENEW_VERSION name the "
                               "package and its version: run 'make check-deb'")
        cls.root = tempfile.mkdtemp(prefix="lscrenew-deb-")
        p = run(tool("dpkg-deb", "dpkg"), "-x", DEB, cls.root)
        if p.returncode != 0:
            shutil.rmtree(cls.root, True)
            raise RuntimeError(f"dpkg-deb -x {DEB}: {p.stderr}")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, True)

    def field(self, name):
        p = run(tool("dpkg-deb", "dpkg"), "--field", DEB, name)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def test_lintian_finds_no_error_or_warning(self):
        p = run(tool("lintian", "lintian"), "--fail-on", "error,warning", DEB)
        tags = [l for l in p.stdout.splitlines() if re.match(r"[EW]: ", l)]
        self.assertEqual(tags, [])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_contents_owners_and_modes(self):
        p = run(tool("dpkg-deb", "dpkg"), "--contents", DEB)
        self.assertEqual(p.returncode, 0, p.stderr)
        files, dirs = {}, {}
        for line in p.stdout.splitlines():
            mode, owner, _, _, _, path = line.split(None, 5)
            self.assertEqual(owner, "root/root", line)
            path = path[2:]             # "./usr/bin/lscrenew"
            if mode.startswith("d"):
                dirs[path] = mode
            else:
                files[path] = mode
        self.assertEqual(files, FILES)
        for path, mode in dirs.items():
            self.assertEqual(mode, "drwxr-xr-x", path)
        p = run(tool("dpkg-deb", "dpkg"), "--info", DEB, "conffiles")
        self.assertEqual(p.stdout, "/etc/lscrenew/lscrenew.conf\n")

    def test_configuration_is_the_commented_example(self):
        self.assertEqual(
            read(os.path.join(self.root, "etc/lscrenew/lscrenew.conf")),
            read(os.path.join(TOP, "etc/lscrenew.conf.example")))

    def test_depends_names_the_linked_libraries_with_versions(self):
        depends = self.field("Depends")
        for lib in ("libc6", "libcurl4", "libxml2", "libssl3",
                    "libiniparser1", "libsqlite3-0"):
            self.assertRegex(depends, rf"(^|, ){re.escape(lib)} \(>= [^)]+\)")

    def test_binary_man_pages_changelog_and_package_agree_on_version(self):
        p = run(os.path.join(self.root, "usr/bin/lscrenew"), "version")
        self.assertEqual((p.returncode, p.stdout), (0, f"lscrenew {VERSION}\n"))
        self.assertEqual(self.field("Version"), VERSION)
        arch = run(tool("dpkg", "dpkg"), "--print-architecture").stdout.strip()
        self.assertEqual(os.path.basename(DEB),
                         f"lscrenew_{VERSION}_{arch}.deb")
        for page in ("man1/lscrenew.1.gz", "man5/lscrenew.conf.5.gz"):
            with gzip.open(os.path.join(self.root, "usr/share/man", page),
                           "rt") as f:
                self.assertIn(f"\n.Os lscrenew {VERSION}\n", f.read(), page)
        with gzip.open(os.path.join(self.root,
                       "usr/share/doc/lscrenew/changelog.gz"), "rt") as f:
            self.assertTrue(f.readline().startswith(f"lscrenew ({VERSION}) "))

    def test_help_runs_from_the_package(self):
        p = run(os.path.join(self.root, "usr/bin/lscrenew"), "help")
        self.assertEqual(p.returncode, 0, p.stderr)
        for cmd in ("run", "plan", "check", "status", "report", "version"):
            self.assertIn(f"  {cmd} ", p.stdout)

    def test_service_and_cron_line_run_the_packaged_binary(self):
        # the packaged unit is etc/lscrenew.service with only ExecStart
        # moved from /usr/local/bin
        source = read(os.path.join(TOP, "etc/lscrenew.service"))
        unit = read(os.path.join(self.root, UNITS, "lscrenew.service"))
        self.assertIn("\nExecStart=/usr/bin/lscrenew run -q\n", unit)
        self.assertEqual(unit.replace("/usr/bin/lscrenew",
                                      "/usr/local/bin/lscrenew"), source)
        self.assertIn("\nLimitCORE=0\n", unit)
        cron = read(os.path.join(self.root,
                    "usr/share/doc/lscrenew/examples/lscrenew.cron"))
        self.assertRegex(cron, r"\n17 3 \* \* \*\tlscrenew\t/usr/bin/lscrenew "
                               r"run -q\n")

    def test_units_pass_systemd_analyze_verify(self):
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            print("\nskipped: systemd-analyze not found (no systemd here); "
                  "the units are not verified", file=sys.stderr)
            self.skipTest("systemd-analyze not found")
        # The package installed over this host's own units (the targets
        # the service and timer depend on); Documentation= must find the
        # packaged man pages.
        root = tempfile.mkdtemp(prefix="lscrenew-verify-")
        self.addCleanup(shutil.rmtree, root, True)
        shutil.copytree("/usr/lib/systemd/system",
                        os.path.join(root, UNITS), symlinks=True)
        shutil.copytree(self.root, root, symlinks=True, dirs_exist_ok=True)
        env = dict(os.environ, MANPATH=os.path.join(root, "usr/share/man"))
        p = subprocess.run([analyze, f"--root={root}", "verify",
                            "lscrenew.service", "lscrenew.timer"],
                           capture_output=True, text=True, env=env)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))


if __name__ == "__main__":
    unittest.main()
