"""Backs up a twin space with confluence-space-backup-restore and restores it into a
new space of the same twin, unmodified; then compares the two spaces through the
twin's state export. Usage: python3 backup_restore_scenario.py BASE_URL EMAIL TOKEN
(BASE_URL ends in /wiki). Exits non-zero and says why on any difference.
"""
import json
import os
import subprocess
import sys
import tempfile

import requests


def main() -> int:
    url, email, token = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    root = url[: -len("/wiki")]
    session = requests.Session()
    session.auth = (email, token)
    session.headers["Accept"] = "application/json"

    def call(method, path, **kwargs):
        response = session.request(method, url + path, **kwargs)
        if response.status_code >= 400:
            raise SystemExit(f"seeding failed: {method} {path} -> {response.status_code} {response.text[:300]}")
        return response.json() if response.content else {}

    # Seed the source space.
    call("POST", "/rest/api/space", json={"key": "SRC", "name": "Source space"})
    space = call("GET", "/api/v2/spaces", params={"keys": "SRC"})["results"][0]
    home = space["homepageId"]
    guide = call("POST", "/api/v2/pages", json={"spaceId": space["id"], "title": "Guide", "parentId": home,
                                               "body": {"representation": "storage", "value": "<p>Guide body</p>"}})
    step = call("POST", "/api/v2/pages", json={"spaceId": space["id"], "title": "Step one", "parentId": guide["id"],
                                              "body": {"representation": "storage", "value": "<p>Do this</p>"}})
    call("POST", "/api/v2/blogposts", json={"spaceId": space["id"], "title": "Launch news",
                                           "body": {"representation": "storage", "value": "<p>We launched</p>"}})
    call("POST", f"/rest/api/content/{guide['id']}/label", json=[{"prefix": "global", "name": "howto"}])
    call("POST", "/api/v2/footer-comments", json={"pageId": step["id"],
                                                 "body": {"representation": "storage", "value": "<p>Nice</p>"}})
    call("POST", f"/api/v2/pages/{guide['id']}/properties", json={"key": "owner", "value": {"team": "docs"}})
    call("POST", f"/rest/api/content/{step['id']}/child/attachment", headers={"X-Atlassian-Token": "nocheck"},
         files={"file": ("steps.txt", b"step by step\n" * 50, "text/plain")}, data={"minorEdit": "true"})

    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, CONFLUENCE_URL=url, CONFLUENCE_EMAIL=email, CONFLUENCE_API_TOKEN=token,
                   BACKUP_ROOT=os.path.join(folder, "backups"), API_DELAY="0", MAX_RETRIES="2", READ_TIMEOUT="30")
        # The tool insists on a .env file; everything it needs is in the environment.
        with open(os.path.join(folder, ".env"), "w") as handle:
            handle.write("# settings come from the environment\n")
        backup = subprocess.run(["confluence-backup", "--backup", "SRC"], env=env, cwd=folder,
                                capture_output=True, text=True, stdin=subprocess.DEVNULL)
        print(backup.stdout[-2000:], backup.stderr[-2000:])
        if backup.returncode != 0:
            print("FAIL: backup exited", backup.returncode)
            return 1
        backups = [os.path.join(dp, d) for dp, dirs, _ in os.walk(env["BACKUP_ROOT"]) for d in dirs
                   if os.path.exists(os.path.join(dp, d, "manifest.json"))]
        if not backups:
            print("FAIL: no backup directory with a manifest.json")
            return 1
        restore = subprocess.run(["confluence-backup", "--restore", backups[0], "--target-key", "DST",
                                  "--target-name", "Restored space"], env=env, cwd=folder,
                                 capture_output=True, text=True, stdin=subprocess.DEVNULL)
        print(restore.stdout[-2000:], restore.stderr[-2000:])
        if restore.returncode != 0:
            print("FAIL: restore exited", restore.returncode)
            return 1

    state = requests.get(root + "/__twin/state").json()
    spaces = {s["key"]: s["id"] for s in state["spaces"]}
    if "DST" not in spaces:
        print("FAIL: the restored space DST does not exist")
        return 1

    def titles(kind, key):
        return sorted(p["title"] for p in state[kind] if p["spaceId"] == spaces[key] and p["status"] == "current")

    failures = []
    source_pages = [t for t in titles("pages", "SRC") if t != "Source space"]
    restored_pages = titles("pages", "DST")
    for title in source_pages:
        if title not in restored_pages:
            failures.append(f"page '{title}' was not restored (restored: {restored_pages})")
    if titles("blogPosts", "SRC") != titles("blogPosts", "DST"):
        failures.append(f"blog posts differ: {titles('blogPosts', 'SRC')} vs {titles('blogPosts', 'DST')}")
    by_id = {p["id"]: p for p in state["pages"]}
    restored_step = next((p for p in state["pages"] if p["spaceId"] == spaces["DST"] and p["title"] == "Step one"), None)
    if restored_step is None or by_id.get(restored_step.get("parentId"), {}).get("title") != "Guide":
        failures.append("the hierarchy Guide > Step one was not restored")
    hashes = {a["spaceId"]: a["sha256"] for a in state["attachments"]}
    if hashes.get(spaces["SRC"]) != hashes.get(spaces["DST"]):
        failures.append(f"attachment bytes differ: {hashes}")
    labels = {(l["spaceId"], l["name"]) for l in state["labels"]}
    if (spaces["DST"], "howto") not in labels:
        failures.append(f"label 'howto' was not restored: {labels}")
    comments = [c for c in state["comments"] if c["spaceId"] == spaces["DST"]]
    if len(comments) < 1:
        failures.append("the footer comment was not restored")
    if failures:
        for failure in failures:
            print("FAIL:", failure)
        return 1
    print(f"confluence-space-backup-restore: SRC backed up and restored as DST: {len(restored_pages)} pages, "
          f"blog post, hierarchy, attachment (same SHA-256), label, comment")
    return 0


if __name__ == "__main__":
    sys.exit(main())
