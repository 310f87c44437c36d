"""MNIST handwritten digits from the four standard IDX gz files, with md5 checks and download.

Where the files are looked for: the one resolution order of ``locate.py`` (``locate_mnist``).

Each file's md5 is checked against the known sums (the same ones torchvision checks) before it
is parsed. A download fetches only the missing files, trying each mirror in turn, retrying with a
growing pause, and writes each file through a temporary file in the same folder that replaces
the target only once its md5 is right; a download that fails removes what it created (the
files of that call and any folder it made), so no empty or partial folder is left behind.

IDX format: a 4-byte big-endian magic number (2051 for images, 2049 for labels; its last byte is
the number of dimensions), one 4-byte big-endian size per dimension, then the uint8 values.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import time
import urllib.request
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np

from tinygrad_edu.data.datasets.locate import (
    SOURCE_ARGUMENT,
    SOURCE_CACHE,
    SOURCE_ENVIRONMENT,
    SOURCE_SHARED,
    TEST_FILES,
    TRAIN_FILES,
    MnistLocation,
    default_root,
    locate_mnist,
    shared_data_dir,
    user_cache_dir,
)
from tinygrad_edu.tensor import Tensor

# Re-exported: callers that knew them here keep finding them.
__all__ = ["DatasetError", "MD5SUMS", "MIRRORS", "MNIST", "MnistLocation", "MnistNotFoundError",
           "SOURCE_ARGUMENT", "SOURCE_CACHE", "SOURCE_ENVIRONMENT", "SOURCE_SHARED", "TEST_FILES",
           "TRAIN_FILES", "default_root", "download_file", "locate_mnist", "make_folders",
           "md5_of", "parse_idx", "remove_empty_folders", "shared_data_dir", "user_cache_dir"]

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
MD5SUMS = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
DOWNLOAD_TIMEOUT_SECONDS = 30.0
DOWNLOAD_ATTEMPTS = 3  # rounds over all mirrors
DOWNLOAD_BACKOFF_SECONDS = 1.0  # pause after round k is this times 2**k

_FOLDER_HINT = ("point root= or the TINYGRAD_EDU_DATA environment variable at a folder holding "
                "the four MNIST files (" + ", ".join(MD5SUMS) + ")")
_OFFLINE_HINT = f"Offline, {_FOLDER_HINT}; online, pass download=True."


class DatasetError(ValueError):
    """A data file exists but is not what it should be (wrong md5, bad header, truncated), or
    could not be downloaded.

    Attributes:
        path: the file concerned (``None`` when unknown).
        problem: the problem in a few words, without the advice on how to fix it.
    """

    def __init__(self, message: str, path: str | os.PathLike | None = None,
                 problem: str | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else Path(path)
        self.problem = problem if problem is not None else message


class MnistNotFoundError(FileNotFoundError):
    """An MNIST file is not in the folder chosen by the resolution order, and was not to be
    downloaded there.

    Attributes:
        path: the missing file.
        location: the folder and the step of the resolution order that chose it.
        problem: the problem in a few words (``"file not found"``).
    """

    def __init__(self, message: str, path: Path, location: "MnistLocation") -> None:
        super().__init__(message)
        self.path = path
        self.location = location
        self.problem = "file not found"


def md5_of(path: Path) -> str:
    """The hex md5 digest of a file, read in 1 MiB blocks.

    Example:
        >>> import pathlib, tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = pathlib.Path(folder) / "hello.txt"
        ...     _ = path.write_bytes(b"hello")
        ...     md5_of(path)
        '5d41402abc4b2a76b9719d911017c592'
    """
    digest = hashlib.md5()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_idx(raw: bytes, expected_magic: int, name: str = "<bytes>") -> np.ndarray:
    """The uint8 array held by the (decompressed) bytes of an IDX file.

    Args:
        raw: the whole file's bytes.
        expected_magic: 2051 for images, 2049 for labels.
        name: the file's name, for error messages.

    Raises:
        DatasetError: a wrong magic number, or fewer or more bytes than the header announces.

    Example:
        >>> header = (2049).to_bytes(4, "big") + (3).to_bytes(4, "big")
        >>> parse_idx(header + bytes([7, 0, 9]), 2049)
        array([7, 0, 9], dtype=uint8)
    """
    if len(raw) < 4:
        problem = f"truncated IDX file ({len(raw)} bytes, shorter than the 4-byte magic number)"
        raise DatasetError(f"{name}: {problem}. {_OFFLINE_HINT}", name, problem)
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        problem = (f"wrong IDX magic number: expected {expected_magic}, found {magic}; this is "
                   "not the MNIST file it is named after")
        raise DatasetError(f"{name}: {problem}. {_OFFLINE_HINT}", name, problem)
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        problem = f"truncated IDX header: expected {header_size} bytes, found {len(raw)}"
        raise DatasetError(f"{name}: {problem}. {_OFFLINE_HINT}", name, problem)
    shape = tuple(int.from_bytes(raw[4 + 4 * axis:8 + 4 * axis], "big") for axis in range(ndim))
    expected = header_size + int(np.prod(shape))
    if len(raw) != expected:
        kind = "truncated IDX file" if len(raw) < expected else "trailing bytes in IDX file"
        problem = (f"{kind}: the header announces shape {shape}, so {expected} bytes are "
                   f"expected, found {len(raw)}")
        raise DatasetError(f"{name}: {problem}. {_OFFLINE_HINT}", name, problem)
    return np.frombuffer(bytearray(raw), dtype=np.uint8, offset=header_size).reshape(shape)


def _check_md5(path: Path) -> None:
    found = md5_of(path)
    if found != MD5SUMS[path.name]:
        problem = (f"md5 mismatch: expected {MD5SUMS[path.name]}, found {found} "
                   f"({path.stat().st_size} bytes); the file is corrupt, truncated or another "
                   "version")
        raise DatasetError(
            f"{path}: {problem}. Delete it and load again with download=True, or replace it by "
            f"a good copy. {_OFFLINE_HINT}", path, problem)


def _read_idx_gz(path: Path, expected_magic: int) -> np.ndarray:
    _check_md5(path)
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as error:
        problem = f"not a complete gzip file ({error})"
        raise DatasetError(f"{path}: {problem}. {_OFFLINE_HINT}", path, problem) from None
    return parse_idx(raw, expected_magic, str(path))


def _fetch(url: str, destination: Path, timeout: float) -> None:
    """Download ``url`` into ``destination`` atomically, checking the md5 on the way."""
    temporary = tempfile.NamedTemporaryFile(dir=destination.parent, prefix=f".{destination.name}.",
                                            suffix=".part", delete=False)
    try:
        digest = hashlib.md5()
        received = 0
        with temporary, urllib.request.urlopen(url, timeout=timeout) as response:
            announced = response.headers.get("Content-Length")
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                temporary.write(block)
                received += len(block)
        if announced is not None and received != int(announced):
            raise DatasetError(f"truncated transfer: received {received} of {announced} bytes")
        if digest.hexdigest() != MD5SUMS[destination.name]:
            raise DatasetError(f"md5 mismatch: expected {MD5SUMS[destination.name]}, found "
                               f"{digest.hexdigest()}")
        os.replace(temporary.name, destination)
    finally:
        if os.path.exists(temporary.name):
            os.remove(temporary.name)


def download_file(filename: str, root: str | os.PathLike, mirrors: Sequence[str] | None = None,
                  attempts: int | None = None, backoff: float | None = None,
                  timeout: float | None = None) -> Path:
    """Fetch one MNIST file into ``root`` from the first mirror that serves it with the right md5.

    Args:
        filename: one of the four names in ``MD5SUMS``.
        root: the folder to write into (created if missing).
        mirrors: base URLs tried in order (``mirror + filename``); default ``MIRRORS``.
        attempts: rounds over all mirrors; default ``DOWNLOAD_ATTEMPTS``.
        backoff: the pause after round k is ``backoff * 2**k`` seconds; default
            ``DOWNLOAD_BACKOFF_SECONDS``.
        timeout: seconds each connection may stall; default ``DOWNLOAD_TIMEOUT_SECONDS``.

    A failed or corrupt transfer leaves nothing behind: the data goes to a temporary file in
    ``root`` that replaces the target (``os.replace``) only after its md5 matched, and the
    folders this call created are removed again when every attempt failed.

    Raises:
        DatasetError: every attempt failed; the message lists each URL and its error.

    Example (a mirror that does not have the file):
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:  # doctest: +ELLIPSIS
        ...     download_file(TEST_FILES[1], folder, ["file:///nonexistent/"], attempts=1)
        Traceback (most recent call last):
        ...
        tinygrad_edu.data.datasets.mnist.DatasetError: could not download ...gz into ...
    """
    attempts = DOWNLOAD_ATTEMPTS if attempts is None else attempts
    backoff = DOWNLOAD_BACKOFF_SECONDS if backoff is None else backoff
    timeout = DOWNLOAD_TIMEOUT_SECONDS if timeout is None else timeout
    urls = [mirror.rstrip("/") + "/" + filename for mirror in (mirrors or MIRRORS)]
    destination = Path(root) / filename
    created = make_folders(destination.parent)
    failures = []
    try:
        for attempt in range(attempts):
            if attempt:
                time.sleep(backoff * 2 ** (attempt - 1))
            for url in urls:
                try:
                    _fetch(url, destination, timeout)
                    return destination
                # URLError, HTTPError and timeouts are OSErrors; a cut connection can also
                # raise http.client.IncompleteRead; a bad md5 or URL raises a ValueError.
                except (OSError, ValueError, http.client.HTTPException) as error:
                    failures.append(f"  attempt {attempt + 1}, {url}: {error}")
    finally:
        if not destination.exists():  # every attempt failed, or Ctrl-C stopped them
            remove_empty_folders(created)
    problem = (f"could not be downloaded ({len(failures)} failed attempts; last: "
               f"{failures[-1].strip() if failures else 'none made'})")
    raise DatasetError(f"could not download {filename} into {destination.parent}:\n"
                       + "\n".join(failures) + "\nCheck the connection or pass other "
                       f"mirrors=[...]; offline, {_FOLDER_HINT}.", destination, problem)


def make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the created ones, deepest first.

    Example:
        >>> import pathlib, tempfile
        >>> with tempfile.TemporaryDirectory() as base:
        ...     created = make_folders(pathlib.Path(base) / "a" / "b")
        ...     [path.name for path in created]
        ['b', 'a']
    """
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def remove_empty_folders(folders: Sequence[Path]) -> None:
    """Remove each folder (deepest first) if it is empty; folders with content stay."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            break


class MNIST:
    """The MNIST digits: 60,000 training or 10,000 test images (torchvision.datasets.MNIST).

    Args:
        root: the folder holding the four gz files; default: the resolution order of
            ``locate_mnist``.
        train: the training split (60,000 images) if true, else the test split (10,000).
        download: fetch the split's missing files from ``mirrors`` (existing ones are kept).
            ``None`` (the default) downloads only into the user cache, the last step of the
            resolution order; a folder you named is used as it is unless ``download=True``.
        mirrors: base URLs to download from, tried in order; default ``MIRRORS``.

    Attributes:
        images: uint8 array of shape (N, 28, 28), values 0..255.
        labels: int64 array of shape (N,), values 0..9.
        location: the folder read and the step of the resolution order that chose it.

    Raises:
        MnistNotFoundError: (a ``FileNotFoundError``) a file is missing and is not to be
            downloaded.
        DatasetError: a file's md5, magic number or size is wrong, or a download failed (what
            that download created is removed again).

    Typical use: ``test = MNIST(train=False)`` gives ``test.images.shape == (10000, 28, 28)``,
    and ``test[0]`` is a float32 28x28 Tensor with the label 7.

    Example (a folder without the files, and no download):
        >>> MNIST(root="/nonexistent", train=False)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tinygrad_edu.data.datasets.mnist.MnistNotFoundError: MNIST file not found: ...
    """

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 download: bool | None = None, mirrors: Sequence[str] | None = None) -> None:
        self.location = locate_mnist(root)
        self.root = self.location.folder
        self.train = train
        if download is None:
            download = self.location.downloads_by_default
        images_name, labels_name = TRAIN_FILES if train else TEST_FILES
        missing = [name for name in (images_name, labels_name) if not (self.root / name).exists()]
        if missing and not download:
            path = self.root / missing[0]
            raise MnistNotFoundError(
                f"MNIST file not found: {path} (folder from the {self.location.source}). "
                f"{_OFFLINE_HINT}", path, self.location)
        created = make_folders(self.root) if missing else []
        fetched: list[Path] = []
        try:
            for filename in missing:
                fetched.append(download_file(filename, self.root, mirrors))
        except BaseException:
            # All of the split or nothing: a file fetched before the failure goes too.
            for path in fetched:
                path.unlink(missing_ok=True)
            remove_empty_folders(created)
            raise
        self.images = _read_idx_gz(self.root / images_name, IMAGES_MAGIC)
        labels = _read_idx_gz(self.root / labels_name, LABELS_MAGIC)
        if self.images.ndim != 3 or self.images.shape[1:] != (28, 28):
            problem = f"expected images of shape (N, 28, 28), found {tuple(self.images.shape)}"
            raise DatasetError(f"{self.root / images_name}: {problem}. {_OFFLINE_HINT}",
                               self.root / images_name, problem)
        if labels.ndim != 1 or len(labels) != len(self.images):
            problem = (f"expected {len(self.images)} labels (one per image), found shape "
                       f"{tuple(labels.shape)}")
            raise DatasetError(f"{self.root / labels_name}: {problem}. {_OFFLINE_HINT}",
                               self.root / labels_name, problem)
        if labels.size and labels.max() > 9:
            problem = f"labels must be 0..9, found {labels.max()}"
            raise DatasetError(f"{self.root / labels_name}: {problem}. {_OFFLINE_HINT}",
                               self.root / labels_name, problem)
        self.labels = labels.astype(np.int64)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        """Image ``index`` as a float32 28x28 Tensor scaled to [0, 1], and its label."""
        image = self.images[index].astype(np.float32) / np.float32(255)
        return Tensor._wrap(image, False), int(self.labels[index])

    def __repr__(self) -> str:
        split = "Train" if self.train else "Test"
        return (f"Dataset MNIST\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {split}")
