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
