"""``crds-batch explain``: per type, the path the lookup took and why; with --old-context, why it changed."""
from __future__ import annotations

import click

from .options import crds_tool_options, split_words, types_option


@click.command("explain")
@click.option("--context", "context", envvar="CRDS_CONTEXT", show_envvar=True, required=True,
              help="Context to explain (.pmap/.imap/.rmap name or symbolic, e.g. hst-operational).")
@click.option("--old-context", help="Also explain under this context and say why each changed answer changed.")
@click.option("--dataset", "dataset_id", metavar="ID", help="Dataset id in the --params store (X means X:X).")
@click.option("--params", "params", multiple=True, metavar="PATH",
              help="Parameter store (or .json saves) holding --dataset.")
@click.option("--header", "header_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="A FITS/ASDF dataset file whose header is the parameters.")
@types_option
@click.option("--json", "json_output", is_flag=True, help="One JSON document: results, steps and facts, changes.")
@crds_tool_options
def command(context, old_context, dataset_id, params, header_file, types, json_output):
    """Why a dataset gets its references: pmap -> imap -> rmap -> selectors, step by step.

    For each type: the imap's entry, rmap_omit/rmap_relevance and parkey_relevance
    decisions, header hooks, each selector's inputs, the Match keys that won (weight,
    exact and don't-care fields, merged ties), the UseAfter date chosen, and the
    result. With --old-context, the types whose answers differ and the first
    decision that differs.

    \b
    crds-batch explain --context hst_0729.pmap --header j8bt05njq_raw.fits --types biasfile
    crds-batch explain --context jwst_0541.pmap --old-context jwst_0500.pmap --dataset ID --params store/
    """
    from ..tools.explain import explain_request

    if bool(header_file) == bool(dataset_id):
        raise click.UsageError("give exactly one of --header FILE or --dataset ID (with --params)")
    if dataset_id and not params:
        raise click.UsageError("--dataset needs --params STORE")
    for line in explain_request(context, old_context=old_context, header_file=header_file,
                                dataset_id=dataset_id, params=params, types=split_words(types),
                                json_output=json_output):
        click.echo(line)
