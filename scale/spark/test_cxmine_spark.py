#!/usr/bin/env python3
"""Checks the Spark driver in Spark local mode against `cxmine analyze` on one machine.

    spark-submit --master 'local[2]' scale/spark/test_cxmine_spark.py --cxmine BIN

Builds a corpus of several thousand generated conversations spread over many files
(whole-conversation lines, event lines whose conversations straddle files, and the
exported formats of the test fixtures, whose bad records give problem examples), then:

1. the driver's JSON report by channel and month is byte-identical to `cxmine analyze`
   of the same inputs, and so is its CSV report by channel;
2. a partition whose analysis fails stops the job, naming the partition (exit 1);
3. with `--allow-failed-partitions` the report lists the failed partition and counts
   fewer conversations (exit 3);
4. a partial from another cxmine version, or segmented differently, is refused.

Every scenario runs the driver's `main` in this one Spark application, so the JVM
starts once. Exits non-zero with a message on the first failed check.
"""

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxmine_spark  # noqa: E402  (found next to this file)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WHOLE_CONVERSATIONS = 3000
EVENT_CONVERSATIONS = 800


def run(cmd, **kw):
    """Runs a command, failing the check with its stderr if it fails."""
    done = subprocess.run(cmd, capture_output=True, **kw)
    if done.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}: {done.stderr.decode()}")
    return done.stdout


def split_lines(text, parts, directory, prefix):
    """Deals the lines of `text` round-robin into `parts` files (so one conversation's
    event lines land in several files)."""
    lines = text.splitlines(keepends=True)
    os.makedirs(directory, exist_ok=True)
    for p in range(parts):
        with open(os.path.join(directory, f"{prefix}-{p:02d}.jsonl"), "wb") as f:
            f.writelines(lines[p::parts])


def build_corpus(cxmine, root):
    """Writes the corpus under `root`: 12 + 5 JSONL files and the fixtures' exports."""
    whole = run([cxmine, "gen", "--conversations", str(WHOLE_CONVERSATIONS), "--seed", "5"])
    split_lines(whole, 12, os.path.join(root, "conversations"), "part")
    events = run([cxmine, "gen", "--conversations", str(EVENT_CONVERSATIONS), "--seed", "6",
                  "--event-lines"])
    # Other conversation ids than the whole conversations (the customers overlap).
    events = events.replace(b'"conversation_id":"conv-', b'"conversation_id":"evt-')
    split_lines(events, 5, os.path.join(root, "events"), "events")
    for name in ("chat", "community", "email", "social"):
        shutil.copytree(os.path.join(REPO, "tests", "fixtures", name),
                        os.path.join(root, "exports", name))


def driver(argv):
    """Runs the driver's `main` with its messages captured; returns (exit code, stdout,
    messages)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cxmine_spark.main(argv, err=err)
    return code, out.getvalue(), err.getvalue()


def driver_as_submitted(argv):
    """Runs the driver's `main` the way `spark-submit` runs it: Python's standard output
    and error merged (its messages go to the JVM's standard error). Returns (exit code,
    the merged output)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = cxmine_spark.main(argv)
    return code, out.getvalue()


def check(condition, message, detail=""):
    """Fails the run with `message` unless `condition` holds."""
    if not condition:
        sys.exit(f"FAILED: {message}\n{detail}")
    print(f"ok: {message}")


def wrapper(directory, name, real, body):
    """Writes an executable stand-in for the cxmine binary that misbehaves for the
    partition `partition-00001` and runs `real` otherwise."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\nreal='{real}'\n{body}\n")
    os.chmod(path, 0o755)
    return path


def check_pure_functions():
    """The driver's small helpers, by hand."""
    check(cxmine_spark.parse_size("128M") == 128 * 2**20, "parse_size reads 128M")
    check(cxmine_spark.parse_size("2GiB") == 2 * 2**30, "parse_size reads 2GiB")
    kinds = [cxmine_spark.kind_of(n) for n in
             ("a/b.jsonl.gz", "Posts.xml", "x.mbox", "day1.txt", "README", "t.csv")]
    check(kinds == ["lines", "whole", "email", "email", "email", "whole"],
          "inputs are classed as lines, e-mail or whole files", kinds)
    files = [cxmine_spark.InputFile(f"file:/{n}", n, s) for n, s in
             (("a.csv", 60), ("b.mbox", 10), ("c.xml", 50), ("d.eml", 5), ("e.log", 30))]
    # E-mail together ([1, 3]); then 60, and 50 + 30 = 80 <= 100 (60 + 50 > 100).
    groups = cxmine_spark.pack_whole_files(files, 100)
    check(groups == [[1, 3], [0], [2, 4]], "whole files are packed by size", groups)


