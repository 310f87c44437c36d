"""Ready-made datasets: MNIST, read from the standard IDX gz files (md5-checked, downloadable).

Example:
    >>> from tinygrad_edu.data.datasets import MD5SUMS
    >>> MD5SUMS["t10k-labels-idx1-ubyte.gz"]
    'ec29112dd5afa0611ce80d1b7f02629c'
"""

from tinygrad_edu.data.datasets.mnist import (
    MD5SUMS,
    MIRRORS,
    MNIST,
    DatasetError,
    MnistLocation,
    MnistNotFoundError,
    default_root,
    download_file,
    locate_mnist,
    md5_of,
    parse_idx,
    shared_data_dir,
    user_cache_dir,
)

__all__ = ["MD5SUMS", "MIRRORS", "MNIST", "DatasetError", "MnistLocation", "MnistNotFoundError",
           "default_root", "download_file", "locate_mnist", "md5_of", "parse_idx",
           "shared_data_dir", "user_cache_dir"]
