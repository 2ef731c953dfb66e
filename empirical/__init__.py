"""Empirical side of ``gsv``: the two-moons experiments of §2, §4.1 and App. B.2, measured.

Modules (all need torch except :mod:`empirical.moons`, which is numpy only):
    device      device selection (CUDA, then MPS, then CPU) and the environment record
    moons       our own two-moons construction (scikit-learn-style moons, shifted by Δ)
    train       the batched trainer: all seeds of a configuration as one tensor program
    measure     input-space margin, reliance on the second coordinate, accuracies
    ntk         empirical NTK at initialization (torch.func and analytic), responses z (Eq. 4)
    experiment  run folders, figures and the per-configuration table (``gsv train moons``)
"""
