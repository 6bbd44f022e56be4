"""This project's own gates: plain pytest functions that receive the artifacts as fixtures.

`ftspec check` (and plain `pytest` in this directory) runs them beside the built-in gates.
"""


def test_system_prompt_refers_legal_questions_out(prompts):
    assert "lawyer" in prompts["system_prompt"], "the coach must refer legal questions to a professional"


def test_distress_is_a_safety_gate(rubric):
    distress = [cid for cid, crit in rubric.criteria.items() if "distress" in crit.name.lower()]
    assert distress and set(distress) <= set(rubric.safety_gates), "distress handling must auto-reject on failure"


def test_every_edge_case_subtopic_is_covered_by_a_base_eval_scenario(taxonomy, base_eval):
    edge_topics = {t.name for t in taxonomy.taxonomy.topics if t.is_edge_case}
    assert edge_topics & {s.topic for s in base_eval.scenarios}, "evaluate the base model on edge cases too"
