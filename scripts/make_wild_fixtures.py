"""Copies tests/fixtures/wild/cook2019_herm_full_edgelist.csv.gz from the PyPI package `cect`
(OpenWorm's C. elegans connectome toolbox, MIT) and prints the figures tests/wild.rs checks,
counted with Python's csv module.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip download cect==0.3.5 --no-deps -d /tmp/cect
    /tmp/venv/bin/python scripts/make_wild_fixtures.py /tmp/cect/cect-0.3.5-py3-none-any.whl
"""
import collections
import csv
import gzip
import io
import os
import sys
import zipfile

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "wild")
wheel = zipfile.ZipFile(sys.argv[1])
raw = wheel.read("cect/data/herm_full_edgelist.csv")
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "cook2019_herm_full_edgelist.csv.gz"), "wb") as f:
    f.write(gzip.compress(raw, compresslevel=9, mtime=0))

rows = list(csv.reader(io.StringIO(raw.decode())))[1:]
padded = sum(1 for r in rows for x in r[:2] if x != x.strip())
names = {x.strip() for r in rows for x in r[:2]}
chem = collections.defaultdict(float)
elec = collections.defaultdict(float)
for r in rows:
    (chem if r[3] == "chemical" else elec)[(r[0].strip(), r[1].strip())] += float(r[2])
pairs, weight, both, asym_rows, asym = set(), 0.0, 0, 0, []
for (a, b), w in elec.items():
    key = tuple(sorted((a, b)))
    if key in pairs:
        continue
    pairs.add(key)
    if a != b and (b, a) in elec:
        both += 1
        weight += (w + elec[(b, a)]) / 2
        if w != elec[(b, a)]:
            asym_rows += 2
            asym.append((a, b, w, elec[(b, a)]))
    else:
        weight += w
print("neurons", len(names), "padded name cells", padded)
print("chemical", len(chem), sum(chem.values()))
print("electrical rows", sum(1 for r in rows if r[3] == "electrical"), "pairs", len(pairs), "weight (means)", weight)
print("pairs listed both ways", both, "asymmetric rows", asym_rows, "e.g.", asym[:2])
