"""The grader's fallback when no zygote runs: one fresh interpreter per job that confines itself.

Run by the API (``grader.py``) as ``python -I -S -B solo.py CONFIG_JSON ISOLATION_DIR`` in a
new session, with the job's private folder as its working directory; standard library only.
The API process never runs code between fork and exec (no ``preexec_fn``: the API has threads),
so the privileged set-up happens here, before the worker reads the job and runs any of the
student's code: rlimits, as root new network and IPC namespaces and the slot's uid,
``no_new_privs``, Landlock (reads /usr and the standard library only, writes its own folder), then the
seccomp filter. A set-up that fails is reported as a ``setup_failed``
line on stdout and the job counts as crashed.

``CONFIG_JSON`` with ``"probe": true`` instead answers, in one JSON line, whether the seccomp
filter and Landlock work here (the API's report of the fallback path needs it, and must not fork to find out).
"""

import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
IMPORT_PATH = [HERE, sys.argv[2]]  # this folder and the shared isolation helpers' (grader.py passes it)
sys.path[:0] = IMPORT_PATH
import sandbox  # noqa: E402
import worker  # noqa: E402

del sys.path[:len(IMPORT_PATH)]
EXIT_SETUP_FAILED = 70


def confine(config: dict) -> None:
    """Limits, namespaces, uid, no_new_privs and (last) the seccomp filter, as the config says."""
    uid = config["uid"]
    nproc = config["processes"] if uid is not None else sandbox.shared_uid_nproc(config["processes"])
    sandbox.set_limits(config["cpu_seconds"], config["memory_bytes"], nproc, config["open_files"], config["file_bytes"])
    if config["namespaces"]:
        sandbox.unshare(config["namespaces"])
    if uid is not None:
        sandbox.drop_privileges(uid, uid)
    if uid is not None or config["seccomp"] or config["landlock"]:
        sandbox.prctl(sandbox.PR_SET_NO_NEW_PRIVS, 1)
    if config["landlock"]:  # reads /usr and the standard library only (not the installed bank), writes its own folder
        sandbox.landlock_restrict(sandbox.landlock_readable(sandbox.landlock_hidden(config["bank_folders"])), [os.getcwd()])
    if config["seccomp"]:
        sandbox.seccomp_deny()


def main() -> None:
    sandbox.close_inherited()  # stdin, stdout and stderr only: whatever else the API's process held stays there
    config = json.loads(sys.argv[1])
    if config.get("probe"):
        readable = sandbox.landlock_readable(sandbox.landlock_hidden(config["bank_folders"]))
        print(json.dumps({"seccomp": sandbox.probe_seccomp(), "landlock": sandbox.probe_landlock(readable)}))
        return
    try:
        confine(config)
    except BaseException as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        reason = f"{exc!r} ({os.path.basename(where.filename)} line {where.lineno})"[:300]
        os.write(1, json.dumps({"event": "setup_failed", "error": reason}).encode() + b"\n")
        os._exit(EXIT_SETUP_FAILED)
    worker.main()


if __name__ == "__main__":
    main()
