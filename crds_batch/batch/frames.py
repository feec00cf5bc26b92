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
        unions = {name: pd.api.types.union_categoricals([frame[name] for frame in frames]).categories
                  for name in categorical}
        frames = [frame.assign(**{name: frame[name].cat.set_categories(unions[name]) for name in categorical})
                  for frame in frames]
    return pd.concat(frames, ignore_index=True)
