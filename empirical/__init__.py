"""Empirical side of ``gsv``: the paper's predictions tested on trained PyTorch networks.

Modules (all need torch except `moons`, `mnist_idx` (numpy only) and `progress`):
    device      device selection (CUDA, then MPS, then CPU) and the environment record
    moons       our own two-moons construction (scikit-learn-style moons, shifted by Δ)
    train       the batched trainer: all seeds of a configuration as one tensor program
    measure     input-space margin, reliance on the second coordinate, accuracies
    ntk         empirical NTK at initialization (torch.func and analytic), responses z (Eq. 4)
    experiment  run folders, figures and the per-configuration table (``gsv train moons``)
    progress    a one-line stderr progress report, silent off a terminal and in CI
    features    two-feature data, MLPs in NTK/standard parameterization, chunked eNTK, SVD of YΦ0,
                L-BFGS and Gauss–Newton training (beyond the NTK regime)
    width_sweep trained networks vs the engine's z* for their own Φ0, by width (Eq. 9, Eq. 18)
    starvation  reliance on feature 2 as feature 1 strengthens; the block design with coupling δ (Thm. 2, Eq. 15)
    colored_digits  the Colored-MNIST protocol of §4.3 on bundled 8x8 digits (or MNIST IDX files)
    mnist_idx   reader of the standard MNIST IDX files
"""
