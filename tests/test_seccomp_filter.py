"""The seccomp program the jobs install, read instruction by instruction.

A small interpreter of classic BPF runs the program on every call number a job can make, with the
arguments each argument rule looks at, and its answer is compared with what the tables in
`sandbox.py` say (`DENIED_SYSCALLS`, `ARGUMENT_RULES`). The kernel's own refusals are tested in
test_exploits.py and test_grader.py; this file checks the program's logic in every branch.
"""

from __future__ import annotations

import struct

import pytest

from codementor.api.grader import sandbox

ALLOW, KILL = sandbox.SECCOMP_RET_ALLOW, sandbox.SECCOMP_RET_KILL_PROCESS
EPERM = sandbox.SECCOMP_RET_ERRNO | sandbox.EPERM
ENOSYS = sandbox.SECCOMP_RET_ERRNO | sandbox.ENOSYS
LAST_CALL = 470  # past the newest x86-64 call number


def run(program, nr: int, args=(0,) * 6, arch: int = sandbox.AUDIT_ARCH_X86_64) -> tuple[int, int]:
    """Run `program` on one call as the kernel would; (return value, instructions executed)."""
    data = struct.pack("<IIQ6Q", nr, arch, 0, *args)
    a, pc, steps = 0, 0, 0
    while True:
        code, jt, jf, k = program[pc]
        steps += 1
        if code == sandbox.BPF_LD_W_ABS:
            a = struct.unpack_from("<I", data, k)[0]
            pc += 1
        elif code == sandbox.BPF_RET:
            return k, steps
        elif code == sandbox.BPF_JA:
            pc += 1 + k
        else:
            taken = {sandbox.BPF_JEQ: a == k, sandbox.BPF_JGE: a >= k, sandbox.BPF_JSET: bool(a & k)}[code]
            pc += 1 + (jt if taken else jf)
        assert 0 <= pc < len(program), "the program runs off its end"


def expected(nr: int, args=(0,) * 6) -> int:
    """What the tables say about a call of x86-64."""
    if nr & sandbox.X32_SYSCALL_BIT:
        return EPERM
    if nr in sandbox.DENIED_SYSCALLS.values():
        return EPERM
    if nr == sandbox.CLONE3:
        return ENOSYS
    if nr in sandbox.ARGUMENT_RULES:
        arg, kind, value = sandbox.ARGUMENT_RULES[nr]
        low = args[arg] & 0xFFFFFFFF
        refused = {"deny_bits": lambda: bool(low & value), "need_bits": lambda: not low & value,
                   "deny": lambda: low in value, "allow": lambda: low not in value}[kind]()
        return EPERM if refused else ALLOW
    return ALLOW


def argument_cases(nr: int) -> list[tuple[int, ...]]:
    """Arguments that reach each branch of `nr`'s rule: every listed value, each bit, and values beside them."""
    arg, kind, value = sandbox.ARGUMENT_RULES[nr]
    if kind in ("deny_bits", "need_bits"):
        candidates = [0, value, ~value & 0xFFFFFFFF] + [1 << bit for bit in range(32)]
    else:
        candidates = [0, 0xFFFFFFFF] + [v + d for v in value for d in (-1, 0, 1) if v + d >= 0]
    cases = []
    for low in candidates:
        args = [0] * 6
        args[arg] = (0xDEAD << 32) | low  # the high half is not read: only the low 32 bits decide
        cases.append(tuple(args))
    return cases


@pytest.fixture(scope="module")
def program():
    return sandbox.seccomp_program()


def test_every_call_number_gets_what_the_tables_say(program):
    wrong = {nr: (hex(run(program, nr)[0]), hex(expected(nr))) for nr in range(LAST_CALL) if run(program, nr)[0] != expected(nr)}
    assert not wrong, f"call numbers the filter answers otherwise than the tables: {wrong}"
    assert run(program, sandbox.X32_SYSCALL_BIT | 0)[0] == EPERM  # x32's read
    assert run(program, sandbox.X32_SYSCALL_BIT | 101)[0] == EPERM  # x32's ptrace
    assert run(program, 0xFFFFFFFF)[0] == EPERM  # -1 as a call number


def test_a_call_of_another_architecture_kills_the_job(program):
    for arch in (0x40000003, 0xC00000B7, 0):  # i386, aarch64, nothing
        assert run(program, 1, arch=arch)[0] == KILL


@pytest.mark.parametrize("nr", sorted(sandbox.ARGUMENT_RULES))
def test_each_argument_rule_in_every_branch(program, nr):
    for args in argument_cases(nr):
        assert run(program, nr, args)[0] == expected(nr, args), (nr, [hex(a) for a in args])


def test_the_named_calls_are_decided_after_a_few_comparisons(program):
    """A binary search, not one comparison per named call: the kernel runs the filter once per call number when a
    job installs it (to cache the calls it always allows) and on every call it cannot settle ahead."""
    named = len(sandbox.DENIED_SYSCALLS) + len(sandbox.ARGUMENT_RULES) + 1
    longest = max(run(program, nr)[1] for nr in range(LAST_CALL) if nr not in sandbox.ARGUMENT_RULES)
    assert named > 100
    assert longest <= 20, f"{longest} instructions on the longest path for {named} named calls"  # one by one: over 100


def test_every_jump_fits_classic_bpf_and_goes_forward(program):
    for at, (code, jt, jf, k) in enumerate(program):
        if code == sandbox.BPF_JA:
            assert 0 <= k < 256 and at + 1 + k < len(program)
        elif code in (sandbox.BPF_JEQ, sandbox.BPF_JGE, sandbox.BPF_JSET):
            assert 0 <= jt < 256 and 0 <= jf < 256
            assert at + 1 + max(jt, jf) < len(program)
    assert program[-1][0] == sandbox.BPF_RET
