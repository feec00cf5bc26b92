"""``crds-batch list``: what the cache, the configuration and the CRDS server hold (as `crds list`)."""
from __future__ import annotations

import click

from .. import __version__
from ..tools.contexts import ContextChoice, parse_range
from ..tools.listing import dict_lines, listing_lines
from ..tools.status import cache_status, config_sections, crds_status
from .main import EXIT_ERRORS, EXIT_OK
from .options import WordsOption, crds_tool_options, instrument_names, split_words


@click.command("list")
@click.argument("cat_files", nargs=-1, metavar="[FILE...]")
@click.option("--status", is_flag=True, help="Print crds list --status's lines (as crds 13.2.7), then crds-batch's own.")
@click.option("--config", "show_config", is_flag=True,
              help="Print crds list --config's sections (settings, client config, cache paths, server info, "
                   "download URIs, Python), then crds-batch's.")
@click.option("-V", "--version", "show_version", is_flag=True, help="Print the crds-batch version.")
@click.option("--mappings", "list_mappings", is_flag=True,
              help="Print the mappings of the contexts and every mapping below them.")
@click.option("--references", "list_references", is_flag=True,
              help="Print the references the contexts' rules name.")
@click.option("--resolve-contexts", is_flag=True,
              help="Print the mapping names the context specifiers mean (no sub-mappings).")
@click.option("--range", "context_range", metavar="MIN:MAX", help="Contexts: the cache's .pmaps numbered MIN to MAX.")
@click.option("--all", "all_contexts", is_flag=True, help="Contexts: every .pmap of the cache (with --mappings: "
              "every mapping).")
@click.option("--last-n-contexts", "--last", "last", type=click.IntRange(min=1), metavar="N",
              help="Contexts: the cache's last N .pmaps.")
@click.option("--up-to-context", metavar="CONTEXT", help="Contexts: the cache's .pmaps up to CONTEXT.")
@click.option("--after-context", metavar="CONTEXT", help="Contexts: the cache's .pmaps from CONTEXT on.")
@click.option("--cached-mappings", is_flag=True, help="Print the mappings in the cache.")
@click.option("--cached-references", is_flag=True, help="Print the references in the cache.")
@click.option("--full-path", is_flag=True, help="Print cache paths instead of names.")
@click.option("--cat", is_flag=True, help="Print the text of the mappings FILE... and those the contexts imply "
              "(with --mappings/--references), each under a banner.")
@click.option("--add-filenames", "--add-filename", "add_filename", is_flag=True,
              help="With --cat: start each line with the file's name.")
@click.option("--keywords", cls=WordsOption, multiple=True, metavar="KEYWORD...",
              help="With --cat: print only the reference header keywords containing one of these.")
@click.option("--no-arrays", is_flag=True, help="With --cat: leave out FITS array properties (slow on large files).")
@click.option("--tpns", is_flag=True, help="Print the certify constraint (.tpn) files of the references or mappings "
              "FILE... and those the contexts imply (with --mappings/--references), as crds prints them.")
@click.option("--file-properties", "file_props", is_flag=True,
              help="Print 'instrument type name' of each FILE... and of the files the contexts imply.")
@click.option("--required-parkeys", is_flag=True,
              help="Print the dataset parameters each context's rules need (per instrument, type or rmap).")
@click.option("--cached-pickles", is_flag=True, help="Print the files of the cache's pickles directory.")
@click.option("-H", "--hst", "observatory_flag", flag_value="hst", help="Observatory HST.")
@click.option("-J", "--jwst", "observatory_flag", flag_value="jwst", help="Observatory JWST.")
@click.option("--roman", "observatory_flag", flag_value="roman", help="Observatory Roman.")
@click.option("--dataset-ids-for-instruments", "dataset_ids", cls=WordsOption, multiple=True,
              metavar="INSTRUMENT...", help="Print the server's dataset ids of these instruments.")
@click.option("--dataset-headers", "dataset_headers", cls=WordsOption, multiple=True, metavar="IDS...|@FILE",
              help="Print the server's parameters of these datasets (a bare product id expands).")
@click.option("--json", "as_json", is_flag=True, help="With --dataset-headers: one JSON object a line.")
@click.option("--first-id-expansion-only", "--first-id", "first_id", is_flag=True,
              help="With --dataset-headers: only the first exposure of each product.")
@click.option("--minimize-headers", "--minimize-header", "minimize", is_flag=True,
              help="With --dataset-headers: only the parameters the context's rules read.")
@click.option("--id-expansions-only", is_flag=True,
              help="With --dataset-headers: print PRODUCT:EXPOSURE ids only.")
@click.option("--operational-context", "--latest-context", "operational_context", is_flag=True,
              help="Print the server's latest (operational) context (serverless: the cache's).")
@click.option("--remote-context", metavar="PIPELINE", help="Print the context PIPELINE reported in use.")
@click.option("--contexts", "contexts", cls=WordsOption, multiple=True, metavar="CONTEXT...",
              help="Contexts: mapping names or symbolic ones (hst-operational, jwst-edit, jwst-fgs-linearity-edit, "
                   "dates with a server); for the dataset queries default the server's latest.")
