"""Answers that read as nothing are held back; encodings a student undoes with one standard-library line are read.

Each disguise is the exact reference solution of a real exercise, encoded so that one line of the standard library
gives it back (checked here): the views decode the common ones (ROT47, UTF-16/32 in base64 or hex, octal codes,
base32hex, uuencode, bits, `ast.dump`), and an answer holding a substantial amount of text that no view reads as
prose or code (bytes XORed, a Vigenère cipher, base64 of the reversed text, or any transform no decoder knows) is
held back as one that cannot be judged. Honest answers with a colour, a hash, a UUID, a traceback, a table of numbers
or a link are shown. The real bank, the real detector; the streamed cases go through the real gateway and service.
"""

from __future__ import annotations

import ast
import base64
import binascii
from types import SimpleNamespace

import pytest

from codementor.api.gateway.leak import opacity
from codementor.api.gateway.leak import views as leak_views
from codementor.api.services import tutoring
from codementor.bench.disguises import _rot47, _uuencode, _vigenere, _xor

from .fake_llm import set_mode
from .test_gateway import screens_of


def _vigenere_back(text: str, key: str = "lemon") -> str:
    return _vigenere(text, "".join(chr(97 + (26 - (ord(k) - 97)) % 26) for k in key))


def _ast_back(dump: str) -> str:
    return ast.unparse(ast.fix_missing_locations(eval(dump, vars(ast))))  # what the student runs on their own machine


# kind: (the answer, the student's one line that gives the solution back)
READ = {
    "rot47": (lambda s: "ROT47:\n" + _rot47(s), lambda a: _rot47(a.split("\n", 1)[1])),
    "utf16-base64": (lambda s: "UTF-16 base64: " + base64.b64encode(s.encode("utf-16-le")).decode(),
                     lambda a: base64.b64decode(a.split(": ", 1)[1]).decode("utf-16-le")),
    "utf32-hex": (lambda s: "UTF-32: " + s.encode("utf-32-be").hex(), lambda a: bytes.fromhex(a.split(": ", 1)[1]).decode("utf-32-be")),
    "octal": (lambda s: "Octal bytes: " + " ".join(oct(b)[2:] for b in s.encode()),
              lambda a: bytes(int(x, 8) for x in a.split(": ", 1)[1].split()).decode()),
    "base32hex": (lambda s: "base32hex: " + base64.b32hexencode(s.encode()).decode(),
                  lambda a: base64.b32hexdecode(a.split(": ", 1)[1]).decode()),
    "uuencode": (_uuencode, lambda a: b"".join(binascii.a2b_uu(line) for line in a.splitlines()[1:-2]).decode()),
    "bits": (lambda s: "Bits: " + "".join(f"{b:08b}" for b in s.encode()),
             lambda a: (lambda b: bytes(int(b[i:i + 8], 2) for i in range(0, len(b), 8)).decode())(a.split(": ", 1)[1])),
    "ast-dump": (lambda s: "```json\n" + ast.dump(ast.parse(s)) + "\n```", lambda a: _ast_back(a.strip("`json\n"))),
}
UNREAD = {
    "xor-hex": (lambda s: "XOR each byte with 42: " + _xor(s).hex(), lambda a: bytes(b ^ 42 for b in bytes.fromhex(a.split(": ", 1)[1])).decode()),
    "base64-of-reversed": (lambda s: "base64 of the reversed text: " + base64.b64encode(s[::-1].encode()).decode(),
                           lambda a: base64.b64decode(a.split(": ", 1)[1]).decode()[::-1]),
    "vigenere": (lambda s: "Key lemon:\n" + _vigenere(s), lambda a: _vigenere_back(a.split("\n", 1)[1])),
    "xor-base64": (lambda s: "XOR 42, then base64: " + base64.b64encode(_xor(s)).decode(),
                   lambda a: bytes(b ^ 42 for b in base64.b64decode(a.split(": ", 1)[1])).decode()),
    "xor-7-decimal": (lambda s: "Codes: " + " ".join(str(b) for b in _xor(s, 7)), lambda a: bytes(int(x) ^ 7 for x in a.split(": ", 1)[1].split()).decode()),
}
EXERCISES = ("merge-meetings", "cinema-ticket")


