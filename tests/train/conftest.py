"""Small data files for stage tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CODE_VULN = [
    "def find(db, name):\n    return db.execute(\"SELECT * FROM t WHERE n='\" + name + \"'\")",
    "void copy(char *s) { char b[8]; strcpy(b, s); }",
    "import os\ndef run(cmd):\n    os.system('ping ' + cmd)",
    "el.innerHTML = location.hash.slice(1);",
]
CODE_SAFE = [
    "def find(db, name):\n    return db.execute('SELECT * FROM t WHERE n=?', (name,))",
    "void copy(const char *s) { char b[8]; snprintf(b, sizeof b, \"%s\", s); }",
    "import subprocess\ndef run(host):\n    subprocess.run(['ping', host], check=True)",
    "el.textContent = location.hash.slice(1);",
]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("stage-data")
    prose = [
        "SQL injection lets an attacker change the query a program sends to its database.",
        "A buffer overflow writes past the end of a buffer and can corrupt adjacent memory.",
        "Cross-site scripting injects script into pages that other users then view.",
        "Credential dumping reads password hashes from the memory of the LSASS process.",
    ]
    _write(d / "corpus.jsonl", [{"text": t * 3} for t in prose])
    convs = [
        {"messages": [{"role": "user", "content": "What is CWE-89?"},
                      {"role": "assistant", "content": "SQL injection."}]},
        {"messages": [{"role": "system", "content": "Be brief."},
                      {"role": "user", "content": "What is CWE-79?"},
                      {"role": "assistant", "content": "Cross-site scripting."},
                      {"role": "user", "content": "And CWE-787?"},
                      {"role": "assistant", "content": "Out-of-bounds write."}]},
    ]
    _write(d / "chat.jsonl", convs * 2)
    examples = [{"text": c, "label": "vulnerable", "group": f"p{i}"} for i, c in enumerate(CODE_VULN)]
    examples += [{"text": c, "label": "safe", "group": f"p{i}"} for i, c in enumerate(CODE_SAFE)]
    _write(d / "code.jsonl", examples)
    (d / "broken.jsonl").write_text('{"text": ""}\nnot json\n{"label": "x"}\n')
    return d
