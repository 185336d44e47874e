"""Phase diagrams over two parameter axes (§5.2).

A sweep evaluates one method on a 2-D grid of two of the axes ``rhoL`` (= rho L), ``gammaL``
(= gamma L), ``lam``, ``tau`` and ``alpha`` (``L = 1`` normalisation), the other parameters held
``fixed``:

* ``mode="spectral"``: spectral radius ``max_j |m(u_j)|`` on the linear family (LowerBoundGame(rho, 1),
  the bilinear game ``xy`` or ``random_comonotone``), batched over one grid row at a time;
* ``mode="empirical"``: batched runs (:func:`monoverify.solvers.run`) from ``z0``; outcome per cell
  and the measured linear rate ``(res_n / res_{n/2})^{2/n}`` per outer iteration;
* ``mode="pep"``: :func:`monoverify.theory.pep.worst_case` per cell (small ``n_iter``).

The work is cut into chunks (one value of the chunk axis -- ``tau`` when it is an axis, else the
first axis -- and the whole other axis), computed by the top-level function :func:`compute_chunk`
through any :class:`concurrent.futures.Executor` (serially in-process by default). With
``checkpoint=PATH`` every finished chunk is appended to the file (one JSON line, flushed and
fsync-ed, under a file lock) below a header line marking the file as a monoverify checkpoint with a
hash of the sweep definition; a restart computes only the missing chunks, refuses a file that is not
a checkpoint or a checkpoint of a different sweep, ignores a truncated last line and recomputes the
chunk of a line of the wrong shape (see :mod:`.checkpoint`).

Spectral cells are labelled by what the radius says (``radius<1`` | ``radius>=1``), since nothing
is run; empirical cells carry the run's status. Boundaries are derived from the registered region
theorems (:mod:`.boundaries`). Layout: :mod:`.compute` (one chunk), :mod:`.result`,
:mod:`.boundaries`, :mod:`.checkpoint`, :mod:`.sweep` (the driver), :mod:`.pool` (process pools).

Examples
--------
>>> import numpy as np
>>> res = phase_diagram("eg+", {"rhoL": np.linspace(-0.5, 0, 3), "alpha": [0.25, 0.5]}, progress=False)
>>> res.values.shape, str(res.status[0, 0]), str(res.status[-1, -1])
((3, 2), 'radius>=1', 'radius<1')
"""

from __future__ import annotations

from .boundaries import BOUNDARIES
from .compute import compute_chunk
from .pool import process_pool
from .result import PhaseResult
from .sweep import AXES, FAMILIES, MODES, phase_diagram

__all__ = ["phase_diagram", "PhaseResult", "compute_chunk", "AXES", "MODES", "FAMILIES", "BOUNDARIES", "process_pool"]
