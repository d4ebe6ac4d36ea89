#!/usr/bin/env python3
"""Writes the hand-made export fixtures (run once; the output is committed).

Raw damaged bytes (control characters, invalid UTF-8) cannot be typed into a text
file reliably, so the fixtures are generated from this script. Every expected count
in the tests is derived by hand from the objects below (see the comments)."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

def ref(name, cls, oid, key="id"):
    return f'<property name="{name}" class="{cls}" package="com.atlassian.confluence.pages"><id name="{key}">{oid}</id>\n</property>\n'

def prop(name, value):
    if value is None:
        return f'<property name="{name}"/>\n'
    return f'<property name="{name}"><![CDATA[{value}]]></property>\n'

def plain(name, value):
    return f'<property name="{name}">{value}</property>\n'

def obj(cls, oid, *parts, key="id"):
    return f'<object class="{cls}" package="com.atlassian.confluence.pages">\n<id name="{key}">{oid}</id>\n' + "".join(parts) + "</object>\n"

def page(cls, oid, title, space="100", parent=None, position=None, version=1, status="current", original=None, creator="u1"):
    parts = [prop("title", title), plain("version", version), prop("contentStatus", status), plain("creationDate", "2024-01-02 10:00:00.000")]
    if space: parts.append(ref("space", "Space", space))
    if parent: parts.append(ref("parent", "Page", parent))
    if position is not None: parts.append(plain("position", position))
    if original: parts.append(ref("originalVersion", cls, original))
    if creator: parts.append(ref("creator", "ConfluenceUserImpl", creator, key="key"))
    return obj(cls, oid, *parts)

def body(oid, owner, owner_cls, text, body_type=2):
    parts = [prop("body", text), ref("content", owner_cls, owner)]
    if body_type is not None: parts.append(plain("bodyType", body_type))
    return obj("BodyContent", oid, *parts)

def space_fixture():
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<hibernate-generic datetime="2024-05-10 17:04:43">\n']
    # Out of order: the body of page 1004 comes before the page itself.
    out.append(body("3010", "1004", "Page", "<p>Grandchild</p>"))
    out.append(obj("ConfluenceUserImpl", "u1", prop("name", "alice"), prop("lowerName", "alice"), prop("email", "alice@example.com"), key="key"))
    out.append(obj("ConfluenceUserImpl", "u2", prop("name", "bob"), prop("lowerName", "bob"), key="key"))
    out.append(obj("Space", "100", prop("key", "FIX"), prop("name", "Fixture space"), ref("homePage", "Page", "1001"),
                   ref("description", "SpaceDescription", "2001"), prop("spaceType", "global")))
    out.append(obj("SpaceDescription", "2001", prop("contentStatus", "current"), plain("version", 1)))
    out.append(body("3001", "2001", "SpaceDescription", "<p>Fixture space</p>"))
    out.append("<!-- an XML comment between objects, as in real exports -->\n")
    # Pages: 1001 home (v2) with history 1000, children 1002/1003, grandchild 1004,
    # 1005 whose parent 9999 is missing (repaired: top level), draft 1006, trashed 1007.
    out.append(page("Page", "1001", "Home", version=2))
    out.append(page("Page", "1000", "Home", space=None, version=1, original="1001"))
    out.append(page("Page", "1002", "Child A", parent="1001", position=0))
    out.append(obj("Page", "1003", '<property name="title">Child &amp; B</property>\n', plain("version", 1),
                   prop("contentStatus", "current"), ref("space", "Space", "100"), ref("parent", "Page", "1001"), plain("position", 1)))
    out.append(page("Page", "1004", "Grandchild", parent="1002", position=0))
    out.append(page("Page", "1005", "Orphan", parent="9999"))
    out.append(page("Page", "1006", "Draft of a child", status="draft"))
    out.append(page("Page", "1007", "Trashed", status="deleted"))
    out.append(page("BlogPost", "1101", "News"))
    # Duplicate id: a second Page 1003 (skipped, the first one is kept).
    out.append(page("Page", "1003", "Impostor"))
    # An object without an id.
    out.append('<object class="Label" package="com.atlassian.confluence.labels">\n' + prop("name", "no-id") + "</object>\n")
    # Comments: footer 1201, inline 1202 (marker property 1301), 1203 on missing page 8888.
    out.append(obj("Comment", "1201", ref("containerContent", "Page", "1002"), prop("contentStatus", "current"), plain("version", 1)))
    out.append(obj("Comment", "1202", ref("containerContent", "Page", "1002"), prop("contentStatus", "current"), plain("version", 1)))
    out.append(obj("ContentProperty", "1301", prop("name", "inline-marker-ref"), prop("stringValue", "mark-1"), ref("content", "Comment", "1202")))
    out.append(obj("Comment", "1203", ref("containerContent", "Page", "8888"), prop("contentStatus", "current"), plain("version", 1)))
    # Bodies.
    out.append(body("3002", "1001", "Page",
        '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>Hi</p></ac:rich-text-body></ac:structured-macro>'
        '<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:plain-text-body><![CDATA[x]] ></ac:plain-text-body></ac:structured-macro>'
        '<ac:macro ac:name="toc"/>'))
    out.append(body("3003", "1000", "Page", "h1. Old wiki markup", body_type=0))
    # The exporter's nested-CDATA escape: original "x = m[i[0]] + 1" inside an inner CDATA.
    out.append(body("3004", "1002", "Page",
        '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[x = m[i[0]]  + 1]] ></ac:plain-text-body></ac:structured-macro>'))
    out.append(body("3006", "1101", "BlogPost", '<p><ac:structured-macro ac:name="status"><ac:parameter ac:name="title">OK</ac:parameter></ac:structured-macro></p>'))
    out.append(body("3007", "1201", "Comment", "<p>Nice</p>"))
    out.append(body("3008", "1202", "Comment", "<p>Inline remark</p>"))
    out.append(body("3009", "8888", "Page", "<p>Owner is missing</p>"))
    out.append(body("3011", "1006", "Page", "<p>Work in progress</p>"))
    # Attachments: 1401 (v2, head) with history 1402 (v1); 1403 whose file is missing.
    out.append(obj("Attachment", "1401", prop("title", "diagram.png"), plain("version", 2), prop("contentStatus", "current"),
                   ref("containerContent", "Page", "1002"), ref("space", "Space", "100")))
    out.append(obj("Attachment", "1402", prop("title", "diagram.png"), plain("version", 1), prop("contentStatus", "current"),
                   ref("containerContent", "Page", "1002"), ref("originalVersion", "Attachment", "1401")))
    out.append(obj("Attachment", "1403", prop("title", "missing.pdf"), plain("version", 1), prop("contentStatus", "current"),
                   ref("containerContent", "Page", "1003"), ref("space", "Space", "100")))
    out.append(obj("ContentProperty", "1501", prop("name", "FILESIZE"), plain("longValue", 120), ref("content", "Attachment", "1401")))
    out.append(obj("ContentProperty", "1502", prop("name", "FILESIZE"), plain("longValue", 100), ref("content", "Attachment", "1402")))
    out.append(obj("ContentProperty", "1503", prop("name", "MEDIA_TYPE"), prop("stringValue", "image/png"), ref("content", "Attachment", "1401")))
    out.append(obj("ContentProperty", "1504", prop("name", "FILESIZE"), plain("longValue", 50), ref("content", "Attachment", "1403")))
    # Labels: two labellings; 1703 points at missing label 1699 (skipped).
    out.append(obj("Label", "1601", prop("name", "howto"), prop("namespace", "global")))
    out.append(obj("Labelling", "1701", ref("label", "Label", "1601"), ref("content", "Page", "1002")))
    out.append(obj("Labelling", "1702", ref("label", "Label", "1601"), ref("content", "BlogPost", "1101")))
    out.append(obj("Labelling", "1703", ref("label", "Label", "1699"), ref("content", "Page", "1003")))
    # Restrictions on 1003: one user, one group.
    out.append(obj("ContentPermissionSet", "1801", prop("type", "View"), ref("owningContent", "Page", "1003")))
    out.append(obj("ContentPermission", "1811", prop("type", "View"), ref("owningSet", "ContentPermissionSet", "1801"),
                   ref("userSubject", "ConfluenceUserImpl", "u1", key="key")))
    out.append(obj("ContentPermission", "1812", prop("type", "View"), ref("owningSet", "ContentPermissionSet", "1801"), prop("groupName", "confluence-users")))
    # Space permissions: two on FIX, one global.
    out.append(obj("SpacePermission", "1901", prop("type", "VIEWSPACE"), ref("space", "Space", "100"), prop("group", "confluence-users")))
    out.append(obj("SpacePermission", "1902", prop("type", "EDITSPACE"), ref("space", "Space", "100"), ref("userSubject", "ConfluenceUserImpl", "u1", key="key")))
    out.append(obj("SpacePermission", "1903", prop("type", "USECONFLUENCE"), prop("group", "confluence-users")))
    out.append(obj("ConfluenceBandanaRecord", "2101", prop("context", "_GLOBAL"), prop("key", "atlassian.confluence.settings"), prop("value", "<settings/>")))
    out.append(obj("OutgoingLink", "2201", ref("sourceContent", "Page", "1001"), prop("destinationPageTitle", "Child A"), prop("destinationSpaceKey", "FIX")))
    text = "".join(out)
    # Damaged body 3005 on page 1003: \x02 and \x0b (control), TAB kept, \xff and a lone \xc3 (invalid UTF-8).
    damaged = (b'<object class="BodyContent" package="com.atlassian.confluence.core">\n<id name="id">3005</id>\n'
               b'<property name="body"><![CDATA[<p>bad\x02bytes\x0bhere\tand \xff and \xc3x caf\xc3\xa9</p>]]></property>\n'
               b'<property name="content" class="Page" package="com.atlassian.confluence.pages"><id name="id">1003</id>\n</property>\n'
               b'<property name="bodyType">2</property>\n</object>\n')
    data = text.encode("utf-8") + damaged + b"</hibernate-generic>\n"
    folder = os.path.join(HERE, "space-export")
    os.makedirs(os.path.join(folder, "attachments", "1002", "1401"), exist_ok=True)
    with open(os.path.join(folder, "entities.xml"), "wb") as f:
        f.write(data)
    with open(os.path.join(folder, "exportDescriptor.properties"), "w") as f:
        f.write("#Fri May 10 17:04:43 UTC 2024\nexportType=space\nspaceKey=FIX\nbuildNumber=8703\nbackupAttachments=true\n")
    with open(os.path.join(folder, "attachments", "1002", "1401", "1"), "wb") as f:
        f.write(bytes(range(100)))
    with open(os.path.join(folder, "attachments", "1002", "1401", "2"), "wb") as f:
        f.write(bytes(range(120)))

def legacy_fixture():
    """A pre-4.0 site backup as a bare entities.xml (no descriptor): DefaultHibernateUser,
    DefaultHibernateGroup, bodies without bodyType (wiki markup), usernames not keys."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<hibernate-generic datetime="2010-03-01 10:00:00">\n']
    out.append(obj("DefaultHibernateUser", "11", prop("name", "admin"), prop("email", "admin@example.com"), prop("fullName", "Admin")))
    out.append(obj("DefaultHibernateUser", "12", prop("name", "jo"), prop("email", "jo@example.com"), prop("fullName", "Jo")))
    out.append(obj("DefaultHibernateGroup", "21", prop("name", "confluence-administrators"),
                   '<collection name="localMembers" class="java.util.Set"><element class="DefaultHibernateUser" package="com.atlassian.user.impl.hibernate"><id name="id">11</id>\n</element>\n</collection>\n'))
    out.append(obj("DefaultHibernateGroup", "22", prop("name", "confluence-users"),
                   '<collection name="localMembers" class="java.util.Set"><element class="DefaultHibernateUser" package="x"><id name="id">11</id>\n</element>\n'
                   '<element class="DefaultHibernateUser" package="x"><id name="id">12</id>\n</element>\n</collection>\n'))
    out.append(obj("Space", "31", prop("key", "OLD"), prop("name", "Old space"), ref("homePage", "Page", "41")))
    out.append(obj("Space", "32", prop("key", "TWO"), prop("name", "Second space")))
    for oid, title, space in (("41", "Welcome", "31"), ("42", "Notes", "31"), ("43", "Other", "32")):
        out.append(obj("Page", oid, prop("title", title), plain("version", 1), ref("space", "Space", space), prop("creatorName", "admin")))
    out.append(obj("BodyContent", "51", prop("body", "h1. Welcome\n{info}Hello{info}"), ref("content", "Page", "41")))
    out.append(obj("BodyContent", "52", prop("body", "* one\n* two"), ref("content", "Page", "42")))
    out.append(obj("BodyContent", "53", prop("body", "plain"), ref("content", "Page", "43")))
    out.append(obj("SpacePermission", "61", prop("type", "VIEWSPACE"), ref("space", "Space", "31"), prop("userName", "jo")))
    # An old-style restriction: the permission is listed only in the set's collection.
    out.append(obj("ContentPermissionSet", "71", prop("type", "View"), ref("owningContent", "Page", "42"),
                   '<collection name="contentPermissions" class="java.util.Set"><element class="ContentPermission" package="x"><id name="id">72</id>\n</element>\n</collection>\n'))
    out.append(obj("ContentPermission", "72", prop("type", "View"), prop("userName", "jo")))
    out.append("</hibernate-generic>\n")
    folder = os.path.join(HERE, "legacy-3x")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "entities.xml"), "w") as f:
        f.write("".join(out))

def jira_fixture():
    with open(os.path.join(HERE, "jira-entities.xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<entity-engine-xml>\n<Project id="1" key="JRA"/>\n</entity-engine-xml>\n')

space_fixture()
legacy_fixture()
jira_fixture()
