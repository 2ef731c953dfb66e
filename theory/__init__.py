"""Symbolic derivations, the paper's claims as data, and the numeric engine.

The modules map one-to-one to concepts of Pezeshki et al. (2021):

- ``claims``: every checkable printed statement, transcribed once, verbatim.
- ``derivation``: steps, checks, comparisons and verdicts (plain data).
- ``legendre``, ``multiclass``: Eq. 6, 19-30, Table 5.
- ``dual``: Eq. 7-11 and App. C.2-C.4, C.6.
- ``stability``: Theorem 1 (App. C.5).
- ``uncoupled``: Eq. 12-13 (App. C.7-C.8).
- ``perturbation``: Lemma 1 (Eq. 14, 54-60).
- ``starvation``: Theorem 2 (Eq. 15-16, 61-66), Definition 2.
- ``decoupling``: spectral decoupling (Eq. 17-18, App. C.11, App. B.5).
- ``engine``: the numeric engine (fixed points, sensitivities, trajectories).
"""

__version__ = "0.1.0"
