"""Concatenating the small result frames of partitions."""
from __future__ import annotations

import pandas as pd


def concat_frames(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Concatenate the non-empty ``frames``; an empty frame with ``columns`` when there are none."""
    frames = [frame for frame in frames if frame is not None and len(frame)]
    if not frames:
        return pd.DataFrame(columns=columns)
    # Categorical columns stay categorical (pandas would fall back to object strings when the
    # partitions' categories differ): align every frame on the union of the categories first.
    categorical = [name for name in frames[0].columns
                   if all(isinstance(frame[name].dtype, pd.CategoricalDtype) for frame in frames)]
    if categorical and len(frames) > 1:
        # The union's order is union_categoricals's (first seen first), found from the categories alone:
        # the rows are recoded once, by set_categories, not also by a union of every row's codes.
        unions = {name: frames[0][name].cat.categories.append([frame[name].cat.categories for frame in frames[1:]])
                  .unique() for name in categorical}
        frames = [frame.assign(**{name: frame[name].cat.set_categories(unions[name]) for name in categorical})
                  for frame in frames]
    return pd.concat(frames, ignore_index=True)
