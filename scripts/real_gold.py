#!/usr/bin/env python3
"""Real-data gold for the detectors: build conversations from ../shared/data, write
annotation packets, and evaluate cxmine against the labels in gold/real/.

The texts stay in ../shared/data (their licences allow evaluation, not copying): this
script rebuilds every conversation from the raw exports each time it runs and joins the
labels, which are keyed by source file, conversation id and message id.

    scripts/real_gold.py list                       # sources found, conversations each
    scripts/real_gold.py packets --out DIR ...      # annotation packets (see docs/annotation.md)
    scripts/real_gold.py build --split test --out DIR   # gold JSONL files for `cxmine eval`
    scripts/eval-real                               # the table, dev and test (wraps `build`)

Only the Python standard library is used.
"""

import argparse
import csv
import datetime as dt
import email.utils
import hashlib
import html
import html.parser
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CXMINE_REAL_DATA", ROOT.parent / "shared" / "data"))
LABELS = Path(os.environ.get("CXMINE_REAL_LABELS", ROOT / "gold" / "real"))


# ---------------------------------------------------------------- helpers

def split_of(source, conv_id):
    """dev or test, fixed by a hash of source and conversation id (about half each)."""
    h = hashlib.sha256(f"{source}:{conv_id}".encode()).digest()
    return "test" if h[0] % 2 == 1 else "dev"


def rank(source, conv_id):
    """Deterministic sampling order."""
    return hashlib.sha256(f"rank:{source}:{conv_id}".encode()).hexdigest()


def iso(ts):
    return ts.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def conversation(source, cid, channel, events):
    """events: list of dicts with key, ts (datetime), role, author, text."""
    events = sorted(events, key=lambda e: (e["ts"], e.get("order", 0)))
    return {"source": source, "id": str(cid), "channel": channel, "events": events}


# ---------------------------------------------------------------- loaders

def load_twcs(path, source):
    rows = {}
    order = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for row in reader:
            tid = (row.get("tweet_id") or "").strip()
            if not tid or not row.get("created_at") or row.get("text") is None:
                continue
            rows[tid] = row
            order.append(tid)

    def parent(tid):
        p = (rows[tid].get("in_response_to_tweet_id") or "").strip()
        if not p:
            return None
        p = p[:-2] if p.endswith(".0") else p
        return p if p in rows else None

    def root(tid):
        seen = set()
        while True:
            p = parent(tid)
            if p is None or p in seen:
                return tid
            seen.add(tid)
            tid = p

    threads = {}
    for tid in order:
        threads.setdefault(root(tid), []).append(tid)
    out = []
    for r, members in threads.items():
        events = []
        for n, tid in enumerate(members):
            row = rows[tid]
            inbound = row["inbound"].strip().lower() == "true"
            ts = dt.datetime.strptime(row["created_at"].strip(), "%a %b %d %H:%M:%S %z %Y")
            events.append({
                "key": tid, "ts": ts, "order": n,
                "role": "customer" if inbound else "agent",
                "author": row["author_id"], "text": row["text"],
            })
        out.append(conversation(source, r, "social", events))
    return out


class _Text(html.parser.HTMLParser):
    BLOCK = {"p", "br", "li", "pre", "div", "h1", "h2", "h3", "blockquote", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)

    def text(self):
        return re.sub(r"\n\s*\n+", "\n", "".join(self.parts)).strip()


def strip_html(s):
    p = _Text()
    p.feed(s)
    p.close()
    return p.text()


