"""``crds-batch synth``: write realistic dataset parameters drawn from a context's rules."""
from __future__ import annotations

import collections

import click

from .options import split_words


@click.command("synth")
@click.option("--context", required=True, metavar="PMAP",
              help="Pipeline context whose rules the values come from, e.g. hst_0729.pmap.")
@click.option("-n", "count", type=click.IntRange(min=0), required=True, help="Number of datasets.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Save file to write (.json, one {id: {PARAM: value}} per line, as crds bestrefs reads).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: same seed, same file.")
@click.option("--instruments", multiple=True, metavar="NAME",
              help="Only these instruments (repeatable or space separated); default all of the context.")
@click.option("--invalid-fraction", type=click.FloatRange(0.0, 1.0), default=0.02, show_default=True,
              help="Fraction of datasets given one invalid value, missing keyword or bad date. 0 with "
                   "--early-fraction 0: no dataset fails a lookup in crds bestrefs (failing draws are redrawn).")
@click.option("--odd-date-fraction", type=click.FloatRange(0.0, 1.0), default=0.03, show_default=True,
              help="Fraction of dates written in the less common formats CRDS accepts.")
@click.option("--early-fraction", type=click.FloatRange(0.0, 1.0), default=0.01, show_default=True,
              help="Fraction of dates before the instrument's earliest UseAfter date.")
@click.option("--prior-fraction", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True,
              help="Fraction of datasets carrying recorded prior reference assignments (DARKFILE=...).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Rows generated and written at a time.")
def command(context, count, output, seed, instruments, invalid_fraction, odd_date_fraction, early_fraction,
            prior_fraction, chunk_size):
    """Generate COUNT realistic dataset parameter sets from the rules of CONTEXT.

    Values come from the rules' own match cases, kept consistent across each
    instrument's rmaps; calibration switches, dates across each mission (never
    before the telescope's launch) and a controlled fraction of invalid values
    vary per dataset. Reports counts on stderr.
    """
    from ..synth import generate, write_save  # imported here so `crds-batch --help` stays fast

    per_instrument: collections.Counter = collections.Counter()

    def counted(frames):
        for frame in frames:
            if len(frame):
                per_instrument[str(frame.iloc[0, 1])] += len(frame)
            yield frame

    chosen = split_words(instruments) or None
    frames = generate(context, count, seed=seed, instruments=chosen, invalid_fraction=invalid_fraction,
                      odd_date_fraction=odd_date_fraction, early_fraction=early_fraction,
                      prior_fraction=prior_fraction, chunk_size=chunk_size)
    written = write_save(counted(frames), output)
    for name, number in sorted(per_instrument.items()):
        click.echo(f"{name}: {number}", err=True)
    click.echo(f"Wrote {written} datasets from {context} to {output}", err=True)
