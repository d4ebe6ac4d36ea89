#!/usr/bin/env python3
"""Times the closest Python pipeline to `ferry convert` on a storage corpus:
cfxmark.to_md (storage -> Markdown) then marklassian.markdown_to_adf (Markdown ->
ADF), plus json.dumps, page by page, until the corpus or the time budget ends.

Usage: scripts/bench-python-pipeline.py CORPUS [--max-seconds N]
CORPUS holds pages separated by U+001E (written by `BenchConvert generate`).
Prints throughput and what the pipeline keeps of macros, links and media.
"""
import argparse
import json
import re
import sys
import time


KEYS = ("extensions", "panels", "expands", "statuses", "tasks", "layouts", "mentions", "media files",
        "external media", "links", "code blocks", "placeholder links (cfx:)", "raw storage code blocks")


def count_adf(node, counts):
    """Counts the constructs both converters are compared on (same keys as BenchConvert)."""
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind in ("extension", "bodiedExtension", "inlineExtension"):
        counts["extensions"] += 1
    elif kind == "panel":
        counts["panels"] += 1
    elif kind in ("expand", "nestedExpand"):
        counts["expands"] += 1
    elif kind == "status":
        counts["statuses"] += 1
    elif kind == "taskList":
        counts["tasks"] += 1
    elif kind == "layoutSection":
        counts["layouts"] += 1
    elif kind == "mention":
        counts["mentions"] += 1
    elif kind == "media":
        counts["media files" if attrs.get("type") == "file" else "external media"] += 1
    elif kind == "codeBlock":
        counts["raw storage code blocks" if attrs.get("language") == "cfx-storage" else "code blocks"] += 1
    for mark in node.get("marks", []) or []:
        if mark.get("type") == "link":
            href = (mark.get("attrs") or {}).get("href", "")
            counts["placeholder links (cfx:)" if href.startswith("cfx:") else "links"] += 1
    for child in node.get("content", []) or []:
        count_adf(child, counts)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus")
    parser.add_argument("--max-seconds", type=float, default=60.0)
    args = parser.parse_args()
    try:
        import cfxmark
        import marklassian
    except ImportError as error:
        print(f"python pipeline unavailable ({error}): run `python3 -m pip install -r scripts/ci-requirements.txt`")
        return 2
    with open(args.corpus, encoding="utf-8") as handle:
        pages = handle.read().split("\x1e")
    total_bytes = sum(len(page.encode("utf-8")) for page in pages)
    done_bytes = 0
    attempted_bytes = 0
    first_failure = ""
    done_pages = 0
    failures = 0
    counts = {key: 0 for key in KEYS}
    source = {"macros": 0, "links": 0, "images": 0, "user links": 0}
    started = time.perf_counter()
    cpu_started = time.process_time()
    for page in pages:
        try:
            markdown = cfxmark.to_md(page).markdown or ""
            document = marklassian.markdown_to_adf(markdown)
            if not isinstance(document, dict):
                document = document.to_dict() if hasattr(document, "to_dict") else json.loads(json.dumps(document, default=lambda o: o.__dict__))
            json.dumps(document)
        except Exception as error:  # noqa: BLE001 - a failing page counts, the run goes on
            failures += 1
            if failures == 1:
                first_failure = f"{type(error).__name__}: {str(error)[:200]}"
            document = None
        size = len(page.encode("utf-8"))
        attempted_bytes += size
        if document is not None:
            done_bytes += size
        done_pages += 1
        if done_pages <= 2000 and isinstance(document, dict):
            count_adf(document, counts)
            source["macros"] += len(re.findall(r"<ac:structured-macro|<ac:task-list|<ac:layout-section", page))
            source["links"] += len(re.findall(r"<a href|<ac:link>(?!<ri:user)", page))
            source["images"] += page.count("<ac:image")
            source["user links"] += page.count("<ri:user")
        if time.perf_counter() - started > args.max_seconds:
            break
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    # Throughput counts only pages the pipeline converted: failed pages cost time, produce nothing.
    mbps = done_bytes / 1e6 / elapsed if elapsed > 0 else 0.0
    subset = "" if done_pages == len(pages) else f" (time budget: measured subset of {done_pages}/{len(pages)} pages)"
    print(f"python: cfxmark {cfxmark.__version__ if hasattr(cfxmark, '__version__') else ''} + marklassian: "
          f"{done_pages} pages, {attempted_bytes / 1e6:.2f} of {total_bytes / 1e6:.1f} MB in {elapsed:.2f} s{subset}; "
          f"{failures} pages failed" + (f" (first: {first_failure})" if failures else ""))
    cpu_mbps = done_bytes / 1e6 / cpu if cpu > 0 else 0.0
    print(f"python: CPU time {cpu:.2f} s → {cpu_mbps:.3f} MB/s per core-second")
    print(f"python: throughput {mbps:.3f} MB/s")
    print("python-fidelity(first 2000 pages): " + ", ".join(f"{k}={counts[k]}" for k in KEYS))
    print("storage(first 2000 pages): " + " ".join(f"{k}={v}" for k, v in sorted(source.items())))
    print(f"PYTHON_MBPS={mbps:.4f}")
    print(f"PYTHON_CPU_MBPS={cpu_mbps:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