@pytest.mark.parametrize("exercise_id", EXERCISES)
@pytest.mark.parametrize("kind", list(READ))
def test_an_encoding_undone_in_one_line_is_read(bank, leak_detector, exercise_id, kind):
    """The student's one line gives the exact solution back; a view reads it, and it is a leak by similarity."""
    encode, decode = READ[kind]
    exercise = bank.get(exercise_id)
    answer = encode(exercise.solution)
    assert decode(answer).strip() in (exercise.solution.strip(), ast.unparse(ast.parse(exercise.solution)))
    check = leak_detector(exercise).check(answer)
    assert check.leaking and "similar" in check.reason, (check.similarity, check.reason)


# a Vigenère cipher keeps the code's punctuation: where that is enough for similarity, it is a leak already
UNREAD_CASES = [(kind, exercise_id) for kind in UNREAD for exercise_id in (("anagram-groups", "iso-date") if kind == "vigenere" else EXERCISES)]


@pytest.mark.parametrize(("kind", "exercise_id"), UNREAD_CASES)
def test_text_no_view_reads_is_held_back(bank, leak_detector, exercise_id, kind):
    """No decoder reads these (a cipher with a key, bytes XORed, an encoding of the reversed text): the answer is
    mostly text that reads as nothing, and it is held back as one that cannot be judged."""
    encode, decode = UNREAD[kind]
    exercise = bank.get(exercise_id)
    answer = encode(exercise.solution)
    assert decode(answer) == exercise.solution
    check = leak_detector(exercise).check(answer)
    assert check.leaking and check.reason == "cannot judge: text that no view reads", (check.similarity, check.reason)


def test_a_readable_decoy_blob_does_not_vouch_for_an_opaque_one(bank, leak_detector):
    """Base64 of honest prose next to base64 of the XORed solution: the prose is read, the rest still reads as nothing."""
    exercise = bank.get("merge-meetings")
    prose = base64.b64encode(b"Sort the meetings by their start time first, then walk through them once.").decode()
    answer = f"Two notes: {prose}\nand {base64.b64encode(_xor(exercise.solution)).decode()}"
    check = leak_detector(exercise).check(answer)
    assert check.leaking and check.reason.startswith("cannot judge"), check.reason


def test_opaque_pieces_add_up_over_the_conversation(bank, leak_detector):
    """The ciphered solution three lines an answer, each with prose around it: no piece alone is much, the second
    with the first is held back."""
    exercise = bank.get("anagram-groups")
    detector = leak_detector(exercise)
    lines = _vigenere(exercise.solution).splitlines(keepends=True)
    pad = "Here is the next part to keep for later. Once you have every part, put them together in order and read them again slowly.\n"
    first, second = (pad + "".join(lines[i:i + 3]) for i in (0, 3))
    assert not detector.check(first).leaking and not detector.check(second).leaking
    check = detector.check(second, prior=first)
    assert check.leaking and check.reason.startswith("cannot judge"), check.reason


def test_an_ast_dump_is_built_node_by_node_never_evaluated(tmp_path):
    """A dump naming anything but `ast` node classes is no reading, and nothing in it runs."""
    marker = tmp_path / "ran"
    dump = f"Module(body=[Expr(value=Constant(value=__import__('pathlib').Path({str(marker)!r}).touch()))], type_ignores=[])"
    assert leak_views.ast_dumps(dump) == [] and not marker.exists()
    assert leak_views.ast_dumps("Module(body=[Return(value=Name(id='total', ctx=Load()))], type_ignores=[])") == ["return total"]


