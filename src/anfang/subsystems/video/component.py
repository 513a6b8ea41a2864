"""The video subsystem's component factories: the recorder (when recording is on) and the
media service (snapshots, clips, playback, live view, video health)."""

from __future__ import annotations

from anfang.core.capabilities import VIDEO_SOURCE
from anfang.core.facts import fact_sources
from anfang.kernel import Kernel
from anfang.subsystems.video import facts, ptz
from anfang.subsystems.video.feed import VideoFeed
from anfang.subsystems.video.media import MEDIA, MediaService
from anfang.subsystems.video.recorder import RECORDER, Recorder


def make_recorder(platform: Kernel) -> Recorder | None:
    """The recorder, when ``video_recording`` is on."""
    if not platform.settings.video_recording:
        return None
    rec = Recorder(platform)
    platform.capabilities.provide(RECORDER, rec)
    platform.writer.hooks.append(rec)
    return rec


def make_media(platform: Kernel) -> MediaService:
    """The component (always on: it only acts when asked or when cameras are analysed)."""
    svc = MediaService(platform)
    platform.capabilities.provide(MEDIA, svc)
    # The police uplink (GB/T 28181) sends cameras' pictures and answers what is recorded.
    platform.capabilities.provide(VIDEO_SOURCE, VideoFeed(svc))
    # Linkage rules may turn a camera to a preset (ONVIF PTZ).
    platform.linkage.register("ptz_preset", ptz.preset_handler(svc))
    fact_sources(platform.capabilities).add("video", facts.facts)
    return svc
