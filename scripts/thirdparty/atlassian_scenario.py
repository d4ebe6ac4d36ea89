"""Drives the Cloud twin with atlassian-python-api, unmodified.

Creates a space, a page hierarchy, an attachment and labels, and reads them back
through the library's classic v1 client (the one most Cloud scripts use).
Usage: python3 atlassian_scenario.py BASE_URL EMAIL TOKEN  (BASE_URL ends in /wiki)
Exits non-zero and says why when anything does not round-trip.
"""
import os
import sys
import tempfile

from atlassian import Confluence


def main() -> int:
    url, email, token = sys.argv[1], sys.argv[2], sys.argv[3]
    confluence = Confluence(url=url, username=email, password=token, cloud=False)
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    confluence.create_space("PYAPI", "Python API rehearsal")
    space = confluence.get_space("PYAPI")
    expect(space.get("key") == "PYAPI", f"space read back as {space}")

    root = confluence.create_page("PYAPI", "Handbook", "<p>Welcome</p>")
    chapter = confluence.create_page("PYAPI", "Chapter 1", "<p>One</p>", parent_id=root["id"])
    section = confluence.create_page("PYAPI", "Section 1.1", "<p>One point one</p>", parent_id=chapter["id"])
    confluence.create_page("PYAPI", "Chapter 2", "<p>Two</p>", parent_id=root["id"])

    children = confluence.get_page_child_by_type(root["id"], type="page")
    titles = sorted(child["title"] for child in children)
    expect(titles == ["Chapter 1", "Chapter 2"], f"children of Handbook: {titles}")
    found = confluence.get_page_by_title("PYAPI", "Section 1.1", expand="body.storage,ancestors")
    # This release returns the raw search envelope; older ones returned the first result.
    by_title = (found.get("results") or [None])[0] if "results" in (found or {}) else found
    expect(by_title and by_title["id"] == section["id"], f"page by title: {by_title}")
    ancestors = [a["title"] for a in (by_title or {}).get("ancestors", [])]
    expect(ancestors[-2:] == ["Handbook", "Chapter 1"], f"ancestors: {ancestors}")
    expect("One point one" in by_title["body"]["storage"]["value"], "body did not round-trip")

    updated = confluence.update_page(section["id"], "Section 1.1", "<p>Revised</p>")
    expect(updated["version"]["number"] == 2, f"update version: {updated.get('version')}")

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "diagram.txt")
        with open(path, "wb") as handle:
            handle.write(b"boxes and arrows\n" * 100)
        confluence.attach_file(path, name="diagram.txt", content_type="text/plain", page_id=chapter["id"], comment="v1")
    attachments = confluence.get_attachments_from_content(chapter["id"])["results"]
    expect([a["title"] for a in attachments] == ["diagram.txt"], f"attachments: {attachments}")
    expect(attachments and attachments[0]["extensions"]["fileSize"] == 1700, "size did not round-trip")
    downloaded = confluence.get(attachments[0]["_links"]["download"], not_json_response=True)
    expect(downloaded == b"boxes and arrows\n" * 100, "download did not return the bytes")

    confluence.set_page_label(chapter["id"], "draft")
    confluence.set_page_label(chapter["id"], "handbook")
    labels = sorted(label["name"] for label in confluence.get_page_labels(chapter["id"])["results"])
    expect(labels == ["draft", "handbook"], f"labels: {labels}")

    if failures:
        for failure in failures:
            print("FAIL:", failure)
        return 1
    print("atlassian-python-api scenario: space, 4-page hierarchy, attachment, 2 labels: all read back")
    return 0


if __name__ == "__main__":
    sys.exit(main())
