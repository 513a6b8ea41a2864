"""The centre's running part: the linkage rule engine. It follows every event on the bus,
fires the rules that match it (kind, device, zone, building, schedule) and carries out
their actions: snapshot and clip through :class:`anfang.core.linkage.Linkage` (video
handles them), a pop-up or an alarm as an event of its own, a door opened through
access control's :data:`DOOR_OPENER`, a signed webhook with retries; actions no part of
this installation handles (PTZ, lock, outputs without a driver) are counted as unhandled."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core import defaults
from anfang.core.capabilities import DOOR_OPENER
from anfang.core.events import Event, new_id
from anfang.core.linkage import LinkageRequest
from anfang.core.linkage_rules import Happening, Rule, matches
from anfang.core.tasks import stop_task
from anfang.core.writer import WriteContext
from anfang.store.models import AlarmEvent, Device
from anfang.subsystems.center import rules as rules_svc
from anfang.subsystems.center.adapters import webhook
from anfang.subsystems.center.adapters.webhook_transport import deliver
from anfang.subsystems.center.models import CenterRule

if TYPE_CHECKING:
    from anfang.core.bus import Subscription
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
ACTIONS_RUN = Counter("anfang_rule_actions_total", "Linkage rule actions", ["action", "outcome"])
RULE_ALARM_DEFINITION = {
    "key": "center_rule_alarm",
    "name": "联动规则告警",
    "kinds": ["center.rule_alarm"],
    "priority": 2,
    "ack_timeout_s": 120,
    "procedure": "1. 查看触发该规则的事件与联动画面；2. 按规则说明处置；3. 记录处置结果。",
}


class RuleEngine:
    """Fires linkage rules on events; a writer hook only to reload them after an edit."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform
        self.rules: list[Rule] = []
        self.secrets: dict[int, bytes | None] = {}
        self.places: dict[str, tuple[int | None, int | None, int | None]] = {}
        self.cameras: set[str] = set()
        self._sub: Subscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._running: set[asyncio.Task[Any]] = set()
        platform.writer.hooks.append(self)

    # ---------------------------------------------------------------- writer hook

    def load(self, session: Session) -> None:
        """Cache the rules, their webhook keys and where each device is."""
        rows = list(session.scalars(select(CenterRule).order_by(CenterRule.id)))
        box = self.platform.secrets
        self.rules = [rules_svc.to_rule(r) for r in rows]
        self.secrets = {
            r.id: box.open(r.notify_secret_sealed, rules_svc.secret_purpose(r.id))
            if r.notify_secret_sealed is not None
            else None
            for r in rows
        }
        rows_d = session.execute(
            select(Device.code, Device.zone_id, Device.building_id, Device.site_id, Device.type)
        ).all()
        self.places = {code: (zone, building, site) for code, zone, building, site, _ in rows_d}
        self.cameras = {code for code, *_, dtype in rows_d if dtype == "camera"}

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Nothing to add."""
        return []

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Nothing here: rules act after the commit, from the bus."""

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Reload after a rule or the site changed."""
        if topics & {rules_svc.TOPIC, "devices", "site"}:
            self.load(ctx.session)

    # ---------------------------------------------------------------- running

    async def start(self) -> None:
        """Seed the rule alarm's definition, load the rules, follow the events."""

        def startup(ctx: WriteContext) -> None:
            defaults.seed(ctx, [RULE_ALARM_DEFINITION])
            self.load(ctx.session)

        await self.platform.writer.run(startup)
        self._client = httpx.AsyncClient(timeout=10.0)
        self._sub = await self.platform.bus.subscribe("events.>")
        self._task = asyncio.create_task(self._listen(self._sub), name="center-rules")

    async def stop(self) -> None:
        """Stop following events; let running actions finish briefly."""
        await stop_task(self._task)
        if self._sub is not None:
            await self._sub.close()
        if self._running:
            await asyncio.wait(set(self._running), timeout=5.0)
        if self._client is not None:
            await self._client.aclose()

    async def _listen(self, sub: Subscription) -> None:
        async for msg in sub:
            try:
                self.on_event(msg.data)
            except Exception:  # one bad event must not stop the rules
                log.exception("linkage rules on %s failed", msg.data.get("id"))

    def on_event(self, ev: dict[str, Any]) -> list[tuple[Rule, dict[str, Any]]]:
        """Fire every rule ``ev`` matches; the (rule, action) pairs started."""
        if not self.rules:
            return []
        source = str(ev.get("source", ""))
        zone, building, _ = self.places.get(source, (None, None, None))
        e = Happening(
            str(ev.get("kind")),
            source,
            ev.get("zone_id") if ev.get("zone_id") is not None else zone,
            building,
            datetime.fromisoformat(str(ev.get("occurred_at"))),
        )
        started = []
        for rule in self.rules:
            if matches(rule, e, self.platform.alarms.tz):
                for action in rule.actions:
                    self._spawn(self._act(rule, action, ev, e))
                    started.append((rule, action))
        return started

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _act(
        self, rule: Rule, action: dict[str, Any], ev: dict[str, Any], e: Happening
    ) -> None:
        kind = str(action["type"])
        try:
            done = await self._do(rule, kind, action, ev, e)
        except Exception:
            ACTIONS_RUN.labels(kind, "failed").inc()
            log.exception("rule %s: %s failed", rule.name, kind)
            return
        ACTIONS_RUN.labels(kind, "done" if done else "not_done").inc()

    async def _do(
        self, rule: Rule, kind: str, action: dict[str, Any], ev: dict[str, Any], e: Happening
    ) -> bool:
        p = self.platform
        source = f"RULE-{rule.id}"
        if kind in ("popup", "raise_alarm"):
            cams = self._cameras(action, e)
            payload = {
                "rule_id": rule.id,
                "rule": rule.name,
                "title": action.get("title") or rule.name,
                "camera": cams[0] if cams else None,
                "event_source": e.source,
                "event_kind": e.kind,
            }
            out = "center.rule_popup" if kind == "popup" else "center.rule_alarm"
            await p.pipeline.submit(
                Event.create(out, source, cause=[str(ev["id"])], payload=payload)
            )
            return True
        if kind == "open_door":
            opener = p.capabilities.get(DOOR_OPENER)
            if opener is None:
                return False
            await opener.open_door(str(action["door"]), f"rule:{rule.id}", f"联动规则：{rule.name}")
            return True
        if kind == "notify":
            if self._client is None:
                return False
            delivery = new_id()
            body = webhook.body(rule.id, rule.name, delivery, ev)
            ok, _, _ = await deliver(
                self._client, str(action["url"]), body, self.secrets.get(rule.id), delivery
            )
            return ok
        alarm_id = await asyncio.to_thread(self._alarm_of, str(ev["id"]))
        codes = tuple(self._cameras(action, e))
        params = {k: v for k, v in action.items() if k != "type"}
        req = LinkageRequest(
            kind,
            alarm_id,
            str(ev["id"]),
            e.at,
            codes,
            self.places.get(e.source, (None, None, None))[2],
            params,
        )
        return p.linkage.trigger(req) is not None

    def _cameras(self, action: dict[str, Any], e: Happening) -> list[str]:
        named = list(action.get("cameras") or ([action["camera"]] if action.get("camera") else []))
        if named or e.zone_id is None:
            return named
        # The cameras placed in the event's zone.
        return sorted(c for c in self.cameras if self.places.get(c, (None,))[0] == e.zone_id)

    def _alarm_of(self, event_id: str) -> str:
        # Media of an event that raised no alarm are filed under the event's own id.
        with self.platform.read_session() as s:
            found = s.scalar(select(AlarmEvent.alarm_id).where(AlarmEvent.event_id == event_id))
        return found or event_id


def make(platform: Kernel) -> RuleEngine:
    """The component factory named in the subsystem registration."""
    return RuleEngine(platform)
