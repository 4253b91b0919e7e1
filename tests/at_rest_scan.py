#!/usr/bin/env python3
"""Writes the search patterns of the disk-theft test (tests/at_rest_cli_test.sh).

For every personal value of the given CSVs (names, aliases, phones, e-mails,
documents, addresses, officers), one pattern per encoding a careless store might use:
as given (UTF-8), lower case, digits only (phones), base64 and hex (lower and
upper case). Values shorter than 6 bytes are left out: a 5-byte string turns
up by chance in megabytes of ciphertext. Usage:

  at_rest_scan.py patterns OUT CSV[:MAP]...   MAP: src=dst column renames
  at_rest_scan.py probe OUT VALUE              every encoding of VALUE, one a line
  at_rest_scan.py confirm FILE < GREP_OUTPUT   hits of `grep -a -o -b` in FILE that count

A short value made only of hex digits (a 7-digit document number) also turns
up inside the hex fingerprints and decimal times of public files such as
roster.bin; such a hit is inside a longer run of hex digits, where a stored
value would stand alone, so `confirm` drops it and prints the hits that remain.
"""
import base64
import csv
import sys

FIELDS = ("given_name", "family_name", "aliases", "phone", "email", "document", "address", "officer")
MIN_BYTES = 6


def encodings(value):
    raw = value.encode("utf-8")
    forms = {raw, value.lower().encode("utf-8")}
    digits = "".join(c for c in value if c.isdigit())
    if value.startswith("+") and len(digits) >= MIN_BYTES:
        forms.add(digits.encode())
    out = set()
    for f in forms:
        if len(f) < MIN_BYTES:
            continue
        out.add(("utf-8", f))
        out.add(("base64", base64.b64encode(f).rstrip(b"=")))
        out.add(("hex", f.hex().encode()))
        out.add(("HEX", f.hex().upper().encode()))
    return out


def values(path, renames):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh, skipinitialspace=True)
        header = [renames.get(h.strip(), h.strip()) for h in next(rows)]
        for row in rows:
            for name, cell in zip(header, row):
                if name in FIELDS:
                    for v in cell.split(";"):
                        if v.strip():
                            yield v.strip()


HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
SHORT_HEX_VALUE = 16


def inside_hex_run(data, offset, match):
    if len(match) >= SHORT_HEX_VALUE or not all(c in HEX_DIGITS for c in match):
        return False
    before = data[offset - 1] if offset > 0 else None
    end = offset + len(match)
    after = data[end] if end < len(data) else None
    return before in HEX_DIGITS or after in HEX_DIGITS


def confirm(path):
    with open(path, "rb") as fh:
        data = fh.read()
    kept = set()
    for line in sys.stdin.buffer:
        offset, _, match = line.rstrip(b"\n").partition(b":")
        if not inside_hex_run(data, int(offset), match):
            kept.add(match)
    for match in sorted(kept):
        sys.stdout.buffer.write(match + b"\n")


def main():
    if sys.argv[1] == "confirm":
        confirm(sys.argv[2])
        return
    if sys.argv[1] == "probe":
        with open(sys.argv[2], "wb") as out:
            for kind, form in sorted(encodings(sys.argv[3])):
                out.write(b"<" + form + b">\n")
        return
    patterns = set()
    count = 0
    for arg in sys.argv[3:]:
        path, _, mapping = arg.partition(":")
        renames = dict(p.split("=", 1) for p in mapping.split(",") if p)
        for v in values(path, renames):
            count += 1
            patterns.update(form for _, form in encodings(v))
    with open(sys.argv[2], "wb") as out:
        for p in sorted(patterns):
            out.write(p + b"\n")
    print(f"{count} values, {len(patterns)} patterns")


if __name__ == "__main__":
    main()
