#!/usr/bin/env python3
"""Run `cxmine analyze` over a corpus on an Apache Spark cluster and print one report.

    spark-submit scale/spark/cxmine_spark.py --cxmine BIN [--by DIMS] [--format FMT] INPUT...

The job has three steps:

1. **Partition.** Line inputs (`.jsonl`, `.ndjson`, `.json`, optionally `.gz`) are split
   line by line and hashed by customer id, so every line of one customer lands in one
   partition. An event line carries its conversation's customer id only on some lines;
   the customer is looked up once per conversation id (the smallest id named on any of its
   lines), so every line of one conversation follows it. Lines without any customer are
   hashed by conversation id; a line with neither id by its own text. Inside a partition
   the lines keep their input order (file, then position), which is the order cxmine uses
   to break timestamp ties. Every other input (mbox, `.eml`, social CSV, Stack Exchange
   XML, chat logs) is shipped whole: all possible e-mail files in one partition, because
   cxmine threads e-mail messages across files, the others packed into partitions of about
   `--partition-size` each.
2. **Analyse.** Each partition is written to the executor's local disk and analysed by the
   cxmine binary shipped with the job (`SparkContext.addFile`), which writes a mergeable
   partial (`cxmine analyze --partial`).
3. **Merge.** The driver collects the partials (compressed) and reduces them with
   `cxmine merge`, which writes the report to stdout.

The merged report equals `cxmine analyze` of the whole input on one machine. What
differs: problem examples from line inputs name the partition file
(`partition-00003.jsonl`) and its line; see README.md next to this file for the rest.

A partition whose analysis fails stops the job with the partition named (exit 1); with
`--allow-failed-partitions` the report is written from the other partitions, the skipped
ones are listed on stderr (and under `skipped_partitions` in a JSON report), and the exit
code is 3.
"""

import argparse
import json
import math
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zlib

# Inputs read line by line (a trailing `.gz` is allowed), as cxmine's JSONL reader does.
LINE_EXTENSIONS = {"jsonl", "ndjson", "json"}
# Inputs cxmine may read as e-mail: it threads e-mail messages across files, so all of
# them go to one partition. `.txt` may be a mailing-list archive and a name without a
# known extension is recognised from its first bytes, so both count as possible e-mail.
EMAIL_EXTENSIONS = {"mbox", "mbx", "eml", "txt"}
# Names read when a directory is walked (cxmine's own list).
DIRECTORY_EXTENSIONS = LINE_EXTENSIONS | EMAIL_EXTENSIONS | {"csv", "log", "xml"}

# The marker before a partition's failure message, found again in Spark's error text.
FAILURE_MARKER = "cxmine partition failed: "


def parse_size(text):
    """Parse a size such as `256M`, `2G` or `4096` into bytes."""
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    number, unit = (t[:-1], t[-1]) if t and t[-1] in units else (t, "")
    try:
        value = float(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 128M, 2G)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"size must be positive: {text!r}")
    return int(value)


def extension(name):
    """The lower-case extension that decides the reader, ignoring a trailing `.gz`."""
    base = name.rsplit("/", 1)[-1]
    if base.lower().endswith(".gz"):
        base = base[:-3]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def kind_of(name):
    """`lines`, `email` or `whole`: how an input file is partitioned."""
    ext = extension(name)
    if ext in LINE_EXTENSIONS:
        return "lines"
    if ext in EMAIL_EXTENSIONS or ext not in DIRECTORY_EXTENSIONS:
        return "email"
    return "whole"


def comparable_path(path):
    """A URI path without `%` escapes and with one form of the local-file scheme."""
    path = urllib.parse.unquote(path)
    if path.startswith("file:///"):
        path = "file:/" + path[len("file:///"):]
    return path


class InputFile:
    """One input file: its URI, the name cxmine would give it, its size and its kind."""

    def __init__(self, uri, name, size):
        self.uri = uri
        self.name = name
        self.size = size
        self.kind = kind_of(name)

    def sort_key(self):
        """cxmine sorts inputs by path, component by component."""
        return tuple(self.name.split("/"))


