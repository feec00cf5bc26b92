"""Write a store (or a selection of it) back as a crds save file."""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow.compute as pc

from . import schema as S
from .saves import SaveFormatError, save_kind, write_json_save, write_pickle_save
from .selection import Selection
from .store import Store, damaged_files_are_errors


def export(store: Store | str, path: str, selection: Selection | None = None) -> int:
    """Write the selected datasets of ``store`` to ``path`` (``.json`` or ``.pkl``); return the count.

    The file is what crds ``--save-pickle`` writes: ``{dataset_id: {PARAM: value}}``
    with the parameters a dataset has (absent ones are left out), datasets
    sorted by id within each instrument. Memory holds one instrument's
    selected datasets at a time (a ``.pkl`` holds all of them: it is one dict).
    """
    store = store if isinstance(store, Store) else Store(store)
    kind = save_kind(path)
    if kind is None:
        raise SaveFormatError(f"{path}: a save file must end with .json or .pkl")
    items = _items(store, selection or Selection())
    return write_json_save(path, items) if kind == "json" else write_pickle_save(path, items)


def _items(store: Store, selection: Selection) -> Iterator[tuple[str, dict]]:
    for observatory, instrument in store.instruments():
        if selection.instruments and instrument not in selection.instruments \
                and observatory not in selection.instruments:
            continue
        params = store.parameters([instrument])
        with damaged_files_are_errors(store.path):
            table = store.dataset([instrument]).to_table(columns=[S.DATASET_ID, *params],
                                                         filter=selection.row_filter())
        table = table.take(pc.sort_indices(table.column(S.DATASET_ID)))
        ids = table.column(S.DATASET_ID).to_pylist()
        columns = [(name, table.column(name).to_pylist()) for name in params]
        for row, dataset_id in enumerate(ids):
            yield dataset_id, {name: values[row] for name, values in columns if values[row] is not None}
