"""MITRE ATT&CK STIX bundles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmsec.data._report import LoadReport
from llmsec.data.formats import FormatError, iter_records


def _load(path: Path) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(iter_records(path, "attack-stix", report))
    report.check()
    return records, report


@pytest.mark.integration
@pytest.mark.parametrize(
    ("name", "read", "loaded", "reasons"),
    [
        ("enterprise-attack_techniques-tactics-groups_mitre-cti.json", 835, 691, {"revoked": 132, "deprecated": 12}),
        ("mobile-attack-17.1.json", 188, 121, {"revoked": 53, "deprecated": 14}),
        ("ics-attack-18.1.json", 95, 83, {"deprecated": 12}),
    ],
)
def test_real_bundles(shared_data: Path, name: str, read: int, loaded: int, reasons: dict) -> None:
    records, report = _load(shared_data / "attack" / name)
    assert (report.read, report.loaded, dict(report.reasons())) == (read, loaded, reasons)
    assert all(r.text.startswith(r.meta["technique_id"] + ": ") for r in records)
    assert not any("(Citation:" in r.text for r in records)
    if name.startswith("enterprise"):  # STIX 2.0, no relationships
        ewm = next(r for r in records if r.meta["technique_id"] == "T1055.011")
        assert ewm.meta["is_subtechnique"] and ewm.meta["parent_id"] == "T1055"
        assert ewm.meta["tactics"] == ["defense-evasion", "privilege-escalation"]
        assert ewm.meta["platforms"] == ["Windows"] and ewm.meta["mitigations"] == []
        assert sum(r.meta["is_subtechnique"] for r in records) == 475
    if name.startswith("ics"):
        block = next(r for r in records if r.meta["technique_id"] == "T0803")
        assert [m["id"] for m in block.meta["mitigations"]] == ["M0807", "M0810", "M0814"]


def _technique(n: int, **extra: object) -> dict:
    obj = {
        "type": "attack-pattern", "spec_version": "2.1", "id": f"attack-pattern--{n}", "name": f"Tech {n}",
        "description": f"Adversaries do thing {n}.(Citation: Some Report 2020)",
        "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "execution"}],
        "external_references": [{"source_name": "mitre-attack", "external_id": f"T{1000 + n}",
                                 "url": f"https://attack.mitre.org/techniques/T{1000 + n}"}],
        "x_mitre_platforms": ["Linux"],
    }
    obj.update(extra)
    return obj


def _bundle(objects: list) -> dict:
    return {"type": "bundle", "id": "bundle--1", "objects": objects}


def test_fixture_bundle_with_mitigations(tmp_path: Path) -> None:
    objects = [
        _technique(1),
        _technique(2, revoked=True),
        _technique(3, x_mitre_deprecated=True),
        _technique(4, external_references=[]),
        _technique(5, description="(Citation: only)"),
        {"type": "course-of-action", "id": "course-of-action--a", "name": "Filter",
         "external_references": [{"source_name": "mitre-attack", "external_id": "M1037"}]},
        {"type": "course-of-action", "id": "course-of-action--b", "name": "Old", "x_mitre_deprecated": True,
         "external_references": [{"source_name": "mitre-attack", "external_id": "M1000"}]},
        {"type": "relationship", "relationship_type": "mitigates", "source_ref": "course-of-action--a",
         "target_ref": "attack-pattern--1"},
        {"type": "relationship", "relationship_type": "mitigates", "source_ref": "course-of-action--b",
         "target_ref": "attack-pattern--1"},
        {"type": "intrusion-set", "id": "intrusion-set--x", "name": "APT0"},
        _technique(6, external_references=[{"source_name": "mitre-attack", "external_id": "T1006.001"}]),
    ]
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_bundle(objects)))
    records, report = _load(path)
    assert report.read == 6 and report.loaded == 2
    assert [(r.line, r.reason) for r in report.rejections] == [
        (2, "revoked"), (3, "deprecated"), (4, "no ATT&CK technique id (found None)"), (5, "empty description")]
    one, six = records
    assert one.text == "T1001: Tech 1. Adversaries do thing 1."
    assert one.meta["mitigations"] == [{"id": "M1037", "name": "Filter"}]
    assert one.meta["tactics"] == ["execution"] and not one.meta["is_subtechnique"]
    assert six.meta["is_subtechnique"] and six.meta["parent_id"] == "T1006"


def test_truncated_or_not_a_bundle(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    text = json.dumps(_bundle([_technique(1), _technique(2)]))
    path.write_text(text[:-30])
    with pytest.raises(FormatError, match="invalid JSON at line 1 column"):
        _load(path)
    path.write_text(json.dumps({"CVE_Items": []}))
    with pytest.raises(FormatError, match="not a STIX bundle"):
        _load(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    objects=st.lists(
        st.one_of(
            st.builds(_technique, st.integers(1, 99)),
            st.fixed_dictionaries({"type": st.just("attack-pattern")}, optional={
                "name": st.none() | st.text(max_size=5) | st.integers(),
                "description": st.none() | st.text(max_size=5),
                "external_references": st.none() | st.lists(st.dictionaries(st.sampled_from(
                    ["source_name", "external_id"]), st.text(max_size=6)), max_size=2),
                "kill_chain_phases": st.lists(st.integers() | st.dictionaries(st.just("phase_name"),
                                                                              st.text(max_size=4))),
                "revoked": st.booleans(),
            }),
            st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
        ),
        max_size=8,
    )
)
def test_malformed_objects_never_crash(tmp_path: Path, objects: list) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_bundle(objects)))
    records, report = _load(path)
    # attack-patterns, and the malformed objects (no string 'type'), are read; other objects are not records
    assert report.read == sum(1 for o in objects if o.get("type") == "attack-pattern"
                              or not isinstance(o.get("type"), str))
    assert report.loaded == len(records)