@click.option("--server", "server", metavar="URL", default=None, help="The CRDS server (default CRDS_SERVER_URL).")
@click.option("--observatory", envvar="CRDS_OBSERVATORY", metavar="OBS", help="Default: CRDS_OBSERVATORY, the URL's, "
              "else the server's.")
@crds_tool_options(own={"observatory": None, "version": None})  # its own -H/-J/--roman and --version
def command(cat_files, status, show_config, show_version, list_mappings, list_references, resolve_contexts,
            context_range, all_contexts, last, up_to_context, after_context, cached_mappings, cached_references,
            full_path, cat, add_filename, keywords, no_arrays, tpns, file_props, required_parkeys, cached_pickles,
            observatory_flag, dataset_ids, dataset_headers, as_json,
            first_id, minimize,
            id_expansions_only, operational_context, remote_context, contexts, server, observatory):
    """List cache, configuration and server facts (as `crds list`).

    \b
    crds-batch list --mappings --contexts hst_0729.pmap      # the context and every mapping below it
    crds-batch list --references --last 3 --hst              # references of the cache's last 3 .pmaps
    crds-batch list --resolve-contexts --contexts jwst-fgs-linearity-edit
    crds-batch list --cat hst_acs_0421.imap --add-filenames   # mappings; FITS, ASDF, JSON, YAML headers
    crds-batch list --tpns z1r1943el_1dx.fits hst_cos_deadtab_0250.rmap --hst   # .tpn constraints, as crds
    crds-batch list --file-properties --references --contexts hst_0729.pmap
    crds-batch list --required-parkeys --contexts hst_0729.pmap
    """
    if cat_files and not (cat or tpns or file_props):
        raise click.UsageError(f"unexpected argument {cat_files[0]!r} (file names follow --cat, --tpns or "
                               "--file-properties)")
    server_asked = bool(dataset_ids or dataset_headers or operational_context or remote_context)
    choice = ContextChoice(contexts=tuple(split_words(contexts)), range=parse_range(context_range) if context_range
                           else None, all=all_contexts, last=last, up_to=up_to_context, after=after_context)
    whole_files = cat or (tpns and cat_files) or file_props  # as crds: these print for the files, then stop
    cache_asked = bool(whole_files or list_mappings or list_references or resolve_contexts or cached_mappings
                       or cached_references or cached_pickles)
    if not (status or show_config or show_version or cache_asked or server_asked or required_parkeys):
        raise click.UsageError("say what to list: --mappings, --references, --resolve-contexts, --cat, --tpns, "
                               "--file-properties, --required-parkeys, --cached-mappings, --cached-references, "
                               "--cached-pickles, --status, --config, --version, "
                               "--dataset-ids-for-instruments, --dataset-headers, --operational-context or "
                               "--remote-context")
    if show_version:
        click.echo(__version__)
    if cache_asked:
        for line in listing_lines(observatory=observatory_flag or observatory, choice=choice,
                                  resolve=resolve_contexts, references=list_references, mappings=list_mappings,
                                  cached_refs=cached_references, cached_maps=cached_mappings, full_path=full_path,
                                  cat=cat, cat_files=cat_files, add_filename=add_filename,
                                  keywords=split_words(keywords), arrays=not no_arrays, tpns=tpns,
                                  file_props=file_props, cached_pickles=cached_pickles,
                                  warn=lambda message: click.echo(f"WARNING: {message}", err=True),
                                  info=lambda message: click.echo(f"INFO: {message}", err=True)):
            click.echo(line)
        if whole_files:
            return EXIT_OK
    if show_config:
        from ..tools.contexts import pick_observatory

        for title, values in config_sections(pick_observatory(observatory_flag or observatory, choice.contexts)):
            for line in dict_lines(title, values):
                click.echo(line)
    if status:
        for block in (crds_status(), cache_status()):  # crds's lines first, for scripts that parse them
            for label, value in block.items():
                click.echo(f"{label} = {value!r}")
    if required_parkeys:
        from ..tools.listing import required_parkeys_listing

        for line in required_parkeys_listing(observatory_flag or observatory, choice):
            click.echo(line)
    if not server_asked:
        return EXIT_OK
    from ..client import ClientSettings, CrdsClient, api, listing
    from ..client.observatory import server_observatory

    errors = 0
    with CrdsClient(ClientSettings.from_env(server_url=server)) as client:
        obs = server_observatory(client, observatory)
        if operational_context:
            click.echo(api.default_context(client, obs))
            return EXIT_OK
        if remote_context:
            click.echo(api.remote_context(client, obs, remote_context))
            return EXIT_OK
        chosen = split_words(contexts) or [api.default_context(client, obs)]
        lines = []
        if dataset_ids:
            lines.append(listing.dataset_id_lines(client, chosen, instrument_names(dataset_ids)))
        if dataset_headers:
            from .ingest import _dataset_words

            options = listing.HeaderOptions(json=as_json, first_id_only=first_id, minimize=minimize,
                                            id_expansions_only=id_expansions_only)
            chunk = api.max_headers_per_rpc(api.server_info(client, obs))
            lines.append(listing.dataset_header_lines(client, chosen, _dataset_words(split_words(dataset_headers)),
                                                      options, chunk))
        for group in lines:
            for line in group:
                click.echo(f"ERROR: {line.text}" if line.is_error else line.text, err=line.is_error)
                errors += line.is_error
    return EXIT_ERRORS if errors else EXIT_OK