def load_stackexchange(path, source):
    import xml.etree.ElementTree as ET

    posts = {}
    for _, el in ET.iterparse(path, events=("end",)):
        if el.tag != "row":
            continue
        a = dict(el.attrib)
        posts[a["Id"]] = a
        el.clear()
    questions = {i: p for i, p in posts.items() if p.get("PostTypeId") == "1"}
    answers = {}
    for i, p in posts.items():
        if p.get("PostTypeId") == "2" and p.get("ParentId") in questions:
            answers.setdefault(p["ParentId"], []).append(p)
    out = []
    for qid, q in questions.items():
        def ts(p):
            return dt.datetime.fromisoformat(p["CreationDate"]).replace(tzinfo=dt.timezone.utc)
        title = q.get("Title", "")
        events = [{
            "key": qid, "ts": ts(q), "order": 0, "role": "customer",
            "author": q.get("OwnerUserId", "?"),
            "text": (title + "\n" + strip_html(q.get("Body", ""))).strip(),
        }]
        for p in answers.get(qid, []):
            role = "customer" if p.get("OwnerUserId") and p.get("OwnerUserId") == q.get("OwnerUserId") else "member"
            events.append({
                "key": p["Id"], "ts": ts(p), "order": 1, "role": role,
                "author": p.get("OwnerUserId", "?"), "text": strip_html(p.get("Body", "")),
            })
        acc = q.get("AcceptedAnswerId")
        if acc and acc in posts:
            events.append({
                "key": f"accept:{acc}", "ts": ts(posts[acc]), "order": 2,
                "type": "accept", "role": "customer", "author": q.get("OwnerUserId", "?"),
            })
        out.append(conversation(source, qid, "community", events))
    return out


MBOX_SEP = re.compile(r"^From \S+ at \S+\s+\w{3} \w{3}\s+\d+ \d\d:\d\d:\d\d \d{4}\s*$")
ATTRIBUTION = re.compile(r"^\s*On .{0,200}wrote:\s*$|^.{0,120}\bwrote:\s*$")


def _mail_body(lines):
    """The reply text: quoted lines, attribution lines, list footers and signatures dropped."""
    out = []
    for line in lines:
        if line.startswith("-- ") and line.strip() == "--":
            break
        if line.startswith("______________________________________________"):
            break
        if line.lstrip().startswith(">"):
            continue
        if ATTRIBUTION.match(line):
            continue
        out.append(line)
    return "\n".join(out).strip()


def load_rhelp(path, source):
    msgs = []
    block = None
    with open(path, encoding="utf-8", errors="replace") as f:
        prev_blank = True
        for line in f:
            line = line.rstrip("\n")
            if prev_blank and MBOX_SEP.match(line):
                block = []
                msgs.append(block)
            elif block is not None:
                block.append(line)
            prev_blank = line.strip() == ""
    parsed = []
    for block in msgs:
        headers = {}
        i = 0
        last = None
        while i < len(block) and block[i].strip():
            line = block[i]
            if line[0] in " \t" and last:
                headers[last] += " " + line.strip()
            elif ":" in line:
                k, v = line.split(":", 1)
                last = k.strip().lower()
                headers[last] = v.strip()
            i += 1
        mid = headers.get("message-id", "").strip()
        if not mid:
            continue
        try:
            ts = email.utils.parsedate_to_datetime(headers.get("date", ""))
            if ts.tzinfo is None:
                ts = ts.replace(tzinfo=dt.timezone.utc)
        except (TypeError, ValueError):
            continue
        refs = re.findall(r"<[^>]+>", headers.get("in-reply-to", "") + " " + headers.get("references", ""))
        sender = headers.get("from", "").split("(")[0].strip()
        subject = re.sub(r"^\s*(re:\s*)*(\[r\]\s*)?", "", headers.get("subject", ""), flags=re.I)
        parsed.append({"mid": mid, "ts": ts, "refs": refs, "from": sender,
                       "subject": subject, "body": _mail_body(block[i + 1:])})
    by_id = {m["mid"]: m for m in parsed}

    def root(m):
        seen = set()
        while True:
            parent = next((r for r in m["refs"] if r in by_id and r != m["mid"]), None)
            if parent is None or parent in seen:
                return m["mid"]
            seen.add(parent)
            m = by_id[parent]

    threads = {}
    for m in parsed:
        threads.setdefault(root(m), []).append(m)
    out = []
    for r, members in threads.items():
        starter = by_id[r]["from"]
        events = []
        for n, m in enumerate(members):
            text = m["body"]
            if m["mid"] == r:
                text = (m["subject"] + "\n" + text).strip()
            events.append({"key": m["mid"], "ts": m["ts"], "order": n,
                           "role": "customer" if m["from"] == starter else "member",
                           "author": m["from"], "text": text})
        out.append(conversation(source, r, "email", events))
    return out


