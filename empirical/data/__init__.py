"""Data sets of the experiments, generators and loaders in one place (numpy only; no downloads).

    moons       two moons shifted by a margin Δ and rotated (§2, Fig. 1, App. B.2)
    synthetic   two-feature data and the block design with Eq. 15's coupling δ (beyond-NTK tests)
    digits      8x8 digits (scikit-learn, bundled) or MNIST IDX files: the Colored-MNIST source (§4.3)
    mnist_idx   reader/writer of the standard MNIST IDX format
"""

from empirical.data.digits import DATASETS, Source, load_source
from empirical.data.mnist_idx import IdxFormatError, load_mnist, read_idx
from empirical.data.moons import make_moons, two_moons
from empirical.data.synthetic import block_feature_data, block_references, two_feature_data

__all__ = ["DATASETS", "Source", "load_source", "IdxFormatError", "load_mnist", "read_idx", "make_moons",
           "two_moons", "block_feature_data", "block_references", "two_feature_data"]
