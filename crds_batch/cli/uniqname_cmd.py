"""``crds-batch uniqname --files ...``: rename HST references with unique CDBS-style names (crds uniqname)."""
from __future__ import annotations

import click

from .options import WordsOption, crds_tool_options, split_words


@click.command("uniqname")
@click.option("--files", "files", cls=WordsOption, multiple=True, required=True, metavar="FILE...",
              help="Reference files to rename.")
@click.option("--dry-run", is_flag=True, help="Print how each file would be renamed without writing anything.")
@click.option("-a", "--add-checksum", is_flag=True, help="Add FITS checksums (without: existing ones are removed).")
@click.option("-f", "--add-keywords", is_flag=True, help="Set FILENAME, ROOTNAME and a HISTORY line for the new name.")
@click.option("-e", "--verify-file", is_flag=True, help="Verify FITS format and any checksums first.")
@click.option("-s", "--standard", is_flag=True, help="Same as --add-keywords --verify-file (add -a for checksums).")
@click.option("-r", "--remove-original", is_flag=True, help="Remove the original file after the renamed one is written.")
@click.option("-o", "--output-path", type=click.Path(file_okay=False, exists=True),
              help="Write renamed files into this directory (default: beside the original).")
@click.option("-b", "--brief", is_flag=True, help="Show base names only in the messages.")
@click.option("--fits-errors", is_flag=True, help="FITS format and checksum problems are errors, not warnings.")
@crds_tool_options
def command(files, dry_run, add_checksum, add_keywords, verify_file, standard, remove_original, output_path, brief,
            fits_errors):
    """Rename HST reference files with unique, time-based CDBS-style names (e.g. 0bu1441cj_drk.fits).

    Messages ("Rewriting 'old' --> 'new'", or "Would rename" with --dry-run) go to
    stderr; the new paths, one a line, to stdout.

    \b
    crds-batch uniqname --files s7g1700gl_dead.fits --standard --add-checksum -o renamed/
    """
    import os

    from ..tools.uniqname import UniqnameOptions, uniqname

    options = UniqnameOptions(dry_run=dry_run, add_checksum=add_checksum, add_keywords=add_keywords or standard,
                              verify_file=verify_file or standard, remove_original=remove_original,
                              output_dir=output_path, fits_errors=fits_errors)

    def log(line):
        if brief:
            line = line.replace(os.sep, "/")
        click.echo(f"INFO: {line}", err=True)

    for renaming in uniqname(split_words(files), options, log=log):
        click.echo(os.path.basename(renaming.new) if brief else renaming.new)
