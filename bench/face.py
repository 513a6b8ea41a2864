"""Face recognition benchmark: anfang's two engines against the ``face_recognition`` library.

``python -m bench.face [--pairs N] [--captures N] [--enrol N] [--sizes 10000,50000]``

(1) LFW verification on ``faces/lfw-dev-pairs.tsv``: accuracy, TAR at FAR 1 % / 0.1 %,
ms per image and per step; (2) 1:N identification built from the same images (people
with two images: first enrolled, second probed; people with one image: half enrolled as
distractors, half probed as not enrolled), correct accepts at ≤ 1 % and ≤ 0.1 % false
accepts; (3) decision latency, capture received to decision, on 640×480 JPEG captures
made from the probe photos (through the worker process and a 10,000-template index);
(4) index search latency at each size (synthetic unit vectors of each engine's width);
(5) enrolment throughput through the real service; (6) liveness on LFW photos and on
simulated re-captures of them; (7) small faces in 1920×1080 frames. All pipelines run
on the same images in the same process, one core each, alternating per image.
The data set is read from ``$ANFANG_BENCH_FACES`` or ``../shared/datasets/faces``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

from anfang.face import engine, operating
from anfang.face.engine import DIMS, ENGINES, FaceEngine
from anfang.face.imaging import ImageLimits
from anfang.face.index import FaceIndex, decide
from anfang.face.service import FACE
from bench import face_extra, face_peer
from bench import face_metrics as fm
from bench.common import RESULTS_DIR, latency_summary, metadata, write_results

LIMITS = ImageLimits(max_side=1920)
Vec = np.ndarray | None
PEER = "face_recognition"


def dataset_dir() -> Path:
    """Where the LFW subset lives."""
    env = os.environ.get("ANFANG_BENCH_FACES")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared/datasets/faces"


def image_path(root: Path, name: str, number: int) -> Path:
    """The file of LFW image ``number`` of ``name``."""
    return root / "lfw-dev" / name / f"{name}_{number:04d}.jpg"


def read_pairs(root: Path, limit: int | None) -> list[tuple[Path, Path, bool]]:
    """The verification pairs (a seeded sample of ``limit`` pairs, same/different mix kept)."""
    with (root / "lfw-dev-pairs.tsv").open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    pairs = [
        (
            image_path(root, r["name_a"], int(r["image_a"])),
            image_path(root, r["name_b"], int(r["image_b"])),
            r["same"] == "1",
        )
        for r in rows
    ]
    # The pairs file names a few images that the data set does not hold: left out, counted.
    missing = sum(1 for a, b, _ in pairs if not (a.is_file() and b.is_file()))
    pairs = [(a, b, same) for a, b, same in pairs if a.is_file() and b.is_file()]
    if missing:
        print(f"  {missing} pairs left out: an image is not in the data set", file=sys.stderr)
    if limit is not None and limit < len(pairs):
        pairs = random.Random(7).sample(pairs, limit)
    return pairs


def ours(name: str) -> Callable[[bytes], tuple[Vec, dict[str, float]]]:
    """One of anfang's engines, in this process: the largest face's embedding, step times."""

    def run(data: bytes) -> tuple[Vec, dict[str, float]]:
        res = engine.analyse(data, LIMITS, describe=1, engine=name)
        return (res.faces[0].vector if res.faces else None), res.timings_ms

    return run


def peer(fr: Any) -> Callable[[bytes], tuple[Vec, dict[str, float]]]:
    """The peer's pipeline (no step times)."""
    return lambda data: (face_peer.describe(fr, data)[0], {})


def describe_all(paths: list[Path], fr: Any) -> dict[str, dict[str, Any]]:
    """Every pipeline on every image, rotating which goes first; vectors and times."""
    runners = [(name, ours(name)) for name in ENGINES]
    if fr is not None:
        runners.append((PEER, peer(fr)))
    out: dict[str, dict[str, Any]] = {n: {"vec": {}, "ms": [], "steps": []} for n, _ in runners}
    for n, path in enumerate(paths):
        data = path.read_bytes()
        k = n % len(runners)
        for name, fn in runners[k:] + runners[:k]:
            t = time.perf_counter()
            vec, steps = fn(data)
            out[name]["ms"].append((time.perf_counter() - t) * 1000)
            out[name]["vec"][path] = vec
            out[name]["steps"].append(steps)
        if n % 250 == 0:
            print(f"  described {n}/{len(paths)}", file=sys.stderr)
    return out


