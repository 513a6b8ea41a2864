"""ONVIF reads with onvif-zeep-async against a small in-test ONVIF device (SOAP over HTTP)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.subsystems.video.adapters.onvif import OnvifError, parse_onvif_url, read_device
from anfang.subsystems.video.models import Camera
from tests.conftest import auth, login
from tests.subsystems.video.segfiles import add_camera

NS = (
    'xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" '
    'xmlns:trt="http://www.onvif.org/ver10/media/wsdl" '
    'xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" '
    'xmlns:tt="http://www.onvif.org/ver10/schema" '
    'xmlns:ter="http://www.onvif.org/ver10/error"'
)


def _service(ns: str, url: str) -> str:
    return (
        f"<tds:Service><tds:Namespace>{ns}</tds:Namespace><tds:XAddr>{url}</tds:XAddr>"
        "<tds:Version><tt:Major>2</tt:Major><tt:Minor>5</tt:Minor></tds:Version></tds:Service>"
    )


def _uri(tag: str, uri: str) -> str:
    return (
        f"<trt:{tag}><tt:Uri>{uri}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
        "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout>"
        f"</trt:{tag}>"
    )


def _profile(token: str, name: str, w: int, h: int, ptz: bool) -> str:
    ptz_cfg = (
        '<tt:PTZConfiguration token="ptz0"><tt:Name>ptz</tt:Name><tt:UseCount>1</tt:UseCount>'
        "<tt:NodeToken>n0</tt:NodeToken></tt:PTZConfiguration>"
        if ptz
        else ""
    )
    return (
        f'<trt:Profiles token="{token}" fixed="true"><tt:Name>{name}</tt:Name>'
        f'<tt:VideoEncoderConfiguration token="v{token}"><tt:Name>v</tt:Name>'
        "<tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>"
        f"<tt:Resolution><tt:Width>{w}</tt:Width><tt:Height>{h}</tt:Height></tt:Resolution>"
        "<tt:Quality>5</tt:Quality></tt:VideoEncoderConfiguration>"
        f"{ptz_cfg}</trt:Profiles>"
    )


class FakeCamera:
    """Answers the ONVIF operations anfang uses; wants user ``admin``."""

    def __init__(self) -> None:
        self.base = ""
        self.calls: list[str] = []
        self.requests: list[tuple[str, str]] = []

    def body(self, op: str, request: str) -> str | None:
        b = self.base
        token = m.group(1) if (m := re.search(r"ProfileToken>([^<]+)<", request)) else ""
        bodies = {
            "GetServices": "<tds:GetServicesResponse>"
            + _service("http://www.onvif.org/ver10/device/wsdl", f"{b}/onvif/device_service")
            + _service("http://www.onvif.org/ver10/media/wsdl", f"{b}/onvif/media")
            + _service("http://www.onvif.org/ver20/ptz/wsdl", f"{b}/onvif/ptz")
            + "</tds:GetServicesResponse>",
            "GetDeviceInformation": "<tds:GetDeviceInformationResponse>"
            "<tds:Manufacturer>ACME</tds:Manufacturer><tds:Model>IPC-1</tds:Model>"
            "<tds:FirmwareVersion>5.7</tds:FirmwareVersion><tds:SerialNumber>SN42</tds:SerialNumber>"
            "<tds:HardwareId>HW1</tds:HardwareId></tds:GetDeviceInformationResponse>",
            "GetProfiles": "<trt:GetProfilesResponse>"
            + _profile("main", "主码流", 1920, 1080, True)
            + _profile("sub", "子码流", 640, 360, False)
            + "</trt:GetProfilesResponse>",
            "GetStreamUri": "<trt:GetStreamUriResponse>"
            + _uri("MediaUri", f"rtsp://127.0.0.1:554/{token}")
            + "</trt:GetStreamUriResponse>",
            "GetSnapshotUri": "<trt:GetSnapshotUriResponse>"
            + _uri("MediaUri", f"{b}/snap/{token}.jpg")
            + "</trt:GetSnapshotUriResponse>",
            "GetPresets": "<tptz:GetPresetsResponse>"
            '<tptz:Preset token="1"><tt:Name>大门</tt:Name></tptz:Preset>'
            '<tptz:Preset token="2"><tt:Name>停车场</tt:Name></tptz:Preset>'
            "</tptz:GetPresetsResponse>",
            "GotoPreset": "<tptz:GotoPresetResponse/>",
            "ContinuousMove": "<tptz:ContinuousMoveResponse/>",
            "Stop": "<tptz:StopResponse/>",
        }
        return bodies.get(op)

    async def handle(self, request: web.Request) -> web.Response:
        text = await request.text()
        m = re.search(r"<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?(\w+)", text)
        op = m.group(1) if m else ""
        self.calls.append(op)
        self.requests.append((op, text))
        if "<wsse:Username>admin<" not in text and "Username>admin<" not in text:
            fault = (
                f"<s:Envelope {NS}><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value>"
                "<s:Subcode><s:Value>ter:NotAuthorized</s:Value></s:Subcode></s:Code>"
                '<s:Reason><s:Text xml:lang="en">Sender not Authorized</s:Text></s:Reason>'
                "</s:Fault></s:Body></s:Envelope>"
            )
            return web.Response(text=fault, status=400, content_type="application/soap+xml")
        body = self.body(op, text)
        if body is None:
            return web.Response(status=500, text=f"no {op}")
        env = f"<s:Envelope {NS}><s:Body>{body}</s:Body></s:Envelope>"
        return web.Response(text=env, content_type="application/soap+xml")


@pytest.fixture
async def camera() -> AsyncIterator[FakeCamera]:
    fake = FakeCamera()
    app = web.Application()
    app.router.add_post("/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.base = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()


async def test_reads_information_profiles_uris_and_presets(camera: FakeCamera) -> None:
    info = await read_device(camera.base + "/onvif/device_service", "admin", "secret")
    assert (info.manufacturer, info.model, info.serial, info.ptz) == ("ACME", "IPC-1", "SN42", True)
    main, sub = info.profiles
    assert (main.token, main.name, main.encoding, main.width, main.height) == (
        "main",
        "主码流",
        "H264",
        1920,
        1080,
    )
    assert main.stream_uri == "rtsp://127.0.0.1:554/main"
    assert sub.stream_uri == "rtsp://127.0.0.1:554/sub"
    assert main.snapshot_uri == f"{camera.base}/snap/main.jpg"
    assert [(p.token, p.name) for p in main.presets] == [("1", "大门"), ("2", "停车场")]
    assert sub.presets == []  # no PTZ configuration in that profile
    assert info.to_json()["profiles"][0]["presets"][0]["name"] == "大门"


async def test_wrong_credentials_say_so(camera: FakeCamera) -> None:
    with pytest.raises(OnvifError) as err:
        await read_device(camera.base, "intruder", "x")
    assert err.value.status == 401 and "credentials" in err.value.message


async def test_unreachable_device_says_so() -> None:
    import socket

    # A port held bound but never listening: nothing else can take it while the test runs
    # (a port merely found free once was taken by another server in a CI run, which answered 401).
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        with pytest.raises(OnvifError) as err:
            await read_device(f"http://127.0.0.1:{port}", "admin", "x", timeout_s=5)
    assert err.value.status in (502, 504) and "127.0.0.1" in err.value.message


def test_parse_onvif_url() -> None:
    assert parse_onvif_url("http://10.0.0.5:8000/onvif/device_service") == ("10.0.0.5", 8000)
    assert parse_onvif_url("10.0.0.5") == ("10.0.0.5", 80)
    with pytest.raises(OnvifError):
        parse_onvif_url("http://:80/")


async def test_api_reads_a_cameras_onvif_info_installers_only(
    camera: FakeCamera, platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    cam = await add_camera(platform, "CAM-O")

    def settings(ctx: WriteContext) -> None:
        row = ctx.session.get(Camera, cam)
        assert row is not None
        row.onvif_url, row.username = camera.base + "/onvif/device_service", "admin"
        row.password_sealed = platform.secrets.seal(b"secret", "camera:CAM-O")

    await platform.writer.run(settings)
    r = await app_client.get("/api/v1/video/onvif/CAM-O", headers=auth(admin_token))
    assert r.status_code == 200, r.text
    assert r.json()["model"] == "IPC-1" and r.json()["profiles"][1]["token"] == "sub"
    await platform.users.create("op", "operator-password", "operator", "test")
    op = await login(app_client, "op", "operator-password")
    for path in ("/api/v1/video/onvif/CAM-O", "/api/v1/video/onvif/discover"):
        assert (await app_client.get(path, headers=auth(op))).status_code == 403
