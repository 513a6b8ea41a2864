"""YAML for site files without aliases: a 530-byte "billion laughs" file of nested
``*alias`` references grew into 6.9 MB of stored rows (issue 14). A site file has no use
for anchors and aliases, so an alias is refused where it stands."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.nodes import Node


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing every ``*alias``."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        """Compose the next node; an alias raises :class:`ComposerError`."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise ComposerError(
                None, None, "aliases (*name) are not allowed in a site file", event.start_mark
            )
        return super().compose_node(parent, index)


def load(text: str) -> Any:
    """The document in ``text``; raises ``yaml.YAMLError`` (aliases included)."""
    return yaml.load(text, Loader=_NoAliasLoader)
