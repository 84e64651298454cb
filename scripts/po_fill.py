"""Fill empty msgstr entries of a .po file from a JSON dict {msgid: msgstr} (translation helper).

Usage: python scripts/po_fill.py locale/fr/LC_MESSAGES/django.po translations.json
Handles single-line and multi-line msgids; leaves entries it has no translation for untouched.
"""

import json
import re
import sys


def unquote(lines):
    return "".join(json.loads(line) for line in lines)


def quote(text):
    return json.dumps(text, ensure_ascii=False)


def main(po_path, json_path):
    with open(json_path, encoding="utf-8") as fh:
        table = json.load(fh)
    with open(po_path, encoding="utf-8") as fh:
        source = fh.read()
    blocks = source.split("\n\n")
    filled = 0
    for i, block in enumerate(blocks):
        if "msgid_plural" in block:
            continue
        m = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block, re.M)
        if not m:
            continue
        msgid = unquote(re.findall(r'".*"', m.group(1)))
        msgstr = unquote(re.findall(r'".*"', m.group(2)))
        if not msgid or msgstr or msgid not in table:
            continue
        new = (
            block[: m.start(2)]
            + quote(table[msgid])
            + ("\n" if m.group(2).endswith("\n") else "")
            + block[m.end(2) :]
        )
        new = new.replace("#, fuzzy\n", "")
        blocks[i] = new
        filled += 1
    with open(po_path, "w", encoding="utf-8") as fh:
        fh.write("\n\n".join(blocks))
    print(f"filled {filled}")


if __name__ == "__main__":
    main(*sys.argv[1:])
