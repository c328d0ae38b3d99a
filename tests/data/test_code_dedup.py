"""Near duplicates of code survive renamed identifiers (type-2 clones); different code stays apart."""

from __future__ import annotations

from llmsec.data import Example, check_contamination, dedup, dedup_across
from llmsec.data.clean._code_tokens import IDENTIFIER, code_tokens

COPY = """static void copy_name(char *dst, const char *src, size_t len)
{
    char buffer[64];
    if (len > sizeof(buffer)) {
        return;
    }
    memcpy(buffer, src, len);
    buffer[len] = '\\0';
    strcpy(dst, buffer);
}"""
PARSE = """int parse_port(const char *text)
{
    long value = strtol(text, NULL, 10);
    if (value <= 0 || value > 65535)
        return -1;
    return (int)value;
}"""
SUM = """def total(items):
    result = 0
    for item in items:
        if item.price > 0:
            result += item.price * item.count
    return result"""
LOOKUP = """def find_user(db, name):
    query = "SELECT * FROM users WHERE name = '%s'" % name
    rows = db.execute(query).fetchall()
    return rows[0] if rows else None"""


def test_code_tokens_blind_identifiers_and_keep_the_rest() -> None:
    assert code_tokens("int n = strlen(s);") == ["int", IDENTIFIER, "=", IDENTIFIER, "(", IDENTIFIER, ")", ";"]
    assert code_tokens('b[8] = "a b"; $x->y') == [IDENTIFIER, "[", "8", "]", "=", '"a b"', ";", IDENTIFIER, "-", ">",
                                                 IDENTIFIER]
    assert code_tokens("if (x) return None") == ["if", "(", IDENTIFIER, ")", "return", "None"]


def test_two_renamed_identifiers_make_a_near_duplicate() -> None:
    renamed = COPY.replace("buffer", "tmp").replace("len", "n")  # two names, every use
    assert renamed != COPY
    result = dedup([Example(COPY, "vulnerable"), Example(renamed, "vulnerable")], code=True)
    assert [(d.index, d.of, d.kind) for d in result.removed] == [(1, 0, "near")]
    python = SUM.replace("result", "acc").replace("item", "x")
    result = dedup([Example(SUM, "safe"), Example(python, "safe")], code=True)
    assert [(d.index, d.kind) for d in result.removed] == [(1, "near")]


def test_only_two_tokens_renamed_is_caught() -> None:
    two = COPY.replace("copy_name", "copy_label").replace("dst, buffer", "out, buffer").replace("*dst", "*out")
    assert sum(a != b for a, b in zip(COPY.split(), two.split(), strict=True)) == 3  # 2 names, 3 words
    assert dedup([Example(COPY, "vulnerable"), Example(two, "vulnerable")], code=True).removed


def test_different_functions_stay_apart() -> None:
    records = [Example(t, "safe") for t in (COPY, PARSE, SUM, LOOKUP)]
    assert dedup(records, code=True).removed == []
    check = check_contamination(records[:2], records[2:], code=True)
    assert check.clean and not check.near


def test_contamination_sees_a_renamed_copy_of_training_code() -> None:
    train = [Example(COPY, "vulnerable"), Example(PARSE, "safe")]
    test = [Example(COPY.replace("buffer", "scratch").replace("src", "input"), "vulnerable"), Example(SUM, "safe")]
    check = check_contamination(train, test, code=True)
    assert len(check.near) == 1 and check.near[0].index == 0 and check.contaminated == [0]
    across = dedup_across(train, test, code=True)
    assert [r.text for r in across.kept] == [SUM]


def test_prose_is_not_blinded() -> None:
    a = "The attacker sends a crafted request to the login page and gains access to the admin panel."
    b = "The defender sends a crafted request to the search page and gains access to the debug panel."
    assert dedup([Example(a, "x"), Example(b, "x")], code=False).removed == []
