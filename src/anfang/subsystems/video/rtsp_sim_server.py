"""A simulated camera site: GStreamer's RTSP server serving looped clips on localhost.

Run with Debian's ``/usr/bin/python3`` (it owns the ``gi`` bindings), never imported by
anfang: ``python3 rtsp_sim_server.py CONFIG.json``. The config names the port, a clip
cache folder and the mounts (path, codec, size, frame rate, bitrate, credentials). Each
clip is encoded once into the cache and its access units are pushed, paced in real time,
into an ``appsrc`` per client: many streams cost almost no CPU. Once listening the server
prints ``READY <port>``; then it reads JSON commands, one per line, on stdin:
``{"cmd": "stall"|"drop"|"up"|"corrupt", "path": "/cam1/main"}``. ``stall`` stops the
packets but keeps the session, ``drop`` ends the sessions and refuses the path (404),
``up`` serves it again, ``corrupt`` sends a few frames of garbage. Every mount asks for
Basic credentials (default admin/admin).
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

gi: Any = importlib.import_module("gi")
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
Gst: Any = importlib.import_module("gi.repository.Gst")
GstRtspServer: Any = importlib.import_module("gi.repository.GstRtspServer")
GLib: Any = importlib.import_module("gi.repository.GLib")

_ENCODERS = {
    "h264": "x264enc bitrate={kbps} key-int-max={gop} bframes=0 speed-preset=ultrafast "
    "tune=zerolatency option-string=nal-hrd=cbr ! h264parse ! "
    "video/x-h264,stream-format=byte-stream,alignment=au",
    "h265": "x265enc bitrate={kbps} key-int-max={gop} speed-preset=ultrafast "
    "tune=zerolatency ! h265parse ! video/x-h265,stream-format=byte-stream,alignment=au",
    "mjpeg": "jpegenc quality=60",
}
_PAYLOADERS = {
    "h264": "h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1",
    "h265": "h265parse ! rtph265pay name=pay0 pt=96 config-interval=-1",
    "mjpeg": "rtpjpegpay name=pay0 pt=26",
}


@dataclass
class Clip:
    """The encoded access units of one clip, kept in memory and looped."""

    caps: str
    fps: int
    frames: list[tuple[bytes, bool]]  # (data, keyframe)


@dataclass
class Mount:
    """One served path and its current mode (ok, stall, down, corrupt)."""

    path: str
    clip: Clip
    factory: Any
    mode: str = "ok"
    corrupt_left: int = 0
    feeds: list[Feed] = field(default_factory=list)


@dataclass
class Feed:
    """One client's appsrc and where it is in the clip."""

    src: Any
    mount: Mount
    index: int = 0
    due: float = 0.0
    alive: bool = True


def encode_clip(cache: str, spec: dict[str, Any]) -> Clip:
    """Encode (once, cached by parameters) and load the clip a mount serves."""
    codec = spec.get("codec", "h264")
    w, h, fps = int(spec.get("width", 640)), int(spec.get("height", 360)), int(spec.get("fps", 25))
    kbps, seconds = int(spec.get("kbps", 1000)), int(spec.get("seconds", 10))
    gop = int(spec.get("gop", fps))
    name = f"{codec}-{w}x{h}-{fps}-{kbps}-{gop}-{seconds}.bin"
    path = os.path.join(cache, name)
    if not os.path.exists(path):
        enc = _ENCODERS[codec].format(kbps=kbps, gop=gop)
        tmp = path + f".{os.getpid()}.tmp"
        desc = (
            f"videotestsrc pattern=smpte horizontal-speed=6 num-buffers={fps * seconds} ! "
            f"video/x-raw,width={w},height={h},framerate={fps}/1,format=I420 ! "
            f"{enc} ! appsink name=out sync=false"
        )
        frames = _pull(desc)
        with open(tmp, "wb") as f:
            for data, key in frames:
                f.write(len(data).to_bytes(4, "big") + (b"\x01" if key else b"\x00") + data)
        os.replace(tmp, path)
    frames = []
    with open(path, "rb") as f:
        blob = f.read()
    pos = 0
    while pos < len(blob):
        n = int.from_bytes(blob[pos : pos + 4], "big")
        frames.append((blob[pos + 5 : pos + 5 + n], blob[pos + 4] == 1))
        pos += 5 + n
    caps = {
        "h264": "video/x-h264,stream-format=byte-stream,alignment=au",
        "h265": "video/x-h265,stream-format=byte-stream,alignment=au",
        "mjpeg": "image/jpeg",
    }[codec]
    return Clip(f"{caps},width={w},height={h},framerate={fps}/1", fps, frames)


def _pull(desc: str) -> list[tuple[bytes, bool]]:
    pipe = Gst.parse_launch(desc)
    sink = pipe.get_by_name("out")
    pipe.set_state(Gst.State.PLAYING)
    frames: list[tuple[bytes, bool]] = []
    while True:
        sample = sink.emit("pull-sample")
        if sample is None:
            break
        buf = sample.get_buffer()
        key = not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)
        frames.append((buf.extract_dup(0, buf.get_size()), key))
    pipe.set_state(Gst.State.NULL)
    return frames


