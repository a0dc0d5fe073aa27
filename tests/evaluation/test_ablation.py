"""evals/ablation.toml: one configuration per rule group, each switching exactly that off."""

from __future__ import annotations

from pathlib import Path

from assistant.evaluation.configs import configs_from_toml
from assistant.settings import load_settings

ABLATION = Path(__file__).resolve().parents[2] / "evals" / "ablation.toml"


def test_each_configuration_switches_off_one_rule_group():
    base = load_settings()
    configs = configs_from_toml(ABLATION)
    assert configs[0].name == "all-rules" and configs[0].settings(base) == base
    for config in configs[1:]:
        changed = config.settings(base)
        switched = {
            name
            for name, on in changed.rules.model_dump().items()
            if on != getattr(base.rules, name)
        } | ({"correct_typos"} if not changed.retrieval.correct_typos else set())
        assert len(switched) == 1, (config.name, switched)
