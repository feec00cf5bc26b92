"""Options shared by several commands, defined once."""
from __future__ import annotations

import click


def context_option(name: str = "--new-context", **kwargs):
    """A context spec: a .pmap name, or symbolic like ``hst-operational``; default CRDS_CONTEXT."""
    kwargs.setdefault("help", "Context: a .pmap/.imap/.rmap name or hst-operational, jwst-edit... (default: CRDS_CONTEXT)")
    return click.option(name, envvar="CRDS_CONTEXT", show_envvar=True, **kwargs)


types_option = click.option(
    "--types", "types", multiple=True, metavar="TYPE",
    help="Only these reference types (repeatable, or space separated).",
)
skip_types_option = click.option(
    "--skip-types", "skip_types", multiple=True, metavar="TYPE",
    help="Leave out these reference types (repeatable, or space separated).",
)
allow_bad_rules_option = click.option(
    "--allow-bad-rules", is_flag=True, envvar="CRDS_ALLOW_BAD_RULES",
    help="Warn instead of failing when the context uses rules marked bad.",
)
allow_bad_references_option = click.option(
    "--allow-bad-references", is_flag=True, envvar="CRDS_ALLOW_BAD_REFERENCES",
    help="Warn instead of failing when a chosen reference is marked bad.",
)


def split_words(values) -> list[str]:
    """Flatten repeatable options that may also hold space-separated words."""
    return [word for value in values for word in value.split()]


def instrument_names(values) -> tuple[str, ...]:
    """``--instruments`` values (repeatable, space or comma separated) as lower-case names."""
    return tuple(name.lower() for value in values or () for name in value.replace(",", " ").split())


# -- parameter stores: --params and dataset selection (see crds_batch.store) ----------------

def params_option(func=None, *, required: bool = True):
    """``--params PATH`` (repeatable) and ``--trust-pickles``: a store directory or save/dataset files.

    Open them with ``with crds_batch.store.open_params(params, trust_pickles=trust_pickles) as store:``.
    ``required=False`` (``@params_option(required=False)``): commands that can fetch from a server instead.
    """
    if func is None:
        return lambda decorated: params_option(decorated, required=required)
    func = click.option(
        "--trust-pickles", is_flag=True,
        help="Allow .pkl saves. Unpickling runs code from the file: only for pickles you made.",
    )(func)
    return click.option(
        "--params", "params", multiple=True, metavar="PATH", required=required,
        help="A parameter store directory, or .json/.pkl saves and FITS/ASDF files "
             "(repeatable; files are ingested into a temporary store, later ones winning).",
    )(func)


