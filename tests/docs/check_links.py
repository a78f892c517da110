#!/usr/bin/python3
"""Every relative link of the repository's Markdown resolves inside the
repository: the file exists, and a #fragment names a heading of it (GitHub's
anchors). A link out of the tree (../shared/DOMAIN.md) is dead in a clone.
Also every reference of code, docs and help text to the model, "docs/model.md
§N", names a numbered section of docs/model.md, and nothing refers to the
rule book outside the repository (DOMAIN.md).

    /usr/bin/python3 tests/docs/check_links.py [ROOT]

Prints FILE:LINE: problem for each bad link; exit 1 if any, else 0."""
import os
import re
import sys

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def anchors(path):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to -."""
    out, seen = set(), {}
    in_fence = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if FENCE.match(line):
                in_fence = not in_fence
            if in_fence or not line.startswith("#"):
                continue
            text = line.lstrip("#").strip().lower()
            text = re.sub(r"`", "", text)
            slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def main():
    root = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else ".")
    docs = ["README.md", "BENCHMARKS.md", "scenarios/README.md"]
    for d in ("docs", "examples"):
        for dirpath, _, names in os.walk(os.path.join(root, d)):
            docs += [os.path.relpath(os.path.join(dirpath, n), root) for n in sorted(names) if n.endswith(".md")]
    bad = 0
    for doc in docs:
        path = os.path.join(root, doc)
        if not os.path.exists(path):
            continue
        in_fence = False
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
        for no, line in enumerate(lines, 1):
            if FENCE.match(line):
                in_fence = not in_fence
            if in_fence:
                continue
            for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
                if re.match(r"[a-z]+:", target):
                    continue  # http:, https:, mailto:
                file_part, _, frag = target.partition("#")
                dest = os.path.realpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
                problem = None
                if not (dest == root or dest.startswith(root + os.sep)):
                    problem = f"link '{target}' leaves the repository (dead in a clone)"
                elif not os.path.exists(dest):
                    problem = f"link '{target}': no such file"
                elif frag and dest.endswith(".md") and frag not in anchors(dest):
                    problem = f"link '{target}': no heading '#{frag}' in {os.path.relpath(dest, root)}"
                if problem:
                    print(f"{doc}:{no}: {problem}")
                    bad += 1
    return 1 if bad + check_model_refs(root) else 0


def check_model_refs(root):
    """'docs/model.md §N' names a section '## N.' of docs/model.md; no file
    of the repository names DOMAIN.md except this checker and its test."""
    import subprocess
    with open(os.path.join(root, "docs", "model.md"), encoding="utf-8") as f:
        sections = {m.group(1) for m in re.finditer(r"^## (\d+)\.", f.read(), re.M)}
    tracked = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True).stdout.split()
    skip = {"tests/docs/check_links.py", "tests/docs/test_links.sh"}
    bad = 0
    for rel in tracked:
        if rel in skip or not rel.endswith((".c", ".h", ".md", ".py", ".sh", ".yaml", ".txt")):
            continue
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        for no, line in enumerate(text.splitlines(), 1):
            if "DOMAIN.md" in line:
                print(f"{rel}:{no}: refers to DOMAIN.md, outside the repository: docs/model.md is the model's reference")
                bad += 1
            for n in re.findall(r"docs/model\.md §(\d+)", line):
                if n not in sections:
                    print(f"{rel}:{no}: docs/model.md §{n}: no such section")
                    bad += 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
