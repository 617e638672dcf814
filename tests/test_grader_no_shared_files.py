"""A job can open no file that another job can open: no page cache, dentry or inode of a shared file system to signal through.

The attack this closes: the hidden job of a submission (which holds the hidden tests' calls) loads pages of big,
never-read files under /usr, one page per bit, and the visible job of the same submission, or of a later one,
times reads of those pages and returns the decoded text as a visible test's value. The zygote now brings the
standard library in its memory and the private root (or, without it, Landlock) shows jobs no file of the host.
Each attack here is right only if it decoded the hidden calls (a CRC checks them), and a control run of the
same code as two plain processes on the host shows that the channel is there to close.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest


from .test_exploits import CORRECT, EXERCISE, SyncGrader, cheat_if
from .test_landlock import grade_as_pod, landlock_works, pod_layout  # noqa: F401 (a fixture)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox is Linux only")

PAGE = 4096
# (stride between two pages of the channel, bits carried, pairs of pages per bit): a fault of a mapping advised
# MADV_RANDOM loads one page; a plain read far from the one before loads one page too, but leave more room.
# A page loaded now and then goes from the page cache again before it is read (or a read's timing is blurred):
# about one bit in fifty reads wrong on this machine, so each bit of the mmap form is sent three times and read by
# majority (the check of 128 bits then passes about four tries in five instead of one in fifty)
MODES = {"mmap": (128 * 1024, 128, 3), "pread": (1024 * 1024, 64, 1)}
TRIES = 3  # each try takes another region: the sandboxed attack gets several chances to win
CONTROL_TRIES = 10  # the control, on the host, must win at least once
ATTACK = '''
import sys, os, time, zlib, json
FILES, BASE, STRIDE, BITS, REPEAT, MODE, ROLE = {files!r}, {base}, {stride}, {bits}, {repeat}, {mode!r}, {role!r}
job = sys._getframe(1).f_locals.get("job") or {{}}
hidden = job.get("report") == "at_end"
reads = []
for name in FILES:
    fd = os.open(name, os.O_RDONLY)
    size = os.fstat(fd).st_size - PAGE
    if MODE == "mmap":
        import mmap
        pages = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
        pages.madvise(mmap.MADV_RANDOM)
        reads.append((size, lambda at, pages=pages: pages[at]))
    else:
        reads.append((size, lambda at, fd=fd: os.pread(fd, 1, at)))
def touch(slot):
    at = BASE + slot * STRIDE
    for size, read in reads:
        if at < size:
            return read(at)
        at -= size
    raise IndexError(slot)
def timed(slot):
    start = time.perf_counter_ns()
    touch(slot)
    return time.perf_counter_ns() - start
if hidden and ROLE in ("send", "both"):
    text = json.dumps([t["call"] for t in job["tests"]]).encode()[:BITS // 8 - 4]
    data = text + zlib.crc32(text).to_bytes(4, "big")
    for i in range(BITS * REPEAT):  # bit i // REPEAT, once per pair of pages
        touch(2 * i + (data[i // REPEAT // 8] >> (7 - i // REPEAT % 8) & 1))  # Manchester: page 2i for a 0, 2i + 1 for a 1
if not hidden and ROLE in ("receive", "both"):
    if ROLE == "both":
        time.sleep(1.5)  # the hidden job runs at the same time: let it send
    votes = [timed(2 * i + 1) < timed(2 * i) for i in range(BITS * REPEAT)]
    bits = [2 * sum(votes[k * REPEAT:(k + 1) * REPEAT]) > REPEAT for k in range(BITS)]
    data = bytes(int("".join("1" if b else "0" for b in bits[k:k + 8]), 2) for k in range(0, BITS, 8))
    text, call = data[:-4], b'["sum_of_evens('
    won = zlib.crc32(text) == int.from_bytes(data[-4:], "big") and (text.startswith(call) or call.startswith(text))
'''.replace("PAGE", str(PAGE))


def big_files(total: int) -> list[str]:
    """The largest files under /usr that nothing runs or loads (no program, no library: their pages are not
    cached already), enough of them to hold `total` bytes of the channel."""
    found = []
    for top in ("/usr/lib", "/usr/share", "/usr/local", "/usr/bin"):
        for folder, _dirs, files in os.walk(top):
            for name in files:
                path = os.path.join(folder, name)
                try:
                    if (not os.path.islink(path) and os.path.getsize(path) > 16 << 20 and ".so" not in name
                            and not os.access(path, os.X_OK)):
                        found.append((os.path.getsize(path), path))
                except OSError:
                    continue
    chosen, room = [], 0
    for size, path in sorted(found, reverse=True):
        chosen.append(path)
        room += size - PAGE
        if room > 2 * total:
            return chosen
    pytest.skip("not enough big files under /usr for the channel")


def evict(files: list[str]) -> None:
    """Drop the files' pages from the page cache (clean pages of files nothing maps: read again on demand), so that
    every bit of the channel starts unset. Otherwise earlier runs (a plain read loads its neighbours too) or a search
    through those files leave a region warm, and even the control fails."""
    for name in files:
        fd = os.open(name, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def attack(mode: str, role: str, files: list[str]) -> str:
    """The page-cache submission: right (on the visible tests) only if its visible job decoded the hidden calls."""
    stride, bits, repeat = MODES[mode]
    span = 2 * bits * repeat * stride
    room = sum(os.path.getsize(f) - PAGE for f in files)
    # a region nobody read (each page is a one-shot bit), at an offset within the stride of its own: the pages an
    # earlier run loaded are at another
    base = random.randrange((room - span) // stride) * stride + random.randrange(1, stride // PAGE) * PAGE
    evict(files)
    code = cheat_if(ATTACK.format(files=files, base=base, stride=stride, bits=bits, repeat=repeat, mode=mode, role=role))
    # the hidden job answers right whatever happens: only the visible tests tell whether the attack worked
    return code.replace("    if won:\n", "    if won or hidden:\n")


@pytest.fixture(scope="module")
def files():
    return big_files(2 * max(bits * repeat * stride for stride, bits, repeat in MODES.values()))


@pytest.fixture(scope="module")
def grader(bank):
    if os.geteuid() != 0:
        pytest.skip("the private root needs root")
    g = SyncGrader(bank.get(EXERCISE), concurrency=2)
    yield g
    g.close()


def visible_passed(result) -> list[bool]:
    return [t["passed"] for t in result.to_dict()["tests"] if not t["hidden"]]


HOST_RUN = '''
import json, sys
def main():
    job = json.loads(sys.argv[2])
    namespace = {"__name__": "__main__"}
    exec(sys.argv[1], namespace)
    print(json.dumps(namespace.get("won", False)))
main()
'''


def on_host(code: str, report: str | None) -> bool:
    """Run the submission as a plain process on the host, as a job of that kind (no sandbox): did it win?"""
    job = {"report": report, "tests": [{"call": "sum_of_evens([1, 2, 3, 4])"}]}
    out = subprocess.run([sys.executable, "-c", HOST_RUN, code, json.dumps(job)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", sorted(MODES))
def test_the_channel_is_there_on_the_host(files, mode):
    # the control: the same code as a hidden job, then a visible one, run as plain processes, reads the calls back
    for _ in range(CONTROL_TRIES):
        code = attack(mode, "send", files)
        assert not on_host(code, "at_end")
        if on_host(code.replace("'send'", "'receive'"), None):
            return
    pytest.fail("the attack does not work here: the tests below prove nothing")


@pytest.mark.parametrize("mode", sorted(MODES))
def test_the_hidden_job_cannot_signal_the_visible_job_of_its_submission(grader, files, mode):
    for _ in range(TRIES):
        result = grader.grade(attack(mode, "both", files))
        assert result.status == "graded", result.to_dict()
        assert not any(visible_passed(result)), result.to_dict()


@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_hidden_job_cannot_signal_a_later_submission(grader, files, mode):
    for _ in range(TRIES):
        code = attack(mode, "send", files)
        sent = grader.grade(code)
        assert sent.status == "graded" and all(t["passed"] for t in sent.to_dict()["tests"] if t["hidden"]), sent.to_dict()
        read = grader.grade(code.replace("'send'", "'receive'"))
        assert read.status == "graded", read.to_dict()
        assert not any(visible_passed(read)), read.to_dict()


LOOK_AROUND = '''
import os, sys
def listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError as exc:
        return type(exc).__name__
SEEN = [listing(path) for path in PATHS]
OPENED = []
for path in FILES:
    try:
        os.close(os.open(path, os.O_RDONLY))
        OPENED.append(True)
    except OSError as exc:
        OPENED.append(type(exc).__name__)
def sum_of_evens(numbers):
    return [SEEN, OPENED]
'''


def look_around(grader, paths: list[str], files: list[str]) -> tuple[dict, dict]:
    code = LOOK_AROUND.replace("PATHS", repr(paths)).replace("FILES", repr(files))
    result = grader.grade(code)
    message = result.to_dict()["tests"][0]["message"]
    assert message.startswith("returned "), message
    seen, opened = eval(message[len("returned "):message.rindex(", expected")])  # the value, as the feedback prints it
    return dict(zip(paths, seen)), dict(zip(files, opened))


def stdlib_folders() -> list[str]:
    import sysconfig

    return sorted({sysconfig.get_path("stdlib"), sysconfig.get_path("purelib"), os.path.dirname(json.__file__)})


def test_what_a_job_sees_of_the_file_system(grader, files):
    paths = ["/", "/usr", "/dev", *stdlib_folders()]
    seen, opened = look_around(grader, paths, files[:2] + [json.__file__, sys.executable])
    assert seen["/"] == ["dev", "tmp"], seen
    assert seen["/dev"] == ["null", "random", "urandom", "zero"], seen
    for path in paths[3:] + ["/usr"]:
        assert seen[path] == "FileNotFoundError", (path, seen)
    assert set(opened.values()) == {"FileNotFoundError"}, opened
    report = grader.grader.isolation_report()
    assert report["filesystem"].startswith("read-only tmpfs root: 4 device nodes"), report
    assert report["stdlib"].startswith("from the zygote's memory"), report
    assert report["mapped_files"].startswith("locked in memory (mlock of its"), report


def test_site_packages_are_not_readable(grader):
    import sysconfig

    import httpx  # an installed package, as a job would find it if it could

    # the interpreter's own (global) site-packages, beside its standard library, and this virtual environment's
    global_packages = os.path.join(sysconfig.get_path("stdlib"), "site-packages")
    installed = sorted(os.path.join(global_packages, name) for name in os.listdir(global_packages))[:3]
    folders = sorted({global_packages, sysconfig.get_path("purelib"), os.path.dirname(os.path.dirname(httpx.__file__))})
    seen, opened = look_around(grader, folders + installed, [httpx.__file__, *installed])
    assert set(seen.values()) == {"FileNotFoundError"}, seen
    assert set(opened.values()) == {"FileNotFoundError"}, opened
    escape = cheat_if(f"import sys\nsys.path[:0] = {folders!r}\nimport httpx\nwon = True")
    assert grader.grade(escape).score == 0


# a right answer importing what graded functions use, from the zygote's table of the standard library
IMPORTS = '''
import json, collections, re, math, datetime, fractions, decimal, statistics, itertools, functools, heapq, bisect
import string, textwrap, dataclasses, typing, enum, random, copy, operator, unicodedata, calendar, array, struct
import csv, io, hashlib, zlib, pickle, contextvars, queue, cmath, time, zoneinfo, xml.etree.ElementTree, asyncio
import email.message, urllib.parse, uuid, abc, pprint, difflib, base64, binascii, shlex, fnmatch, glob, tempfile

@dataclasses.dataclass
class Point:
    x: int

def sum_of_evens(numbers):
    assert json.loads(json.dumps(numbers)) == numbers and re.match(r"x", "x") and math.isfinite(1.0)
    assert datetime.date(2024, 1, 1).isoformat() == "2024-01-01" and collections.Counter(numbers) is not None
    assert fractions.Fraction(1, 2) + fractions.Fraction(1, 2) == 1 and decimal.Decimal("0.1") * 3 == decimal.Decimal("0.3")
    assert statistics.mean([1, 2, 3]) == 2 and list(itertools.islice(itertools.count(), 2)) == [0, 1]
    assert functools.reduce(operator.add, [1, 2]) == 3 and heapq.nsmallest(1, [3, 1]) == [1] and bisect.bisect([1, 3], 2) == 1
    assert string.ascii_lowercase[0] == "a" and textwrap.fill("a b c", 3) == "a b\\nc" and Point(1).x == 1
    assert enum.Enum("E", "A").A.value == 1 and random.Random(1).random() < 1 and copy.deepcopy([[1]]) == [[1]]
    assert unicodedata.name("a") == "LATIN SMALL LETTER A" and calendar.isleap(2024) and array.array("i", [1])[0] == 1
    assert struct.pack("<i", 1) == b"\\x01\\0\\0\\0" and typing.get_origin(typing.List[int]) is list
    assert list(csv.reader(io.StringIO("a,b"))) == [["a", "b"]] and hashlib.sha256(b"").hexdigest().startswith("e3b0")
    assert pickle.loads(pickle.dumps({1: 2})) == {1: 2} and zlib.decompress(zlib.compress(b"x")) == b"x"
    assert json.__spec__.origin.endswith("__init__.py") and json.__file__ == json.__spec__.origin
    return sum(n for n in numbers if n % 2 == 0)
'''


def test_a_right_answer_imports_the_standard_library_it_needs(grader):
    result = grader.grade(IMPORTS)
    assert result.score == 1, result.to_dict()


def test_a_module_not_in_the_table_is_a_clear_module_not_found_error(grader):
    for module in ("numpy", "tkinter", "test.support", "_sqlite3", "lib2to3"):
        result = grader.grade(f"import {module}\n" + CORRECT)
        assert result.status == "load_error" and result.score == 0, result.to_dict()
        assert f"ModuleNotFoundError (line 1): No module named '{module.split('.')[0]}" in result.message, result.to_dict()
    assert grader.grade(CORRECT).score == 1  # the zygote goes on grading


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/usr/bin/setpriv") or not os.path.exists("/usr/bin/python3"),
                    reason="needs root to become an unprivileged uid, and the system's Python")
@pytest.mark.skipif(not landlock_works(), reason="Landlock is not available here")
def test_without_the_private_root_landlock_lets_a_zygote_job_read_no_file_of_the_host(pod_layout, files):  # noqa: F811
    probe = cheat_if("import os\nfor path in FILES:\n    try:\n        won = won or bool(os.pread(os.open(path, os.O_RDONLY), 1, 0))\n"
                     "    except OSError:\n        pass".replace("FILES", repr([files[0], "/usr/lib/python3.11/json/__init__.py"])))
    listing = cheat_if("import os\nwon = bool(os.listdir('/usr'))")
    result = grade_as_pod(pod_layout, [probe, listing, IMPORTS], True, True)
    assert result["scores"] == [0, 0, 1], result
    assert result["report"]["landlock"].startswith("per job without the private root (Landlock): reads and writes only its own"), result
    assert result["report"]["stdlib"].startswith("from the zygote's memory"), result


# the table's pages are shared by every job of the zygote: a job that could write them would signal the next
WRITE_THE_TABLE = '''
import ctypes, sys
blob = sys.meta_path[0].blob
address = ctypes.c_void_p.from_address(id(blob) + 2 * ctypes.sizeof(ctypes.c_void_p)).value  # the mmap object's data
libc = ctypes.CDLL(None, use_errno=True)
page = ctypes.c_void_p(address - address % 4096)
won = libc.mprotect(page, ctypes.c_size_t(4096), 3) == 0 or libc.madvise(page, ctypes.c_size_t(4096), 9) == 0
'''


def test_a_job_cannot_write_or_drop_the_shared_table(grader):
    assert grader.grade(cheat_if(WRITE_THE_TABLE)).score == 0
    assert grader.grade(IMPORTS).score == 1
