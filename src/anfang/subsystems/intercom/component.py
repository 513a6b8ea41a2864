"""The intercom subsystem's component factory: the SIP service (the capability
:data:`INTERCOM`), unless ``ANFANG_INTERCOM_ENABLED=false``."""

from __future__ import annotations

from anfang.kernel import Kernel
from anfang.subsystems.intercom.config import IntercomSettings
from anfang.subsystems.intercom.service import INTERCOM, IntercomService


def make_intercom(platform: Kernel) -> IntercomService | None:
    """The component factory: the intercom service, unless ``ANFANG_INTERCOM_ENABLED=false``."""
    s = platform.settings
    settings = IntercomSettings(
        enabled=s.intercom_enabled,
        sip_host=s.intercom_sip_host,
        sip_port=s.intercom_sip_port,
        ring_timeout_s=s.intercom_ring_timeout_s,
        domain=s.intercom_domain,
    )
    if not settings.enabled:
        return None
    service = IntercomService(platform, settings)
    platform.capabilities.provide(INTERCOM, service)
    return service
