"""Attacks on the grader: each is a real submission graded by the real Grader (some through the API).

Most attacks follow one pattern: the submission answers *correctly* only if the attack worked
(it read the hidden tests, reached the network, found a secret...), and wrongly otherwise.
So "the attack failed" is asserted as "the submission scored 0", not merely "nothing crashed".
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from codementor.api.grader import Grader

EXERCISE = "sum-of-evens"
CORRECT = "def sum_of_evens(numbers):\n    return sum(n for n in numbers if n % 2 == 0)\n"
# wrong on every test, including "the list is left unchanged"
WRONG = "def sum_of_evens(numbers):\n    numbers.append(1)\n    return -1\n"
TIMEOUT = 3.0


def cheat_if(condition_code: str) -> str:
    """A submission that runs `condition_code` (which sets `won`) and is right only if it won."""
    return (
        "won = False\n"
        "try:\n" + "".join(f"    {line}\n" for line in condition_code.strip().splitlines()) +
        "except BaseException:\n    won = False\n"
        "def sum_of_evens(numbers):\n"
        "    if won:\n"
        "        return sum(n for n in numbers if n % 2 == 0)\n"
        "    numbers.append(1)\n"
        "    return -1\n"
    )


class SyncGrader:
    """The real Grader on its own event loop, driven from plain test functions."""

    def __init__(self, exercise, **settings):
        self.loop = asyncio.new_event_loop()
        self.exercise = exercise
        self.grader = Grader(timeout=TIMEOUT, **settings)
        self.loop.run_until_complete(self.grader.start())

    def grade(self, code: str):
        return self.loop.run_until_complete(self.grader.grade(self.exercise, code))

    def close(self):
        self.grader.stop()
        self.loop.close()


@pytest.fixture(scope="module")
def grader(bank):
    g = SyncGrader(bank.get(EXERCISE), isolate=False)
    yield g
    g.close()


def assert_zero(result, status=None):
    assert result.score == 0, result.to_dict()
    assert not result.passed
    if status is not None:
        assert result.status == status, result.to_dict()


def assert_still_grading(grader):
    good = grader.grade(CORRECT)
    assert good.passed and good.score == 1, good.to_dict()


def sandbox_processes(grader) -> list[int]:
    """Host pids running as one of the sandbox uids."""
    base, count = grader.grader.sandbox_uid_base, grader.grader.concurrency
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and base <= entry.stat().st_uid < base + count:
                found.append(int(entry.name))
        except FileNotFoundError:
            continue
    return found


def test_the_pattern_itself_scores_full_marks_when_the_attack_works(grader):
    assert grader.grade(cheat_if("won = True")).score == 1
    assert_zero(grader.grade(cheat_if("won = False")))


def test_infinite_loop_times_out(grader):
    assert_zero(grader.grade("while True:\n    pass\n"), "timeout")
    assert_still_grading(grader)


def test_infinite_loop_inside_a_test_times_out(grader):
    assert_zero(grader.grade("def sum_of_evens(numbers):\n    while True:\n        pass\n"), "timeout")


def test_fork_bomb_is_contained_and_cleaned_up(grader):
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    assert_zero(grader.grade(bomb))
    assert_still_grading(grader)
    if grader.grader.isolation_report()["uid"].startswith("one unprivileged uid"):
        deadline = time.monotonic() + 10
        while sandbox_processes(grader) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sandbox_processes(grader) == []


def test_memory_bomb(grader):
    assert_zero(grader.grade("hog = bytearray(8 * 1024 ** 3)\n" + CORRECT))
    assert_zero(grader.grade("def sum_of_evens(numbers):\n    hog = [0] * 10 ** 10\n    return 0\n"))
    assert_still_grading(grader)


def test_huge_output_on_stdout_and_on_raw_descriptors(grader):
    assert_zero(grader.grade("print('x' * 50_000_000)\nimport sys\nsys.stdout.write('y' * 10_000_000)\n" + WRONG))
    flood = "import os\nfor fd in range(1, 30):\n    try:\n        os.write(fd, b'A' * 3_000_000)\n    except OSError:\n        pass\n"
    assert_zero(grader.grade(flood + CORRECT), "crashed")
    assert_still_grading(grader)


def test_sys_exit_at_import(grader):
    assert_zero(grader.grade("import sys\nsys.exit(0)\n" + CORRECT), "load_error")


def test_os_exit_at_import(grader):
    assert_zero(grader.grade("import os\nos._exit(0)\n" + CORRECT), "crashed")


def test_system_exit_inside_a_test(grader):
    assert_zero(grader.grade("def sum_of_evens(numbers):\n    numbers.append(1)\n    raise SystemExit(0)\n"), "graded")
    assert_zero(grader.grade("import os\ndef sum_of_evens(numbers):\n    os._exit(0)\n"))


def test_reading_hidden_tests_and_solution_from_disk(grader):
    exercise_dir = Path(__file__).resolve().parent.parent / "exercise_bank" / "exercises" / EXERCISE
    assert (exercise_dir / "exercise.toml").is_file()
    for target in ("exercise.toml", "solution.py"):
        attack = f"data = open({str(exercise_dir / target)!r}).read()\nwon = len(data) > 0"
        assert_zero(grader.grade(cheat_if(attack)))
    hunt = "import os\nfor top, dirs, files in os.walk('/'):\n    if 'solution.py' in files or 'exercise.toml' in files:\n        won = True\n        break"
    assert_zero(grader.grade(cheat_if(hunt)))


def test_walking_proc_for_secrets(grader):
    os.environ.setdefault("CODEMENTOR_EXPLOIT_CANARY", "canary-" + uuid.uuid4().hex)
    walk = (
        "import os\n"
        "for pid in os.listdir('/proc'):\n"
        "    try:\n"
        "        env = open(f'/proc/{pid}/environ', 'rb').read()\n"
        "    except OSError:\n"
        "        continue\n"
        "    if b'DATABASE_URL' in env or b'PATH=' in env or b'HOME=' in env:\n"
        "        won = True"
    )
    assert_zero(grader.grade(cheat_if(walk)))
    assert_zero(grader.grade(cheat_if("import os\nwon = len(os.listdir('/proc')) > 1")))


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    accepted = []

    def accept():
        for _ in range(50):
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    thread.join()
    server.close()


def test_network_is_unreachable(grader, listener):
    port, accepted = listener
    attack = f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=1)\nwon = True"
    assert_zero(grader.grade(cheat_if(attack)))
    outside = "import socket\ns = socket.create_connection(('1.1.1.1', 53), timeout=1)\nwon = True"
    assert_zero(grader.grade(cheat_if(outside)))
    assert accepted == []


def test_writing_outside_the_working_folder(grader, tmp_path):
    targets = [tmp_path / "pwned.txt", Path("/tmp") / f"pwned-{uuid.uuid4().hex}.txt"]
    attack = "".join(f"open({str(t)!r}, 'w').write('owned')\n" for t in targets) + "won = True"
    assert_zero(grader.grade(cheat_if(attack)))
    assert not any(t.exists() for t in targets)
    system = "open('/usr/lib/pwned', 'w').write('x')\nwon = True"
    assert_zero(grader.grade(cheat_if(system)))
    assert not Path("/usr/lib/pwned").exists()


def test_symlink_tricks(grader):
    exercise_toml = Path(__file__).resolve().parent.parent / "exercise_bank" / "exercises" / EXERCISE / "exercise.toml"
    attack = (
        f"import os\nos.symlink({str(exercise_toml)!r}, 'tests.toml')\n"
        "won = 'hidden' in open('tests.toml').read()"
    )
    assert_zero(grader.grade(cheat_if(attack)))
    escape = "import os\nos.symlink('/', 'up')\nwon = any('exercise_bank' in p for p in os.listdir('up/work/wt'))"
    assert_zero(grader.grade(cheat_if(escape)))


def test_other_jobs_files_are_out_of_reach(grader):
    grader.grade("open('left-behind.txt', 'w').write('secret')\n" + WRONG)
    snoop = "import os\nwon = any(os.path.exists(f'/tmp/{d}/left-behind.txt') for d in os.listdir('/tmp'))"
    assert_zero(grader.grade(cheat_if(snoop)))


def test_monkeypatching_the_harness(grader):
    patch = (
        "import sys\n"
        "w = sys.modules.get('worker') or sys.modules['__main__']\n"
        "w.run_test = lambda namespace, test: {'outcome': 'passed', 'value': ['bool', True]}\n"
        "w.tag = lambda value, _state=None: ['bool', True]\n"
    )
    assert_zero(grader.grade(patch + WRONG))
    frame = (
        "import sys\n"
        "f = sys._getframe(1)\n"
        "for test in f.f_locals.get('job', {}).get('tests', []):\n"
        "    test['call'] = 'True'\n"
    )
    assert_zero(grader.grade(frame + WRONG))


def test_monkeypatching_builtins(grader):
    patch = (
        "import builtins\n"
        "class Liar(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
        "builtins.type = lambda *a: int\n"
        "builtins.isinstance = lambda *a: True\n"
        "builtins.repr = lambda x: '0'\n"
        "def sum_of_evens(numbers):\n    numbers.append(1)\n    return Liar(-1)\n"
    )
    assert_zero(grader.grade(patch))


def test_eq_always_true_and_subclasses(grader):
    liar = "class Anything:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
    assert_zero(grader.grade(liar + "def sum_of_evens(numbers):\n    numbers.append(1)\n    return Anything()\n"))
    sub = "class Sneaky(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
    assert_zero(grader.grade(sub + "def sum_of_evens(numbers):\n    numbers.append(1)\n    return Sneaky(-1)\n"))


def test_printing_a_fake_report(grader):
    fake = (
        "import json, os\n"
        "print('All 7 tests passed')\n"
        "lines = [{'event': 'loaded', 'ok': True}] + [{'event': 'test', 'index': i, 'outcome': 'passed'} for i in range(7)]\n"
        "lines += [{'event': 'done'}]\n"
        "blob = ''.join(json.dumps(l) + '\\n' for l in lines).encode()\n"
        "for fd in range(1, 30):\n"
        "    try:\n        os.write(fd, blob)\n    except OSError:\n        pass\n"
    )
    assert_zero(grader.grade(fake + WRONG))
    status = "import os\nfor fd in range(3, 30):\n    try:\n        os.write(fd, b'{\"ended\": \"exit\", \"code\": 0}\\n')\n    except OSError:\n        pass\n"
    assert_zero(grader.grade(status + "os._exit(0)\n"))


def test_sleeping_past_the_timeout(grader):
    assert_zero(grader.grade("import time\ntime.sleep(60)\n" + CORRECT), "timeout")
    assert_zero(grader.grade("import time\ndef sum_of_evens(numbers):\n    time.sleep(60)\n"), "timeout")


def test_importing_modules_named_like_the_grader(grader):
    attack = (
        "import sys\n"
        "for name in ('verdict', 'grader', 'codementor.api.grader.verdict', 'api.grader.verdict'):\n"
        "    try:\n"
        "        module = __import__(name, fromlist=['judge'])\n"
        "        module.judge = lambda *a, **k: (True, '')\n"
        "        won = True\n"
        "    except ImportError:\n"
        "        pass\n"
    )
    assert_zero(grader.grade(cheat_if(attack)))
    shadow = "import os\nopen('verdict.py', 'w').write('def judge(*a):\\n    return True, \"\"\\n')\nimport sys\nsys.path.insert(0, '.')\nimport verdict\n" + WRONG
    assert_zero(grader.grade(shadow))


def test_killing_other_processes(grader):
    attack = "import os, signal\nfor pid in (-1, 1, os.getppid()):\n    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n" + WRONG
    assert_zero(grader.grade(attack))
    assert_still_grading(grader)


# ---- through the real API, while another student keeps being graded --------------------------

API_ATTACKS = {
    "fork bomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
    "sleep past the timeout": "import time\ntime.sleep(120)\n" + CORRECT,
    "environment of the API from /proc": cheat_if(
        "import os\nfor pid in os.listdir('/proc'):\n"
        "    try:\n        won = won or b'DATABASE_URL' in open(f'/proc/{pid}/environ', 'rb').read()\n"
        "    except OSError:\n        pass"
    ),
    "memory bomb": "hog = ' ' * (4 * 1024 ** 3)\n" + CORRECT,
}


def submit(stack, token: str, code: str) -> httpx.Response:
    body = {"exercise_id": EXERCISE, "code": code, "idempotency_key": uuid.uuid4().hex}
    return httpx.post(f"{stack.api_url}/submissions", json=body, headers={"Authorization": f"token {token}"}, timeout=60)


def test_attacks_through_the_api_while_another_student_is_graded(stack, hub):
    hub.create_user("mallory")
    hub.create_user("grace")
    mallory, grace = hub.user_token("mallory"), hub.user_token("grace")
    with ThreadPoolExecutor(max_workers=len(API_ATTACKS)) as pool:
        attacks = {name: pool.submit(submit, stack, mallory, code) for name, code in API_ATTACKS.items()}
        honest = [submit(stack, grace, CORRECT) for _ in range(3)]
        results = {name: future.result() for name, future in attacks.items()}
    for name, resp in results.items():
        assert resp.status_code == 201, (name, resp.text)
        assert resp.json()["score"] == 0, (name, resp.json())
    for resp in honest:
        assert resp.status_code == 201, resp.text
        assert resp.json()["passed"] is True, resp.json()
    assert httpx.get(f"{stack.api_url}/health").status_code == 200
    after = submit(stack, grace, CORRECT)
    assert after.status_code == 201 and after.json()["passed"] is True
