"""Why an image or a face is refused: a machine code, HTTP status and zh/en messages."""

from __future__ import annotations

from dataclasses import dataclass

# code: (HTTP status, 中文, English)
REASONS: dict[str, tuple[int, str, str]] = {
    "image.empty": (422, "图片为空", "the image is empty"),
    "image.too_large": (413, "图片文件过大", "the image file is too large"),
    "image.not_image": (422, "不是图片文件", "not an image file"),
    "image.unsupported_format": (
        422,
        "不支持的图片格式（仅 JPEG/PNG/BMP/WebP）",
        "unsupported image format (JPEG, PNG, BMP or WebP only)",
    ),
    "image.broken": (422, "图片已损坏，无法解码", "the image is broken and cannot be decoded"),
    "image.too_many_pixels": (413, "图片像素过多", "the image has too many pixels"),
    "image.too_small": (422, "图片尺寸过小", "the image is too small"),
    "face.none": (422, "未检测到人脸", "no face found"),
    "face.many": (422, "检测到多张人脸，登记照片只能有一张人脸", "more than one face found"),
    "face.too_small": (422, "人脸过小，请靠近拍摄", "the face is too small"),
    "face.blurry": (422, "人脸模糊", "the face is blurred"),
    "face.pose_roll": (422, "头部倾斜过大，请正视镜头", "the head is tilted too much"),
    "face.pose_yaw": (422, "侧脸角度过大，请正视镜头", "the head is turned too far sideways"),
    "liveness.fail": (
        422,
        "终端活体检测未通过",
        "the terminal's liveness check failed",
    ),
    "liveness.server_fail": (
        422,
        "活体检测未通过（疑似照片或屏幕翻拍）",
        "the liveness check failed (looks like a photo or a screen)",
    ),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One refusal: its code, status, messages and measured detail (e.g. the blur score)."""

    code: str
    detail: str = ""

    @property
    def status(self) -> int:
        """The HTTP status of this refusal."""
        return REASONS[self.code][0]

    @property
    def zh(self) -> str:
        """The Chinese message."""
        return REASONS[self.code][1]

    @property
    def en(self) -> str:
        """The English message."""
        return REASONS[self.code][2]

    def as_dict(self) -> dict[str, str]:
        """As JSON for API answers and logs."""
        return {"code": self.code, "zh": self.zh, "en": self.en, "detail": self.detail}


class FaceRefused(ValueError):
    """An image or face refused for one or more reasons (the first decides the status).

    A ``ValueError``: callers that only know "bad input" can catch that.
    """

    def __init__(self, reasons: list[Reason]) -> None:
        super().__init__("; ".join(f"{r.code}: {r.en} {r.detail}".strip() for r in reasons))
        self.reasons = reasons

    def __reduce__(self) -> tuple[type[FaceRefused], tuple[list[Reason]]]:
        # Raised in worker processes: must cross the process boundary intact.
        return (FaceRefused, (self.reasons,))

    @property
    def status(self) -> int:
        """The HTTP status of the first reason."""
        return self.reasons[0].status
