"""Where the MNIST files are: the project's one resolution order, in one place.

1. an explicit folder (``root=`` in code, ``--data-dir`` on the command lines), when given;
2. the folder named by the ``TINYGRAD_EDU_DATA`` environment variable, when set;
3. ``../shared/data/mnist`` beside a source checkout of the project, when it holds the files;
4. the user cache folder (``$XDG_CACHE_HOME/tinygrad_edu/mnist``, by default
   ``~/.cache/tinygrad_edu/mnist``), where ``MNIST`` downloads what is missing.

The library (``MNIST``), the examples, the exercises and the tests all call ``locate_mnist``;
command lines describe the order with ``RESOLUTION_ORDER``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

# (images file, labels file) for each split.
TRAIN_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

ENVIRONMENT_VARIABLE = "TINYGRAD_EDU_DATA"
# Where each step of the resolution order is named in messages and in ``MnistLocation.source``.
SOURCE_ARGUMENT = "root argument"
SOURCE_ENVIRONMENT = "$" + ENVIRONMENT_VARIABLE
SOURCE_SHARED = "../shared/data/mnist"
SOURCE_CACHE = "user cache"
# The order in words, for command-line help and messages.
RESOLUTION_ORDER = ("$TINYGRAD_EDU_DATA, else ../shared/data/mnist beside the checkout, else the "
                    "user cache, downloading what is missing")


@dataclass(frozen=True)
class MnistLocation:
    """Where MNIST is read from, and which step of the resolution order chose the folder.

    Attributes:
        folder: the folder that holds (or will hold) the four gz files.
        source: ``"root argument"``, ``"$TINYGRAD_EDU_DATA"``, ``"../shared/data/mnist"`` or
            ``"user cache"``.
    """

    folder: Path
    source: str

    @property
    def downloads_by_default(self) -> bool:
        """Only the user cache is filled by downloading unless ``download=True`` is asked for:
        a folder the user named, or the shared data folder, is used as it is."""
        return self.source == SOURCE_CACHE


def shared_data_dir() -> Path | None:
    """``../shared/data/mnist`` beside the source checkout this package was loaded from, or
    ``None`` when the package is not in a source checkout (an installed wheel, say).

    A source checkout is recognised by the ``setup.cfg`` next to the ``tinygrad_edu`` folder.

    Example:
        >>> folder = shared_data_dir()
        >>> folder is None or folder.parts[-3:] == ("shared", "data", "mnist")
        True
    """
    checkout = Path(__file__).resolve().parents[3]
    if not (checkout / "setup.cfg").is_file() or not (checkout / "tinygrad_edu").is_dir():
        return None
    return checkout.parent / "shared" / "data" / "mnist"


def user_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/tinygrad_edu/mnist``, by default ``~/.cache/tinygrad_edu/mnist``.

    Example:
        >>> user_cache_dir({"XDG_CACHE_HOME": "/cache"}).as_posix()
        '/cache/tinygrad_edu/mnist'
    """
    variables = os.environ if environ is None else environ
    cache = variables.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(cache).expanduser() / "tinygrad_edu" / "mnist"


def locate_mnist(root: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None,
                 shared: Path | None | bool = True) -> MnistLocation:
    """The one resolution order for MNIST's folder (see the module docstring).

    Args:
        root: an explicit folder; it wins over everything else.
        environ: the environment variables to read; default ``os.environ``.
        shared: the shared data folder to consider: ``True`` (default) for
            ``shared_data_dir()``, a path, or ``None`` to skip that step.

    The explicit folder and ``$TINYGRAD_EDU_DATA`` (an empty value counts as unset) are used
    even when the files are not there (the error then names that folder), relative paths made
    absolute; the shared folder only when it holds all four files.

    Example:
        >>> locate_mnist("/data/mnist").source
        'root argument'
        >>> located = locate_mnist(environ={"TINYGRAD_EDU_DATA": "/data/mnist"})
        >>> located.folder.as_posix(), located.source
        ('/data/mnist', '$TINYGRAD_EDU_DATA')
        >>> located = locate_mnist(environ={"XDG_CACHE_HOME": "/cache"}, shared=None)
        >>> located.folder.as_posix(), located.source, located.downloads_by_default
        ('/cache/tinygrad_edu/mnist', 'user cache', True)
    """
    variables = os.environ if environ is None else environ
    if root is not None:
        return MnistLocation(Path(root).expanduser().absolute(), SOURCE_ARGUMENT)
    if variables.get(ENVIRONMENT_VARIABLE):
        return MnistLocation(Path(variables[ENVIRONMENT_VARIABLE]).expanduser().absolute(),
                             SOURCE_ENVIRONMENT)
    shared_folder = shared_data_dir() if shared is True else shared
    if isinstance(shared_folder, Path) and holds_all_files(shared_folder):
        return MnistLocation(shared_folder, SOURCE_SHARED)
    return MnistLocation(user_cache_dir(variables), SOURCE_CACHE)


def holds_all_files(folder: Path) -> bool:
    """Whether ``folder`` has all four MNIST files (their content is checked when read)."""
    return all((folder / name).is_file() for name in TRAIN_FILES + TEST_FILES)


def default_root(environ: Mapping[str, str] | None = None) -> Path:
    """The folder used when ``root`` is not given: ``locate_mnist(None, environ).folder``.

    Example:
        >>> default_root({"TINYGRAD_EDU_DATA": "/data/mnist"}).as_posix()
        '/data/mnist'
    """
    return locate_mnist(None, environ).folder