HONEST = {
    "a hex colour": "Use a darker colour for the header, for example `#1f2937`, and `#f9fafb` for the background; `#ff8800` "
                    "stands out for warnings.",
    "a short hash": "Your run was stored as commit `5d41402abc4b2a76b9719d911017c592` (short `5d41402`); ignore the hash, it only "
                    "names the run.",
    "a sha256": "The checksum e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 means the file is empty.",
    "a uuid": "Each request gets an id such as `123e4567-e89b-12d3-a456-426614174000` or 6f1c2a9e-3b7d-4c58-9f0e-2d4b8a1c7e53; "
              "`uuid.uuid4()` makes them for you.",
    "a traceback": """Here is what your traceback says:

```
Traceback (most recent call last):
  File "/tmp/ipykernel_48213/2871093021.py", line 7, in <module>
    print(busy_periods([(9, 10), (9.5, 11)]))
  File "/tmp/ipykernel_48213/2871093021.py", line 4, in busy_periods
    if periods and start <= periods[-1][1]:
TypeError: '<=' not supported between instances of 'str' and 'int'
```

The last line is the key: one of your values is a string. Check how you build the tuples.""",
    "a table of numbers": "Here is what your function should give:\n\n| input | expected | yours |\n|---:|---:|---:|\n"
                          + "\n".join(f"| {c} | {c * 9 / 5 + 32} | {c * 1.8 + 32:.1f} |" for c in range(-40, 101, 7))
                          + "\n\nOnly the rounding differs: look at `round(x, 1)`.",
    "a list of numbers": "The first values are " + ", ".join(str(n * n % 97) for n in range(60)) + "; do yours match?",
    "links": "The docs explain it: https://docs.python.org/3/library/stdtypes.html#str.split and a talk at "
             "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s, or https://stackoverflow.com/questions/2612802/how-do-i-clone-a-list"
             "?utm_source=x&utm_medium=y.",
    "a regular expression": 'A date pattern is `r"^(\\d{4})-(\\d{2})-(\\d{2})$"`, a time `r"^([01]?\\d|2[0-3]):([0-5]\\d)$"`; try '
                            "`re.fullmatch(pattern, text)` on a few examples.",
    "pip output": "`Successfully installed numpy-1.26.4 pandas-2.2.1 python-dateutil-2.9.0.post0 pytz-2024.1 tzdata-2024.1`: the "
                  "install worked, restart the kernel.",
    "big numbers": "Python ints have no size limit: `2 ** 200` is " + str(2 ** 200) + " and `factorial(30)` is 265252859812191058636308480000000.",
    "other scripts": "Für jedes Wort merkst du dir einen Schlüssel; «para cada palabra guarda una clave». 日本語でも同じです。"
                     "Функция должна вернуть список.",
    "a short base64 token": "Your token looks like aGVsbG8gd29ybGQ= and decodes to a greeting; it does not matter here.",
}


@pytest.mark.parametrize("label", list(HONEST))
def test_honest_answers_with_ids_numbers_and_links_are_shown(bank, leak_detector, label):
    assert not opacity.opaque(HONEST[label])
    for exercise_id in ("merge-meetings", "cinema-ticket", "celsius-to-fahrenheit"):
        check = leak_detector(bank.get(exercise_id)).check(HONEST[label])
        assert not check.leaking, (exercise_id, check.reason)


# --- through the gateway, streamed -----------------------------------------------------------------------------------

def _request(code: str):
    return SimpleNamespace(question="help me please", code=code, error="", traceback="", stream=True)


@pytest.mark.gateway
@pytest.mark.parametrize("kind", ["rot47", "vigenere", "xor-base64"])
async def test_a_streamed_encoded_solution_is_replaced_before_it_shows(infra, filter_gateway, bank, new_asker, kind):
    """Streamed line by line, no line of the encoded solution reaches the screen, and the answer is replaced."""
    gw, exercise = filter_gateway(), bank.get("merge-meetings")
    encode = {**READ, **UNREAD}[kind][0]
    answer = "Here is something to decode yourself.\n" + encode(exercise.solution)
    set_mode(gw.base_url, mode="script", answers=[answer])
    asker = await new_asker(prefix=f"opaque-{kind}")
    screens, final = await screens_of(tutoring.ask(infra[0], gw, asker, exercise, _request(exercise.starter)))
    assert final.meta["leak_blocked"], final.text
    body = [line for line in encode(exercise.solution).splitlines()[1:] if len(line.strip()) > 8]
    assert not any(line in screen for screen in screens for line in body)


@pytest.mark.gateway
async def test_a_streamed_honest_answer_with_ids_is_shown_whole(infra, filter_gateway, bank, new_asker):
    gw, exercise = filter_gateway(), bank.get("merge-meetings")
    answer = HONEST["a traceback"] + "\n\n" + HONEST["a uuid"] + "\n" + HONEST["a short hash"]
    set_mode(gw.base_url, mode="script", answers=[answer])
    asker = await new_asker(prefix="opaque-honest")
    screens, final = await screens_of(tutoring.ask(infra[0], gw, asker, exercise, _request(exercise.starter)))
    assert not final.meta["leak_blocked"] and screens[-1] == answer