def load_harper(dirpath, source_prefix):
    out = []
    for tp in sorted((dirpath / "transcript").glob("*.json")):
        cid = tp.stem
        utts = json.loads(tp.read_text())
        events = []
        for u in utts:
            text = (u.get("human_transcript") or "").strip()
            if not text:
                continue
            ts = dt.datetime.fromtimestamp(u["start_timestamp_ms"] / 1000, dt.timezone.utc)
            events.append({"key": str(u["index"]), "ts": ts, "order": u["index"],
                           "role": "customer" if u["speaker_role"] == "caller" else "agent",
                           "author": u["speaker_role"], "text": text})
        out.append(conversation(f"{source_prefix}/transcript", cid, "phone", events))
    return out


def load_abcd(path, source):
    out = []
    base = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    for conv in json.loads(Path(path).read_text()):
        events = []
        for n, (speaker, text) in enumerate(conv["original"]):
            role = {"agent": "agent", "customer": "customer"}.get(speaker, "system")
            events.append({"key": str(n), "ts": base + dt.timedelta(seconds=30 * n), "order": n,
                           "role": role, "author": speaker, "text": text})
        out.append(conversation(source, conv["convo_id"], "chat", events))
    return out


IRC_LINE = re.compile(r"^\[(\d\d):(\d\d)\] <([^>]+)> (.*)$")


