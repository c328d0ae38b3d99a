"""Mutations (deterministic ``(bytes, random.Random) -> bytes`` functions) and plans that stack them."""

from __future__ import annotations

import gzip
import io
import json
import random
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ._seeds import GENERIC, Seed, foreign_seeds, seeds_for

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


def catalogue(fmt: str, mutations: dict[str, Mutation] = MUTATIONS, per: int = 2) -> Iterator[Plan]:
    """Every mutation ``per`` times on every seed of ``fmt`` (fixed random seeds)."""
    for k, _ in enumerate(seeds_for(fmt)):
        for name in mutations:
            for r in range(per):
                yield Plan(fmt, k, ((name, 1000 * r + k),))