def similarity(name: str, a: Vec, b: Vec) -> float:
    """Cosine for anfang's engines, minus the Euclidean distance for the peer; minus
    infinity when either face was not found."""
    if a is None or b is None:
        return float("-inf")
    if name == PEER:
        return -float(np.linalg.norm(a - b))
    return float(a @ b)


def similarities(name: str, gallery: np.ndarray, probes: np.ndarray) -> np.ndarray:
    """Probe × gallery similarity (NaN rows/columns where no face was found)."""
    if name == PEER:
        d = np.linalg.norm(probes[:, None, :] - gallery[None, :, :], axis=2)
        return np.asarray(-d)
    return np.asarray(probes @ gallery.T)


def split_identification(
    paths: list[Path],
) -> tuple[list[Path], list[str], list[Path], list[str | None]]:
    """Gallery and probes from the pair images (see the module docstring)."""
    by_person: dict[str, list[Path]] = {}
    for p in sorted(set(paths)):
        by_person.setdefault(p.parent.name, []).append(p)
    gallery: list[Path] = []
    gids: list[str] = []
    probes: list[Path] = []
    pids: list[str | None] = []
    singles = 0
    for person, files in sorted(by_person.items()):
        if len(files) >= 2:
            gallery.append(files[0])
            gids.append(person)
            probes.append(files[1])
            pids.append(person)
        else:
            singles += 1
            if singles % 2:
                gallery.append(files[0])
                gids.append(person)
            else:
                probes.append(files[0])
                pids.append(None)
    return gallery, gids, probes, pids


def matrix(vecs: dict[Path, Vec], paths: list[Path], dim: int) -> np.ndarray:
    """Rows of descriptors (NaN rows where no face was found)."""
    m = np.full((len(paths), dim), np.nan, dtype=np.float32)
    for i, p in enumerate(paths):
        v = vecs.get(p)
        if v is not None:
            m[i] = v
    return m


def capture(path: Path, rng: random.Random) -> bytes:
    """A 640×480 JPEG 'gate capture': the photo scaled to a 200-420 px head-and-shoulders
    region on a blurred, textured background made from the same photo."""
    img = Image.open(path).convert("RGB")
    bg = img.resize((640, 480)).filter(ImageFilter.GaussianBlur(18))
    side = rng.randint(200, 420)
    face = img.resize((side, side), Image.Resampling.BICUBIC)
    bg.paste(face, (rng.randint(0, 640 - side), rng.randint(0, 480 - side)))
    out = io.BytesIO()
    bg.save(out, "JPEG", quality=90)
    return out.getvalue()


def fill_index(index: FaceIndex, start: int, count: int, seed: int = 1) -> None:
    """Add ``count`` synthetic unit vectors to reach a given size (search cost does not
    depend on their values)."""
    rng = np.random.default_rng(seed)
    block = 10_000
    for s in range(0, count, block):
        n = min(block, count - s)
        x = rng.normal(size=(n, index.dim)).astype(np.float32)
        index.add_many(
            list(range(start + s, start + s + n)),
            [f"synthetic-{start + s + i}" for i in range(n)],
            x,
        )


