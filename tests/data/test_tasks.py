"""Tasks: every registered task renders its records into each view it supports."""

from __future__ import annotations

import csv

import pytest

from llmsec.data import (
    TASKS,
    Conversation,
    Document,
    Example,
    Message,
    MultipleChoice,
    Task,
    TaskRecordError,
    get_task,
    record_text,
)
from llmsec.data.formats.secure_code import secure_code_example
from llmsec.data.tasks import CWE_NAMES, VIEWS, describe_cwe

# Candidate records of every shape the sources produce; each task must accept at least one.
CANDIDATES = [
    Example("int main(void) { char b[4]; strcpy(b, argv[1]); }", "vulnerable", group="proj",
            meta={"cwe": ["CWE-120"], "flaw_lines": [1]}),
    Example("Cross-site scripting in the search box of Foo 1.2 lets attackers inject script.", "CWE-79",
            group="CVE-2023-0001", time="2023-01-02",
            meta={"cve_id": "CVE-2023-0001", "cwes": ["CWE-79"], "severity": "MEDIUM",
                  "cvss_v3_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "cvss_v3_score": 6.1}),
    Example("ADVSTORESHELL is a backdoor that uses HTTP for C2.", "T1059, T1071", group="S0045"),
    Example("http://login.example-bank.com.evil.ru/verify", "phishing", group="evil.ru",
            meta={"host": "login.example-bank.com.evil.ru", "registered_domain": "evil.ru", "target": "Bank"}),
    Example("Subject: verify your account\n\nClick here to keep your mailbox.", "phishing", group="evil.ru"),
    Example("duration=0 protocol_type=tcp service=private flag=REJ src_bytes=0", "malicious",
            meta={"attack": "neptune"}),
    Example("ldrloaddll ldrgetprocedureaddress regopenkeyexa", "Trojan", meta={"n_calls": 3}),
    Document("T1055.011: Extra Window Memory Injection. Adversaries may inject code into processes.",
             source="enterprise.json",
             meta={"technique_id": "T1055.011", "name": "Extra Window Memory Injection", "parent_id": "T1055",
                   "tactics": ["defense-evasion"], "mitigations": [{"id": "M1040", "name": "Behavior Prevention"}]}),
    Conversation((Message("user", "What is CWE-79?"), Message("assistant", "Cross-site scripting."))),
    MultipleChoice("Which port does HTTPS use?", ("21", "443", "80", "25"), "B"),
    # secure-code registers from the eval layer: TASKS holds it once an earlier test has imported llmsec.eval.
    secure_code_example("Complete the function.", language="python", cwe="CWE-78", context="import os\n",
                        reference="os.system(cmd)", insecure="os.system(cmd)", fragment=False, group="repo"),
]


def _accepted(task: Task) -> list:
    out = []
    for record in CANDIDATES:
        try:
            out.append(task.adapt(record))
        except TaskRecordError:
            continue
    return out


@pytest.mark.parametrize("name", TASKS.names())
def test_every_task_renders_every_view_it_declares(name: str) -> None:
    task = get_task(name)
    records = _accepted(task)
    assert records, f"no candidate record serves task {name!r}"
    assert (task.views or task.answers) and set(task.views) <= set(VIEWS)  # secure-code: evaluation only
    assert task.metrics and task.group_key and task.formats[0] == task.default_format
    for record in records:
        assert isinstance(record, task.record_type)
        assert task.adapt(record) == record  # adapting is idempotent
        if "corpus" in task.views:
            assert task.to_text(record).strip()
        if "conversation" in task.views:
            conv = task.to_conversation(record)
            assert isinstance(conv, Conversation)
            assert conv.messages[-1].role == "assistant" and conv.messages[-1].content.strip()
            assert all(m.content.strip() for m in conv.messages)
        if "pair" in task.views:
            text, label = task.to_pair(record)
            assert text.strip() and label.strip()
            if task.labels:
                assert label in task.labels and task.label_id(label) == task.labels.index(label)
        for view in set(VIEWS) - set(task.views):
            render = {"corpus": task.to_text, "conversation": task.to_conversation, "pair": task.to_pair}[view]
            with pytest.raises(ValueError, match="has no"):
                render(record)


def test_every_format_a_task_names_is_registered() -> None:
    from llmsec.data import FORMATS

    for name in TASKS:
        for fmt in get_task(name).formats:
            assert fmt in FORMATS, f"task {name!r} names unknown format {fmt!r}"


def test_required_tasks_are_registered() -> None:
    required = {"vuln-detect", "cwe-classify", "cve-to-cwe", "cvss-predict", "attack-technique", "phishing-url",
                "phishing-email", "nids-flow", "malware-family", "sec-mcq", "corpus", "instructions"}
    assert required <= set(TASKS.names())
    assert get_task("vuln-detect").labels == ("safe", "vulnerable")
    assert get_task("phishing-url").labels == ("benign", "phishing")
    assert get_task("phishing-email").labels == ("legitimate", "phishing", "spam")
    assert get_task("nids-flow").labels == ("benign", "malicious")
    assert get_task("malware-family").labels == ()  # open set


def test_label_id_and_open_sets() -> None:
    assert get_task("vuln-detect").label_id("vulnerable") == 1
    with pytest.raises(ValueError, match="not one of"):
        get_task("vuln-detect").label_id("maybe")
    fam = get_task("malware-family")
    assert fam.label_id("Worms", ("Trojan", "Worms")) == 1
    with pytest.raises(ValueError, match="open label set"):
        fam.label_id("Worms")


def test_labels_outside_the_set_are_task_rejections() -> None:
    with pytest.raises(TaskRecordError, match="not one of"):
        get_task("vuln-detect").adapt(Example("x", "unknown"))
    with pytest.raises(TaskRecordError, match="reads"):
        get_task("sec-mcq").adapt(Document("x"))


def test_cve_to_cwe_conversation_asks_the_benchmark_prompt_and_answers_the_id() -> None:
    task = get_task("cve-to-cwe")
    conv = task.to_conversation(CANDIDATES[1])
    # the weakness named as the justification, the id alone on the last line; no CVE id to imitate
    assert conv.messages[-1].content == ("Improper Neutralization of Input During Web Page Generation "
                                         "('Cross-site Scripting')\nCWE-79")
    unnamed = Example("d", "CWE-99999", group="CVE-2024-2")
    assert task.to_conversation(unnamed).messages[-1].content == "CWE-99999"
    question = conv.messages[0].content
    assert question.startswith("Analyze the following CVE description and map it to the appropriate CWE.")
    assert question.endswith(f"CVE Description: {CANDIDATES[1].text} ")
    # a CTIBench row is asked its own prompt, in training as at evaluation
    own = Example("d", "CWE-416", group="CVE-2024-1", meta={"prompt": "BENCHMARK PROMPT d"})
    assert task.to_conversation(own).messages[0].content == "BENCHMARK PROMPT d"
    assert task.prompt_text(own) == "BENCHMARK PROMPT d"
    with pytest.raises(TaskRecordError, match="no specific CWE"):
        task.adapt(Example("d", "NVD-CWE-noinfo"))
    assert task.to_text(CANDIDATES[1]).startswith("CVE-2023-0001 (CWE-79): ")


def test_cvss_predict_takes_the_vector_from_nvd_meta() -> None:
    task = get_task("cvss-predict")
    _, label = task.to_pair(CANDIDATES[1])
    assert label == "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"
    assert task.adapt(CANDIDATES[1]).meta["source_label"] == "CWE-79"
    answer = task.to_conversation(CANDIDATES[1]).messages[-1].content
    assert answer.startswith(label + " (base score 6.1)") and "User Interaction: Required" in answer
    computed = Example("d", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    assert "(base score 9.8)" in task.to_conversation(computed).messages[-1].content
    with pytest.raises(TaskRecordError, match="no CVSS v3 vector"):
        task.adapt(Example("d", "CWE-79", meta={"cvss_v3_vector": None}))


def test_attack_technique_from_stix_hides_the_id_and_describes_it() -> None:
    task = get_task("attack-technique")
    doc = CANDIDATES[7]
    example = task.adapt(doc)
    assert example.label == "T1055.011" and example.group == "T1055"
    assert example.text == "Adversaries may inject code into processes."  # no id or name leaks into the input
    conv = task.to_conversation(doc)
    assert "T1055.011 (Extra Window Memory Injection)" in conv.messages[0].content
    assert conv.messages[1].content.startswith("Adversaries may inject")
    assert "Tactics: defense-evasion." in conv.messages[1].content
    assert "Mitigations: M1040 Behavior Prevention." in conv.messages[1].content
    assert task.to_text(doc).startswith("T1055.011: Extra Window Memory Injection. ")
    ate = task.to_conversation(CANDIDATES[2])
    assert ate.messages[-1].content == "T1059, T1071"


def test_phishing_url_answer_names_the_host_and_groups_by_registered_domain() -> None:
    task = get_task("phishing-url")
    url = Example("https://a.b.example.co.uk/x", "benign", group="other",
                  meta={"host": "a.b.example.co.uk", "registered_domain": "example.co.uk"})
    assert task.adapt(url).group == "example.co.uk"
    answer = task.to_conversation(CANDIDATES[3]).messages[-1].content
    assert answer.startswith("phishing") and "login.example-bank.com.evil.ru" in answer and "Bank" in answer


def test_flow_tasks_fold_and_unfold_attack_classes() -> None:
    flow, nids, attack = CANDIDATES[5], get_task("nids-flow"), get_task("nids-attack")
    assert nids.to_pair(Example("f", "neptune"))[1] == "malicious"
    assert nids.to_pair(Example("f", "normal"))[1] == "benign"
    assert attack.to_pair(flow)[1] == "neptune"
    assert attack.to_pair(Example("f", "benign"))[1] == "benign"
    with pytest.raises(TaskRecordError, match="labels=attack"):
        attack.adapt(Example("f", "malicious"))
    assert "neptune" in nids.to_conversation(flow).messages[-1].content


def test_vuln_tasks_group_juliet_by_template_and_cwe_classify_reads_meta() -> None:
    case = "CWE121_Stack_Based_Buffer_Overflow__CWE129_connect_socket_54b"
    juliet = Example("void f() {}", "vulnerable", group=case, meta={"case_id": case, "cwe": "CWE-121",
                                                                    "flaw_lines": [3]})
    detect = get_task("vuln-detect")
    assert detect.adapt(juliet).group == "CWE121_Stack_Based_Buffer_Overflow__CWE129_connect_socket"
    assert detect.to_conversation(juliet).messages[-1].content == (
        "vulnerable. It has a CWE-121 (Stack-based Buffer Overflow) weakness at line 3."
    )
    classify = get_task("cwe-classify")
    assert classify.to_pair(juliet)[1] == "CWE-121"
    with pytest.raises(TaskRecordError, match="safe code"):
        classify.adapt(Example("void g() {}", "safe", meta={"cwe": "CWE-121"}))


def test_sec_mcq_views() -> None:
    task = get_task("sec-mcq")
    mcq = next(r for r in CANDIDATES if isinstance(r, MultipleChoice))
    assert task.to_pair(mcq) == ("Which port does HTTPS use?\nA. 21\nB. 443\nC. 80\nD. 25", "B")
    assert task.to_conversation(mcq).messages[-1].content == "B. 443"
    assert record_text(mcq).endswith("Answer: B")


def test_describe_cwe() -> None:
    assert describe_cwe("CWE-416") == "CWE-416 (Use After Free)"
    assert describe_cwe("CWE-99999") == "CWE-99999"


@pytest.mark.integration
def test_builtin_cwe_names_match_the_cwe_catalogue(shared_data) -> None:
    names = {}
    for view in ("cwe_v4.14_view1000_research.csv", "cwe_v4.14_view699_softwaredev.csv"):
        with (shared_data / "cve_text" / view).open(encoding="utf-8") as fh:
            names.update({f"CWE-{row['CWE-ID']}": row["Name"] for row in csv.DictReader(fh)})
    assert len(CWE_NAMES) >= 80
    assert {k: v for k, v in CWE_NAMES.items() if names.get(k) != v} == {}


def test_instruction_tuning_renders_questions_through_their_task() -> None:
    from llmsec.data import MultipleChoice
    from llmsec.data._training_rows import conversation_records

    q = MultipleChoice("Which port does SSH use?", ("21", "22"), "B")
    (conv,) = conversation_records([q], get_task("sec-mcq"))
    assert conv.messages[-1].content == "B. 22" and "A. 21\nB. 22" in conv.messages[0].content
    with pytest.raises(ValueError, match="needs conversations"):
        conversation_records([q])
