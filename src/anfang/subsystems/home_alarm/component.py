"""The home-alarm component: receivers, sealed keys, arm state and account supervision.

It runs the SIA DC-09 receiver (the capability :data:`SIA_RECEIVER`, unless
``ANFANG_SIA_ENABLED=false``) and the zigbee2mqtt adapter (:data:`MQTT_ADAPTER`, when
``ANFANG_MQTT_HOST`` is set), keeps the account directory (:data:`ACCOUNTS`), adds the
:class:`HomeAlarmState` writer hook, seals
plain keys left from before migration 0003, seeds the communication-failure alarm
definition and runs the supervision check.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from anfang.core import defaults
from anfang.core.capabilities import INTRUSION_HOOK, Key
from anfang.core.events import Event
from anfang.core.facts import fact_sources
from anfang.core.tasks import stop_task
from anfang.core.writer import WriteContext
from anfang.subsystems.home_alarm import facts
from anfang.subsystems.home_alarm.adapters.mqtt_transport import MqttZ2MAdapter
from anfang.subsystems.home_alarm.adapters.sia_receiver import SiaReceiver
from anfang.subsystems.home_alarm.context import alarm_context, household_sources
from anfang.subsystems.home_alarm.service import AccountDirectory, seal_legacy_keys
from anfang.subsystems.home_alarm.state import HomeAlarmState

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)

ACCOUNTS: Key[AccountDirectory] = Key("home_alarm.accounts")
HOME_ALARM_STATE: Key[HomeAlarmState] = Key("home_alarm.state")
SIA_RECEIVER: Key[SiaReceiver] = Key("home_alarm.sia_receiver")
MQTT_ADAPTER: Key[MqttZ2MAdapter] = Key("home_alarm.mqtt_z2m")

COMM_FAIL_KINDS = ["home_alarm.comm_fail", "perimeter.comm_fail"]
COMM_FAIL_DEFINITION = {
    "key": "home_alarm_comm_fail",
    "name": "报警主机通信故障",
    "kinds": COMM_FAIL_KINDS,
    "priority": 2,
    "ack_timeout_s": 300,
    "procedure": "1. 联系住户或周界值班人员核实；2. 检查报警主机供电与网络；3. 通知维保单位。",
}


class HomeAlarmComponent:
    """Runs the supervision of alarm accounts; see the module docstring."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform
        self.accounts = AccountDirectory(platform.secrets)
        self.state = HomeAlarmState(self.accounts, platform.alarms.skip_alarm)
        hooks = platform.writer.hooks
        # Before the perimeter hook: it decides on intrusions by the zone mapped here.
        per = platform.capabilities.get(INTRUSION_HOOK)
        at = hooks.index(per) if per is not None and per in hooks else len(hooks)
        hooks[at:at] = [self.accounts, self.state]
        platform.capabilities.provide(ACCOUNTS, self.accounts)
        platform.alarms.context_sources.append(alarm_context)
        platform.alarms.household_sources.append(household_sources)
        platform.capabilities.provide(HOME_ALARM_STATE, self.state)
        fact_sources(platform.capabilities).add("home_alarm", facts.facts)
        self.interval = platform.settings.supervision_interval_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Seal legacy keys, seed the definition, load the state, start the receivers and
        the supervision."""
        sealed = await self.platform.writer.run(self._startup)
        if sealed:
            log.warning("sealed %d plain alarm-account keys left from before 0003", len(sealed))
        try:
            await self._start_mqtt()
            if self.platform.settings.sia_enabled:
                await self._start_sia()
        except BaseException:
            await self._stop_receivers()  # the platform does not stop what failed to start
            raise
        self._task = asyncio.create_task(self._loop(), name="alarm-account-supervision")

    async def stop(self) -> None:
        """Stop supervising and the receivers; everything acknowledged is durable."""
        await stop_task(self._task)
        self._task = None
        await self._stop_receivers()

    async def _start_mqtt(self) -> None:
        settings = self.platform.settings
        if not settings.mqtt_host:
            return
        mqtt = MqttZ2MAdapter(
            self.platform,
            settings.mqtt_host,
            settings.mqtt_port,
            settings.mqtt_base_topic,
            settings.mqtt_client_id,
        )
        self.platform.capabilities.provide(MQTT_ADAPTER, mqtt)
        await mqtt.start()

    async def _start_sia(self) -> None:
        host, port = self.platform.settings.sia_host, self.platform.settings.sia_port
        sia = SiaReceiver(
            self.platform,
            host,
            port,
            directory=self.accounts,
            front=self.platform.settings.sia_front_process,
        )
        try:
            await sia.start()
        except OSError as exc:
            raise RuntimeError(
                f"cannot listen for SIA DC-09 on {host}:{port} ({exc.strerror}); "
                "set ANFANG_SIA_PORT to a free port or ANFANG_SIA_ENABLED=false"
            ) from exc
        self.platform.capabilities.provide(SIA_RECEIVER, sia)

    async def _stop_receivers(self) -> None:
        caps = self.platform.capabilities
        sia, mqtt = caps.get(SIA_RECEIVER), caps.get(MQTT_ADAPTER)
        caps.withdraw(SIA_RECEIVER)
        caps.withdraw(MQTT_ADAPTER)
        if sia is not None:
            await sia.stop()
        if mqtt is not None:
            await mqtt.stop()

    async def check_now(self) -> list[Event]:
        """One supervision round (also used by tests)."""
        return await self.platform.writer.run(self.state.supervise)

    def _startup(self, ctx: WriteContext) -> list[str]:
        sealed = seal_legacy_keys(ctx, self.platform.secrets, self.platform.audit)
        defaults.seed(ctx, [COMM_FAIL_DEFINITION])
        self.state.load(ctx.session)
        return sealed

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check_now()
            except Exception:  # the database may be away; the next round retries
                log.warning("alarm-account supervision failed", exc_info=True)


def make(platform: Kernel) -> HomeAlarmComponent:
    """The component factory named in the subsystem registration."""
    return HomeAlarmComponent(platform)
