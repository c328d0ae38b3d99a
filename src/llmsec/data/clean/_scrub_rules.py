"""The scrubber's own patterns: token formats, secrets named by their context, e-mail and IP addresses.

Every detector is a callable ``(text, lowered) -> iterable of (start, end, kind)``;
:mod:`._scrub` runs them in order and keeps the first finding where two overlap.
Each regex rule carries cheap substring triggers; its regex only runs on texts
that contain one. Every pattern is linear in the text: quantifiers are bounded,
or unbounded ones cannot overlap with what follows them, and the one search that
needed to scan ahead (a PEM block's END line) is done once per text, not once per
BEGIN line. ``tests/data/test_scrub.py`` holds each rule to a time budget on 1 MB
adversarial inputs.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

Finding = tuple[int, int, str]  # start, end, kind
Detector = Callable[[str, str], Iterator[Finding]]

# values that name a secret rather than being one
_NOT_A_VALUE = frozenset((
    "none", "null", "nil", "true", "false", "undefined", "required", "optional", "string", "str", "int",
    "bool", "secret", "password", "passwd", "redacted", "hidden", "masked", "empty", "example", "test",
))
_VARIABLE = re.compile(
    r"(?:[a-z0-9]+_)*(?:password|passwd|passphrase|pwd|pass|secret|token|key)(?:_?[a-z0-9]+)*"
    r"|[a-z]+(?:Password|Passwd|Pwd|Pass|Secret|Token|Key)[A-Za-z]*"
    # attribute access: args.password, settings.API_KEY, self.dbPassword
    r"|(?:[a-z_][a-z0-9_]*|[A-Z_][A-Z0-9_]*|[a-z]+(?:[A-Z][a-z0-9]+)+)"
    r"(?:\.(?:[a-z_][a-z0-9_]*|[A-Z_][A-Z0-9_]*|[a-z]+(?:[A-Z][a-z0-9]+)+))+"
)
# keys that name a property of passwords, not a password: min_password_length, password_file
_ABOUT_PASSWORDS = re.compile(
    r"(?i)len|min|max|age|day|expir|polic|count|hash|reset|file|path|field|prompt|hint|strength|histor"
    r"|attempt|retr|timeout|rotat|enabl|requir|change|salt|encod|algo|digest|iter|round|complex"
)
# key names whose values are public or are not keys at all: GPG_KEY (a fingerprint), cache_key, sort_key
_NOT_SECRET_KEY = re.compile(
    r"(?i)public|pub_?key|fingerprint|gpg|pgp|key_?id|keyid|cache|sort|primary|foreign|partition|idempot"
    r"|_?key_?(?:name|type|size|len|path|file|alg|format|usage|prefix|field)|hotkey|keyboard|monkey|turkey"
)
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]{1,30}>")
_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,80}\([^()]{0,200}\);?")
_TEMPLATE = re.compile(r"\$[{(]|\$\Z|\$[A-Za-z_][A-Za-z0-9_]*\Z|%(?:\([A-Za-z_]\w*\))?[-+ #0-9.]*[sdifrx]\Z"
                       r"|%[A-Za-z_]\w*%\Z")


def _is_reference(value: str) -> bool:
    """True for what stands for a secret in code and templates: ``${DB_PASS}``, ``%s``, ``****``."""
    v = value.strip()
    return (
        not v
        or v[0] in "{<[(?:"  # {{var}}, <secret>, ? and :name SQL binds
        or _TEMPLATE.match(v) is not None  # ${VAR}, $VAR, %s, %(name)s, %VAR%
        or _CALL.fullmatch(v) is not None  # get_password(), os.getenv("PW")
        or v.startswith(("os.", "env.", "process.env", "getenv", "ENV["))
        or set(v) <= set("*xX•.#-_")
        or v.lower() in _NOT_A_VALUE
        or _VARIABLE.fullmatch(v) is not None
        or _PLACEHOLDER.search(v) is not None
    )


def _classes(value: str) -> int:
    """How many of lower, upper, digit, symbol occur in ``value``."""
    return (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )


# words and identifiers: lower, Capitalized, UPPER, camelCase or HTTPServer parts joined by . _ / -
# (each part splits one way: a capital run, a lower run, then Capital+lower runs)
_WORD_PART = r"(?:[A-Z]*[a-z]+(?:[A-Z][a-z]+)*|[A-Z]+)"
_WORDY = re.compile(_WORD_PART + r"(?:[._/-]" + _WORD_PART + r")*[._/-]?(?:v?\d{1,3})?")


def _token_like(value: str) -> bool:
    """A generic API token: long, and not a word — mixed character classes, or a long hex/base32 run.

    Dotted, dashed or slashed words (``menu.file.open_recent``, ``user-profile-settings-v2``) are
    identifiers and paths, not tokens.
    """
    if len(value) < 16 or _is_reference(value) or _WORDY.fullmatch(value.replace("_", "-")):
        return False
    return _classes(value) >= 2 or (len(value) >= 20 and value.isalnum() and not value.isalpha())


def _password_like(value: str, tail: str) -> bool:
    """A password given unquoted: it ends its line/field, or it looks like one (mixed classes)."""
    if _is_reference(value):
        return False
    ends_field = tail == "" or tail[0] in "\r\n&;,)]}\"'#" or tail.lstrip(" \t")[:1] in ("", "\n", "\r", "#")
    if value.endswith(":"):  # "Password: Re:Password:" is a form's labels
        return False
    return ends_field or (len(value) >= 6 and _classes(value) >= 2 and not _WORDY.fullmatch(value))


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    triggers: tuple[str, ...]  # any of these substrings must occur (in the lower-cased text if lower)
    lower: bool = False
    group: int | str = 0  # the part replaced by the placeholder ("value": the first of value/dq/sq/bare)
    check: Callable[[re.Match[str]], bool] | None = None
    classify: Callable[[str], str] | None = None  # a more specific kind for the value

    def __call__(self, text: str, lowered: str) -> Iterator[Finding]:
        hay = lowered if self.lower else text
        for t in self.triggers:  # substring search (C speed); one regex alternation of them is slower
            if t in hay:
                break
        else:
            return
        for m in self.pattern.finditer(text):
            if self.check is not None and not self.check(m):
                continue
            group = _value_group(m) if self.group == "value" else self.group
            start, end = m.span(group)
            if start < end:
                yield start, end, self.classify(m.group(group)) if self.classify else self.kind


def _value_group(m: re.Match[str]) -> str:
    return next(g for g in ("value", "dq", "sq", "bare") if m.re.groupindex.get(g) and m.group(g) is not None)


_NAME_TAIL = re.compile(r"[A-Za-z0-9_.-]*\Z")


def _key_name(m: re.Match[str]) -> str:
    """The whole key a match's ``key`` group ends: ``DB_PASSWORD`` for ``PASSWORD``."""
    start = m.start("key")
    prefix = _NAME_TAIL.search(m.string, max(0, start - 40), start)
    return (prefix.group(0) if prefix else "") + m.group("key")