def main():
    """Builds the corpus and runs the scenarios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cxmine", required=True, help="the cxmine binary under test")
    cxmine = os.path.abspath(p.parse_args().cxmine)
    check_pure_functions()
    from pyspark.sql import SparkSession

    # The driver's functions run on the executors: they need its module there.
    SparkSession.builder.getOrCreate().sparkContext.addPyFile(cxmine_spark.__file__)
    work = tempfile.mkdtemp(prefix="cxmine-spark-test-")
    try:
        os.chdir(work)
        build_corpus(cxmine, "corpus")
        # Relative input names, as the driver gives them back in problem examples.
        common = ["--partitions", "5", "--partition-size", "8K", "corpus"]

        expected = run([cxmine, "analyze", "corpus", "--by", "channel,month",
                        "--format", "json", "--quiet"]).decode()
        total = json.loads(expected)["input"]["conversations"]
        # 3000 + 800 generated; the fixtures add 10 (as `cxmine analyze` of them says).
        check(total == WHOLE_CONVERSATIONS + EVENT_CONVERSATIONS + 10,
              f"the corpus holds {total} conversations")
        check(json.loads(expected)["skipped"]["examples"] != [],
              "the corpus has problem examples")
        # With --timings, a message besides the report: stdout must hold only the report.
        code, got = driver_as_submitted(["--cxmine", cxmine, "--by", "channel,month",
                                         "--format", "json", "--timings", *common])
        check(code == 0 and got == expected,
              "JSON report by channel,month is byte-identical to cxmine analyze", got[:2000])

        expected_csv = run([cxmine, "analyze", "corpus", "--by", "channel",
                            "--format", "csv", "--quiet"]).decode()
        code, got, err = driver(["--cxmine", cxmine, "--by", "channel", "--format", "csv",
                                 *common])
        check(code == 0 and got == expected_csv,
              "CSV report by channel is byte-identical to cxmine analyze", err)

        failing = wrapper(work, "cxmine-failing", cxmine,
                          'case " $* " in *" partition-00001.jsonl "*)\n'
                          '  echo "simulated failure" >&2; exit 1;;\nesac\n'
                          'exec "$real" "$@"')
        code, got, err = driver(["--cxmine", failing, "--format", "json", *common])
        check(code == 1 and got == "" and "partition-00001" in err
              and "simulated failure" in err,
              "a failed partition stops the job and is named", err)

        code, got, err = driver(["--cxmine", failing, "--format", "json",
                                 "--allow-failed-partitions", *common])
        report = json.loads(got) if got else {}
        skipped = report.get("skipped_partitions", [])
        check(code == 3 and [s["partition"] for s in skipped] == ["partition-00001"]
              and 0 < report["input"]["conversations"] < total
              and "partition-00001" in err,
              "--allow-failed-partitions lists the skipped partition", err)

        other_version = wrapper(
            work, "cxmine-other-version", cxmine,
            '"$real" "$@" || exit $?\n'
            'case " $* " in *" partition-00001.jsonl "*)\n'
            '  sed -i \'s/"cxmine_partial":1,/"cxmine_partial":2,/\' partial.json;;\nesac')
        code, got, err = driver(["--cxmine", other_version, "--format", "json", *common])
        check(code != 0 and got == "" and "version 2 is not supported" in err,
              "a partial of another format version is refused", err)

        other_dims = wrapper(
            work, "cxmine-other-dims", cxmine,
            '"$real" "$@" || exit $?\n'
            'case " $* " in *" partition-00001.jsonl "*)\n'
            '  sed -i \'s/"dims":\\["channel"\\]/"dims":["month"]/\' partial.json;;\nesac')
        code, got, err = driver(["--cxmine", other_dims, "--by", "channel", "--format", "json",
                                 *common])
        check(code != 0 and got == "" and "cannot merge partials segmented by" in err,
              "a partial segmented differently is refused", err)
    finally:
        os.chdir(REPO)
        shutil.rmtree(work, ignore_errors=True)
    print("all Spark driver checks passed")


if __name__ == "__main__":
    main()