def load_irc(raw_path, source):
    """Conversations from the human reply-to annotations: connected components of lines."""
    lines = raw_path.read_text(encoding="utf-8", errors="replace").split("\n")
    ann = raw_path.with_name(raw_path.name.replace(".raw.txt", ".annotation.txt"))
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a in ann.read_text().split("\n"):
        parts = a.split()
        if len(parts) < 2:
            continue
        i, j = int(parts[0]), int(parts[1])
        parent[find(i)] = find(j)
    day = dt.datetime.strptime(raw_path.name[:10], "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    comps = {}
    for n in parent:
        comps.setdefault(find(n), []).append(n)
    out = []
    for members in comps.values():
        members.sort()
        events = []
        first_nick = None
        for n in members:
            if n >= len(lines):
                continue
            m = IRC_LINE.match(lines[n])
            if not m:
                continue
            hh, mm, nick, text = m.groups()
            first_nick = first_nick or nick
            events.append({"key": str(n), "ts": day + dt.timedelta(hours=int(hh), minutes=int(mm)),
                           "order": n, "role": "customer" if nick == first_nick else "member",
                           "author": nick, "text": text})
        if events:
            out.append(conversation(source, f"{raw_path.name[:13]}:{members[0]}", "chat", events))
    return out


def load_all():
    """Every conversation of every source present, by source name."""
    if not DATA.is_dir():
        return None
    found = {}
    p = DATA / "twcs" / "twcs_head5k.csv"
    if p.exists():
        found["twcs/twcs_head5k.csv"] = load_twcs(p, "twcs/twcs_head5k.csv")
    for name in ("beer_Posts.xml", "coffee_Posts.xml", "dsmeta_Posts.xml"):
        p = DATA / "stackexchange" / name
        if p.exists():
            found[f"stackexchange/{name}"] = load_stackexchange(p, f"stackexchange/{name}")
    for p in sorted((DATA / "rhelp").glob("*.txt")):
        found[f"rhelp/{p.name}"] = load_rhelp(p, f"rhelp/{p.name}")
    if (DATA / "harper" / "transcript").is_dir():
        found["harper/transcript"] = load_harper(DATA / "harper", "harper")
    p = DATA / "abcd" / "abcd_sample.json"
    if p.exists():
        found["abcd/abcd_sample.json"] = load_abcd(p, "abcd/abcd_sample.json")
    for p in sorted((DATA / "irc" / "dev").glob("*.raw.txt")):
        found[f"irc/dev/{p.name}"] = load_irc(p, f"irc/dev/{p.name}")
    return found


# ---------------------------------------------------------------- packets

def eligible(conv, need_both_sides=True):
    roles = {e["role"] for e in conv["events"] if e.get("text")}
    if not need_both_sides:
        return "customer" in roles
    return "customer" in roles and len(roles - {"customer", "system"}) > 0


def render(conv):
    lines = [f"=== conversation {conv['source']} | {conv['id']} | split={split_of(conv['source'], conv['id'])} | channel={conv['channel']}"]
    for e in conv["events"]:
        if e.get("type") == "accept":
            lines.append(f"--- [{e['key']}] ACCEPT EVENT (the asker accepted answer {e['key'][7:]})")
            continue
        text = e["text"]
        if len(text) > 3000:
            text = text[:3000] + " [...]"
        lines.append(f"--- [{e['key']}] {e['role']} ({e['author']}) {iso(e['ts'])}")
        lines.append(text)
    return "\n".join(lines)


def cmd_packets(args):
    convs = load_all()
    if convs is None:
        sys.exit(f"no real data at {DATA}")
    chosen = []
    for spec in args.take:
        src, n = spec.rsplit("=", 1)
        start, n = n.split(":") if ":" in n else ("0", n)
        pool = [c for s, cs in convs.items() if s.startswith(src) for c in cs if eligible(c)]
        pool.sort(key=lambda c: rank(c["source"], c["id"]))
        chosen.extend(pool[int(start): int(start) + int(n)])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    size = args.per
    for k in range(0, len(chosen), size):
        part = chosen[k:k + size]
        (out / f"packet_{k // size:02d}.txt").write_text("\n\n".join(render(c) for c in part) + "\n")
    print(f"{len(chosen)} conversations in {(len(chosen) + size - 1) // size} packets under {out}")


def cmd_list(args):
    convs = load_all()
    if convs is None:
        sys.exit(f"no real data at {DATA}")
    for s, cs in convs.items():
        both = sum(1 for c in cs if eligible(c))
        print(f"{s}: {len(cs)} conversations, {both} with customer and responder")


# ---------------------------------------------------------------- gold building

CONV_TAGS = {"pos", "neg", "ack:success", "ack:failure", "ack:thanks", "used", "rephrase",
             "restate", "repeat_id", "solution", "reverify", "handoff"}


def read_labels():
    labels = []
    for p in sorted(LABELS.glob("*.jsonl")):
        for n, line in enumerate(p.read_text().split("\n"), 1):
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            rec = json.loads(line)
            rec["_where"] = f"{p.name}:{n}"
            labels.append(rec)
    return labels


def sign(tags):
    return 1 if "pos" in tags else -1 if "neg" in tags else 0


def shift_label(before, after, band=0.1):
    """The documented shift categories over mean sentiment in [-1, 1]."""
    if before < -band and after > band:
        return "recovered"
    if before >= -band and after < -band:
        return "soured"
    if after - before > band:
        return "improved"
    if before - after > band:
        return "worsened"
    return "steady"


def expectations(conv, msg):
    """Conversation-level expectations derived from per-message tags."""
    events = conv["events"]
    exp = {}
    first_solution = next((i for i, e in enumerate(events) if "solution" in msg.get(e["key"], [])), None)
    handoff_idx = [i for i, e in enumerate(events) if "handoff" in msg.get(e["key"], [])]
    first_handoff = handoff_idx[0] if handoff_idx else None
    counts = {"rephrase_customer": 0, "rephrase_agent": 0, "restatements": 0,
              "repeated_ids_before_handoff": 0, "repeated_ids_after_handoff": 0,
              "reverify_requests": 0, "handoffs": len(handoff_idx)}
    last_verdict = None
    thanks = False
    used = False
    accepted = False
    for i, e in enumerate(events):
        tags = msg.get(e["key"], [])
        if e.get("type") == "accept":
            accepted = True
            last_verdict = "success"
            continue
        if e["role"] == "customer":
            if "rephrase" in tags:
                counts["rephrase_customer"] += 1
            if "restate" in tags:
                counts["restatements"] += 1
            if "repeat_id" in tags:
                after = first_handoff is not None and first_handoff < i
                counts["repeated_ids_after_handoff" if after else "repeated_ids_before_handoff"] += 1
            if first_solution is not None and i > first_solution:
                if "ack:failure" in tags:
                    last_verdict = "failure"
                elif "ack:success" in tags:
                    last_verdict = "success"
                    used |= "used" in tags
                elif "ack:thanks" in tags:
                    thanks = True
        else:
            if "rephrase" in tags:
                counts["rephrase_agent"] += 1
            if "reverify" in tags:
                counts["reverify_requests"] += 1
    for k, v in counts.items():
        if v:
            exp[k] = v
    ack = last_verdict or ("thanks" if thanks else None)
    if ack:
        exp["acknowledgement"] = ack
    if used or accepted:
        exp["solution_used"] = True
    if first_solution is not None:
        before = [sign(msg.get(e["key"], [])) for e in events[:first_solution]
                  if e["role"] == "customer" and e.get("text")]
        after = [sign(msg.get(e["key"], [])) for e in events[first_solution + 1:]
                 if e["role"] == "customer" and e.get("text")]
        if before and after:
            exp["shift"] = shift_label(sum(before) / len(before), sum(after) / len(after))
    return exp


def canonical(conv, exp=None):
    events = []
    for e in conv["events"]:
        ev = {"ts": iso(e["ts"]), "role": e["role"], "author": str(e["author"])}
        if e.get("type"):
            ev["type"] = e["type"]
        else:
            ev["text"] = e["text"]
        events.append(ev)
    line = {"id": f"{conv['source']}|{conv['id']}", "channel": conv["channel"], "events": events}
    if exp is not None:
        line["expect"] = exp
    return line


def message_gold(conv, msg):
    """Message-level gold lines (sentiment of customer messages, their verdicts)."""
    out = []
    for e in conv["events"]:
        if e.get("type") or e["key"] not in msg or e["role"] != "customer":
            continue
        tags = msg[e["key"]]
        labels = []
        if "pos" in tags:
            labels.append("sentiment:positive")
        if "neg" in tags:
            labels.append("sentiment:negative")
        out.append({"id": f"{conv['source']}|{e['key']}", "role": "customer", "text": e["text"],
                    "labels": labels})
    return out


def cmd_build(args):
    convs = load_all()
    if convs is None:
        print(f"real-data gold skipped: {DATA} is not here (see docs/annotation.md)")
        return 0
    index = {(c["source"], c["id"]): c for cs in convs.values() for c in cs}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    conv_lines, msg_lines, missing = [], [], []
    for rec in read_labels():
        src, cid = rec["source"], str(rec["conversation"])
        if split_of(src, cid) != args.split:
            continue
        conv = index.get((src, cid))
        if conv is None:
            missing.append(rec["_where"])
            continue
        msg = {str(k): v for k, v in rec.get("messages", {}).items()}
        unknown = {t for tags in msg.values() for t in tags} - CONV_TAGS
        if unknown:
            sys.exit(f"{rec['_where']}: unknown tags {sorted(unknown)}")
        if rec.get("kind", "conversation") == "conversation":
            conv_lines.append(canonical(conv, expectations(conv, msg)))
        msg_lines.extend(message_gold(conv, msg))
    (out / "conversations.jsonl").write_text("".join(json.dumps(l, ensure_ascii=False) + "\n" for l in conv_lines))
    (out / "messages.jsonl").write_text("".join(json.dumps(l, ensure_ascii=False) + "\n" for l in msg_lines))
    print(f"{args.split}: {len(conv_lines)} conversations, {len(msg_lines)} customer messages -> {out}")
    for w in missing:
        print(f"warning: {w}: conversation not found in the data", file=sys.stderr)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    p = sub.add_parser("packets")
    p.add_argument("--out", required=True)
    p.add_argument("--per", type=int, default=40)
    p.add_argument("--take", nargs="+", required=True, help="SOURCE_PREFIX=N or SOURCE_PREFIX=START:N ...")
    b = sub.add_parser("build")
    b.add_argument("--split", choices=["dev", "test"], required=True)
    b.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.cmd == "list":
        cmd_list(args)
    elif args.cmd == "packets":
        cmd_packets(args)
    else:
        sys.exit(cmd_build(args))


if __name__ == "__main__":
    main()