def _check_password(m: re.Match[str]) -> bool:
    if _ABOUT_PASSWORDS.search(_key_name(m)):
        return False
    name = _value_group(m)
    value = m.group(name)
    if name != "bare":
        return not _is_reference(value)
    if "://" in value or m.group("sep") == ":":  # a URL; "password:X" is prose or markup, YAML has ": "
        return False
    if m.group("sep") == "=":  # KEY=value with no spaces: env, ini, query string
        return not _is_reference(value)
    return _password_like(value, m.string[m.end() : m.end() + 40])


def _check_flagged(m: re.Match[str]) -> bool:
    """After ``--password`` or ``IDENTIFIED BY '...'`` anything but a reference is the password."""
    return not _is_reference(m.group(_value_group(m)))


def _check_token(m: re.Match[str]) -> bool:
    return _token_like(m.group("value"))


def _check_named_token(m: re.Match[str]) -> bool:
    """``NAME_KEY=``, ``NAME_TOKEN=``, ``NAME_SECRET=``, ``NAME_AUTH=`` or a bare ``key=``, then a token."""
    start, text = m.start("key"), m.string
    before = text[max(0, start - 2) : start]
    named = len(before) == 2 and before[1] in "_.-" and before[0].isalnum() and before[0].isascii()
    bare = m.group("key").lower() == "key" and not (before[-1:].isalnum() or before[-1:] == "_")
    return (named or bare) and not _NOT_SECRET_KEY.search(_key_name(m)) and _token_like(m.group("value"))


