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


def count_adf(node, counts):
    kind = node.get("type")
    if kind in ("extension", "bodiedExtension", "inlineExtension", "panel", "expand", "codeBlock", "status",
                "taskList", "layoutSection"):
        counts["macros and rich blocks"] += 1
    if kind == "media":
        counts["media"] += 1
    if kind == "mention":
        counts["mentions"] += 1
    if any(mark.get("type") == "link" for mark in node.get("marks", []) or []):
        counts["links"] += 1
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
    counts = {"macros and rich blocks": 0, "links": 0, "media": 0, "mentions": 0}
    source = {"macros": 0, "links": 0, "images": 0, "user links": 0}
    started = time.perf_counter()
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
    # Throughput counts only pages the pipeline converted: failed pages cost time, produce nothing.
    mbps = done_bytes / 1e6 / elapsed if elapsed > 0 else 0.0
    subset = "" if done_pages == len(pages) else f" (time budget: measured subset of {done_pages}/{len(pages)} pages)"
    print(f"python: cfxmark {cfxmark.__version__ if hasattr(cfxmark, '__version__') else ''} + marklassian: "
          f"{done_pages} pages, {attempted_bytes / 1e6:.2f} of {total_bytes / 1e6:.1f} MB in {elapsed:.2f} s{subset}; "
          f"{failures} pages failed" + (f" (first: {first_failure})" if failures else ""))
    print(f"python: throughput {mbps:.3f} MB/s")
    print("python-fidelity(first 2000 pages): " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    print("storage(first 2000 pages): " + " ".join(f"{k}={v}" for k, v in sorted(source.items())))
    print(f"PYTHON_MBPS={mbps:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
