"""The ``anfang`` command and its sub-commands."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress

from anfang import config
from anfang.app import redact, registry
from anfang.app.http import create_app
from anfang.app.platform import Platform
from anfang.app.serving import uvicorn_options
from anfang.app.user_cli import make_user_app
from anfang.audit.anchors import AuditChainBroken
from anfang.config import Settings
from anfang.face import modelfiles
from anfang.face.cli import face_app
from anfang.kernel import Kernel
from anfang.site.cli import make_import_app

app = typer.Typer(
    help="anfang 安防 — security monitoring centre for residential communities.",
    no_args_is_help=True,
)


def _kernel(settings: Settings) -> Kernel:
    """The kernel with every subsystem's migrations, without their listeners."""
    registry.load_all()
    return Kernel(settings, migrations=registry.migration_locations())


audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(db_app, name="db")
app.add_typer(make_import_app(Platform), name="import")
app.add_typer(make_user_app(_kernel), name="user")
app.add_typer(face_app, name="face")
console = Console(stderr=True)

PortOpt = Annotated[
    int | None, typer.Option("--port", help="TCP port (default ANFANG_PORT or 8080)")
]
HostOpt = Annotated[str | None, typer.Option("--host", help="address to listen on")]


def _settings(port: int | None = None, host: str | None = None) -> Settings:
    s = Settings()
    updates: dict[str, object] = {}
    if port is not None:
        updates["port"] = port
    if host is not None:
        updates["host"] = host
    return s.model_copy(update=updates) if updates else s


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    redact.install()  # no credential in any line of the log


@app.command()
def serve(port: PortOpt = None, host: HostOpt = None) -> None:
    """Run the platform and its API/console (no simulated devices)."""
    import uvicorn

    _logging()
    settings = _settings(port, host)
    try:
        Platform(settings).preflight()
        if settings.face_enabled and settings.face_engine == "mobilefacenet":
            modelfiles.check()  # a changed model file stops the start with one line
    except (AuditChainBroken, modelfiles.ModelFileError) as exc:
        console.print(f"[red]anfang: {exc}[/red]")
        raise typer.Exit(3) from exc
    application = create_app(settings)
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level="info",
        **uvicorn_options(settings),
    )


@app.command()
def demo(port: PortOpt = None, host: HostOpt = None) -> None:
    """Run the whole platform with a simulated community (what ``make run`` starts)."""
    from anfang.sim.demo import DemoError, run_demo

    _logging()
    try:
        asyncio.run(run_demo(_settings(port, host)))
    except KeyboardInterrupt:
        console.print("stopped")
    except DemoError as exc:
        console.print(f"[red]anfang demo: {exc}[/red]")
        raise typer.Exit(1) from exc


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from anfang.store import migrate
    from anfang.store.base import make_engine

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    with Progress(console=console, transient=True) as progress:
        progress.add_task("migrating…", total=None)
        migrate.upgrade(engine, registry.migration_locations())
    console.print(f"schema at revision {migrate.current(engine)}")


@audit_app.command("verify")
def audit_verify(
    key_file: Annotated[Path | None, typer.Option(help="Ed25519 key file")] = None,
) -> None:
    """Verify the audit chain, its signatures and the anchor; exit 1 naming the first bad entry."""
    from sqlalchemy.orm import Session

    from anfang.audit import keys
    from anfang.audit.verify import verify
    from anfang.store.base import make_engine

    settings = Settings()
    key_path = key_file or settings.resolved_audit_key_file()
    if not key_path.exists():
        console.print(f"[red]audit key {key_path} not found[/]")
        raise typer.Exit(2)
    public = keys.load_or_create(key_path).public_key()
    engine = make_engine(settings.resolved_database_url())
    with Progress(console=console, transient=True) as progress, Session(engine) as session:
        task = progress.add_task("verifying audit chain", total=None)
        report = verify(
            session,
            public,
            keys.anchor_path(key_path),
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if report.ok:
        typer.echo(
            f"audit chain intact: {report.entries} entries, {report.checkpoints} signed checkpoints"
        )
        return
    typer.echo(f"AUDIT CHAIN BROKEN at entry {report.first_bad_seq}: {report.reason}", err=True)
    raise typer.Exit(1)


def main() -> None:
    """Entry point of the ``anfang`` console script."""
    try:
        Settings()  # refused settings: one clear line each, never a traceback
    except ValidationError as exc:
        console.print(f"[red]anfang: settings refused:\n{config.problem(exc)}[/red]")
        sys.exit(2)
    try:
        app()
    except BrokenPipeError:
        sys.exit(1)


if __name__ == "__main__":
    main()