def list_inputs(spark, inputs):
    """Expands the inputs through Hadoop's file systems (any URI Spark reads).

    Directories are walked recursively, keeping the names cxmine reads from a directory
    (not hidden, known extension); files named explicitly are kept whatever their name.
    Local paths keep the name cxmine would print for them; other URIs are named in full.
    """
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    found = {}
    for arg in inputs:
        # A path without a scheme that exists here is a local path, relative to this
        # process's directory; anything else goes to Hadoop as given (its default file
        # system, or the URI's).
        local = urllib.parse.urlparse(arg).scheme == "" and os.path.exists(arg)
        where = "file://" + urllib.parse.quote(os.path.abspath(arg)) if local else arg
        path = jvm.org.apache.hadoop.fs.Path(jvm.java.net.URI(where)) if local else \
            jvm.org.apache.hadoop.fs.Path(where)
        fs = path.getFileSystem(conf)
        if not fs.exists(path):
            raise SystemExit(f"cxmine-spark: error: {arg}: no such file or directory")
        status = fs.getFileStatus(path)
        if not status.isDirectory():
            uri = status.getPath().toString()
            found.setdefault(uri, InputFile(uri, arg if local else uri, status.getLen()))
            continue
        root = fs.makeQualified(path).toUri().getPath().rstrip("/")
        files = fs.listFiles(path, True)
        while files.hasNext():
            entry = files.next()
            uri = entry.getPath().toString()
            base = entry.getPath().getName()
            if base.startswith(".") or extension(base) not in DIRECTORY_EXTENSIONS:
                continue
            if local:
                relative = entry.getPath().toUri().getPath()[len(root):].lstrip("/")
                name = os.path.join(arg, relative)
            else:
                name = uri
            found.setdefault(uri, InputFile(uri, name, entry.getLen()))
    return sorted(found.values(), key=InputFile.sort_key)


class Settings:
    """What every partition's analysis needs (sent to the executors with each task)."""

    def __init__(self, args, binary_name, config_name):
        self.binary_name = binary_name
        self.config_name = config_name
        self.by = args.by
        self.threads = args.threads
        self.mem_limit = args.mem_limit
        self.allow_failed = args.allow_failed_partitions

    def analyze_command(self, binary, config, inputs):
        """The `cxmine analyze` command line writing `partial.json` for `inputs`."""
        cmd = [binary, "analyze", *inputs, "--partial", "partial.json", "--quiet"]
        cmd += ["--format", "json", "--output", os.devnull]
        cmd += ["--threads", str(self.threads), "--mem-limit", self.mem_limit]
        if self.by:
            cmd += ["--by", self.by]
        if config:
            cmd += ["--config", config]
        return cmd


