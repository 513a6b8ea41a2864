"""``anfang import site FILE`` and ``anfang import residents FILE``, with progress bars."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from anfang.config import Settings
from anfang.kernel import Kernel
from anfang.site.importer import ImportFileError, import_site_file
from anfang.site.importer import Progress as ProgressFn
from anfang.site.residents import import_residents_file
from anfang.site.schemas import ImportReport
from anfang.site.service import SitePlatform

console = Console(stderr=True)

FileArg = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="the file to import")
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="check the file, import nothing")]
Job = Callable[[SitePlatform, ProgressFn], Awaitable[ImportReport]]


Build = Callable[[Settings], Kernel]


async def run_import(build: Build, settings: Settings, label: str, job: Job) -> ImportReport:
    """Start the platform ``build`` makes, run ``job`` under a progress bar, stop it."""
    platform = build(settings)
    await platform.start()
    try:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(label, total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return await job(platform, progress)
    finally:
        await platform.stop()


def show(report: ImportReport) -> None:
    """Print what was imported, or every error found; exit 1 when nothing was imported."""
    if report.errors:
        table = Table("row", "column", "problem", title="Nothing imported: fix these first")
        for e in report.errors:
            table.add_row(str(e.row or ""), e.column or "", e.message)
        console.print(table)
        raise typer.Exit(1)
    verb = "would import" if report.dry_run else "imported"
    detail = ", ".join(f"{k} {v}" for k, v in report.counts.items())
    console.print(f"[green]{verb} {report.imported}[/green]" + (f" ({detail})" if detail else ""))


def make_import_app(build: Build) -> typer.Typer:
    """The ``anfang import`` commands, run on the platform that ``build`` makes (the
    composition root hands in the whole platform, so that every part's migrations run)."""
    import_app = typer.Typer(help="Import a site description or residents.", no_args_is_help=True)

    def go(label: str, job: Job) -> None:
        try:
            report = asyncio.run(run_import(build, Settings(), label, job))
        except ImportFileError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from exc
        show(report)

    @import_app.command("site")
    def site_command(file: FileArg, dry_run: DryRunOpt = False) -> None:
        """Import a site file (YAML, see docs/site-file.md); safe to run again after edits."""
        go("site", lambda p, prog: import_site_file(p, file, prog, dry_run=dry_run))

    @import_app.command("residents")
    def residents_command(file: FileArg, dry_run: DryRunOpt = False) -> None:
        """Import residents from .csv (UTF-8) or .xlsx: all rows or, on any error, none."""
        go("residents", lambda p, prog: import_residents_file(p, file, prog, dry_run=dry_run))

    return import_app