async def decision_latency(
    captures: list[tuple[bytes, str | None]],
    galleries: dict[str, tuple[np.ndarray, list[str]]],
    fr: Any,
    enrolled: int,
) -> dict[str, Any]:
    """Capture received → decision: anfang's engines through a worker process and the
    index at their entrance operating point; the peer in-process with its own
    ``face_distance`` over the same gallery at its documented 0.6."""
    res: dict[str, Any] = {"enrolled": enrolled, "captures": len(captures)}
    for name in ENGINES:
        gallery, gids = galleries[name]
        ok = ~np.isnan(gallery).any(axis=1)
        index = FaceIndex(capacity=enrolled + 16, dim=DIMS[name])
        index.add_many(
            [i for i in range(len(gids)) if ok[i]], [g for i, g in enumerate(gids) if ok[i]],
            gallery[ok],
        )  # fmt: skip
        fill_index(index, len(gids), max(0, enrolled - len(index)))
        point = operating.POINTS[name]
        eng = FaceEngine(workers=1, limits=LIMITS, engine=name)
        await eng.warm_up()
        ms: list[float] = []
        correct = 0
        for data, pid in captures:
            t = time.perf_counter()
            a = await eng.analyse(data, describe=1)
            hits = index.search(a.faces[0].vector, 2) if a.faces else []
            hit = decide(hits, point.entrance, point.margin)
            ms.append((time.perf_counter() - t) * 1000)
            correct += (hit.person_id if hit else None) == pid
        eng.close()
        res[name] = {
            "latency_ms": latency_summary(ms),
            "correct_decisions": correct / len(captures),
        }
    if fr is not None:
        peer_gallery, gids = galleries[PEER]
        ok = ~np.isnan(peer_gallery).any(axis=1)
        peer_ids = [g for i, g in enumerate(gids) if ok[i]]
        filler = np.random.default_rng(1).normal(size=(max(0, enrolled - len(peer_ids)), 128))
        full = np.concatenate([peer_gallery[ok], filler.astype(np.float32)])
        ms, correct = [], 0
        for data, pid in captures:
            t = time.perf_counter()
            vec, _ = face_peer.describe(fr, data)
            decided = None
            if vec is not None:
                d = fr.face_distance(full, vec)
                j = int(np.argmin(d))
                decided = peer_ids[j] if j < len(peer_ids) and d[j] <= 0.6 else None
            ms.append((time.perf_counter() - t) * 1000)
            correct += decided == pid
        res[PEER] = {
            "latency_ms": latency_summary(ms),
            "correct_decisions": correct / len(captures),
        }
    return res


def search_latency(sizes: list[int], queries: int) -> dict[str, Any]:
    """p50/p99 of one search at each index size, for each engine's embedding width."""
    out: dict[str, Any] = {"descriptors": "synthetic unit vectors"}
    rng = np.random.default_rng(5)
    for name in ENGINES:
        index = FaceIndex(capacity=max(sizes) + 16, dim=DIMS[name])
        per: dict[str, Any] = {}
        for size in sorted(sizes):
            t = time.perf_counter()
            fill_index(index, len(index), size - len(index), seed=size)
            load_s = time.perf_counter() - t
            times = []
            for q in rng.normal(size=(queries, DIMS[name])).astype(np.float32):
                t = time.perf_counter()
                index.search(q, 2)
                times.append((time.perf_counter() - t) * 1000)
            per[str(size)] = {"latency_ms": latency_summary(times), "add_seconds": round(load_s, 3)}
        out[name] = per
        del index
    return out


async def enrol_throughput(paths: list[Path], count: int) -> dict[str, Any]:
    """Enrolments per second through the real service (SQLite, sealed, audited)."""
    from anfang.app.platform import Platform
    from anfang.config import Settings
    from anfang.face.service import FaceService

    chosen = paths[:count]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), sia_enabled=False, admin_password="bench-pass-1")
        plat = Platform(settings)
        plat.components = [c for c in plat.components if isinstance(c, FaceService)]
        await plat.start()
        svc = plat.capabilities.require(FACE)
        assert isinstance(svc, FaceService)
        await svc.engine.warm_up()
        refused: dict[str, int] = {}
        t = time.perf_counter()
        for i, p in enumerate(chosen):
            try:
                await svc.enroll(
                    p.read_bytes(), person_id=f"P{i}", name=p.parent.name, actor="bench"
                )
            except ValueError as exc:
                code = getattr(exc, "reasons", [None])[0]
                key = code.code if code else "other"
                refused[key] = refused.get(key, 0) + 1
        took = time.perf_counter() - t
        await plat.stop()
    return {
        "engine": settings.face_engine,
        "photos": len(chosen),
        "enrolled": len(chosen) - sum(refused.values()),
        "refused": refused,
        "seconds": round(took, 2),
        "per_second": round(len(chosen) / took, 2),
        "workers": 1,
    }


def verification_all(
    described: dict[str, Any], pairs: list[tuple[Path, Path, bool]]
) -> dict[str, Any]:
    """The LFW protocol for each pipeline, with its ms per image and per step."""
    out = {}
    for name, d in described.items():
        vecs = d["vec"]
        same = [similarity(name, vecs[a], vecs[b]) for a, b, s in pairs if s]
        diff = [similarity(name, vecs[a], vecs[b]) for a, b, s in pairs if not s]
        configured = operating.POINTS[name].verify if name in operating.POINTS else -0.6
        steps = {
            k: latency_summary([s[k] for s in d["steps"] if k in s])
            for k in ("decode", "detect", "landmarks", "embedding")
            if any(k in s for s in d["steps"])
        }
        out[name] = fm.verification(same, diff, configured) | {
            "images": len(vecs),
            "images_without_face": sum(v is None for v in vecs.values()),
            "per_image_ms": latency_summary(d["ms"]),
            "per_step_ms": steps,
        }
    return out


