"""The README's two commands on a bare machine: `make run` and `make test` install the Debian packages they need
(scripts/system-packages) or stop before starting with the one command to run."""
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "system-packages"


def _fake_bin(tmp_path, uid: int, sudo: bool, installed=()):
    """A PATH of stand-ins: dpkg-query knowing only `installed`, id saying `uid`, apt-get and sudo writing their
    arguments to a log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    scripts = {
        "dpkg-query": "case \" %s \" in *\" $3 \"*) echo 'install ok installed';; *) exit 1;; esac" % " ".join(installed),
        "id": f"echo {uid}",
        "apt-get": f"echo apt-get \"$@\" >> {log}",
    }
    if sudo:
        scripts["sudo"] = f"if [ \"$1\" = -n ] && [ \"$2\" = true ]; then exit 0; fi; echo sudo \"$@\" >> {log}"
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    # The shell's own tools stay reachable; no sudo or apt-get of the machine's is.
    for tool in ("sh", "grep", "cat"):
        (bin_dir / tool).symlink_to(subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True,
                                                   text=True).stdout.strip())
    return {**os.environ, "PATH": str(bin_dir)}, log


def _run(env, *packages):
    return subprocess.run(["/bin/sh", str(SCRIPT), *packages], capture_output=True, text=True, env=env)


def test_without_root_or_sudo_it_stops_naming_the_one_command(tmp_path):
    env, log = _fake_bin(tmp_path, uid=1000, sudo=False, installed=("fontconfig",))
    done = _run(env, "fonts-wqy-microhei", "fontconfig", "chromium")
    assert done.returncode == 1
    assert "sudo apt-get update && sudo apt-get install -y fonts-wqy-microhei chromium" in done.stderr
    assert not log.exists()


def test_as_root_it_installs_only_what_is_missing(tmp_path):
    env, log = _fake_bin(tmp_path, uid=0, sudo=False, installed=("fontconfig",))
    done = _run(env, "fonts-wqy-microhei", "fontconfig")
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "apt-get update -qq"
    assert calls[1].startswith("apt-get install") and calls[1].endswith(" fonts-wqy-microhei")


def test_with_a_passwordless_sudo_it_installs_through_it(tmp_path):
    env, log = _fake_bin(tmp_path, uid=1000, sudo=True)
    assert _run(env, "poppler-utils").returncode == 0
    assert all(call.startswith("sudo -n apt-get") for call in log.read_text().splitlines())


def test_nothing_is_asked_of_apt_when_all_are_there(tmp_path):
    env, log = _fake_bin(tmp_path, uid=0, sudo=False, installed=("fontconfig", "chromium"))
    assert _run(env, "fontconfig", "chromium").returncode == 0
    assert not log.exists()


def test_both_commands_set_up_the_machine_first_and_make_run_names_every_demo_login():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: system-packages-run ", makefile, re.M)
    assert re.search(r"^test: system-packages-test ", makefile, re.M)
    closing = next(line for line in makefile.splitlines() if "Demo logins" in line)
    readme = (ROOT / "README.md").read_text()
    for username in re.findall(r"`(\w+) / demo-water-2026`", readme):
        assert f"{username} / demo-water-2026" in closing, username
    assert "cun01" in closing
