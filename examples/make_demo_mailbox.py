#!/usr/bin/env python3
"""Builds examples/demo.mbox, the mailbox that `make demo` scans.

A small, inert re-enactment of a mail campaign: a newsletter (clean), an invoice mail whose
attachment is an encrypted zip with the password announced "in a separate mail", the second
mail of that thread carrying the password in Japanese, and a forwarded message holding a
nested archive.  The "malware" is the EICAR anti-virus test string, which is harmless.
Needs: python3, zip.  Run: python3 examples/make_demo_mailbox.py examples/demo.mbox
"""
import base64
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
PASSWORD = "Inv-2026!"


def docm_with_payload() -> bytes:
    """An OOXML document whose macro part carries the test string."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("word/document.xml", "<w:document><w:body>Invoice 2026-114</w:body></w:document>")
        z.writestr("word/vbaProject.bin", b"\x00" * 64 + EICAR + b"\x00" * 64)
    return buf.getvalue()


def encrypted_zip(name: str, data: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        subprocess.run(["zip", "-q", "-P", PASSWORD, "out.zip", name], cwd=d, check=True)
        with open(os.path.join(d, "out.zip"), "rb") as f:
            return f.read()


def nested_tgz() -> bytes:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("tools/update.txt", b"run me: " + EICAR)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as t:
        info = tarfile.TarInfo("backup/tools.zip")
        info.size = len(inner.getvalue())
        info.mtime = 1767225600
        t.addfile(info, io.BytesIO(inner.getvalue()))
    return out.getvalue()


def message(frm, subject, msgid, body, when, reply_to=None):
    m = EmailMessage()
    m["From"] = frm
    m["To"] = "keiri@example.co.jp"
    m["Subject"] = subject
    m["Message-ID"] = msgid
    m["Date"] = format_datetime(datetime(2026, 11, 2, *when, tzinfo=timezone.utc))
    if reply_to:
        m["In-Reply-To"] = reply_to
        m["References"] = reply_to
    m.set_content(body)
    return m


def main(out_path):
    msgs = []
    news = message("news@example.org", "Monthly newsletter", "<news-11@example.org>",
                   "Hello,\n\nthis month: office hours, the new coffee machine.\n", (8, 0))
    news.add_alternative("<p>Hello, this month: <b>office hours</b>.</p>", subtype="html")
    msgs.append(news)

    inv = message("Tanaka <tanaka@partner.example.com>", "請求書送付のご案内",
                  "<inv-114@partner.example.com>",
                  "いつもお世話になっております。\n請求書を送付いたします。\n"
                  "パスワードは別メールにてお送りします。\n", (9, 12))
    inv.add_attachment(encrypted_zip("請求書_2026-114.docm", docm_with_payload()),
                       maintype="application", subtype="zip", filename="請求書_2026-114.zip")
    msgs.append(inv)

    msgs.append(message("Tanaka <tanaka@partner.example.com>", "Re: 請求書送付のご案内",
                        "<inv-114-pw@partner.example.com>",
                        "先ほどお送りしたファイルのパスワードをお知らせします。\n\n"
                        f"パスワード：{PASSWORD}\n", (9, 14), reply_to="<inv-114@partner.example.com>"))

    fwd = message("it-support@example.co.jp", "Fwd: backup of the tools share",
                  "<fwd-9@example.co.jp>", "Forwarding the backup, see attachment.\n", (10, 30))
    fwd.add_attachment(nested_tgz(), maintype="application", subtype="gzip",
                       filename="tools-backup.tar.gz")
    msgs.append(fwd)

    with open(out_path, "wb") as f:
        for m in msgs:
            f.write(b"From MAILER-DAEMON Mon Nov  2 09:00:00 2026\n")
            raw = m.as_bytes(policy=m.policy.clone(linesep="\n"))
            # mbox quoting of body lines that start with "From "
            raw = b"\n".join(b">" + l if l.startswith(b"From ") else l for l in raw.split(b"\n"))
            f.write(raw.rstrip(b"\n") + b"\n\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "demo.mbox")
