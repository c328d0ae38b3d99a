"""The loader fuzzer: seed inputs per format, mutations, and a sandbox that runs each load.

Shared by the CI-sized tests in this folder and the long run (``tools/fuzz_loaders.py``).

- :func:`seeds_for` builds a format's seed inputs: a small slice of its real sample
  in ``../shared/data`` (the first rows / objects, read at run time, never copied into
  the repository), or a tiny synthetic file shaped like the ones ``tests/data/formats``
  uses. A format registered later without an entry here is fuzzed from every other
  format's seeds (and generic junk), so it is covered without editing a list.
- :data:`MUTATIONS` are deterministic ``(bytes, random.Random) -> bytes`` functions;
  a :class:`Plan` is a seed and a short stack of them, so any failing input can be
  rebuilt (and reduced) from its plan.
- :class:`Sandbox` runs every load in a separate worker process under a time budget
  (the parent kills a worker that does not answer) and a memory budget
  (``RLIMIT_AS``), and classifies the outcome:

  ``loaded``      the loader finished, ``loaded + rejected == read``, every rejection has a reason;
  ``error``       the documented error type for a bad source, :class:`llmsec.data.FormatError`;
  ``traceback``   any other exception, or counts that do not reconcile;
  ``hang``        no answer within the time budget;
  ``memory``      ``MemoryError`` or the worker died (the memory budget was hit).
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import multiprocessing as mp
import os
import random
import shutil
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OK, ERROR, TRACEBACK, HANG, MEMORY = "loaded", "error", "traceback", "hang", "memory"
FAILURES = (TRACEBACK, HANG, MEMORY)
REPO = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path | None:
    """``$LLMSEC_SHARED_DATA`` or ``../shared/data`` beside the checkout, if it exists."""
    env = os.environ.get("LLMSEC_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


# ----------------------------------------------------------------------------- seeds


@dataclass(frozen=True)
class Seed:
    """One input layout: the files to write, the path given to the loader, the file mutated."""

    name: str
    files: dict[str, bytes]
    target: str
    mutate: str
    options: dict[str, Any] = field(default_factory=dict)


def _head_records(path: Path, n: int, delimiter: str = ",") -> bytes:
    """The raw bytes of the first ``n`` CSV records of ``path`` (multi-line fields kept whole)."""
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        for _ in itertools.islice(reader, n):
            pass
        lines = reader.line_num
    with path.open("rb") as fh:
        return b"".join(itertools.islice(fh, lines))


def _json_slice(path: Path, key: str | None, n: int) -> bytes:
    """A JSON document holding the first ``n`` items of its main array (``key`` None: a top-level array)."""
    doc = json.loads(path.read_bytes())
    if key is None:
        return json.dumps(doc[:n], indent=1).encode()
    return json.dumps({**doc, key: doc[key][:n]}, indent=1).encode()


def _one(name: str, fname: str, data: bytes, **options: Any) -> Seed:
    return Seed(name, {fname: data}, fname, fname, options)


EML = b"""From: "IT Desk" <helpdesk@evil-mail.example.com>
To: victim@corp.example
Subject: Password expires today
Date: Fri, 30 Oct 2015 14:54:33 +0000
Message-ID: <1@evil-mail.example.com>
Content-Type: text/plain; charset=utf-8

Your password expires in 3 days.
Click here to validate: http://evil.example.com/login
"""
EML_HTML = b"""From: Bank <alerts@bank.example.org>
Subject: Account notice
Date: Mon, 2 Nov 2015 08:00:00 -0500
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XX"

--XX
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<html><head><style>p{color:red}</style></head><body><p>Dear customer,</p><p>Caf=E9 &amp; more</p>
<script>alert(1)</script></body></html>
--XX--
"""
CODE_BAD = "static int copy(char *dst, const char *src)\n{\n    strcpy(dst, src);\n    return 0;\n}\n"
CODE_GOOD = "static int copy(char *dst, const char *src, size_t n)\n{\n    strncpy(dst, src, n);\n    return 0;\n}\n"
CWE_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<Weakness_Catalog Name="CWE" Version="4.14" xmlns="http://cwe.mitre.org/cwe-7"
  xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <Weaknesses>
    <Weakness ID="79" Name="Cross-site Scripting" Abstraction="Base" Structure="Simple" Status="Stable">
      <Description>The product does not neutralize user input.</Description>
      <Extended_Description><xhtml:p>Cross-site scripting happens when</xhtml:p></Extended_Description>
      <Related_Weaknesses>
        <Related_Weakness Nature="ChildOf" CWE_ID="74" View_ID="1000" Ordinal="Primary"/>
      </Related_Weaknesses>
      <Observed_Examples>
        <Observed_Example><Reference>CVE-2021-25926</Reference><Description>x</Description></Observed_Example>
      </Observed_Examples>
    </Weakness>
    <Weakness ID="1187" Name="DEPRECATED: Use of Uninitialized Resource" Abstraction="Base" Status="Deprecated">
      <Description>This entry has been deprecated.</Description>
    </Weakness>
    <Weakness ID="90" Name="LDAP Injection" Abstraction="Base" Status="Draft"><Description/></Weakness>
  </Weaknesses>
</Weakness_Catalog>
"""


