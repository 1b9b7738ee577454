"""Runs the aws CLI once per request in one warm Python process (test/helpers/aws-cli.ts).

Each request runs exactly what the `aws` entry script runs, `sys.exit(awscli.clidriver.main())`, with
the request's argv and environment: a new botocore session per call, the CLI's own argument parsing,
request signing, HTTP and output formatting. Only the interpreter start-up and the module imports
(most of a call's cost) are paid once. File descriptors 1 and 2 point at temporary files while a call
runs, so everything the call writes is captured, whoever writes it. Requests arrive as JSON lines on
stdin; each answer is one JSON line on file descriptor 3.
"""
import json
import os
import sys
import tempfile
import traceback

answers = os.fdopen(3, "w", encoding="utf-8")


def answer(message):
    answers.write(json.dumps(message) + "\n")
    answers.flush()


# What importing the CLI writes into the environment (awscli sets AWS_DATA_PATH to its own data): the
# real process imports it under each call's environment; here each call's environment gets the same.
environment_before_import = dict(os.environ)
try:
    import awscli
    import awscli.clidriver
except BaseException as e:  # noqa: BLE001 - any failure to load means: run a process per call
    answer({"ready": False, "reason": "%s: %s" % (type(e).__name__, e)})
    sys.exit(0)

set_by_import = {
    k: v for k, v in os.environ.items() if environment_before_import.get(k) != v
}
requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
# A call never reads the request pipe: its standard input is empty, as for a child with no input.
null = os.open(os.devnull, os.O_RDONLY)
os.dup2(null, 0)
saved = {1: os.dup(1), 2: os.dup(2)}
captured = {1: tempfile.TemporaryFile(), 2: tempfile.TemporaryFile()}


def exit_status(code):
    """The process exit status `sys.exit(code)` gives (a non-integer is printed and exits 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write("%s\n" % code)
    return 1


def run(args, env):
    os.environ.clear()
    os.environ.update(env)
    os.environ.update(set_by_import)
    # as the aws entry script does before importing the CLI
    if os.environ.get("LC_CTYPE", "") == "UTF-8":
        os.environ["LC_CTYPE"] = "en_US.UTF-8"
    sys.argv = ["aws"] + args
    sys.stdout.flush()
    sys.stderr.flush()
    for fd, f in captured.items():
        f.seek(0)
        f.truncate()
        os.dup2(f.fileno(), fd)
    try:
        try:
            status = exit_status(awscli.clidriver.main())
        except SystemExit as e:
            status = exit_status(e.code)
        except BaseException:  # noqa: BLE001 - an uncaught exception ends the real process with 1
            traceback.print_exc()
            status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, original in saved.items():
            os.dup2(original, fd)
    out = {}
    for fd, f in captured.items():
        f.seek(0)
        out[fd] = f.read().decode("utf-8", "replace")
    return {"code": status, "stdout": out[1], "stderr": out[2]}


answer({"ready": True, "version": awscli.__version__})
for line in requests:
    request = json.loads(line)
    answer(run(request["args"], request["env"]))
