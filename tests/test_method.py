"""docs/methodology.md explains every gate: each registered gate maps to a section that exists on the page."""

from __future__ import annotations

import re

from ftspec.gates.registry import all_gates
from ftspec.method import SECTIONS, citation, doc_path, section_of


def headings() -> dict[int, str]:
    page = doc_path()
    assert page is not None, "docs/methodology.md is missing"
    return {int(m[1]): m[2].strip() for m in re.finditer(r"^## (\d+)\. (.+)$", page.read_text(), re.M)}


def test_every_registered_gate_has_a_section() -> None:
    missing = [gate_id for gate_id in all_gates() if section_of(gate_id) is None]
    assert not missing, f"add these gates to ftspec/method.py: {missing}"


def test_sections_match_the_page() -> None:
    assert headings() == SECTIONS


def test_every_gate_named_on_the_page_is_cited_to_that_section() -> None:
    """A gate the page names in a section's Gates line is mapped to that section (families as `data.*`)."""
    page = doc_path()
    assert page is not None
    text = page.read_text()
    parts = re.split(r"^## (\d+)\. .+$", text, flags=re.M)
    for number, body in zip(parts[1::2], parts[2::2], strict=True):
        for gate_id in re.findall(r"`([a-z-]+\.[a-z-]+)`", body.split("*Gates:*", 1)[-1] if "*Gates:*" in body
                                  else ""):
            if gate_id in all_gates():
                assert section_of(gate_id) == int(number), (gate_id, number)


def test_citation_text() -> None:
    assert citation("rubric.binary") == "docs/methodology.md section 4 (Rubric)"
    assert citation("training.schema") == "docs/methodology.md section 1 (Schemas and portable YAML)"


def test_gates_command_cites_the_section() -> None:
    from click.testing import CliRunner

    from ftspec.cli import cli

    out = CliRunner().invoke(cli, ["gates"]).stdout
    assert "method: docs/methodology.md section 4 (Rubric)" in out