def _nvd_v20_item(cve_id: str, cwe: str = "CWE-79") -> dict[str, Any]:
    return {"cve": {
        "id": cve_id, "published": "2024-01-02T10:15:08.123", "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "en", "value": f"XSS in {cve_id}."}],
        "weaknesses": [{"source": "nvd@nist.gov", "type": "Primary",
                        "description": [{"lang": "en", "value": cwe}]}],
        "metrics": {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": {
            "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
            "baseScore": 6.1, "baseSeverity": "MEDIUM"}}]},
        "references": [{"url": "https://example.org/a"}]}}


def _cve5(cve_id: str) -> dict[str, Any]:
    return {"dataType": "CVE_RECORD", "dataVersion": "5.1",
            "cveMetadata": {"cveId": cve_id, "state": "PUBLISHED", "datePublished": "2023-05-06T07:08:09.000Z"},
            "containers": {"cna": {
                "descriptions": [{"lang": "en", "value": "SQL injection in foo."}],
                "problemTypes": [{"descriptions": [{"lang": "en", "type": "CWE", "cweId": "CWE-89",
                                                    "description": "CWE-89 SQL Injection"}]}],
                "metrics": [{"cvssV3_1": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                          "baseScore": 9.8, "baseSeverity": "CRITICAL"}}]}}}


def _ember(label: int, sha: str) -> dict[str, Any]:
    return {"sha256": sha, "appeared": "2018-01", "label": label, "avclass": "zbot" if label == 1 else "",
            "strings": {"numstrings": 14, "avlength": 5.9, "printabledist": [0] * 8, "printables": 83},
            "general": {"size": 3101705, "vsize": 3158016, "imports": 89, "has_signature": 0},
            "header": {"coff": {"timestamp": 1124149349, "machine": "I386", "characteristics": ["EXECUTABLE_IMAGE"]},
                       "optional": {"subsystem": "WINDOWS_GUI", "dll_characteristics": [], "magic": "PE32"}},
            "section": {"entry": ".text", "sections": [{"name": ".text", "size": 4096, "entropy": 6.5}]},
            "imports": {"KERNEL32.dll": ["GetProcAddress", "LoadLibraryA"]}}


def _lines(objs: list[Any]) -> bytes:
    return "".join(json.dumps(o) + "\n" for o in objs).encode()