def _check_url_password(m: re.Match[str]) -> bool:
    return not _is_reference(m.group("pw"))


def _check_ipv6(m: re.Match[str]) -> bool:
    text = m.group(0)
    if text.count(":") < 2 or not any(c.isdigit() for c in text) or text.strip(":") == "":
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


# an IPv4-shaped run is a version when a version operator, a "v", a word that introduces versions or
# sections, a package name and dash, or a product and slash stands before it (libfoo>=1.2.3.4, v2.3.4.5,
# "version": "1.2.3.4", prior to 1.2.3.4, openssl-1.1.1.1, Chrome/120.0.0.0, section 4.2.1.6), or a
# release suffix or file extension follows (1.2.3.4-rc1, 1.2.3.4.tar.gz)
_VERSION_BEFORE = re.compile(
    r"(?:[<>!~^]=?|==|\b[vV]|(?i:(?<![A-Za-z])(?:version|ver\.?|release|build|rev\.?|before|prior to|through|fixed in"
    r"|patched in|upgrade to|update to|up to|section|sect?\.|clause|oid|firmware|fw)[\"']?\s{0,3}[:=]?\s{0,3}[\"']?)"
    r"|§\s?|[A-Za-z][_-]|[A-Za-z]/)\Z"
)
_VERSION_AFTER = re.compile(r"(?:-(?:rc|alpha|beta|dev|pre|post|snapshot|final|r)\d*"
                            r"|\.(?:tar|zip|whl|jar|tgz|gz|rpm|deb|dll|exe|so|dmg|msi|pkg)\b|\+[a-z0-9]"
                            r"|\s(?:and|or)\s(?:later|earlier|above|below|newer|older))",
                            re.IGNORECASE)


def _check_ipv4(m: re.Match[str]) -> bool:
    before = m.string[max(0, m.start() - 24) : m.start()]
    after = m.string[m.end() : m.end() + 12]
    return not _VERSION_BEFORE.search(before) and not _VERSION_AFTER.match(after)


@functools.cache
def _tlds() -> frozenset[str]:
    """Top-level domains of the Public Suffix List (the snapshot tldextract ships; read once, no network)."""
    from importlib.resources import files

    text = files("tldextract").joinpath(".tld_set_snapshot").read_text(encoding="utf-8")
    out = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        label = line.rsplit(".", 1)[-1].lstrip("!*")
        try:
            out.add(label.encode("idna").decode("ascii").lower())
        except UnicodeError:
            continue
    return frozenset(out)


_GLUED_GENERIC = frozenset(("com", "org", "net", "edu", "gov"))


def _email_end(m: re.Match[str]) -> int | None:
    """Where the address ends: after a real top-level domain (``icon@2x.png``: ``png`` is none), or None.

    Text from stripped HTML glues the next word on (``jose@monkey.orgMail``, ``...@bank.comhello``):
    a top-level domain followed by a capitalised word, or ``com``/``org``/``net``/``edu``/``gov``
    followed by two letters or more, ends the address there (``mx.internal`` stays no address).
    """
    tld = m.group("tld")
    tlds = _tlds()
    if tld.lower() in tlds:
        return m.end()
    for cut in range(len(tld) - 1, 1, -1):
        head, rest = tld[:cut], tld[cut:]
        if head.lower() in tlds and ((rest[0].isupper() and not head[-1].isupper())
                                     or (head.lower() in _GLUED_GENERIC and len(rest) >= 2)):
            return m.start("tld") + cut
    return None


_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")


def _classify_token(value: str) -> str:
    return "JWT" if _JWT_RE.fullmatch(value) else "API_TOKEN"


