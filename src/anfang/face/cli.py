"""``anfang face``: bulk enrolment from a folder or a CSV file, and re-enrolment after a
change of engine (``anfang face migrate``), through the HTTP API of
the running instance (so its in-memory index learns every new face at once).

A folder: one image per person (``<person_id>.jpg``; the name is the file stem with
``_`` as spaces) or one sub-folder per person (``<person_id>/*.jpg``, every photo
enrolled). A CSV: columns ``person_id,name,image`` and optionally ``kind``,
``resident_id``, ``consent_basis`` (image paths relative to the CSV). Each file's
outcome goes to a per-file report (CSV); the exit status is 1 when any file was refused.
"""

from __future__ import annotations

import csv
import getpass
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

face_app = typer.Typer(help="Face recognition: bulk enrolment.", no_args_is_help=True)
console = Console(stderr=True)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


@face_app.callback()
def face_main() -> None:
    """Face recognition: bulk enrolment (more commands may join it)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One photo to enrol."""

    path: Path
    person_id: str
    name: str
    form: dict[str, str] = field(default_factory=dict)


def items_from_dir(folder: Path) -> list[Item]:
    """Photos of a folder: a file per person, or a sub-folder per person."""
    out: list[Item] = []
    for p in sorted(folder.iterdir()):
        if p.is_dir():
            for f in sorted(p.iterdir()):
                if f.suffix.lower() in IMAGE_SUFFIXES:
                    out.append(Item(f, p.name, p.name.replace("_", " ")))
        elif p.suffix.lower() in IMAGE_SUFFIXES:
            out.append(Item(p, p.stem, p.stem.replace("_", " ")))
    return out


def items_from_csv(path: Path) -> list[Item]:
    """Rows of a CSV (``person_id,name,image[,kind,resident_id,consent_basis]``)."""
    out: list[Item] = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = {"person_id", "name", "image"} - set(reader.fieldnames or [])
        if missing:
            raise typer.BadParameter(f"{path}: missing columns {', '.join(sorted(missing))}")
        for row in reader:
            extra = {k: row[k] for k in ("kind", "resident_id", "consent_basis") if row.get(k)}
            out.append(Item(path.parent / row["image"], row["person_id"], row["name"], extra))
    return out


def _token(client: httpx.Client, user: str, password: str | None) -> str:
    pw = password if password is not None else getpass.getpass(f"password of {user}: ")
    r = client.post("/api/v1/auth/token", json={"username": user, "password": pw})
    if r.status_code != 200:
        raise typer.BadParameter(f"login as {user} failed: {r.status_code} {r.text}")
    return str(r.json()["access_token"])


def _enrol_one(client: httpx.Client, item: Item, base: dict[str, str]) -> tuple[str, str, str]:
    """(status, reason codes, message) of one file."""
    try:
        data = item.path.read_bytes()
    except OSError as exc:
        return "error", "file.unreadable", str(exc)
    form = {"person_id": item.person_id, "name": item.name, **base, **item.form}
    files = {"image": (item.path.name, data, "application/octet-stream")}
    try:
        r = client.post("/api/v1/face/enroll", data=form, files=files)
    except httpx.HTTPError as exc:
        return "error", "http.error", str(exc)
    if r.status_code == 201:
        dup = r.json().get("duplicate_of")
        return "enrolled", "", f"looks like {dup}" if dup else ""
    try:
        body = r.json()
    except ValueError:
        body = {"detail": r.text}
    codes = ",".join(x["code"] for x in body.get("reasons", []))
    return "refused", codes or f"http.{r.status_code}", str(body.get("detail", ""))


@face_app.command("enroll-dir")
def enroll_dir(
    source: Annotated[Path, typer.Argument(help="a folder of photos, or a CSV file", exists=True)],
    url: Annotated[
        str, typer.Option(help="base URL of the running anfang")
    ] = "http://127.0.0.1:8080",
    user: Annotated[str, typer.Option(help="user with site.write")] = "admin",
    password: Annotated[str | None, typer.Option(help="asked for when not given")] = None,
    kind: Annotated[str, typer.Option(help="resident, staff, visitor or watch")] = "resident",
    consent_basis: Annotated[str, typer.Option(help="recorded with every person")] = "",
    report: Annotated[Path | None, typer.Option(help="per-file report (CSV)")] = None,
) -> None:
    """Enrol every photo of a folder or CSV, with progress and a per-file report."""
    items = items_from_csv(source) if source.is_file() else items_from_dir(source)
    if not items:
        console.print(f"[yellow]no photos in {source}[/]")
        raise typer.Exit(1)
    report = report or Path(f"face-enroll-report-{source.stem}.csv")
    base = {"kind": kind, "consent_basis": consent_basis}
    counts: dict[str, int] = {}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with (
        httpx.Client(base_url=url, timeout=60) as client,
        report.open("w", newline="", encoding="utf-8") as out,
        Progress(*columns, console=console) as progress,
    ):
        client.headers["Authorization"] = f"Bearer {_token(client, user, password)}"
        writer = csv.writer(out)
        writer.writerow(["file", "person_id", "status", "reasons", "message"])
        task = progress.add_task("enrolling", total=len(items))
        for item in items:
            status, codes, message = _enrol_one(client, item, base)
            writer.writerow([str(item.path), item.person_id, status, codes, message])
            counts[status] = counts.get(status, 0) + 1
            progress.advance(task)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    console.print(f"{len(items)} files: {summary}; report: {report}")
    if counts.get("enrolled", 0) != len(items):
        raise typer.Exit(1)


@face_app.command("migrate")
def migrate(
    url: Annotated[
        str, typer.Option(help="base URL of the running anfang")
    ] = "http://127.0.0.1:8080",
    user: Annotated[str, typer.Option(help="user with site.write")] = "admin",
    password: Annotated[str | None, typer.Option(help="asked for when not given")] = None,
    report: Annotated[
        Path | None, typer.Option(help="CSV of the people without a usable photo")
    ] = None,
) -> None:
    """Re-enrol every template of another engine from the stored photos (the running
    instance also does it by itself at start), following its progress."""
    import time

    with httpx.Client(base_url=url, timeout=60) as client:
        client.headers["Authorization"] = f"Bearer {_token(client, user, password)}"
        r = client.post("/api/v1/face/migration")
        if r.status_code not in (202, 409):
            console.print(f"[red]could not start: {r.status_code} {r.text}[/]")
            raise typer.Exit(1)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("re-enrolling", total=None)
            while True:
                state = client.get("/api/v1/face/migration").json()
                progress.update(task, total=state["total"] or None, completed=state["done"])
                if state["state"] != "running":
                    break
                time.sleep(0.5)
    unusable = state["unusable"]
    console.print(
        f"{state['state']}: {state['migrated']} of {state['total']} re-enrolled, "
        f"{len(unusable)} without a usable photo"
    )
    if unusable:
        out = report or Path("face-migration-unusable.csv")
        with out.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["person_id", "name", "reason"])
            writer.writerows([u["person_id"], u["name"], u["reason"]] for u in unusable)
        console.print(f"people to photograph again: {out}")
    if state["state"] != "done" or unusable:
        raise typer.Exit(1)
