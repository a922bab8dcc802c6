"""Fixture for tests/affinity.rs: the differential affinity of
connectoscope::analysis::functional::affinity::differential, restated independently in NumPy
from the numbered steps of its doc comment (our formalisation of Dyballa et al., ICLR 2024,
arXiv 2402.14102, §2.1). The authors' own code (the notebook celegans-dynamic-communities.ipynb
in github.com/dyballa/dynamic-connectomes) could not be read or run here, so this is a
restatement of the definition, not their function. With a path to a checkout of that
repository as the only argument, the script says whether the notebook is there (it never
runs or imports it).

    python3 -m venv /tmp/affvenv && /tmp/affvenv/bin/pip install numpy
    /tmp/affvenv/bin/python scripts/make_affinity_fixture.py > tests/fixtures/functional/differential.json
"""
import json
import os
import sys

import numpy as np

FLAT = 1e-12


def zscore(x):
    x = np.asarray(x, dtype=float)
    sd = x.std()
    return (x - x.mean()) / sd if sd > 1e-12 else np.zeros_like(x)


def differential(traces, k):
    """traces: neurons x samples (one window). Returns the upper triangle, row by row."""
    x = np.asarray(traces, dtype=float)
    n, length = x.shape
    if length < 3:
        return [0.0] * (n * (n - 1) // 2)
    h = min(max(k, 1), (length - 1) // 2)
    # Step 1-2: smoothed derivative of the z-scored trace, t = h .. L-1-h.
    g = np.array([(z[2 * h:] - z[:-2 * h]) / (2 * h) for z in map(zscore, x)])
    # Step 3: signs, 0 within FLAT of zero.
    s = np.where(g > FLAT, 1, np.where(g < -FLAT, -1, 0))
    t_len = g.shape[1]
    out = []
    for i in range(n):
        for j in range(i + 1, n):
            # Step 4: maximal runs where both signs are non-zero and constant.
            live = (s[i] != 0) & (s[j] != 0)
            key = s[i] * 3 + s[j]
            total = 0.0
            t = 0
            while t < t_len:
                if not live[t]:
                    t += 1
                    continue
                end = t
                while end < t_len and live[end] and key[end] == key[t]:
                    end += 1
                ai = float(np.abs(g[i, t:end]).sum())
                aj = float(np.abs(g[j, t:end]).sum())
                # Step 5: run length times min/max of the absolute changes.
                total += (end - t) * (min(ai, aj) / max(ai, aj))
                t = end
            out.append(total / t_len)
    return out


def traces(seed, n=8, samples=100):
    """Seeded synthetic calcium-like traces: two groups following their own smooth drivers
    (one of them anti-phase), the rest independent, plus a constant neuron."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples) * 0.25

    def smooth(scale):
        v, out = 0.0, []
        for e in rng.normal(size=samples):
            v = 0.85 * v + e
            out.append(v)
        return scale * np.array(out)

    d1, d2 = smooth(1.0), smooth(1.0)
    x = np.empty((n, samples))
    x[0] = d1 + 0.2 * smooth(1.0)
    x[1] = 3.0 * d1 + 1.0 + 0.3 * smooth(1.0)
    x[2] = -2.0 * d1 + 0.3 * smooth(1.0)
    x[3] = d2 + 0.2 * smooth(1.0)
    x[4] = 0.5 * d2 + np.sin(t)
    x[5] = smooth(1.0)
    x[6] = rng.normal(size=samples)
    x[7] = 2.5  # constant: no derivative, affinity 0 with everyone
    return np.round(x, 6)  # short decimals, read back exactly by the test


def main():
    if len(sys.argv) > 1:
        nb = os.path.join(sys.argv[1], "celegans-dynamic-communities.ipynb")
        print(f"{nb}: {'present' if os.path.exists(nb) else 'absent'} (not used)", file=sys.stderr)
    cases = []
    for seed, samples, ks in [(1, 100, [1, 2, 5]), (2, 100, [3]), (3, 9, [1, 4, 50])]:
        x = traces(seed, samples=samples)
        cases.append(
            {
                "seed": seed,
                "traces": [[float(v) for v in row] for row in x],
                "results": [{"k": k, "differential": differential(x, k)} for k in ks],
            }
        )
    json.dump({"source": "NumPy restatement (scripts/make_affinity_fixture.py)", "cases": cases}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