def selection_options(func):
    """``--instruments``, ``--only-ids``, ``--drop-ids`` (with ``@file``), ``--datasets-since``.

    Turn the values into a ``crds_batch.store.Selection`` with :func:`selection_from_options`.
    """
    options = [
        click.option("--instruments", "instruments", multiple=True, metavar="NAME",
                     help="Only these instruments (repeatable, or space/comma separated)."),
        click.option("--only-ids", "only_ids", multiple=True, metavar="IDS",
                     help="Only these dataset ids; @FILE reads one id a line. A bare X means X:X (as crds)."),
        click.option("--drop-ids", "drop_ids", multiple=True, metavar="IDS",
                     help="Skip these dataset ids; @FILE reads one id a line. A bare X means X:X (as crds)."),
        click.option("--datasets-since", "datasets_since", metavar="DATE",
                     help="Only datasets observed at or after DATE (YYYY-MM-DD[ HH:MM:SS])."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def selection_from_options(instruments=(), only_ids=(), drop_ids=(), datasets_since=None):
    """The ``Selection`` the :func:`selection_options` values ask for."""
    from ..store.selection import Selection, parse_ids

    names = instrument_names(instruments)
    return Selection(
        instruments=names or None,
        only_ids=tuple(parse_ids(only_ids)) if only_ids else None,
        drop_ids=tuple(parse_ids(drop_ids) or ()) if drop_ids else (),
        datasets_since=Selection.of(datasets_since=datasets_since).datasets_since,
    )


class WordsOption(click.Option):
    """An option that also takes the plain words after its value, up to the next option, as crds's
    ``nargs="+"`` options do: ``--instruments acs wfc3`` (values arrive joined by spaces; use
    :func:`split_words`). Repeating the option and commas work too."""

    def add_to_parser(self, parser, ctx):
        super().add_to_parser(parser, ctx)
        for name in self.opts:
            option = parser._long_opt.get(name) or parser._short_opt.get(name)
            if option is None:
                continue
            take_one = option.process

            def take_words(value, state, take_one=take_one):
                words = [value]
                while state.rargs and not state.rargs[0].startswith("-"):
                    words.append(state.rargs.pop(0))
                take_one(" ".join(words), state)

            option.process = take_words


# -- the flags crds's command line tools share (crds.core.cmdline.Script) ------------------------

def crds_tool_options(func=None, *, own: dict[str, str | None] | None = None):
    """``-v/--verbose``, ``--verbosity N`` (CRDS_VERBOSITY), ``-R/--readonly-cache``, ``-I/--ignore-cache``,
    ``-J/--jwst``, ``-H/--hst``, ``--roman``, ``--stats``, ``--log-time`` (CRDS_LOG_TIME), ``-V/--version``.

    The command function does not see them: they take effect around its call
    (see :mod:`crds_batch.cli.tool_settings`). ``--debug-traps`` is the group's.
    A command with its own option for a setting names it in ``own`` (``{"verbose": "verbose",
    "observatory": "observatory"}``: ToolSettings field -> the command's parameter): that flag is the
    command's (it keeps its value), and the setting is read from it; with ``None`` instead of a
    parameter the setting keeps its default (``{"observatory": None, "version": None}``: the
    command's own ``-H/-J/--roman`` and ``--version`` only).
    """
    if func is None:
        return lambda decorated: crds_tool_options(decorated, own=own)
    import functools

    from .tool_settings import TOOL_OPTION_NAMES, ToolSettings, print_version, tool_settings_applied

    own = dict(own or {})

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        settings = ToolSettings(**{field: kwargs.pop(name) for field, name in TOOL_OPTION_NAMES.items()
                                   if field not in own},
                                **{field: kwargs[parameter] for field, parameter in own.items()
                                   if field in TOOL_OPTION_NAMES and parameter is not None})
        with tool_settings_applied(settings):
            return func(*args, **kwargs)

    options = {  # the click parameter name -> its option
        "verbose": click.option("-v", "--verbose", "verbose", is_flag=True,
                                help="Debug messages on stderr (as --verbosity 50)."),
        "verbosity": click.option("--verbosity", "verbosity", type=click.IntRange(0, 100), default=0,
                                  envvar="CRDS_VERBOSITY", show_envvar=True, metavar="N",
                                  help="Log verbosity 0..100; above 0 shows debug messages."),
        "readonly_cache": click.option("-R", "--readonly-cache", "readonly_cache", is_flag=True,
                                       envvar="CRDS_READONLY_CACHE",
                                       help="Never write the CRDS cache (sets CRDS_READONLY_CACHE for this run)."),
        "ignore_cache": click.option("-I", "--ignore-cache", "ignore_cache", is_flag=True,
                                     help="Download files even if cached (only commands that download act on it)."),
        "forced_observatory": _stacked(
            click.option("-J", "--jwst", "forced_observatory", flag_value="jwst", help="Observatory is JWST."),
            click.option("-H", "--hst", "forced_observatory", flag_value="hst", help="Observatory is HST."),
            click.option("--roman", "forced_observatory", flag_value="roman", help="Observatory is Roman.")),
        "stats": click.option("--stats", "stats", is_flag=True, help="Print the elapsed time on stderr at the end."),
        "log_time": click.option("--log-time", "log_time", is_flag=True, envvar="CRDS_LOG_TIME",
                                 help="Date and time on each log line."),
        "version": click.option("-V", "--version", is_flag=True, expose_value=False, is_eager=True,
                                callback=print_version, help="Print the version and exit."),
    }
    skipped = {TOOL_OPTION_NAMES.get(field, field) for field in own}
    for name, option in reversed(options.items()):
        if name not in skipped:
            wrapper = option(wrapper)
    return wrapper


def _stacked(*options):
    """Several click options applied as one decorator (in the order given)."""
    def apply(func):
        for option in reversed(options):
            func = option(func)
        return func
    return apply
