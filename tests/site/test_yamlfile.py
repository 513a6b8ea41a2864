"""Site-file YAML refuses aliases (a billion-laughs file) and reads everything else."""

from __future__ import annotations

import pytest
import yaml

from anfang.site import importer, yamlfile

BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
        for i in range(8)
    ]
)


def test_aliases_are_refused_where_they_stand() -> None:
    with pytest.raises(yaml.YAMLError, match="aliases") as info:
        yamlfile.load(BOMB)
    assert "line 2" in str(info.value)


def test_a_site_file_with_an_alias_is_refused_by_the_importer() -> None:
    with pytest.raises(importer.ImportFileError, match="aliases"):
        importer.parse_site_file(BOMB.encode())


def test_plain_yaml_still_loads() -> None:
    assert yamlfile.load("site: {code: s1, name: 锦绣花园}\nlist: [1, 2]") == {
        "site": {"code": "s1", "name": "锦绣花园"},
        "list": [1, 2],
    }
