#!/usr/bin/env python3
"""Parse RFC 5322 messages with Python's email package (an independent MIME
parser) and print what it sees as one JSON object per file, for
convert_test.go to compare with the items the messages were made from."""
import email
import email.policy
import hashlib
import json
import sys

out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = []
    for part in msg.walk():
        defects += [type(d).__name__ for d in part.defects]
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    atts = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True) or b""
        atts.append({"filename": part.get_filename(), "content_type": part.get_content_type(),
                     "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    out.append({
        "file": path,
        "from": [a.addr_spec for a in msg["From"].addresses],
        "from_name": [a.display_name for a in msg["From"].addresses],
        "to": [a.addr_spec for g in msg["To"].groups for a in g.addresses],
        "subject": str(msg["Subject"]),
        "date": msg["Date"].datetime.isoformat(),
        "message_id": str(msg["Message-ID"]),
        "source": str(msg["X-Custos-Source"]),
        "kind": str(msg["X-Custos-Kind"]),
        "source_id": str(msg["X-Custos-Source-Id"]),
        "text": text.get_content() if text is not None else None,
        "html": html.get_content() if html is not None else None,
        "attachments": atts,
        "defects": defects,
    })
json.dump(out, sys.stdout, ensure_ascii=False)
