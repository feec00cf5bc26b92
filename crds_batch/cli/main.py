"""The ``crds-batch`` command: a click group whose commands live in sibling modules.

``main()`` only turns exceptions into exit codes: errors a user can cause are
one clear line on stderr, never a traceback.
"""
from __future__ import annotations

import importlib
import sys

import click

from .. import __version__
from ..errors import CrdsBatchError

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_ERRORS = 1  # the job ran and found errors (as crds bestrefs does)
EXIT_USAGE = 2  # click's code for bad options
EXIT_FAILURE = 3  # the job could not run: bad context, cache, input...
EXIT_INTERRUPTED = 130

#: Modules under crds_batch.cli that each define one click command named `command`.
COMMAND_MODULES: list[str] = [
    "ingest",
    "export",
    "list_cmd",
    "diff_cmd",
    "affected",
    "demo",
    "synth",
    "check_context",
    "bestrefs",
    "serve",
]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    """Loads command modules on demand so `crds-batch --help` stays fast."""

    def list_commands(self, ctx):
        return sorted(self._commands())

    def get_command(self, ctx, name):
        return self._commands().get(name)

    def _commands(self):
        if not hasattr(self, "_loaded"):
            self._loaded = {}
            for module_name in COMMAND_MODULES:
                module = importlib.import_module(f"{__package__}.{module_name}")
                self._loaded[module.command.name] = module.command
        return self._loaded


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="crds-batch")
def cli():
    """crds-batch: CRDS best references for single files and whole archives.

    Honours the CRDS environment: CRDS_PATH (and CRDS_MAPPATH, CRDS_REFPATH,
    CRDS_CFGPATH), CRDS_CONTEXT, CRDS_OBSERVATORY, CRDS_IGNORE_MAPPING_CHECKSUM,
    CRDS_ALLOW_BAD_RULES, CRDS_ALLOW_BAD_REFERENCES. Runs offline on a local cache.
    """


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising."""
    try:
        result = cli.main(args=argv, prog_name="crds-batch", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except CrdsBatchError as exc:
        click.echo(f"ERROR: {exc}", err=True)
        return EXIT_FAILURE
    return result if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
