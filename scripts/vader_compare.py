#!/usr/bin/env python3
"""Compare cxmine's message sentiment with VADER's compound score.

Usage: scripts/vader_compare.py PATH [--cxmine BIN] [--lexicons DIR]

PATH is a JSONL file (or a directory of them): gold message lines with "text", or
canonical conversation lines with "events". cxmine scores every message
(`cxmine sentiment`), VADER (pip package vaderSentiment) scores the same texts, and the
script prints Pearson and Spearman correlation and sign agreement: the share of
messages both put in the same class (negative / neutral / positive, each with its own
neutral band: cxmine 0.1, VADER 0.05 as its authors suggest), and the share of messages
where both are non-neutral and agree on the sign.

Not a dependency of the crate: run it by hand after `pip install vaderSentiment`.
"""

import argparse
import json
import math
import os
import subprocess
import sys


def files_under(path):
    if os.path.isdir(path):
        for root, _, names in sorted(os.walk(path)):
            for n in sorted(names):
                if n.endswith(".jsonl"):
                    yield os.path.join(root, n)
    else:
        yield path


def texts_of(path):
    """(line, event) -> text, in the same order cxmine reports them."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            try:
                v = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(v.get("events"), list):
                for k, e in enumerate(v["events"]):
                    if isinstance(e.get("text"), str):
                        out[(i, k)] = e["text"]
            elif isinstance(v.get("text"), str):
                out[(i, 0)] = v["text"]
    return out


def cxmine_scores(binary, path, lexicons):
    cmd = binary + ["sentiment", path]
    if lexicons:
        cmd += ["--lexicons", lexicons]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    rows = [json.loads(l) for l in res.stdout.splitlines() if l.strip()]
    return {(r["line"], r["event"]): r["score"] for r in rows}


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2.0
        i = j + 1
    return r


def pearson(a, b):
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    va = math.sqrt(sum((x - ma) ** 2 for x in a))
    vb = math.sqrt(sum((y - mb) ** 2 for y in b))
    return cov / (va * vb) if va and vb else float("nan")


def cls(x, band):
    return 1 if x > band else (-1 if x < -band else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--cxmine", default=os.environ.get("CXMINE", "cxmine"),
                    help="cxmine binary, or 'cargo' to use `cargo run --release -q --`")
    ap.add_argument("--lexicons")
    args = ap.parse_args()
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        sys.exit("needs the vaderSentiment package: pip install vaderSentiment")
    binary = ["cargo", "run", "--release", "-q", "--"] if args.cxmine == "cargo" else [args.cxmine]
    vader = SentimentIntensityAnalyzer()
    ours, theirs = [], []
    for path in files_under(args.path):
        texts = texts_of(path)
        scores = cxmine_scores(binary, path, args.lexicons)
        for key, text in texts.items():
            if key in scores and text.strip():
                ours.append(scores[key])
                theirs.append(vader.polarity_scores(text)["compound"])
    n = len(ours)
    if n < 2:
        sys.exit("fewer than two messages with text")
    same_class = sum(cls(a, 0.1) == cls(b, 0.05) for a, b in zip(ours, theirs))
    both = [(a, b) for a, b in zip(ours, theirs) if cls(a, 0.1) != 0 and cls(b, 0.05) != 0]
    same_sign = sum((a > 0) == (b > 0) for a, b in both)
    print(f"messages: {n}")
    print(f"pearson r: {pearson(ours, theirs):.3f}")
    print(f"spearman rho: {pearson(ranks(ours), ranks(theirs)):.3f}")
    print(f"class agreement (neg/neu/pos): {same_class / n:.3f}")
    if both:
        print(f"sign agreement where both are non-neutral: {same_sign / len(both):.3f} ({len(both)} messages)")


if __name__ == "__main__":
    main()
