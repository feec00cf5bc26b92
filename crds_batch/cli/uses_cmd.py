"""``crds-batch uses``: the cache's mappings that refer to files, and the datasets that last used them (as `crds uses`)."""
from __future__ import annotations

import click

from ..tools.contexts import pick_observatory
from ..tools.uses import dataset_lines, uses_lines
from .main import EXIT_ERRORS, EXIT_OK
from .options import WordsOption, crds_tool_options, split_words


@click.command("uses")
@click.option("--files", cls=WordsOption, multiple=True, metavar="FILE...",
              help="References or mappings whose users to print.")
@click.option("-i", "--include-used", is_flag=True, help="Start each line with the file asked about.")
@click.option("--print-datasets", is_flag=True,
              help="Print the datasets whose recorded assignments (in --params) name the files, not the mappings.")
@click.option("--params", multiple=True, metavar="PATH", help="With --print-datasets: a parameter store or saves.")
@click.option("-H", "--hst", "observatory", flag_value="hst", help="Observatory HST.")
@click.option("-J", "--jwst", "observatory", flag_value="jwst", help="Observatory JWST.")
@click.option("--roman", "observatory", flag_value="roman", help="Observatory Roman.")
@crds_tool_options(own={"observatory": None})  # its own -H/-J/--roman
def command(files, include_used, print_datasets, params, observatory):
    """Print every mapping of the cache that refers to the --files, directly or through the
    mappings above (as crds uses); with --print-datasets, the datasets of --params that were last
    assigned them. Exit 1 when some cache mapping could not be read (crds counts those as errors).

    \b
    crds-batch uses --files 39617203i_drk.fits --hst
    crds-batch uses --files 39617203i_drk.fits --print-datasets --params store/
    """
    names = split_words(files)
    if not names:
        raise click.UsageError("give --files FILE...")
    if print_datasets:
        if not params:
            raise click.UsageError("--print-datasets reads the prior assignments of a store: give --params")
        for line in dataset_lines(names, list(params), include_used):
            click.echo(line)
        return EXIT_OK
    lines, index = uses_lines(names, pick_observatory(observatory, names), include_used)
    for line in lines:
        click.echo(line)
    for name, message in index.unreadable:
        click.echo(f"ERROR: Failed loading {name!r} : {message}", err=True)
    return EXIT_ERRORS if index.unreadable else EXIT_OK