def analyse_partition(label, settings, write_inputs):
    """Runs cxmine on one partition in a fresh local directory.

    `write_inputs(directory)` writes the partition's input files and returns their
    relative paths. Returns a record for the driver: the compressed partial, or (with
    `--allow-failed-partitions`) the failure; without that option a failure raises, so
    Spark retries the task and finally fails the job with the partition named.
    """
    from pyspark import SparkFiles

    # Under Spark's local directory, which Spark removes even when it kills the task.
    local_dirs = os.environ.get("SPARK_LOCAL_DIRS", "").split(",")
    workdir = tempfile.mkdtemp(prefix="cxmine-partition-", dir=local_dirs[0] or None)
    try:
        inputs = write_inputs(workdir)
        if not inputs:
            return []
        binary = SparkFiles.get(settings.binary_name)
        mode = os.stat(binary).st_mode
        if not mode & stat.S_IXUSR:
            os.chmod(binary, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        config = SparkFiles.get(settings.config_name) if settings.config_name else None
        cmd = settings.analyze_command(binary, config, inputs)
        try:
            done = subprocess.run(cmd, cwd=workdir, capture_output=True)
            code, err = done.returncode, done.stderr.decode("utf-8", "replace").strip()
        except OSError as e:
            code, err = None, f"cannot run {binary}: {e}"
        if code == 0:
            with open(os.path.join(workdir, "partial.json"), "rb") as f:
                return [{"label": label, "partial": zlib.compress(f.read(), 6)}]
        lines = err.splitlines()[-5:]
        message = f"{label}: cxmine exited with {code}: " + " | ".join(lines)
        if not settings.allow_failed:
            raise RuntimeError(FAILURE_MARKER + message)
        return [{"label": label, "error": message}]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def line_partitions(spark, files, partitions, settings):
    """The partials of the line inputs, hashed by customer id into `partitions`."""
    from pyspark.sql import functions as F

    text = spark.read.text([f.uri for f in files])
    # A byte-order mark starts the first line of some files; it must not hide the ids.
    value = F.regexp_replace("value", "^\ufeff", "")
    rows = text.select(
        F.col("value").cast("binary").alias("raw"),
        F.col("_metadata.file_path").alias("file"),
        F.col("_metadata.file_block_start").alias("block"),
        F.monotonically_increasing_id().alias("row"),
        F.get_json_object(value, "$.conversation_id").alias("conversation"),
        F.get_json_object(value, "$.customer_id").alias("customer"),
        F.get_json_object(value, "$.id").alias("id"),
    )
    owners = (
        rows.where(F.col("conversation").isNotNull() & F.col("customer").isNotNull())
        .groupBy(F.col("conversation").alias("join_key"))
        .agg(F.min("customer").alias("owner"))
    )
    # Whole-conversation lines have no conversation id to look up: a key of their own
    # (no conversation id starts with NUL) spreads them over the join's tasks, where a
    # null key would send them all to one.
    own_key = F.concat(F.lit("\u0000"), F.col("row").cast("string"))
    join_key = F.coalesce("conversation", own_key)
    keyed = rows.withColumn("join_key", join_key).join(owners, on="join_key", how="left")
    keyed = keyed.withColumn(
        "key",
        F.when(
            F.col("conversation").isNotNull(),
            F.coalesce(
                F.concat(F.lit("customer:"), "owner"),
                F.concat(F.lit("conversation:"), "conversation"),
            ),
        ).otherwise(
            F.coalesce(
                F.concat(F.lit("customer:"), "customer"),
                F.concat(F.lit("conversation:"), "id"),
                F.concat(F.lit("line:"), F.col("raw").cast("string")),
            )
        ),
    )
    ordered = keyed.repartition(partitions, "key").sortWithinPartitions("file", "block", "row")

    def analyse(index, partition_rows):
        label = f"partition-{index:05d}"

        def write(workdir):
            name = f"{label}.jsonl"
            count = 0
            with open(os.path.join(workdir, name), "wb") as out:
                for row in partition_rows:
                    raw = bytes(row.raw)
                    out.write(raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw)
                    out.write(b"\n")
                    count += 1
            return [name] if count else []

        return analyse_partition(label, settings, write)

    return ordered.select("raw").rdd.mapPartitionsWithIndex(analyse)


def pack_whole_files(files, partition_size):
    """Groups the whole-file inputs: every possible e-mail file together, the others in
    input order into groups of about `partition_size` bytes."""
    email = [i for i, f in enumerate(files) if f.kind == "email"]
    groups = [email] if email else []
    current, size = [], 0
    for i, f in enumerate(files):
        if f.kind != "whole":
            continue
        if current and size + f.size > partition_size:
            groups.append(current)
            current, size = [], 0
        current.append(i)
        size += f.size
    if current:
        groups.append(current)
    return groups


def whole_file_partitions(spark, files, groups, settings):
    """The partials of the whole-file inputs, one partition per group."""
    group_of = {}
    for g, members in enumerate(groups):
        for i in members:
            group_of[comparable_path(files[i].uri)] = (g, i, files[i].uri.rsplit("/", 1)[-1])
    contents = spark.read.format("binaryFile").load([files[i].uri for m in groups for i in m])

    def keyed(row):
        where = group_of.get(comparable_path(row.path))
        if where is None:
            raise RuntimeError(FAILURE_MARKER + f"{row.path}: read but not asked for")
        g, i, base = where
        return g, (i, base, bytes(row.content))

    def analyse(index, members):
        label = f"files-{index:05d}"

        def write(workdir):
            names = []
            # A directory per input, numbered in input order: base names (which some
            # readers turn into conversation ids) are kept and cxmine's order is too.
            for _, (i, base, content) in sorted(members, key=lambda m: m[1][0]):
                os.mkdir(os.path.join(workdir, f"{i:06d}"))
                name = f"{i:06d}/{base}"
                with open(os.path.join(workdir, name), "wb") as out:
                    out.write(content)
                names.append(name)
            return names

        return analyse_partition(label, settings, write)

    return (
        contents.select("path", "content")
        .rdd.map(keyed)
        .partitionBy(len(groups), lambda g: g)
        .mapPartitionsWithIndex(analyse)
    )


def correct_partial(partial, files, label):
    """Makes a partition's partial count the input as the whole run counts it.

    A line partition read one local file standing for pieces of many: its file count goes
    to the driver's own tally (see `base_partial`). A whole-file partition read the inputs
    under local names: its problem examples get the input names back.
    """
    data = json.loads(partial)
    if label.startswith("partition-"):
        data["input"]["files"] -= 1
        formats = data["input"].get("formats", {})
        formats["jsonl"] = formats.get("jsonl", 0) - 1
        if formats["jsonl"] == 0:
            del formats["jsonl"]
    else:
        for example in data.get("diagnostics", {}).get("examples", []):
            local = example.get("file", "")
            head = local.split("/", 1)[0]
            if head.isdigit() and int(head) < len(files):
                example["file"] = files[int(head)].name
    return json.dumps(data)


def base_partial(binary, settings, config, line_files, workdir):
    """An empty partial carrying the file tally of the line inputs."""
    empty = os.path.join(workdir, "empty.jsonl")
    open(empty, "wb").close()
    cmd = settings.analyze_command(binary, config, [empty])
    done = subprocess.run(cmd, cwd=workdir, capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"cxmine-spark: error: {binary}: {done.stderr.decode().strip()}")
    with open(os.path.join(workdir, "partial.json")) as f:
        data = json.load(f)
    data["input"]["files"] = len(line_files)
    data["input"]["formats"] = {"jsonl": len(line_files)} if line_files else {}
    return json.dumps(data)


def failure_in(error):
    """The partition failure message inside a Spark error, or the error's first line."""
    lines = str(error).strip().splitlines()
    for line in lines:
        if FAILURE_MARKER in line:
            return line.split(FAILURE_MARKER, 1)[1].strip()
    # Otherwise the Python exception of the failed task, if there is one.
    raised = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
    return (raised or lines or [repr(error)])[-1 if raised else 0].strip()


def with_skipped_partitions(report, skipped):
    """Adds `skipped_partitions` as the first member of a pretty JSON report."""
    member = json.dumps([{"partition": s["label"], "error": s["error"]} for s in skipped])
    head, rest = report.split("\n", 1)
    return f'{head}\n  "skipped_partitions": {member},\n{rest}'


class JvmStderr:
    """Standard error of the Spark driver's JVM, as a text file to print to.

    `spark-submit` runs this script with its standard error merged into its standard
    output, so messages printed to `sys.stderr` would land in the middle of the report;
    the JVM's own standard error stays apart.
    """

    def __init__(self, spark):
        self.stream = spark.sparkContext._jvm.System.err

    def write(self, text):
        """Writes `text` as it is."""
        self.stream.print(text)
        return len(text)

    def flush(self):
        """Flushes the JVM's stream."""
        self.stream.flush()


def parse_args(argv):
    """The command line."""
    p = argparse.ArgumentParser(
        prog="cxmine_spark.py",
        description="Run `cxmine analyze` on Spark: partition by customer, analyse each "
        "partition with the cxmine binary, merge the partials; the report goes to stdout.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, directories or URIs")
    p.add_argument("--cxmine", required=True, metavar="BIN",
                   help="the cxmine binary (shipped to the executors; must run there)")
    p.add_argument("--by", default="", metavar="DIMS", help="segments, as `cxmine analyze --by`")
    p.add_argument("--format", default="table",
                   choices=["table", "json", "csv", "markdown"], help="report format")
    p.add_argument("--config", metavar="FILE", help="metric configuration (TOML), as cxmine's")
    p.add_argument("--partitions", type=int, metavar="N",
                   help="partitions of the line inputs (default: their size / --partition-size)")
    p.add_argument("--partition-size", type=parse_size, default=parse_size("128M"),
                   metavar="SIZE", help="input bytes per partition (default 128M: half of "
                   "--mem-limit, so a partition's event lines regroup without spilling)")
    p.add_argument("--mem-limit", default="256M", metavar="SIZE",
                   help="`cxmine analyze --mem-limit` of each partition (default 256M)")
    p.add_argument("--threads", type=int, metavar="N",
                   help="threads of each cxmine run (default: spark.task.cpus)")
    p.add_argument("--allow-failed-partitions", action="store_true",
                   help="report from the partitions that succeeded, list the others, exit 3")
    p.add_argument("--timings", action="store_true",
                   help="print the time of each stage on stderr")
    args = p.parse_args(argv)
    if args.partitions is not None and args.partitions < 1:
        p.error("--partitions must be at least 1")
    parse_size(args.mem_limit)
    return args


def main(argv=None, err=None):
    """Runs the job; returns the exit code. The report goes to `sys.stdout`, messages to
    `err` (default: the JVM's standard error, see `JvmStderr`)."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    stages = [("start", time.monotonic())]
    binary = os.path.abspath(args.cxmine)
    if not os.access(binary, os.X_OK):
        print(f"cxmine-spark: error: {args.cxmine}: not an executable file", file=sys.stderr)
        return 1

    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("cxmine").getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel("WARN")
    err = err or JvmStderr(spark)
    if args.threads is None:
        args.threads = int(sc.getConf().get("spark.task.cpus", "1"))
    sc.addFile(binary)
    config_name = None
    if args.config:
        sc.addFile(os.path.abspath(args.config))
        config_name = os.path.basename(args.config)
    settings = Settings(args, os.path.basename(binary), config_name)

    stages.append(("Spark session", time.monotonic()))
    files = list_inputs(spark, args.inputs)
    stages.append(("list inputs", time.monotonic()))
    line_files = [f for f in files if f.kind == "lines"]
    results = None
    jobs = []
    if line_files:
        size = sum(f.size for f in line_files)
        n = args.partitions or max(1, math.ceil(size / args.partition_size))
        jobs.append(line_partitions(spark, line_files, n, settings))
    groups = pack_whole_files(files, args.partition_size)
    if groups:
        jobs.append(whole_file_partitions(spark, files, groups, settings))
    try:
        results = sc.union(jobs).collect() if jobs else []
    except Exception as e:  # Spark reports a failed task as a Java error with our text.
        print(f"cxmine-spark: error: {failure_in(e)}", file=err)
        print("cxmine-spark: no report: a partition failed (see --allow-failed-partitions)",
              file=err)
        return 1

    stages.append((f"partition and analyse ({len(results)} partials)", time.monotonic()))
    skipped = sorted((r for r in results if "error" in r), key=lambda r: r["label"])
    workdir = tempfile.mkdtemp(prefix="cxmine-merge-")
    try:
        config = os.path.abspath(args.config) if args.config else None
        paths = [os.path.join(workdir, "base.partial.json")]
        base = base_partial(binary, settings, config, line_files, workdir)
        with open(paths[0], "w") as f:
            f.write(base)
        for r in sorted((r for r in results if "partial" in r), key=lambda r: r["label"]):
            path = os.path.join(workdir, f"{r['label']}.partial.json")
            with open(path, "w") as f:
                f.write(correct_partial(zlib.decompress(r["partial"]), files, r["label"]))
            paths.append(path)
        cmd = [binary, "merge", "--format", args.format, *paths]
        if config:
            cmd += ["--config", config]
        done = subprocess.run(cmd, capture_output=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if done.returncode != 0:
        err.write(done.stderr.decode("utf-8", "replace"))
        print("cxmine-spark: error: the partials could not be merged", file=err)
        return done.returncode
    stages.append(("merge", time.monotonic()))
    if args.timings:
        spans = [f"{name} {t - stages[i][1]:.1f}s" for i, (name, t) in enumerate(stages[1:])]
        print("cxmine-spark: timings: " + ", ".join(spans), file=err)
    report = done.stdout.decode("utf-8")
    if skipped and args.format == "json":
        report = with_skipped_partitions(report, skipped)
    sys.stdout.write(report)
    sys.stdout.flush()
    for s in skipped:
        print(f"cxmine-spark: skipped {s['error']}", file=err)
    err.flush()
    return 3 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
