"""Device selection: ``auto`` (CUDA, then MPS, then CPU), ``cpu``, ``cuda``, ``cuda:N``, ``mps``.

The environment record stored with every result is :func:`empirical.runs.environment`.
"""

from __future__ import annotations


def select_device(preference: str | None = None):
    """Pick the torch device: ``preference`` if given, else CUDA, then MPS, then CPU.

    Args:
        preference: ``None``/"auto" for automatic choice, or a torch device string
            ("cpu", "cuda", "cuda:1", "mps").

    Returns:
        torch.device

    Raises:
        ValueError: if ``preference`` is not a valid device string or the device is absent.
    """
    import torch

    if preference is None or preference == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(preference)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be auto, cpu, cuda[:k] or mps; got {preference!r}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {preference!r} requested but CUDA is not available here")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"device {preference!r} requested but only {torch.cuda.device_count()} CUDA device(s) exist")
    if dev.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError(f"device {preference!r} requested but MPS is not available here")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be auto, cpu, cuda[:k] or mps; got {preference!r}")
    return dev
