"""torch_env.py — the environment a PyTorch process runs in for the comparisons with relunet
(scripts/bench-vs-pytorch, scripts/pytorch/train_fast.py): the thread counts, and the BLAS that
Debian's PyTorch calls, chosen by putting Debian's OpenBLAS first on the library path (no root
needed) and checked afterwards in /proc/self/maps. Standard library only: it runs before torch
is imported.
"""
import os
import sysconfig

BLAS_CHOICES = ("openblas", "system")


class EnvError(Exception):
    pass


def openblas_directory():
    multiarch = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
    return f"/usr/lib/{multiarch}/openblas-pthread"


def torch_environment(threads, blas, base=None):
    """The environment for a PyTorch process: `threads` OpenMP and OpenBLAS threads and, for
    blas "openblas", Debian's pthread OpenBLAS first on LD_LIBRARY_PATH."""
    env = dict(os.environ if base is None else base, OMP_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads))
    if blas == "openblas":
        directory = openblas_directory()
        if not os.path.isfile(os.path.join(directory, "libblas.so.3")):
            raise EnvError(f"no OpenBLAS in {directory}: sudo apt-get install "
                           "libopenblas0-pthread, or --blas system")
        paths = env.get("LD_LIBRARY_PATH", "").split(os.pathsep)
        if directory not in paths:
            env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [directory] + paths))
    return env


def loaded_blas():
    """The BLAS library this process actually mapped, from /proc/self/maps: (kind, path)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
    openblas = sorted(p for p in paths if "openblas" in p)
    if openblas:
        return "openblas", openblas[0]
    libblas = sorted(p for p in paths if "libblas" in p)
    if libblas and "/blas/" in libblas[0]:
        return "reference", libblas[0]
    return "unknown", ", ".join(sorted(paths)) or "none mapped"
