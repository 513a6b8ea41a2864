"""视频安防监控 video surveillance: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem(
        "video",
        "视频安防监控",
        "Video surveillance",
        models=("anfang.subsystems.video.models",),
        api=(
            "anfang.subsystems.video.api",
            "anfang.subsystems.video.api_media",
            "anfang.subsystems.video.api_exports",
            "anfang.subsystems.video.api_ptz",
        ),
        components=(
            "anfang.subsystems.video.component:make_recorder",
            "anfang.subsystems.video.component:make_media",
        ),
        sims=("anfang.subsystems.video.sim:make_demo_cameras",),
        order=20,
    ),
    [
        ("video.loss", S.HIGH, "视频丢失", "Video loss"),
        ("video.restore", S.INFO, "视频恢复", "Video restored"),
        ("video.tamper", S.HIGH, "视频遮挡/移位", "Video tamper"),
        ("video.motion", S.LOW, "移动侦测", "Motion detected"),
        ("video.trouble", S.MEDIUM, "视频故障", "Video fault"),
        ("video.recording_gap", S.LOW, "录像中断", "Recording gap"),
    ],
    derived=frozenset({"video.loss", "video.restore", "video.recording_gap"}),  # the recorder's
)
