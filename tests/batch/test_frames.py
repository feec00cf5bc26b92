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


def test_missing_values_and_columns_that_are_all_categorical_keep_their_rows():
    frames = [pd.DataFrame({"filekind": pd.Categorical(["darkfile", None]), "level": pd.Categorical(["error", "error"])}),
              pd.DataFrame({"filekind": pd.Categorical([None], categories=[]), "level": pd.Categorical(["warning"])}),
              pd.DataFrame({"filekind": pd.Categorical(["biasfile", "darkfile"]), "level": pd.Categorical(["error"] * 2)})]
    joined = concat_frames(frames, ["filekind", "level"])
    assert list(joined.columns) == ["filekind", "level"]
    assert list(joined.index) == list(range(5))
    assert joined["filekind"].isna().tolist() == [False, True, True, False, False]
    assert joined["filekind"].dropna().tolist() == ["darkfile", "biasfile", "darkfile"]
    assert list(joined["filekind"].cat.categories) == ["darkfile", "biasfile"]
    assert joined["level"].tolist() == ["error", "error", "warning", "error", "error"]


def test_the_same_frame_as_pandas_after_aligning_the_categories():
    frames = [_frame([f"id{i}{j}" for j in range(3)], [f"k{(i * 7 + j) % 5}" for j in range(3)]) for i in range(6)]
    union = pd.api.types.union_categoricals([frame["filekind"] for frame in frames])
    expected = pd.concat([frame.assign(filekind=frame["filekind"].cat.set_categories(union.categories))
                          for frame in frames], ignore_index=True)
    pd.testing.assert_frame_equal(concat_frames(frames, ["dataset_id", "filekind"]), expected)


def test_categories_numbered_as_frames_arrive_give_the_same_frame():
    """CategoryIds (categories numbered in arrival order, not partition order) must not change what
    concat_frames gives: the same values, categories in the same first-seen order, the same dtypes."""
    import random

    from crds_batch.batch.frames import CategoryIds, concat_frames

    rng = random.Random(5)
    words = [f"message {i}" for i in range(40)]
    frames = []
    for i in range(12):
        n = rng.randint(0, 30)
        frames.append(pd.DataFrame({
            "dataset_id": pd.array([f"id{i}_{j}" for j in range(n)], dtype="str"),
            "message": pd.Categorical([rng.choice(words[i:i + 15]) for _ in range(n)]),
            "level": pd.Categorical(rng.choice(["error", "warning"]) for _ in range(n)),
        }))
    known = CategoryIds()
    for frame in rng.sample(frames, len(frames)):  # arrival order
        known.add(frame)
    expected = concat_frames(frames, ["dataset_id", "message", "level"])
    got = concat_frames(frames, ["dataset_id", "message", "level"], known)
    pd.testing.assert_frame_equal(got, expected)
    assert list(got["message"].cat.categories) == list(expected["message"].cat.categories)
    assert got["message"].cat.categories.dtype == expected["message"].cat.categories.dtype
    # Frames it never saw are joined as before.
    fresh = [frame.copy() for frame in frames]
    fresh[3]["message"] = fresh[3]["message"].cat.set_categories(fresh[3]["message"].cat.categories)
    pd.testing.assert_frame_equal(concat_frames(fresh, ["dataset_id", "message", "level"], CategoryIds()), expected)
