"""The loader: positions of every node, frontmatter offsets, headings, and the guards on bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftspec.errors import SpecError
from ftspec.loader import (
    dotted_path,
    load_mapping,
    load_markdown,
    parse_markdown,
    parse_yaml,
    read_text,
    split_frontmatter,
)

NESTED = """\
top: 1
outer:
  inner:
    leaf: value
  items:
    - first
    - {name: second, weight: 0.5}
    -   third
flow: {a: 1, b: [x, y]}
"""


def loc(text: str, keypath: list[str | int]) -> tuple[int, int, str]:
    where = parse_yaml(text, "f.yaml").locate(keypath)
    return where.line, where.col, where.keypath


@pytest.mark.parametrize(
    ("keypath", "expected"),
    [
        ([], (1, 1, "")),
        (["top"], (1, 1, "top")),
        (["outer"], (2, 1, "outer")),
        (["outer", "inner"], (3, 3, "outer.inner")),
        (["outer", "inner", "leaf"], (4, 5, "outer.inner.leaf")),
        (["outer", "items", 0], (6, 7, "outer.items[0]")),
        (["outer", "items", 1], (7, 7, "outer.items[1]")),
        (["outer", "items", 1, "weight"], (7, 22, "outer.items[1].weight")),
        (["outer", "items", 2], (8, 9, "outer.items[2]")),
        (["flow", "b", 1], (9, 21, "flow.b[1]")),
    ],
)
def test_positions_of_nested_keys_and_items(keypath: list[str | int], expected: tuple[int, int, str]) -> None:
    assert loc(NESTED, keypath) == expected


def test_a_missing_key_locates_its_deepest_existing_parent() -> None:
    assert loc(NESTED, ["outer", "inner", "nope"])[:2] == (3, 3)
    assert loc(NESTED, ["outer", "items", 9])[:2] == (5, 3)


def test_dotted_path() -> None:
    assert dotted_path(["criteria", "CQ1", "calibration_examples", 0, "type"]) == (
        "criteria.CQ1.calibration_examples[0].type"
    )
    assert dotted_path([0, "a"]) == "[0].a"


def test_data_is_plain_python() -> None:
    doc = parse_yaml(NESTED, "f.yaml")
    assert doc.data == {
        "top": 1,
        "outer": {"inner": {"leaf": "value"}, "items": ["first", {"name": "second", "weight": 0.5}, "third"]},
        "flow": {"a": 1, "b": ["x", "y"]},
    }
    assert isinstance(doc.data, dict) and isinstance(doc.data["outer"]["items"], list)


def test_yaml_12_scalars() -> None:
    data = parse_yaml("a: 1e-5\nb: yes\nc: 010\nd: 2.0e-4\n", "f.yaml").data
    assert data == {"a": 1e-5, "b": "yes", "c": 10, "d": 2.0e-4}


def test_merge_keys_and_shared_anchors() -> None:
    data = parse_yaml("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n", "f.yaml").data
    assert data["derived"] == {"x": 1, "y": 3}


MARKDOWN = """\
---
# comment
model: m
nested:
  key: v
---

# Title

Text.

```python
# not a heading
```

## Tradeoffs
"""


def test_frontmatter_positions_are_file_lines() -> None:
    doc = parse_markdown(MARKDOWN, "doc.md")
    assert doc.frontmatter is not None
    assert doc.frontmatter.data == {"model": "m", "nested": {"key": "v"}}
    model = doc.frontmatter.locate(["model"])
    assert (model.line, model.col) == (3, 1)
    key = doc.frontmatter.locate(["nested", "key"])
    assert (key.line, key.col, key.keypath) == (5, 3, "nested.key")


def test_markdown_body_and_headings_skip_code_fences() -> None:
    doc = parse_markdown(MARKDOWN, "doc.md")
    assert doc.body_line == 7
    assert doc.body.splitlines()[0] == ""
    assert doc.headings == [(8, 1, "Title"), (16, 2, "Tradeoffs")]


def test_markdown_without_frontmatter() -> None:
    doc = parse_markdown("# Hi\n\nbody\n", "p.md")
    assert doc.frontmatter is None and doc.body_line == 1 and doc.headings == [(1, 1, "Hi")]


def test_frontmatter_errors_carry_file_lines() -> None:
    with pytest.raises(SpecError) as err:
        parse_markdown("---\nmodel: m\nbad: [1, 2\n---\nbody\n", "m.md")
    assert err.value.location.path == "m.md" and err.value.location.line >= 3
    with pytest.raises(SpecError, match="frontmatter is not closed"):
        parse_markdown("---\nmodel: m\n", "m.md")
    with pytest.raises(SpecError, match="frontmatter is empty"):
        parse_markdown("---\n---\nbody\n", "m.md")
    with pytest.raises(SpecError, match="expected a mapping"):
        parse_markdown("---\n- a\n---\nbody\n", "m.md")


def test_split_frontmatter_with_dots_terminator() -> None:
    front, body, line = split_frontmatter("---\na: 1\n...\nrest\n")
    assert (front, body, line) == ("a: 1\n", "rest\n", 4)


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b"", "file is empty", 1),
        (b"  \n\n", "file is empty", 1),
        (b"a: 1\nb: \xff\xfe\n", "not valid UTF-8 (byte 0xff)", 2),
    ],
)
def test_read_text_guards(tmp_path: Path, content: bytes, message: str, line: int) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        read_text(path, "f.yaml")
    assert err.value.location.line == line


def test_read_text_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_mapping(path, "f.yaml").data == {"a": 1}


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="file is missing"):
        read_text(tmp_path / "nope.yaml", "nope.yaml")
    with pytest.raises(SpecError, match="is a directory"):
        read_text(tmp_path, "dir")


def test_oversize_file(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)  # sparse: instant
    with pytest.raises(SpecError, match="over the 5 MB limit") as err:
        read_text(path, "big.yaml")
    assert err.value.render().startswith("big.yaml:1:1: file is 6 MB")


def test_load_markdown_reads_from_disk(tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text(MARKDOWN)
    assert load_markdown(tmp_path / "m.md", "m.md").frontmatter is not None


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: [1, 2\nb: 3\n", "invalid YAML", 2),
        ("a: 1\na: 2\n", "duplicate key 'a'", 2),
        ("a: &x [*x]\n", "refers to itself", 1),
        ("a:\n\tb: 1\n", "invalid YAML", 2),
        ("? [a, b]\n: 1\n", "mapping key must be a plain value", 1),
        ("a: !!python/object:os.system x\n", "cannot read value", 1),
        ("a: b: c\n", "invalid YAML", 1),
    ],
)
def test_parse_errors_name_the_line(text: str, message: str, line: int) -> None:
    with pytest.raises(SpecError, match=message) as err:
        parse_yaml(text, "f.yaml")
    assert err.value.location.path == "f.yaml"
    assert err.value.location.line == line
    assert "\n" not in err.value.render()


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    with pytest.raises(SpecError, match="expands to over 100,000 nodes"):
        parse_yaml("\n".join(lines) + "\n", "bomb.yaml")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(SpecError, match="nested too deeply|invalid YAML"):
        parse_yaml("a: " + "[" * 3000 + "]" * 3000 + "\n", "deep.yaml")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(SpecError, match="expected a mapping of keys at the top level, found a list"):
        load_mapping(path, "list.yaml")
    path.write_text("# only a comment\n")
    with pytest.raises(SpecError, match="found nothing"):
        load_mapping(path, "list.yaml")