def _csv(rows: list[list[str]], delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode()


def _cic2017() -> bytes:
    header = [" Destination Port", " Flow Duration", " Total Fwd Packets", " Total Backward Packets",
              "Flow Bytes/s", " Flow Packets/s", " Fwd Header Length", " Fwd Header Length", " Label"]
    rows = [["80", "38308", "1", "1", "12345.6", "52.2", "20", "20", label]
            for label in ("BENIGN", "DDoS", "PortScan", "BENIGN", "Web Attack \u2013 Brute Force")]
    return _csv([header, *rows])


def _cic2018() -> bytes:
    header = ["Dst Port", "Protocol", "Timestamp", "Flow Duration", "Tot Fwd Pkts", "Flow Byts/s", "Label"]
    rows = [[port, "6", "14/02/2018 08:31:01", "112641719", "3", "0.0266", label]
            for port, label in (("443", "Benign"), ("21", "FTP-BruteForce"), ("22", "SSH-Bruteforce"))]
    return _csv([header, *rows[:2], header, rows[2]])


def _synthetic() -> dict[str, list[Seed]]:
    vuln = [{"project": "FFmpeg", "commit_id": "a1", "target": 1, "func": CODE_BAD},
            {"project": "qemu", "commit_id": "b2", "target": 0, "func": CODE_GOOD}]
    return {
        "cic-ids2017": [_one("cic2017", "Monday.pcap_ISCX.csv", _cic2017())],
        "cse-cic-ids2018": [_one("cic2018", "02-14-2018.csv", _cic2018())],
        "cwe-xml": [_one("cwec", "cwec_v4.14.xml", CWE_XML),
                    _one("cwec-gz", "cwec_v4.14.xml.gz", gzip.compress(CWE_XML, mtime=0))],
        "cvelist-v5": [_one("cve5", "CVE-2023-1001.json", json.dumps(_cve5("CVE-2023-1001"), indent=1).encode()),
                       Seed("cve5-folder", {f"cves/2023/1xxx/CVE-2023-100{k}.json":
                                            json.dumps(_cve5(f"CVE-2023-100{k}")).encode() for k in (1, 2)},
                            "cves", "cves/2023/1xxx/CVE-2023-1002.json")],
        "devign": [_one("devign", "function.json", json.dumps(vuln).encode())],
        "codexglue-defect": [_one("codexglue", "train.jsonl", _lines([{**v, "idx": i} for i, v in enumerate(vuln)]))],
        "diversevul": [_one("diversevul", "diversevul.json", _lines(
            [{**v, "cwe": ["CWE-787"] if v["target"] else [], "hash": i, "size": 5} for i, v in enumerate(vuln)]))],
        "primevul": [_one("primevul", "primevul_train_paired.jsonl", _lines(
            [{**v, "idx": i, "cwe": ["CWE-120"], "cve": "CVE-2020-1", "commit_id": "c3", "func_hash": 7}
             for i, v in enumerate(vuln)]))],
        "bigvul": [_one("bigvul", "MSR_data_cleaned.csv", _csv([
            ["", "CVE ID", "CWE ID", "commit_id", "func_after", "func_before", "lang", "project", "vul"],
            ["0", "CVE-2017-1000", "CWE-119", "abc", CODE_GOOD, CODE_BAD, "C", "linux", "1"],
            ["1", "", "", "def", "", CODE_GOOD, "C", "openssl", "0"]]))],
        "ember": [_one("ember", "train_features_0.jsonl",
                       _lines([_ember(1, "a" * 64), _ember(0, "b" * 64), _ember(-1, "c" * 64)]))],
        "eml": [_one("eml", "msg.eml", EML, label="phishing"),
                Seed("eml-folder", {"mail/1.eml": EML, "mail/sub/2.eml": EML_HTML}, "mail", "mail/sub/2.eml",
                     {"label": "phishing"})],
        "mbox": [_one("mbox", "phish.mbox",
                      b"From a@b Thu Jan  1 00:00:00 2015\n" + EML + b"\nFrom c@d Thu Jan  1 00:00:00 2015\n"
                      + EML_HTML, label="phishing")],
        "text": [_one("text", "notes.md", b"# Buffer overflows\n\nA stack buffer overflow writes past...\n")],
    }


def _real(shared: Path) -> dict[str, list[Seed]]:
    """Slices of the real samples, for the formats that have one."""
    nf, pu, cv, qa = shared / "nids_flow", shared / "phishing_url", shared / "cve_text", shared / "sec_qa"
    cti, pe, vc = qa / "ctibench", shared / "phishing_email", shared / "vuln_code"
    juliet = sorted((shared / "vuln_code" / "juliet_c_v1.3" / "testcases").rglob("*.c"))[:2]
    mal = shared / "malware_api"
    with zipfile.ZipFile(mal / "mal-api-2019_100_calls.zip") as zf, zf.open("100_calls.txt") as fh:
        calls = b"".join(b",".join(line.split(b",")[:48]).rstrip() + b"\n" for line in itertools.islice(fh, 6))
    types = b"".join(itertools.islice((mal / "mal-api-2019_100_types.txt").open("rb"), 6))
    index = (mal / "ApiIndex.txt").read_bytes()
    demo = REPO / "src" / "llmsec" / "resources" / "demo"
    return {
        "nsl-kdd": [_one("kddtest", "KDDTest+.txt", _head_records(nf / "NSL-KDD_KDDTest+.txt", 12))],
        "unsw-nb15": [_one("unsw-1", "unsw-nb15_1.csv", _head_records(nf / "UNSW-NB15_unsw-nb15_1_sampled.csv", 10)),
                      _one("unsw-10k", "training.csv", _head_records(nf / "UNSW-NB15_unsw-nb15_training_10K.csv", 10))],
        "iot23-zeek": [_one("iot23", "conn.log.labeled.csv",
                            _head_records(nf / "IoT-23_CTU-Malware-Capture-34-1-labeled.csv", 12))],
        "phishtank": [_one("phishtank", "online-valid.csv", _head_records(pu / "2.online-valid.csv", 12))],
        "url-list": [_one("benign", "Benign_list.csv", _head_records(pu / "1.Benign_list_big_final.csv", 12))],
        "url-features": [_one("urldata", "urldata.csv", _head_records(pu / "5.urldata.csv", 12))],
        "email-csv": [_one("nazario", "Nazario.csv", _head_records(pe / "nazario_phishing_curated.csv", 4)),
                      _one("enron", "spam_ham.csv", _head_records(pe / "enron_spam_ham_subset600.csv", 4))],
        "cwe-csv": [_one("cwe-699", "699.csv", _head_records(cv / "cwe_v4.14_view699_softwaredev.csv", 4))],
        "nvd": [_one("nvd-1.1", "nvdcve-1.1-recent.json",
                     _json_slice(cv / "nvdcve-1.1-recent_2023-03.json", "CVE_Items", 3)),
                _one("nvd-2.0", "nvdcve-2.0.json", json.dumps({"format": "NVD_CVE", "vulnerabilities": [
                    _nvd_v20_item("CVE-2024-0001"), _nvd_v20_item("CVE-2024-0002", "NVD-CWE-noinfo")]}).encode())],
        "attack-stix": [_one("ics", "ics-attack.json", _attack_slice(shared / "attack" / "ics-attack-18.1.json"))],
        "purplellama-autocomplete": [_one("autocomplete", "autocomplete.json",
                                          _json_slice(vc / "purplellama_cyberseceval_autocomplete.json", None, 3))],
        "cybermetric": [_one("cybermetric", "CyberMetric-80-v1.json",
                             _json_slice(qa / "CyberMetric-80-v1.json", "questions", 4))],
        "seceval": [_one("seceval", "questions.json", _json_slice(qa / "seceval_questions.json", None, 4))],
        **{f"ctibench-{k}": [_one(f"cti-{k}", f"cti-{k}.tsv", _head_records(cti / f"cti-{k}.tsv", 4, "\t"))]
           for k in ("mcq", "rcm", "vsp", "ate", "taa")},
        "juliet": [Seed("juliet", {str(p.relative_to(p.parents[3])): p.read_bytes() for p in juliet},
                        "testcases", str(juliet[0].relative_to(juliet[0].parents[3]))),
                   _one("juliet-file", juliet[1].name, juliet[1].read_bytes())],
        "mal-api": [Seed("malapi", {"x_100_calls.txt": calls, "x_100_types.txt": types, "ApiIndex.txt": index},
                         "x_100_calls.txt", "x_100_calls.txt")],
        "jsonl": [_one("demo-corpus", "corpus.jsonl", _head_lines(demo / "corpus.train.jsonl", 4)),
                  _one("demo-vuln", "vuln.jsonl", _head_lines(demo / "vuln-code.train.jsonl", 4)),
                  _one("demo-chat", "chat.jsonl", _head_lines(demo / "instructions.train.jsonl", 3))],
    }


def _head_lines(path: Path, n: int) -> bytes:
    with path.open("rb") as fh:
        return b"".join(itertools.islice(fh, n))


def _attack_slice(path: Path) -> bytes:
    """A bundle with a few attack-patterns and one mitigation relationship kept."""
    doc = json.loads(path.read_bytes())
    objs = doc["objects"]
    patterns = [o for o in objs if o.get("type") == "attack-pattern"][:3]
    ids = {o["id"] for o in patterns}
    rels = [o for o in objs if o.get("type") == "relationship" and o.get("target_ref") in ids][:2]
    refs = {o.get("source_ref") for o in rels}
    extra = [o for o in objs if o.get("id") in refs][:2]
    return json.dumps({**doc, "objects": patterns + rels + extra}, indent=1).encode()


_SEEDS: dict[str, list[Seed]] | None = None


def all_seeds() -> dict[str, list[Seed]]:
    """Seeds of every format this module knows (real slices when the shared data is there)."""
    global _SEEDS
    if _SEEDS is None:
        seeds = _synthetic()
        shared = shared_data_dir()
        if shared is not None:
            seeds.update(_real(shared))
        _SEEDS = seeds
    return _SEEDS


GENERIC = [b"", b"\n", b"a,b\n1,2\n", b"{}\n", b"[]", b'{"a": [1, 2, {"b": null}]}', b"\xff\xfe\x00\x00",
           b"From x\n\nhi\n", b"<?xml version='1.0'?><a/>"]


def seeds_for(fmt: str) -> list[Seed]:
    """The seeds of format ``fmt``; a format without its own gets every other format's and generic junk."""
    seeds = all_seeds()
    if fmt in seeds:
        return seeds[fmt]
    foreign = [s for name in sorted(seeds) for s in seeds[name] if s.target == s.mutate]
    return [*foreign, *(_one(f"generic-{i}", "input.txt", g) for i, g in enumerate(GENERIC))]


def foreign_seeds(fmt: str) -> list[Seed]:
    """Single-file seeds of the other formats, to feed format ``fmt`` files it does not read."""
    own = {s.name for s in all_seeds().get(fmt, [])}
    return [s for name in sorted(all_seeds()) for s in all_seeds()[name]
            if s.target == s.mutate and s.name not in own]


# ----------------------------------------------------------------------------- mutations

Mutation = Callable[[bytes, random.Random], bytes]
_INTERESTING = [b'"', b",", b"\t", b"\n", b"\r", b"\r\n", b"\x00", b"{", b"}", b"[", b"]", b":", b"\\",
                b"\xff", b"\xc3", b"\xe9", b"'", b"<", b">", b"&", b"=", b"-1", b"NaN", b"Infinity",
                b"1e999", b"\xef\xbb\xbf", b"From ", b"--", b"\x1f\x8b", b"PK\x03\x04"]


def _pos(data: bytes, rng: random.Random) -> int:
    return rng.randint(0, len(data))


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randint(0, max(0, len(data) - 1))]


