"""Device selection and the environment record stored with every result."""

from __future__ import annotations

import os
import platform
import sys


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
    if dev.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError(f"device {preference!r} requested but MPS is not available here")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be auto, cpu, cuda[:k] or mps; got {preference!r}")
    return dev


def environment(device) -> dict:
    """Versions, device name and thread settings, recorded with every result."""
    import numpy
    import torch

    env = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "device": str(device),
        "torch_num_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
    }
    if getattr(device, "type", str(device)) == "cuda":
        env["device_name"] = torch.cuda.get_device_name(device)
        env["cuda"] = torch.version.cuda
    else:
        env["device_name"] = platform.processor() or platform.machine()
    return env
