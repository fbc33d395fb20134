#!/usr/bin/env python3
"""Agreement of cxmine's channel-log conversations with human reply-to annotations.

Reads the IRC logs of ../shared/data/irc/dev (`<name>.raw.txt` with
`<name>.annotation.txt`: `i j -` means line j answers line i, 0-based, lines from 1000 on
annotated; connected components are conversations), runs
`cxmine convert --to jsonl` on each raw file, maps every message event back to its line
and reports, over the annotated message lines (`[HH:MM] <nick> text`, line >= 1000):

- exact: annotated conversations with at least two such lines that cxmine rebuilds
  exactly (same set of annotated message lines);
- pairwise precision, recall and F1 over pairs of lines in the same conversation.

Events are mapped back by (minute of the half day, author, text), taking lines in order
when the same key repeats; the convert output carries no source line.

Usage: scripts/irc_agreement.py [DATA_DIR] [--gap MINUTES] [--cxmine PATH]
Standard library only. Skips (exit 0) with a message when the data is absent.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "data", "irc", "dev")
MESSAGE = re.compile(r"^\[(\d{1,2}):(\d{2})\]\s+<[@+%]?([^>\s]+)>\s?(.*)$")
FIRST_ANNOTATED = 1000


def cxmine_command(explicit):
    if explicit:
        return [explicit]
    for build in ("release", "debug"):
        path = os.path.join(ROOT, "target", build, "cxmine")
        if os.path.exists(path):
            return [path]
    return ["cargo", "run", "--quiet", "--manifest-path", os.path.join(ROOT, "Cargo.toml"), "--"]


def message_lines(raw_path):
    """Annotated message lines: {line: key}, key = (minute mod 720, nick, text)."""
    lines = {}
    with open(raw_path, encoding="utf-8", errors="replace") as f:
        for no, line in enumerate(f.read().split("\n")):
            m = MESSAGE.match(line)
            if m:
                minute = (int(m.group(1)) * 60 + int(m.group(2))) % 720
                lines[no] = (minute, m.group(3), m.group(4))
    return lines


def gold_clusters(annotation_path):
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    with open(annotation_path) as f:
        for row in f:
            parts = row.split()
            if len(parts) >= 2:
                a, b = int(parts[0]), int(parts[1])
                parent[find(a)] = find(b)
    return {x: find(x) for x in parent}


def predicted_clusters(cmd, raw_path, config_path, lines):
    out = subprocess.run(
        cmd + ["convert", raw_path, "--to", "jsonl", "--config", config_path, "--input-format", "chat_log"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    by_key = defaultdict(list)
    for no in sorted(lines):
        by_key[lines[no]].append(no)
    events = []
    for conv in map(json.loads, out.splitlines()):
        for e in conv["events"]:
            if e.get("type") == "message" and e.get("role") != "system":
                events.append((e["ts"], conv["id"], e))
    events.sort(key=lambda x: x[0])
    cluster, unmatched = {}, 0
    for ts, conv_id, e in events:
        minute = (int(ts[11:13]) * 60 + int(ts[14:16])) % 720
        queue = by_key.get((minute, e.get("author"), e.get("text")))
        if queue:
            cluster[queue.pop(0)] = conv_id
        else:
            unmatched += 1
    return cluster, unmatched


def groups(assign, lines):
    out = defaultdict(set)
    for no in lines:
        out[assign.get(no, ("alone", no))].add(no)
    return list(out.values())


def pairs(clusters):
    return {(a, b) for c in clusters for a in c for b in c if a < b}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", nargs="?", default=DEFAULT_DATA)
    ap.add_argument("--gap", type=int, default=30, help="readers.chat.gap_minutes")
    ap.add_argument("--cxmine", help="path to the cxmine binary")
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        print(f"skipped: no IRC data at {args.data}")
        return 0
    raws = sorted(f for f in os.listdir(args.data) if f.endswith(".raw.txt"))
    if not raws:
        print(f"skipped: no *.raw.txt in {args.data}")
        return 0
    cmd = cxmine_command(args.cxmine)
    totals = defaultdict(int)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as cfg:
        cfg.write(f'[readers.chat]\nlayout = "channel"\ngap_minutes = {args.gap}\n')
    try:
        print(f"{'file':<16} {'gold':>5} {'exact':>5} {'P':>6} {'R':>6} {'F1':>6}")
        for name in raws:
            raw = os.path.join(args.data, name)
            ann = raw.replace(".raw.txt", ".annotation.txt")
            if not os.path.exists(ann):
                continue
            all_lines = message_lines(raw)
            annotated = [no for no in all_lines if no >= FIRST_ANNOTATED]
            gold = groups(gold_clusters(ann), annotated)
            assign, unmatched = predicted_clusters(cmd, raw, cfg.name, all_lines)
            pred = groups(assign, annotated)
            pred_sets = {frozenset(c) for c in pred}
            multi = [c for c in gold if len(c) >= 2]
            exact = sum(frozenset(c) in pred_sets for c in multi)
            gp, pp = pairs(gold), pairs(pred)
            hit = len(gp & pp)
            p = hit / len(pp) if pp else 0.0
            r = hit / len(gp) if gp else 0.0
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            print(f"{name[:16]:<16} {len(multi):>5} {exact:>5} {p:>6.3f} {r:>6.3f} {f1:>6.3f}")
            for k, v in (("gold", len(multi)), ("exact", exact), ("hit", hit), ("gold_pairs", len(gp)),
                         ("pred_pairs", len(pp)), ("lines", len(annotated)), ("unmatched", unmatched)):
                totals[k] += v
    finally:
        os.unlink(cfg.name)
    p = totals["hit"] / totals["pred_pairs"] if totals["pred_pairs"] else 0.0
    r = totals["hit"] / totals["gold_pairs"] if totals["gold_pairs"] else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(f"{'all':<16} {totals['gold']:>5} {totals['exact']:>5} {p:>6.3f} {r:>6.3f} {f1:>6.3f}")
    print(
        f"annotated message lines: {totals['lines']}; conversations with >= 2 of them: {totals['gold']}, "
        f"rebuilt exactly: {totals['exact']} ({100 * totals['exact'] / max(totals['gold'], 1):.1f} %); "
        f"pairwise F1 {f1:.3f} (P {p:.3f}, R {r:.3f}); events not mapped to a line: {totals['unmatched']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