def bit_flip(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 16))):
        i = rng.randrange(len(buf))
        buf[i] ^= 1 << rng.randrange(8)
    return bytes(buf)


def insert_bytes(data: bytes, rng: random.Random) -> bytes:
    i = _pos(data, rng)
    chunk = rng.choice(_INTERESTING) if rng.random() < 0.7 else rng.randbytes(rng.randint(1, 16))
    return data[:i] + chunk * rng.choice((1, 1, 3)) + data[i:]


def delete_bytes(data: bytes, rng: random.Random) -> bytes:
    i = _pos(data, rng)
    return data[:i] + data[i + rng.randint(1, 64):]


def duplicate_span(data: bytes, rng: random.Random) -> bytes:
    i, j = sorted((_pos(data, rng), _pos(data, rng)))
    k = _pos(data, rng)
    return data[:k] + data[i:j] + data[k:]


def latin1(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", "replace")
    i = rng.randint(0, len(text))
    return (text[:i] + "café résumé" + text[i:]).encode("latin-1", "replace")


def utf16(data: bytes, rng: random.Random) -> bytes:
    return data.decode("utf-8", "replace").encode(rng.choice(("utf-16", "utf-16-le", "utf-32")))


def bom(data: bytes, rng: random.Random) -> bytes:
    return rng.choice((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf")) + data


def nul_bytes(data: bytes, rng: random.Random) -> bytes:
    buf = data
    for _ in range(rng.randint(1, 5)):
        i = _pos(buf, rng)
        buf = buf[:i] + b"\x00" * rng.choice((1, 1, 64)) + buf[i:]
    return buf


HUGE_LINE = 1 << 20  # bytes in a "huge line"; the long run may lower it for speed


def huge_line(data: bytes, rng: random.Random) -> bytes:
    i = _pos(data, rng)
    fill = rng.choice((b"A", b"1,", b'"', b"\t", b"x" * 7 + b"\xc3"))
    return data[:i] + fill * (HUGE_LINE // len(fill)) + data[i:]


def _split_lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def line_ops(data: bytes, rng: random.Random) -> bytes:
    """Drop, repeat (a header mid-file), swap lines, or change the line endings."""
    lines = _split_lines(data)
    op = rng.randrange(5)
    i = rng.randrange(len(lines))
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(rng.randint(0, len(lines)), lines[rng.choice((0, i))])
    elif op == 2:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3:
        return data.replace(b"\n", b"\r\n")
    else:
        return data.replace(b"\n", b"\r")
    return b"".join(lines)


def csv_damage(data: bytes, rng: random.Random) -> bytes:
    """Extra or missing columns, a stray quote, a wrong delimiter, on one line."""
    lines = _split_lines(data)
    i = rng.randrange(len(lines))
    line = lines[i]
    body, end = (line[:-1], line[-1:]) if line.endswith(b"\n") else (line, b"")
    delim = b"\t" if body.count(b"\t") > body.count(b",") else b","
    cells = body.split(delim)
    op = rng.randrange(5)
    if op == 0:
        cells += [b"x"] * rng.randint(1, 3)
    elif op == 1 and len(cells) > 1:
        del cells[rng.randrange(len(cells))]
    elif op == 2:
        k = rng.randrange(len(cells))
        cells[k] = b'"' + cells[k]
    elif op == 3:
        delim = b";"
    else:
        k = rng.randrange(len(cells))
        cells[k] = b'"' + cells[k].replace(b'"', b"") + b'""'
    lines[i] = delim.join(cells) + end
    return b"".join(lines)


def json_damage(data: bytes, rng: random.Random) -> bytes:
    """Swap a JSON value's type: strings to numbers, objects to lists, null where a value is expected."""
    try:
        doc = json.loads(data)
    except ValueError:
        return insert_bytes(data, rng)
    repl = rng.choice([None, 0, -1, 1.5, "", "x", [], {}, True, [None], {"": None}, "\u0000", 1e300])
    nodes: list[tuple[Any, Any]] = []

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 8:
            return
        items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
        for key, value in items:
            nodes.append((obj, key))
            walk(value, depth + 1)

    walk(doc)
    if not nodes:
        return json.dumps(repl).encode()
    for _ in range(rng.randint(1, 3)):
        parent, key = rng.choice(nodes)
        try:
            parent[key] = repl
        except (TypeError, IndexError):
            continue
    return json.dumps(doc).encode()


def jsonl_damage(data: bytes, rng: random.Random) -> bytes:
    """:func:`json_damage` on one line of a JSON-lines file."""
    lines = _split_lines(data)
    i = rng.randrange(len(lines))
    lines[i] = json_damage(lines[i].strip(), rng) + b"\n"
    return b"".join(lines)


def gzip_good(data: bytes, rng: random.Random) -> bytes:
    return gzip.compress(data, mtime=0)


def gzip_bad(data: bytes, rng: random.Random) -> bytes:
    packed = gzip.compress(data, mtime=0)
    if rng.random() < 0.5:
        return packed[: rng.randint(2, max(2, len(packed) - 1))]
    return bit_flip(packed[:10], rng) + bit_flip(packed[10:], rng)


def foreign(data: bytes, rng: random.Random) -> bytes:
    """Replaced by another format's seed (set by :func:`build`); generic junk here."""
    return rng.choice(GENERIC)


#: The mutations of the main mix. Deep nesting and hostile archives are separate
#: (``DEFERRED``): they are what the loader-bounds work fixes.
MUTATIONS: dict[str, Mutation] = {
    "truncate": truncate, "bit_flip": bit_flip, "insert": insert_bytes, "delete": delete_bytes,
    "duplicate": duplicate_span, "latin1": latin1, "utf16": utf16, "bom": bom, "nul": nul_bytes,
    "huge_line": huge_line, "line_ops": line_ops, "csv_damage": csv_damage, "json_damage": json_damage,
    "jsonl_damage": jsonl_damage, "gzip": gzip_good, "bad_gzip": gzip_bad, "foreign": foreign,
}


def deep_json(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice((5_000, 100_000))
    i = _pos(data, rng)
    return data[:i] + b"[" * depth + b"]" * depth + data[i:]


def deep_mime(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice((2_000, 20_000))
    head = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (k, k) for k in range(depth))
    return data.split(b"\n\n", 1)[0] + b"\nMIME-Version: 1.0\n" + head + b"\nhi\n"


def hostile_zip(data: bytes, rng: random.Random) -> bytes:
    """A zip holding the input with a hostile twist: two members, a traversal name, a bad
    CRC, an 'encrypted' flag, an unknown method, or a member much bigger than the archive."""
    buf = io.BytesIO()
    op = rng.randrange(6)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if op == 0:
            zf.writestr("a_calls.txt", data)
            zf.writestr("b_calls.txt", data)
        elif op == 1:
            zf.writestr("../../calls.txt", data)
        elif op == 5:
            zf.writestr("calls.txt", data.split(b"\n")[0] + b"," + b"1," * (8 << 20))
        else:
            zf.writestr("calls.txt", data)
    raw = bytearray(buf.getvalue())
    if op == 2:  # bad CRC: flip a byte of the compressed data
        raw[40] ^= 0xFF
    elif op == 3:  # general-purpose flag bit 0: encrypted
        raw[6] |= 1
        cd = raw.rfind(b"PK\x01\x02")
        raw[cd + 8] |= 1
    elif op == 4:  # compression method 99 (unknown)
        raw[8] = 99
        cd = raw.rfind(b"PK\x01\x02")
        raw[cd + 10] = 99
    return bytes(raw)


DEFERRED: dict[str, Mutation] = {"deep_json": deep_json, "deep_mime": deep_mime, "hostile_zip": hostile_zip}
ALL_MUTATIONS = {**MUTATIONS, **DEFERRED}


@dataclass(frozen=True)
class Plan:
    """A fuzz input: a seed (by index), mutations with their random seeds, and (for
    ``foreign``) which other format's seed replaces the input."""

    fmt: str
    seed: int
    steps: tuple[tuple[str, int], ...]

    def __str__(self) -> str:
        return f"{self.fmt} seed={self.seed} steps={list(self.steps)}"


def build(plan: Plan) -> tuple[Seed, bytes]:
    """The seed a plan starts from and the mutated bytes of its ``mutate`` file."""
    seeds = seeds_for(plan.fmt)
    seed = seeds[plan.seed % len(seeds)]
    data = seed.files[seed.mutate]
    for name, rseed in plan.steps:
        rng = random.Random(rseed)
        if name == "foreign":
            others = foreign_seeds(plan.fmt)
            if others:
                other = others[rng.randrange(len(others))]
                data = other.files[other.mutate]
                continue
        data = ALL_MUTATIONS[name](data, rng)
    return seed, data


def random_plan(fmt: str, rng: random.Random, mutations: tuple[str, ...] = tuple(MUTATIONS)) -> Plan:
    """A random plan: one of the format's seeds and one to three mutations."""
    steps = tuple((rng.choice(mutations), rng.getrandbits(32)) for _ in range(rng.choice((1, 1, 2, 3))))
    return Plan(fmt, rng.randrange(len(seeds_for(fmt))), steps)


# ----------------------------------------------------------------------------- sandbox


@dataclass(frozen=True)
class Outcome:
    """What one load did."""

    kind: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    detail: str = ""


def write_input(root: Path, seed: Seed, data: bytes) -> Path:
    """Write a seed's files under ``root`` with ``data`` as its mutated file; the loader's path."""
    for rel, content in seed.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if rel == seed.mutate else content)
    return root / seed.target


def _probe_sleep(path: Path, report: Any) -> Iterator[Any]:
    import time

    time.sleep(3600)
    yield from ()


def _probe_spin(path: Path, report: Any) -> Iterator[Any]:
    while True:
        pass
    yield from ()


def _probe_alloc(path: Path, report: Any) -> Iterator[Any]:
    blob = bytearray(8 << 30)
    yield from blob[:0]


def _probe_miscount(path: Path, report: Any) -> Iterator[Any]:
    from llmsec.data import Document

    yield Document("read but never counted", str(path))


#: Fake loaders that fail on purpose, to test that the sandbox reports each kind of failure.
PROBES = {"__sleep__": _probe_sleep, "__spin__": _probe_spin, "__alloc__": _probe_alloc,
          "__miscount__": _probe_miscount}


def run_load(fmt: str, path: Path, options: dict[str, Any]) -> Outcome:
    """Load ``path`` as ``fmt`` through the registry and classify what happened (in-process)."""
    from llmsec.data import FormatError, LoadReport
    from llmsec.data.formats import FORMATS, iter_records

    report = LoadReport(str(path))
    n = 0
    try:
        if fmt in PROBES:
            record_type: Any = object
            stream = PROBES[fmt](path, report)
        else:
            record_type = FORMATS.get(fmt).record_type
            stream = iter_records(path, fmt, report, **options)
        for record in stream:
            if not isinstance(record, record_type):
                return Outcome(TRACEBACK, detail=f"yielded a {type(record).__name__}, not {record_type}")
            n += 1
    except FormatError as exc:
        return Outcome(ERROR, report.read, report.loaded, report.rejected, f"FormatError: {str(exc)[:200]}")
    except MemoryError:
        return Outcome(MEMORY, detail="MemoryError")
    except BaseException as exc:  # the fuzzer's job is to catch anything
        if isinstance(exc, KeyboardInterrupt):
            raise
        tb = traceback.extract_tb(exc.__traceback__)
        where = next((f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb) if "llmsec" in f.filename), "?")
        return Outcome(TRACEBACK, report.read, report.loaded, report.rejected,
                       f"{type(exc).__name__} at {where}: {str(exc)[:200]}")
    bad = [r for r in report.rejections if not isinstance(r.reason, str) or not r.reason.strip()
           or not isinstance(r.line, int)]
    if report.loaded + report.rejected != report.read or n != report.loaded or bad:
        return Outcome(TRACEBACK, report.read, report.loaded, report.rejected,
                       f"counts do not reconcile: yielded {n}, read {report.read}, loaded {report.loaded}, "
                       f"rejected {report.rejected}, rejections without a reason {len(bad)}")
    return Outcome(OK, report.read, report.loaded, report.rejected)


def _worker(conn: Any, mem_bytes: int) -> None:  # pragma: no cover - runs in the child
    import logging
    import resource

    import llmsec.data.formats  # noqa: F401  (imported before the budget and the first timed load)

    logging.getLogger("llmsec").setLevel(logging.ERROR)  # loaders warn about odd inputs; that is expected here
    if mem_bytes:
        with open("/proc/self/status") as fh:
            vm = next((int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:")), 0)
        limit = vm + mem_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send("ready")
    while True:
        job = conn.recv()
        if job is None:
            return
        fmt, seed, data = job
        root = Path(tempfile.mkdtemp(prefix="llmsec-fuzz-"))
        try:
            outcome = run_load(fmt, write_input(root, seed, data), seed.options)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        conn.send(outcome)


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used, from ``/proc``; None where there is none."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sandbox:
    """A worker process that runs loads under a time and a memory budget.

    Args:
        timeout: CPU seconds one load may use before it counts as a hang (the worker is
            killed and replaced). CPU time, not wall time, so that a busy machine does not
            turn a slow load into a false hang (wall time where ``/proc`` is missing).
        memory_mb: address space a load may add to the worker's (``RLIMIT_AS``); 0 for none.
        wall_timeout: wall seconds after which a load that uses no CPU (blocked, sleeping)
            is a hang too; default ``30 * timeout``.
    """

    def __init__(self, timeout: float = 10.0, memory_mb: int = 1024, wall_timeout: float | None = None) -> None:
        self.timeout, self.memory = timeout, memory_mb << 20
        self.wall_timeout = wall_timeout if wall_timeout is not None else 30 * timeout
        self._ctx = mp.get_context("spawn")
        self._proc: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_worker, args=(child, self.memory), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent
        if not parent.poll(120) or parent.recv() != "ready":  # startup is not part of a load's time budget
            raise RuntimeError("the fuzz worker did not start")

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join()
            self._conn.close()
        self._proc = self._conn = None

    def run(self, fmt: str, seed: Seed, data: bytes) -> Outcome:
        """Load ``data`` (as ``seed``'s mutated file) with format ``fmt``."""
        if self._proc is None or not self._proc.is_alive():
            self._start()
        pid, start = self._proc.pid, time.monotonic()
        cpu0 = _cpu_seconds(pid)
        try:
            self._conn.send((fmt, seed, data))
            while not self._conn.poll(0.25):
                cpu, wall = _cpu_seconds(pid), time.monotonic() - start
                used = wall if cpu is None or cpu0 is None else cpu - cpu0
                if used > self.timeout or wall > self.wall_timeout:
                    self._kill()
                    return Outcome(HANG, detail=f"no answer after {used:.0f} s CPU, {wall:.0f} s wall")
            return self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = self._proc.exitcode
            self._kill()
            return Outcome(MEMORY, detail=f"worker died (exit code {code}; memory budget?)")

    def run_plan(self, plan: Plan) -> Outcome:
        seed, data = build(plan)
        return self.run(plan.fmt, seed, data)

    def close(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
                self._proc.join(5)
            except (OSError, BrokenPipeError):
                pass
        self._kill()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def catalogue(fmt: str, mutations: dict[str, Mutation] = MUTATIONS, per: int = 2) -> Iterator[Plan]:
    """Every mutation ``per`` times on every seed of ``fmt`` (fixed random seeds)."""
    for k, _ in enumerate(seeds_for(fmt)):
        for name in mutations:
            for r in range(per):
                yield Plan(fmt, k, ((name, 1000 * r + k),))
