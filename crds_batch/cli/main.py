"""The ``crds-batch`` command: a click group whose commands live in sibling modules.

``main()`` only turns exceptions into exit codes: errors a user can cause are
one clear line on stderr, never a traceback; so is anything unexpected (a
bug, or a system error), with exit status 3, not 1, which means "found
errors". ``--debug-traps`` (anywhere on the line, as crds accepts it) or
``CRDS_BATCH_DEBUG_TRAPS=1`` prints the traceback as well.
"""
from __future__ import annotations

import importlib
import os
import sys
import traceback

import click

from .. import __version__
from ..errors import CrdsBatchError
from ..process_exit import exit_without_final_collections

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_ERRORS = 1  # the job ran and found errors (as crds bestrefs does)
EXIT_USAGE = 2  # click's code for bad options
EXIT_FAILURE = 3  # the job could not run: bad context, cache, input... or crashed
EXIT_INTERRUPTED = 130

#: Modules under crds_batch.cli that each define one click command named `command`.
#: Commands whose job may start a LocalCluster: its workers' fork server is started before their imports
#: (batch.worker_start.start_for_command_line).
EARLY_START_COMMANDS = ("affected", "check-context", "keep-results")

COMMAND_MODULES: list[str] = [
    "ingest",
    "export",
    "list_cmd",
    "diff_cmd",
    "affected",
    "keep_results_cmd",
    "demo",
    "synth",
    "check_context",
    "bestrefs",
    "serve",
    "query_affected",
    "checksum_cmd",
    "certify_cmd",
    "rowdiff_cmd",
    # issue 14, second half (tools: explain, uniqname, newcontext, refactor, safe-bestrefs, capture)
    "explain_cmd",
    "newcontext_cmd",
    "uniqname_cmd",
    "safe_bestrefs_cmd",
    "capture_cmd",
    "refactor_cmd",
    "sync_cmd",
    "get_synphot_cmd",
    # issue 14: the crds toolbox
    "matches_cmd",
    "uses_cmd",
]

#: The flag that shows tracebacks, and the variable that does the same.
DEBUG_TRAPS_FLAG = "--debug-traps"
DEBUG_TRAPS_ENV = "CRDS_BATCH_DEBUG_TRAPS"
#: Longest message of an unexpected error shown on its one line.
_CRASH_MESSAGE_CHARS = 400

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def command_name(module_name: str) -> str:
    """The command a module of COMMAND_MODULES defines: its name without ``_cmd``, dashes for underscores."""
    return module_name.removesuffix("_cmd").replace("_", "-")


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (or help lists it): starts stay fast."""

    def list_commands(self, ctx):
        return sorted(command_name(module_name) for module_name in COMMAND_MODULES)

    def resolve_command(self, ctx, args):
        if args and args[0] in EARLY_START_COMMANDS:  # the job's workers start importing while this process does
            from ..batch.worker_start import start_for_command_line

            start_for_command_line(args[1:])
        return super().resolve_command(ctx, args)

    def get_command(self, ctx, name):
        loaded = self.__dict__.setdefault("_loaded", {})
        if name not in loaded:
            module_name = next((m for m in COMMAND_MODULES if command_name(m) == name), None)
            if module_name is None:
                return None
            loaded[name] = importlib.import_module(f"{__package__}.{module_name}").command
        return loaded[name]


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="crds-batch")
@click.option(DEBUG_TRAPS_FLAG, "debug_traps", is_flag=True, expose_value=False,
              help=f"Show the traceback of any error (also {DEBUG_TRAPS_ENV}=1); accepted after the command too.")
@click.option("--config", "config_files", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
              expose_value=False, is_eager=True, callback=lambda ctx, param, files: _load_configs(files),
              help="A Dask config YAML (configs/: local, existing scheduler, SLURM, PBS) merged before the "
                   "command runs (repeatable; DASK_CONFIG works too).")
def cli():
    """crds-batch: CRDS best references for single files and whole archives.

    Honours the CRDS environment: CRDS_PATH (and CRDS_MAPPATH, CRDS_REFPATH,
    CRDS_CFGPATH), CRDS_CONTEXT, CRDS_OBSERVATORY, CRDS_IGNORE_MAPPING_CHECKSUM,
    CRDS_ALLOW_BAD_RULES, CRDS_ALLOW_BAD_REFERENCES. Runs offline on a local cache.
    """


def _load_configs(files) -> None:
    from ..settings import load_config_file

    for path in files:
        load_config_file(path)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising. The process then exits without the garbage
    collector's passes over what the command left (:mod:`crds_batch.process_exit`)."""
    from .stats import mark_command_start

    mark_command_start()
    exit_without_final_collections()
    argv, debug_traps = _take_debug_traps(sys.argv[1:] if argv is None else list(argv))
    debug_traps = debug_traps or os.environ.get(DEBUG_TRAPS_ENV, "").strip() not in ("", "0")
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
    except Exception as exc:  # noqa: BLE001 - every other failure is one line and exit 3
        return report_failure(exc, debug_traps)
    return result if isinstance(result, int) else EXIT_OK


def _take_debug_traps(argv: list[str]) -> tuple[list[str], bool]:
    """``argv`` without ``--debug-traps`` (anywhere before ``--``), and whether it was there."""
    end = argv.index("--") if "--" in argv else len(argv)
    found = DEBUG_TRAPS_FLAG in argv[:end]
    return [a for a in argv[:end] if a != DEBUG_TRAPS_FLAG] + argv[end:], found


def report_failure(exc: BaseException, debug_traps: bool = False) -> int:
    """Print ``exc`` as one ``ERROR:`` line on stderr (after its traceback with ``debug_traps``); return 3."""
    if debug_traps:
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, BrokenPipeError):  # the reader of our output went away: nothing to tell it
        _silence_stdout()
        return EXIT_FAILURE
    if isinstance(exc, CrdsBatchError):  # written as the line the user is to read
        click.echo(f"ERROR: {exc}", err=True)
        return EXIT_FAILURE
    if isinstance(exc, OSError) and exc.strerror:
        message = _one_line(exc.strerror + "".join(f": {name}" for name in (exc.filename, exc.filename2) if name))
    else:
        message = _one_line(f"internal error: {type(exc).__name__}: {exc}")
        if not debug_traps:
            message += f" (rerun with {DEBUG_TRAPS_FLAG} for the traceback)"
    click.echo(f"ERROR: {message}", err=True)
    return EXIT_FAILURE


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _CRASH_MESSAGE_CHARS else text[:_CRASH_MESSAGE_CHARS - 3] + "..."


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        sys.stdout.flush()
    except OSError:
        pass
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (captured): nothing to silence
        pass
    finally:
        os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