_PEM_BEGIN = re.compile(r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY = re.compile(r"[A-Za-z0-9+/=\s\\:-]*")
_PEM_MAX = 64 * 1024  # an 8192-bit RSA key in PEM is under 7 KB


def _private_keys(text: str, lowered: str) -> Iterator[Finding]:
    """PEM private key blocks: BEGIN to END, or BEGIN and the base64 body when the END line is missing.

    The next END line is searched once and reused for every BEGIN before it, so a text full of
    BEGIN lines without END lines costs one pass (it was one pass per BEGIN line: quadratic).
    """
    if "PRIVATE KEY" not in text:
        return
    pos = 0
    end_match: re.Match[str] | None = None
    searched_from = -1
    no_end_after = len(text) + 1  # no END line at or after this position
    while (begin := _PEM_BEGIN.search(text, pos)) is not None:
        b = begin.end()
        if b < no_end_after and (end_match is None or end_match.start() < b) and searched_from < b:
            end_match = _PEM_END.search(text, b)
            searched_from = b
            if end_match is None:
                no_end_after = b
        if end_match is not None and end_match.start() >= b and end_match.start() - b <= _PEM_MAX:
            stop = end_match.end()
        else:
            body = _PEM_BODY.match(text, b, min(len(text), b + _PEM_MAX))
            stop = body.end() if body else b
        yield begin.start(), stop, "PRIVATE_KEY"
        pos = max(stop, begin.start() + 1)


_PROSE_PASSWORD = re.compile(r"(?i)\bpassword\s{1,20}is\s{1,20}[\"']?(?P<value>[^\s\"']{1,200})")


# what follows "password is" in prose and UI messages: states, not passwords
_PASSWORD_STATE = re.compile(
    r"(?i)(?:[a-z]{1,12}-)?[a-z]{0,10}(?:ed|ing|ly|ble|ive|ure|ous|ent|ant|ic|al)|correct|wrong|empty|weak|strong|short|long|blank|valid"
    r"|set|not|too|the|a|an|now|still|only|also|never|always|same|different|mandatory|optional|case-sensitive"
    r"|sent|reset|shown|known|hidden|visible|free|open|ok|okay|fine|good|bad|easy|hard|new|old|yours|mine"
)


def _prose_passwords(text: str, lowered: str) -> Iterator[Finding]:
    """``the wifi password is Garden16?`` or ``... is silverguitarcastle`` ending its line.

    A value that is a word is taken only when it ends the line and is not a state (``stored``,
    ``correct``, ``hard-coded``, ``required``): CVE prose says "the password is stored in ...".
    """
    if "password" not in lowered:
        return
    for m in _PROSE_PASSWORD.finditer(text):
        value = m.group("value").rstrip(".,;:")
        if not value or _is_reference(value):
            continue
        if _WORDY.fullmatch(value) or _classes(value) < 2:
            ends_line = m.end() == len(text) or text[m.end()] in "\r\n" or text.startswith(" (", m.end())
            if not ends_line or value != m.group("value") or _PASSWORD_STATE.fullmatch(value):
                continue
        yield m.start("value"), m.start("value") + len(value), "PASSWORD"


_Q = r"(?:\"(?P<dq>[^\"\n]{1,200})\"|'(?P<sq>[^'\n]{1,200})'|(?P<bare>[^\s\"',;&<>()\[\]{}]{1,200}))"
# Key names. A compound name may sit inside a longer identifier (DB_PASSWORD, stripe_api_key), so
# it is matched from its core word on; short words (pass, pwd, token, secret, key) must start the
# name or follow a separator (SENDGRID_KEY, SLACK_BOT_TOKEN).
# (No leading [A-Za-z0-9_]* here: trying it at every position made these rules the slowest by far.)
_PASSWORD_KEY = r"(?:password|passwd|passphrase|[_.-]pwd)[A-Za-z0-9_]*|p(?<![A-Za-z0-9]p)(?:ass|wd|word)"
_TOKEN_KEY = (
    r"(?:api[_-]?key|apikey|api[_-]?token|access[_-]?token|auth[_-]?token|refresh[_-]?token"
    r"|client[_-]?secret|secret[_-]?key|app[_-]?secret|private[_-]?token|session[_-]?token|bearer[_-]?token"
    r"|x-api-key)[A-Za-z0-9_]*|t(?<![A-Za-z0-9]t)oken|s(?<![A-Za-z0-9]s)ecret"
)
# NAME_KEY=, NAME_TOKEN=, NAME_SECRET= (an env/ini/YAML assignment: the name ends with the word)
_NAMED_KEY = r"(?:key|token|secret|auth)(?![A-Za-z0-9_])"  # what stands before it: _check_named_token
_TOKEN_VALUE = r"[A-Za-z0-9._~+/=-]{16,512}"

RULES: tuple[Detector, ...] = (
    _private_keys,
    _Rule("JWT", re.compile(r"(?<![A-Za-z0-9_-])" + _JWT_RE.pattern), ("eyJ",)),
    _Rule(
        "AWS_ACCESS_KEY",
        re.compile(r"A(?<![A-Z0-9]A)(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|PKA|ROA|SCA)[A-Z0-9]{16}"
                   r"(?![A-Z0-9])"),
        ("AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "APKA", "AROA", "ASCA"),
    ),
    _Rule(
        "GITHUB_TOKEN",
        re.compile(r"g(?<![A-Za-z0-9_]g)(?:h[pousr]_[A-Za-z0-9]{36,251}|ithub_pat_[A-Za-z0-9_]{22,255})"
                   r"(?![A-Za-z0-9_])"),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _Rule(
        "SLACK_TOKEN",
        re.compile(r"(?<![A-Za-z0-9])xox[abposre]-[A-Za-z0-9-]{10,250}"
                   r"|(?<=hooks\.slack\.com/services/)T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{16,32}"),
        ("xox", "hooks.slack.com"),
    ),
    _Rule(
        "GOOGLE_API_KEY",
        re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])"),
        ("AIza",),
    ),
    _Rule(
        "STRIPE_KEY",
        re.compile(r"(?<![A-Za-z0-9_])(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{10,99}(?![A-Za-z0-9_])"),
        ("k_live_", "k_test_"),
    ),
    _Rule(  # OpenAI keys (sk-proj-..., older sk-...), the marker T3BlbkFJ in the middle; runs bounded
        "API_TOKEN",
        re.compile(r"(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,250}T3BlbkFJ[A-Za-z0-9_-]{16,250}"),
        ("T3BlbkFJ",),
    ),
    _Rule(
        "AWS_SECRET_KEY",
        re.compile(r"(?i)(?:aws_?secret_?(?:access_?)?key(?:_?id)?|secret_?access_?key)[\"']?\s{0,20}"
                   r"(?:[:=]|=>)?\s{0,20}[\"']?(?P<value>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"),
        ("secret",),
        lower=True,
        group="value",
    ),
    _Rule(
        "API_TOKEN",
        re.compile(r"(?i)(?:\bauthorization[\"']?\s{0,20}[:=]\s{0,20}[\"']?\s{0,20}(?:bearer|token|basic)\s{1,20}"
                   r"|\bbearer\s{1,20})(?P<value>[A-Za-z0-9._~+/=-]{16,1024})"),
        ("bearer", "authorization"),
        lower=True,
        group="value",
        check=_check_token,
        classify=_classify_token,
    ),
    _Rule(
        "API_TOKEN",
        re.compile(r"(?i)(?:" + _TOKEN_KEY + r")[\"']?\s{0,20}(?:[:=]|=>|:=)\s{0,20}[\"']?"
                   r"(?P<value>" + _TOKEN_VALUE + r")"),
        ("api", "token", "secret"),  # every key name holds one of these
        lower=True,
        group="value",
        check=_check_token,
        classify=_classify_token,
    ),
    _Rule(
        "API_TOKEN",
        re.compile(r"(?i)(?P<key>" + _NAMED_KEY + r")[\"']?\s{0,20}(?:[:=]|=>|:=)\s{0,20}[\"']?"
                   r"(?P<value>" + _TOKEN_VALUE + r")"),
        ("key", "token", "secret", "auth"),
        lower=True,
        group="value",
        check=_check_named_token,
        classify=_classify_token,
    ),
    _Rule(  # session cookies: sessionid=, PHPSESSID=, JSESSIONID=, laravel_session=, connect.sid=
        "API_TOKEN",
        re.compile(r"(?i)s(?:ess(?:ion)?(?:[_.-]?id)?|(?<![A-Za-z0-9]s)id)[A-Za-z0-9_]{0,30}\s{0,5}=\s{0,5}"
                   r"(?P<value>[A-Za-z0-9._~+/%-]{16,512})"),
        ("sess", "sid=", "sid ="),
        lower=True,
        group="value",
        check=_check_token,
        classify=_classify_token,
    ),
    _Rule(  # Terraform: variable "db_password" { default = "..." }
        "PASSWORD",
        re.compile(r"(?i)\bvariable\s{1,20}\"(?P<key>[A-Za-z0-9_-]{0,60}(?:pass|pwd|secret|token|key)[A-Za-z0-9_-]{0,60})\""
                   r"\s{0,20}\{[^}]{0,300}?\bdefault\s{0,20}=\s{0,20}\"(?P<value>[^\"\n]{1,200})\""),
        ("variable",),
        lower=True,
        group="value",
        check=lambda m: not _is_reference(m.group("value")) and not _NOT_SECRET_KEY.search(m.group("key")),
        classify=lambda v: "PASSWORD",
    ),
    _Rule(  # scheme://user:pw@host and scheme://:pw@host (redis)
        "PASSWORD",
        re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@?#\"'<>]{0,128}"
                   r":(?P<pw>[^\s@/?#\"'<>]{1,128})@(?=[A-Za-z0-9\[])"),
        ("://",),
        group="pw",
        check=_check_url_password,
    ),
    _Rule(  # a line that is one assignment (ini, .env, YAML, properties): the value is the rest of the line
        "PASSWORD",
        re.compile(r"(?im)^[ \t]{0,20}(?:export[ \t]{1,5})?"
                   r"(?P<key>[A-Za-z0-9_.-]{0,40}?(?:password|passwd|passphrase|pwd)[A-Za-z0-9_]{0,20})"
                   r"(?P<sep>[ \t]{0,20}[:=][ \t]{0,20})(?P<bare>[^\s\"'][^\s]{0,199})[ \t]*\r?$"),
        ("pass", "pwd"),
        lower=True,
        group="value",
        check=_check_password,
    ),
    _Rule(
        "PASSWORD",
        re.compile(r"(?i)(?P<key>" + _PASSWORD_KEY + r")[\"']?(?P<sep>\s{0,20}(?:[:=]|=>|:=)\s{0,20})" + _Q),
        ("pass", "pwd"),
        lower=True,
        group="value",
        check=_check_password,
    ),
    _Rule(
        "PASSWORD",
        re.compile(r"(?i)(?:--password|--passwd)[\s=]{1,20}" + _Q
                   + r"|\bidentified\s{1,20}by\s{1,20}'(?P<value>[^'\n]{1,200})'"),
        ("--pass", "identified"),
        lower=True,
        group="value",
        check=_check_flagged,
    ),
    _Rule(  # .netrc: machine HOST login USER password PW
        "PASSWORD",
        re.compile(r"(?i)\blogin\s{1,20}\S{1,100}\s{1,20}password\s{1,20}(?P<value>[^\s\"']{1,200})"),
        ("password",),
        lower=True,
        group="value",
        check=lambda m: not _is_reference(m.group("value")),
    ),
    _prose_passwords,
    _Rule(
        "PASSWORD",
        re.compile(r"(?i)<(?P<tag>password|passwd|[a-z_]{0,40}_password)>(?P<value>[^<\n]{1,200})</(?P=tag)>"),
        ("pass",),
        lower=True,
        group="value",
        check=lambda m: not _is_reference(m.group("value")),
    ),
)

_EMAIL = re.compile(  # not before ":path" — an ssh remote (git@host:org/repo) is no address
    r"(?<![A-Za-z0-9._%+/-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}(?P<tld>[A-Za-z]{2,24}|xn--[a-z0-9-]{1,59})"
    r"(?![A-Za-z0-9-])(?!:[\w~/])"
)


def EMAIL(text: str, lowered: str) -> Iterator[Finding]:
    """E-mail addresses whose domain ends in a Public Suffix List top-level domain."""
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        end = _email_end(m)
        if end is not None:
            yield m.start(), end, "EMAIL"


IP_RULES: tuple[Detector, ...] = (
    _Rule(
        "IPV4",
        re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
                   r"(?!\.?\d)(?!\w)"),
        (".",),
        check=_check_ipv4,
    ),
    _Rule(
        "IPV6",
        re.compile(r"(?<![\w:.])(?=[0-9A-Fa-f:]{0,39}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}(?![\w:])"),
        ("::", ":0", ":1", ":2", ":3", ":4", ":5", ":6", ":7", ":8", ":9", ":a", ":b", ":c", ":d", ":e", ":f"),
        lower=True,
        check=_check_ipv6,
    ),
)