def plain(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers (for JSON)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def main(argv: list[str] | None = None) -> list[Path]:
    """Run the benchmark and write bench/results/face-<stamp>.{json,md}."""
    ap = argparse.ArgumentParser(prog="python -m bench.face", description=__doc__)
    ap.add_argument("--pairs", type=int, default=None, help="sample this many pairs (default all)")
    ap.add_argument("--captures", type=int, default=300, help="640×480 captures timed")
    ap.add_argument("--enrol", type=int, default=200, help="photos enrolled for throughput")
    ap.add_argument("--sizes", default="10000,50000", help="index sizes for search")
    ap.add_argument("--queries", type=int, default=2000, help="searches per index size")
    ap.add_argument("--liveness", type=int, default=400, help="photos for the liveness test")
    ap.add_argument("--no-peer", action="store_true", help="skip the face_recognition peer")
    ap.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = ap.parse_args(argv)
    root = dataset_dir()
    if not (root / "lfw-dev-pairs.tsv").is_file():
        raise SystemExit(f"data set missing: {root}/lfw-dev-pairs.tsv (set ANFANG_BENCH_FACES)")
    fr = None if args.no_peer else face_peer.load()
    if args.no_peer:
        peer_note = "face_recognition skipped (--no-peer)"
    elif fr is None:
        peer_note = "face_recognition not installed: pip install --no-deps face_recognition"
    else:
        peer_note = f"face_recognition {face_peer.version()}"
    print(f"peer: {peer_note}", file=sys.stderr)
    data: dict[str, Any] = {
        "benchmark": "face",
        **metadata(),
        "peer": peer_note,
        "operating_points": {n: operating.POINTS[n].as_dict() for n in ENGINES},
    }
    for name in ENGINES:
        engine.load_models(name)
    pairs = read_pairs(root, args.pairs)
    data["pairs_used"] = len(pairs)
    paths = sorted({p for a, b, _ in pairs for p in (a, b)})
    print(f"(1) describing {len(paths)} images of {len(pairs)} pairs", file=sys.stderr)
    described = describe_all(paths, fr)
    data["verification"] = verification_all(described, pairs)
    gallery, gids, probes, pids = split_identification(paths)
    galleries: dict[str, tuple[np.ndarray, list[str]]] = {}
    data["identification"] = {}
    for name, d in described.items():
        dim = DIMS.get(name, 128)
        g, q = matrix(d["vec"], gallery, dim), matrix(d["vec"], probes, dim)
        galleries[name] = (g, gids)
        point = operating.POINTS.get(name)
        t, m = (point.entrance, point.margin) if point else (-0.6, 0.0)
        data["identification"][name] = fm.identification(similarities(name, g, q), gids, pids, t, m)
    print("(3) decision latency on 640×480 captures", file=sys.stderr)
    rng = random.Random(11)
    chosen = rng.sample(list(zip(probes, pids, strict=True)), min(args.captures, len(probes)))
    caps = [(capture(p, rng), pid) for p, pid in chosen]
    data["decision"] = asyncio.run(decision_latency(caps, galleries, fr, 10_000))
    print("(4) search latency", file=sys.stderr)
    data["search"] = search_latency([int(s) for s in args.sizes.split(",")], args.queries)
    print("(5) enrolment throughput", file=sys.stderr)
    data["enrolment"] = asyncio.run(enrol_throughput(gallery, args.enrol))
    print("(6) liveness, (7) small faces", file=sys.stderr)
    sample = random.Random(3).sample(paths, min(args.liveness, len(paths)))
    data["liveness"] = face_extra.liveness(sample, LIMITS)
    data["small_faces"] = face_extra.small_faces(sample[:100], LIMITS)
    from bench.face_report import markdown

    data = plain(data)
    paths_out = write_results("face", data, markdown(data), args.out)
    print("\n".join(str(p) for p in paths_out))
    return paths_out


if __name__ == "__main__":
    main()
