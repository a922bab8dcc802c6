"""tensorly 0.10 non_negative_parafac_hals on the issue's benchmark size: 200 neurons -> 19,900
pairs x 20 windows x 4 recordings, rank 10, 100 iterations (tol 0 so every iteration runs), one
random start; the same planted tensor as connectoscope's `ntf::planted` (noise 0.3).
Prints {"tensorly_s", "rel_error"}. Compare with `cargo bench --bench ntf` in the same session.

    /tmp/peers/bin/python scripts/bench_ntf.py
"""
import json
import time

import numpy as np
import tensorly as tl
from tensorly.decomposition import non_negative_parafac_hals

from make_ntf_fixture import planted

x = planted((19900, 20, 4), 10, 0.3)
times = []
for rep in range(3):
    t0 = time.perf_counter()
    cp = non_negative_parafac_hals(tl.tensor(x), rank=10, n_iter_max=100, init="random", random_state=rep, tol=0)
    times.append(time.perf_counter() - t0)
err = float(tl.norm(x - tl.cp_to_tensor(cp)) / tl.norm(x))
print(json.dumps({"tensorly_s": min(times), "rel_error": err}))
