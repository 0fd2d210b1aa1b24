"""A warm pytest for mutation testing: one server per worker imports NumPy,
pytest and matplotlib once; every test run is a fork of it that imports regbook
afresh from the (mutated) source and runs pytest there.

A cold ``python -m pytest`` spends most of a mutant's test run starting Python
and importing NumPy and pytest; on a busy 2-core machine that is seconds per
mutant. The fork starts from those imports already done, and nothing of
regbook or of the tests is imported before the fork, so each run sees the
source as it is on disk, like a fresh process.

    python warm.py serve SOCKET          # started by run.py, one per worker
    python warm.py run SOCKET -- ARGS    # a test run: pytest ARGS in a fork

``run`` sends its working directory and environment, prints what pytest
printed and exits with pytest's exit status. If ``run`` is killed (cosmic-ray's
timeout), the server kills the fork and everything it started."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import socket
import sys
import traceback


def serve(path: str) -> None:
    # What every test run needs and takes long to import. Not regbook, not the
    # tests: those are imported in each fork, from the files as they are then.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import threadpoolctl  # noqa: F401

    # The garbage collector leaves these imports alone from now on: pytest
    # collects garbage at the end of every run, and walking all of NumPy's and
    # matplotlib's objects in every fork took longer than the tests.
    gc.freeze()

    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    out = path + ".out"  # what pytest printed in the last run
    while True:
        conn, _ = server.accept()
        with conn:
            try:
                request = json.loads(conn.makefile("rb").readline())
            except (ValueError, OSError):
                continue
            code = run_forked(conn, request, out)
            if code is not None:
                conn.sendall(json.dumps({"code": code, "out": out}).encode())


def run_forked(conn: socket.socket, request: dict, out: str) -> int | None:
    pid = os.fork()
    if pid == 0:  # the test run
        code = 70
        try:
            os.setpgid(0, 0)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            sys.path[:0] = request["path"]
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            import pytest

            code = int(pytest.main(request["args"]))
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        readable, _, _ = select.select([conn], [], [], 0.02)
        if readable and not conn.recv(1, socket.MSG_PEEK):  # client gone
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None


def run(path: str, args: list[str]) -> int:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    pythonpath = os.environ.get("PYTHONPATH", "")
    request = {
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "path": [p for p in pythonpath.split(os.pathsep) if p],
        "args": args,
    }
    client.sendall(json.dumps(request).encode() + b"\n")
    reply = b""
    while chunk := client.recv(65536):
        reply += chunk
    answer = json.loads(reply)
    with open(answer["out"], errors="replace") as f:
        sys.stdout.write(f.read())
    code = answer["code"]
    return code if code >= 0 else 128 - code


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"] and len(argv) == 2:
        serve(argv[1])
        return 0
    if argv[:1] == ["run"] and len(argv) >= 3 and argv[2] == "--":
        return run(argv[1], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
