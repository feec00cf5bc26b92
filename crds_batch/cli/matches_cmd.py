"""``crds-batch matches``: the match cases that select references, or datasets' matching parameters (as `crds matches`)."""
from __future__ import annotations

import click

from ..tools.contexts import ContextChoice, parse_range, pick_observatory, select_contexts
from ..tools.matches import (
    MatchFormat, context_references, dataset_match_lines, reference_match_lines, store_headers,
)
from .main import EXIT_OK
from .options import WordsOption, crds_tool_options, split_words


@click.command("matches")
@click.option("--contexts", cls=WordsOption, multiple=True, metavar="CONTEXT...",
              help="Contexts to look in (mapping or symbolic names; default the cache's latest).")
@click.option("--range", "context_range", metavar="MIN:MAX", help="Contexts: the cache's .pmaps MIN to MAX.")
@click.option("--all", "all_contexts", is_flag=True, help="Contexts: every .pmap of the cache.")
@click.option("--last-n-contexts", "--last", "last", type=click.IntRange(min=1), metavar="N",
              help="Contexts: the cache's last N .pmaps.")
@click.option("--up-to-context", metavar="CONTEXT", help="Contexts: the cache's .pmaps up to CONTEXT.")
@click.option("--after-context", metavar="CONTEXT", help="Contexts: the cache's .pmaps from CONTEXT on.")
@click.option("--files", cls=WordsOption, multiple=True, metavar="REFERENCE...",
              help="References whose match cases to print.")
@click.option("--files-from-contexts", is_flag=True, help="Also every reference the contexts name.")
@click.option("--filters", cls=WordsOption, multiple=True, metavar="KEY=VALUE...",
              help="Only match cases whose KEY allows VALUE.")
@click.option("-b", "--brief-paths", is_flag=True, help="Leave out the instrument and type.")
@click.option("-o", "--omit-parameter-names", is_flag=True, help="Show the values only.")
@click.option("-t", "--tuple-format", is_flag=True, help="Print each match as a Python tuple.")
@click.option("-d", "--datasets", cls=WordsOption, multiple=True, metavar="ID...",
              help="Print the matching parameters of these datasets (from --params, else the CRDS server).")
@click.option("--params", multiple=True, metavar="PATH", help="A parameter store (or saves) holding the datasets.")
@click.option("-c", "--condition-values", is_flag=True, help="With --datasets: condition the values as crds does.")
@click.option("-m", "--minimize-headers", is_flag=True,
              help="With --datasets: only the parameters the context's rules read.")
@click.option("-H", "--hst", "observatory", flag_value="hst", help="Observatory HST.")
@click.option("-J", "--jwst", "observatory", flag_value="jwst", help="Observatory JWST.")
@click.option("--roman", "observatory", flag_value="roman", help="Observatory Roman.")
@crds_tool_options(own={"observatory": None})  # its own -H/-J/--roman
def command(contexts, context_range, all_contexts, last, up_to_context, after_context, files, files_from_contexts,
            filters, brief_paths, omit_parameter_names, tuple_format, datasets, params, condition_values,
            minimize_headers, observatory):
    """Print the match cases leading to references in contexts (as crds matches):

    \b
    crds-batch matches --contexts hst_0729.pmap --files 39617203i_drk.fits [-b] [-o] [-t]
    crds-batch matches --contexts hst_0729.pmap --datasets J8BT05NJQ --params store/ [-c] [-m]
    """
    words = split_words(contexts)
    choice = ContextChoice(contexts=tuple(words), range=parse_range(context_range) if context_range else None,
                           all=all_contexts, last=last, up_to=up_to_context, after=after_context)
    references = split_words(files)
    ids = split_words(datasets)
    if not (references or files_from_contexts or ids):
        raise click.UsageError("give --files (or --files-from-contexts) to print match cases, or --datasets")
    chosen = select_contexts(choice, pick_observatory(observatory, words + references))
    if references or files_from_contexts:
        references += context_references(chosen) if files_from_contexts else []
        wanted = dict(item.split("=", 1) for item in split_words(filters)) if filters else None
        fmt = MatchFormat(brief_paths, omit_parameter_names, tuple_format)
        for line in reference_match_lines(chosen, references, fmt, {k.strip(): v.strip() for k, v in
                                                                    (wanted or {}).items()}):
            click.echo(line)
        return EXIT_OK
    if params:
        found = store_headers(list(params), ids)
        headers = {context: found for context in chosen}
    else:
        headers = _server_headers(chosen, ids)
    for line in dataset_match_lines(chosen, headers, condition_values, minimize_headers):
        click.echo(line)
    return EXIT_OK


def _server_headers(contexts: list[str], ids: list[str]) -> dict:
    from ..client import ClientSettings, CrdsClient, api

    with CrdsClient(ClientSettings.from_env()) as client:
        return {context: {key: value for key, value in api.dataset_headers(client, context, ids).items()
                          if isinstance(value, dict)} for context in contexts}
