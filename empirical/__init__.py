"""Empirical side of ``gsv``: the paper's predictions tested on trained PyTorch networks.

Framework (torch imported lazily; ``registry`` and ``cli`` import without it):
    models      nn.Module networks (MLP standard/NTK, the App. B.3 CNN) and seed ensembles (vmap;
                plain MLPs as batched matmuls)
    prefix      shared training prefixes: a row that is another row's objective up to step k starts there
    objectives  CE, weight decay (to 0 / θ0), SD (Eq. 17, released code, App. B.5), IRM, V-REx
    data        data sets: two moons, two-feature/block designs, 8x8 digits, MNIST IDX (numpy only)
    runs        run folders: atomic files, lock, cells, checkpoints, completeness marker, environment
    sweep       experiments as cells on local / Dask / SLURM (submitit) executors
    registry    the experiments of ``gsv train`` and the options each accepts
    cli         ``gsv train`` parsing and dispatch
    device      device selection (auto: CUDA, then MPS, then CPU)
    progress    a one-line stderr progress report, silent off a terminal and in CI

Experiments and their machinery:
    train       the two-moons trainer: all seeds (and configurations sharing an architecture) as one program
    measure     input-space margin, reliance on the second coordinate, accuracies
    ntk         empirical NTK at initialization (torch.func and analytic), responses z (Eq. 4)
    experiment  two moons (§2, App. B.2; ``gsv train moons``)
    features    centred bias-free MLPs with analytic Jacobian and chunked eNTK, SVD of YΦ0,
                L-BFGS and Gauss–Newton training to the optimum (beyond the NTK regime)
    width_sweep trained networks vs the engine's z* for their own Φ0, by width (Eq. 9, Eq. 18)
    starvation  reliance on feature 2 as feature 1 strengthens; the block design with coupling δ (Thm. 2, Eq. 15)
    colored_digits  the Colored-MNIST protocol of §4.3 on bundled 8x8 digits (or MNIST IDX files)
"""
