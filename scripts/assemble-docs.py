#!/usr/bin/env python3
"""Moves engineers' notes from docs/pending/<name>.md into docs/<guide>.md and
collects their benchmark sections into BENCHMARKS.md (after the lead's own
sections, which sit above the marker line)."""
import os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUIDES = {  # pending note -> guide
    "meta-client": "meta", "whatsapp": "whatsapp", "instagram": "instagram", "crm": "crm",
    "vault": "vault", "ai": "ai", "knowledge": "knowledge", "privacy": "privacy",
    "billing": "billing", "workspace": "workspace", "bot": "bot", "broadcast": "broadcast", "server": "server",
}
MARKER = "<!-- package sections below are assembled from docs/*.md -->"

def bench_section(text):
    m = re.search(r"^## Benchmarks[^\n]*\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    return m.group(0).strip() if m else None

def main():
    pending = os.path.join(ROOT, "docs", "pending")
    out = []
    move = set(sys.argv[1:])  # the notes to move now; guides already in docs/ are always collected
    for note, guide in GUIDES.items():
        src = os.path.join(pending, note + ".md")
        if note not in move:
            src = "/nonexistent"
        dst = os.path.join(ROOT, "docs", guide + ".md")
        if os.path.exists(src):
            text = open(src).read()
            if guide == "meta" and os.path.exists(dst):
                text = open(dst).read().split("\n## Client half\n")[0].rstrip() + "\n\n## Client half\n\n" + text
            open(dst, "w").write(text)
            os.remove(src)
        if os.path.exists(dst):
            sec = bench_section(open(dst).read())
            if sec:
                out.append("## " + guide + "\n\n" + re.sub(r"^## Benchmarks[^\n]*\n", "", sec).strip())
    bpath = os.path.join(ROOT, "BENCHMARKS.md")
    head = open(bpath).read().split(MARKER)[0].rstrip()
    open(bpath, "w").write(head + "\n\n" + MARKER + "\n\n" + "\n\n".join(out) + "\n")

if __name__ == "__main__":
    sys.exit(main())