class Site:
    """The RTSP server, its mounts, and the thread pacing every client's frames."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address(config.get("host", "127.0.0.1"))
        self.server.set_service(str(config.get("port", 0)))
        self.mounts: dict[str, Mount] = {}
        self.lock = threading.Lock()
        cache = config["cache"]
        os.makedirs(cache, exist_ok=True)
        clips: dict[str, Clip] = {}
        # Every mount asks for credentials, as real cameras do (a request without them
        # gets 401 and a challenge; with a wrong password, 401 again).
        auth = GstRtspServer.RTSPAuth()
        roles: dict[tuple[str, str], str] = {}
        for spec in config["mounts"]:
            key = json.dumps(
                {k: v for k, v in spec.items() if k not in ("path", "user", "password")},
                sort_keys=True,
            )
            if key not in clips:
                clips[key] = encode_clip(cache, spec)
            clip = clips[key]
            codec = spec.get("codec", "h264")
            factory = GstRtspServer.RTSPMediaFactory()
            factory.set_launch(
                f"( appsrc name=src is-live=true do-timestamp=true format=time "
                f'caps="{clip.caps}" ! {_PAYLOADERS[codec]} )'
            )
            factory.set_shared(False)
            cred = (spec.get("user") or "admin", spec.get("password") or "admin")
            role = roles.get(cred)
            if role is None:
                role = roles[cred] = f"role{len(roles)}"
                token = GstRtspServer.RTSPToken()
                token.set_string("media.factory.role", role)
                auth.add_basic(GstRtspServer.RTSPAuth.make_basic(*cred), token)
            factory.add_role_from_structure(
                Gst.Structure.new_from_string(
                    f"{role}, media.factory.access=(boolean)true, "
                    "media.factory.construct=(boolean)true"
                )
            )
            mount = Mount(spec["path"], clip, factory)
            factory.connect("media-configure", self._configure, mount)
            self.mounts[mount.path] = mount
            self.server.get_mount_points().add_factory(mount.path, factory)
        self.server.set_auth(auth)

    def _configure(self, factory: Any, media: Any, mount: Mount) -> None:
        src = media.get_element().get_child_by_name("src")
        feed = Feed(src, mount, 0, time.monotonic())
        media.connect("unprepared", lambda *_: self._forget(feed))
        with self.lock:
            mount.feeds.append(feed)

    def _forget(self, feed: Feed) -> None:
        with self.lock:
            feed.alive = False
            if feed in feed.mount.feeds:
                feed.mount.feeds.remove(feed)

    def pace(self) -> None:
        """Push every due frame of every client, forever (runs on its own thread)."""
        while True:
            now = time.monotonic()
            nxt = now + 0.02
            with self.lock:
                feeds = [f for m in self.mounts.values() for f in m.feeds]
            for feed in feeds:
                m = feed.mount
                while feed.alive and feed.due <= now:
                    feed.due += 1.0 / m.clip.fps
                    if m.mode in ("stall", "down"):
                        continue
                    data, key = m.clip.frames[feed.index]
                    feed.index = (feed.index + 1) % len(m.clip.frames)
                    if m.mode == "corrupt":
                        data, key = os.urandom(max(len(data) // 4, 64)), False
                        m.corrupt_left -= 1
                        if m.corrupt_left <= 0:
                            m.mode = "ok"
                    buf = Gst.Buffer.new_wrapped(data)
                    if not key:
                        buf.set_flags(Gst.BufferFlags.DELTA_UNIT)
                    feed.src.emit("push-buffer", buf)
                nxt = min(nxt, feed.due)
            time.sleep(max(0.0, nxt - time.monotonic()))

    def command(self, line: str) -> None:
        """Apply one control command from stdin."""
        msg = json.loads(line)
        mount = self.mounts.get(msg.get("path", ""))
        if mount is None:
            print(f"ERROR no mount {msg.get('path')!r}", flush=True)
            return
        cmd = msg["cmd"]
        points = self.server.get_mount_points()
        if cmd == "stall":
            mount.mode = "stall"
        elif cmd == "corrupt":
            mount.mode, mount.corrupt_left = "corrupt", int(msg.get("frames", 10))
        elif cmd == "drop":
            mount.mode = "down"
            points.remove_factory(mount.path)
            with self.lock:
                feeds = list(mount.feeds)
            for feed in feeds:
                feed.src.emit("end-of-stream")
            GLib.idle_add(self._kick, mount)
        elif cmd == "up":
            if mount.mode == "down":
                points.add_factory(mount.path, mount.factory)
            mount.mode = "ok"
        print(f"OK {cmd} {mount.path}", flush=True)

    def _kick(self, mount: Mount) -> bool:
        # Close the TCP connections of clients that play this path, as a dead camera would.
        def client(server: Any, cl: Any, _: Any) -> Any:
            hit = False

            def sess(cl2: Any, s: Any, _: Any) -> Any:
                nonlocal hit
                got = s.get_media(mount.path)
                if got and got[0] is not None:
                    hit = True
                return GstRtspServer.RTSPFilterResult.KEEP

            cl.session_filter(sess, None)
            if hit:
                cl.close()
            return GstRtspServer.RTSPFilterResult.KEEP

        self.server.client_filter(client, None)
        return False


def main() -> None:
    """Start the server from the config file named on the command line."""
    # Ctrl-C of the demo reaches us too: our parent stops us by closing stdin instead.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    Gst.init(None)
    with open(sys.argv[1]) as f:
        config = json.load(f)
    site = Site(config)
    loop = GLib.MainLoop()
    site.server.attach(None)
    threading.Thread(target=site.pace, daemon=True).start()

    def apply(line: str) -> bool:
        site.command(line)
        return False  # run once

    def read_stdin() -> None:
        for line in sys.stdin:
            if line.strip():
                GLib.idle_add(apply, line)
        GLib.idle_add(loop.quit)  # the parent is gone: so are we

    threading.Thread(target=read_stdin, daemon=True).start()
    print(f"READY {site.server.get_bound_port()}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
