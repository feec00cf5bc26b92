"""concat_frames keeps categorical columns categorical, in union_categoricals's category order."""
from __future__ import annotations

import pandas as pd

from crds_batch.batch.frames import concat_frames


def _frame(ids, kinds):
    return pd.DataFrame({"dataset_id": ids, "filekind": pd.Categorical(kinds)})


def test_categories_are_the_union_in_first_seen_order_and_values_are_kept():
    frames = [_frame(["a", "b"], ["darkfile", "biasfile"]), _frame(["c"], ["pfltfile"]),
              _frame(["d", "e"], ["biasfile", "darkfile"]), _frame(["f"], ["biasfile"])]
    joined = concat_frames(frames, ["dataset_id", "filekind"])
    expected = pd.api.types.union_categoricals([frame["filekind"] for frame in frames])
    assert isinstance(joined["filekind"].dtype, pd.CategoricalDtype)
    assert list(joined["filekind"].cat.categories) == list(expected.categories)
    assert list(joined["filekind"]) == ["darkfile", "biasfile", "pfltfile", "biasfile", "darkfile", "biasfile"]
    assert list(joined["dataset_id"]) == list("abcdef")


def test_no_frames_give_the_columns():
    assert list(concat_frames([None, _frame([], [])], ["dataset_id", "filekind"]).columns) == ["dataset_id",
                                                                                               "filekind"]
