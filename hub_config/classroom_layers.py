"""What keeps the students of one classroom machine apart beyond their own uids (standard library only).

Run by the Hub (as root) of the classroom profile; each layer can say whether it applies here
(``isolation_layers`` in classroom_profile.py probes them and the Hub logs the report at start):

- **network**: firewall rules (iptables and ip6tables, ``owner`` match on the students'
  group) let a student's processes reach, among the machine's own addresses, only the Hub's
  public port and the API; replies on connections made to her server keep working. Applied
  at Hub start, removed at stop (``Firewall``);
- **private mounts** per student server, made in a new mount namespace before the server
  drops root (``private_mounts``): a size-limited ``/tmp`` and ``/dev/shm`` of her own (tmpfs,
  charged to her memory group, gone when her last process ends), a ``/proc`` showing only her
  own processes (``hidepid=invisible``), and no other student's home mount;
- **disk**: each home is an ext4 image of the allowed size, loop-mounted on the home folder
  while her server runs (``mount_home`` / ``release_home``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..isolation.children import in_child

CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 8, 4096, 16384, 1 << 18
MNT_DETACH = 2

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _enc(s: str | None):
    return s.encode() if s is not None else None


def unshare_mounts() -> None:
    _check(_libc.unshare(ctypes.c_int(CLONE_NEWNS)), "unshare(CLONE_NEWNS)")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(_enc(source), _enc(target), _enc(fstype), ctypes.c_ulong(flags), _enc(data)), f"mount {target}")


def detach(target: str) -> None:
    _check(_libc.umount2(_enc(target), ctypes.c_int(MNT_DETACH)), f"umount {target}")


def mount_points(under: str = "/", table: str = "/proc/self/mountinfo") -> list[str]:
    """Mount points at or below `under`, in the order they were mounted."""
    found = []
    with open(table) as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            if point == under or point.startswith(under.rstrip("/") + "/"):
                found.append(point)
    return found


# --- private mounts of a student's server ---------------------------------------------

def private_mounts(home: str, home_root: str, tmp_bytes: int, keep: tuple[str, ...] = ()) -> None:
    """In the (forked, still root) server process: a mount namespace of its own with a private
    /tmp and /dev/shm of `tmp_bytes` each, a /proc showing only the owner's processes, and
    no home mount but `home` below `home_root` (other students' disk images stay unreferenced).

    The folders in `keep` that live under /tmp (the Python environment, the project, the homes
    when an installation puts them there) are bound back into the private /tmp, so the server
    still finds them; nothing else of the shared /tmp is visible."""
    unshare_mounts()
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    for point in reversed(mount_points(home_root)):
        if point != home and point != home_root.rstrip("/"):
            detach(point)
    shared_tmp = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)
    try:
        mount("codementor-student", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={tmp_bytes}")
        for path in kept_under("/tmp", keep):
            _make_path(path, "/tmp")
            mount(f"/proc/self/fd/{shared_tmp}/{os.path.relpath(path, '/tmp')}", path, None, MS_BIND | MS_REC)
    finally:
        os.close(shared_tmp)
    mount("codementor-student", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={tmp_bytes}")
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible")


def kept_under(top: str, paths) -> list[str]:
    """The outermost of `paths` (real paths) that lie below `top`."""
    inside = sorted({os.path.realpath(p) for p in paths if os.path.realpath(p).startswith(top.rstrip("/") + "/")})
    return [p for i, p in enumerate(inside) if not any(p.startswith(q + "/") for q in inside[:i])]


def _make_path(path: str, top: str) -> None:
    """Create `path` below `top` with every new folder passable by all (the Hub's umask is 077)."""
    parts = os.path.relpath(path, top).split(os.sep)
    current = top
    for part in parts:
        current = os.path.join(current, part)
        if not os.path.isdir(current):
            os.mkdir(current)
            os.chmod(current, 0o755)


def _private_mounts_work() -> bool:
    unshare_mounts()
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    with tempfile.TemporaryDirectory() as folder:
        mount("codementor-probe", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")
        mount("proc", folder, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible")
        detach(folder)
        detach(folder)
    return True


def probe_private_mounts() -> str | None:
    """Can a server get a private /tmp, /dev/shm and hidepid /proc here? None if so, else why not."""
    return in_child(_private_mounts_work, "a private mount namespace could not be made")


# --- network: firewall rules on the students' group -----------------------------------

def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True)


def local_resolver() -> bool:
    """Does this machine resolve names through a resolver on one of its own addresses?"""
    try:
        lines = Path("/etc/resolv.conf").read_text().splitlines()
    except OSError:
        return False
    servers = [line.split()[1] for line in lines if line.startswith("nameserver") and len(line.split()) > 1]
    return any(s.startswith("127.") or s == "::1" for s in servers)


def firewall_rules(ports: list[int], dns: bool) -> list[list[str]]:
    """The chain's rules: replies first, then the allowed local ports, then refuse the rest of the machine."""
    local = ["-m", "addrtype", "--dst-type", "LOCAL"]
    rules = [["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"]]
    rules += [["-p", "tcp", *local, "--dport", str(port), "-j", "ACCEPT"] for port in ports]
    if dns:
        rules += [["-p", proto, *local, "--dport", "53", "-j", "ACCEPT"] for proto in ("udp", "tcp")]
    rules += [["-p", "tcp", *local, "-j", "REJECT", "--reject-with", "tcp-reset"], [*local, "-j", "REJECT"]]
    return rules


class Firewall:
    """Rules in a chain of their own, jumped to from OUTPUT for processes in the students' group."""

    TOOLS = ("iptables", "ip6tables")

    def __init__(self, chain: str, gid: int, ports: list[int]):
        self.chain, self.gid, self.ports = chain, gid, sorted(set(ports))

    @property
    def jump(self) -> list[str]:
        return ["OUTPUT", "-m", "owner", "--gid-owner", str(self.gid), "--suppl-groups", "-j", self.chain]

    def apply(self) -> str:
        """Install the rules (replacing any left by an earlier Hub); returns what applies, for the report."""
        missing = [tool for tool in self.TOOLS if not shutil.which(tool)]
        if missing:
            return f"NONE ({', '.join(missing)} not installed: students reach every local port)"
        self.remove()
        rules = firewall_rules(self.ports, local_resolver())
        for tool in self.TOOLS:
            steps = [["-N", self.chain], *(["-A", self.chain, *rule] for rule in rules), ["-I", *self.jump]]
            for step in steps:
                done = _run([tool, "-w", *step])
                if done.returncode != 0:
                    self.remove()
                    return f"NONE ({tool} {' '.join(step)} failed: {done.stderr.strip()})"
        return (f"firewall (iptables, ip6tables): the students' group (gid {self.gid}) reaches only TCP ports "
                f"{', '.join(map(str, self.ports))} among this machine's addresses")

    def remove(self) -> None:
        """Remove the chain and every jump to it (safe to call when there is none)."""
        for tool in self.TOOLS:
            if not shutil.which(tool):
                continue
            listed = _run([tool, "-w", "-S", "OUTPUT"]).stdout.splitlines()
            for line in listed:
                if line.startswith("-A OUTPUT") and line.split()[-2:] == ["-j", self.chain]:
                    _run([tool, "-w", "-D", *line.split()[1:]])
            _run([tool, "-w", "-F", self.chain])
            _run([tool, "-w", "-X", self.chain])


# --- disk: one ext4 image per student -------------------------------------------------

def _checked(args: list[str]) -> str:
    done = _run(args)
    if done.returncode != 0:
        raise OSError(f"{' '.join(args)} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout.strip()


def is_mount_point(path: Path) -> bool:
    return str(path) in mount_points(str(path))


def loop_device(image: Path) -> str:
    """The loop device backing `image`: the one already attached (a second one would let two
    file systems write the same file), else a new one."""
    attached = _checked(["losetup", "--associated", str(image)])
    if attached:
        return attached.split(":", 1)[0]
    return _checked(["losetup", "--find", "--show", str(image)])


def make_image(image: Path, size: int, home: Path, uid: int, gid: int) -> None:
    """A new ext4 image of `size` bytes holding a copy of what `home` holds now."""
    image.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = image.with_suffix(".new")
    with open(partial, "wb") as f:
        f.truncate(size)
    os.chmod(partial, 0o600)
    _checked(["mkfs.ext4", "-q", "-F", "-m", "0", "-E", f"root_owner={uid}:{gid}", str(partial)])
    with tempfile.TemporaryDirectory(prefix="codementor-home-") as staging:
        _checked(["mount", "-o", "loop,nosuid,nodev", str(partial), staging])
        try:
            if home.is_dir():
                _checked(["cp", "-a", "--", f"{home}/.", staging])
            shutil.rmtree(Path(staging) / "lost+found", ignore_errors=True)
        finally:
            _checked(["umount", staging])
    partial.rename(image)


def mount_home(image: Path, size: int, home: Path, uid: int, gid: int) -> str:
    """Mount the student's disk image (made on first use from her current home) on her home."""
    if is_mount_point(home):
        return "already mounted"
    if not image.exists():
        make_image(image, size, home, uid, gid)
    device = loop_device(image)
    _checked(["mount", "-o", "nosuid,nodev", device, str(home)])
    os.chown(home, uid, gid)
    home.chmod(0o700)
    return device


def release_home(image: Path, home: Path | None) -> None:
    """Unmount the student's home image and free its loop device (lazily if something still holds it);
    `home` None: only free the loop device (her system user, and so where it was mounted, is gone)."""
    if home is not None and is_mount_point(home):
        if _run(["umount", str(home)]).returncode != 0:
            _run(["umount", "--lazy", str(home)])
    for line in _run(["losetup", "--associated", str(image)]).stdout.splitlines():
        _run(["losetup", "--detach", line.split(":", 1)[0]])


def _image_mounts() -> bool:
    with tempfile.TemporaryDirectory(prefix="codementor-probe-") as folder:
        image, target = Path(folder) / "probe.img", Path(folder) / "mnt"
        target.mkdir()
        make_image(image, 4 << 20, target, 0, 0)
        mount_home(image, 4 << 20, target, 0, 0)
        release_home(image, target)
    return True


def probe_disk_images() -> str | None:
    """Can a home be an ext4 image here? None if so, else why not (tried on a 4 MiB image)."""
    for tool in ("mkfs.ext4", "losetup", "mount"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    try:
        _image_mounts()
    except OSError as err:
        return str(err)
    return None
