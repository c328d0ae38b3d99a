"""Making planted documents: secrets of every kind and look-alikes, each recorded with its span.

:class:`PlantedDoc` is a document built piece by piece; ``secret`` and ``like``
append a value and record where it is. :class:`_Gen` draws secrets and
look-alikes from one seeded random generator. The document kinds are in
:mod:`._scrub_docs`, the corpus and its scoring in :mod:`._scrub_corpus`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
UPPER32 = string.ascii_uppercase + "234567"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
FIRST = ["john", "maria", "wei", "olga", "ahmed", "sofia", "liam", "priya", "kenji", "ana", "lukas", "fatima",
         "diego", "chloe", "ivan", "mei", "tomasz", "aisha", "noah", "elena"]
LAST = ["smith", "garcia", "chen", "ivanova", "hassan", "rossi", "brown", "patel", "sato", "silva", "muller",
        "nowak", "dubois", "kim", "okafor", "jensen", "novak", "haddad", "costa", "weber"]
DOMAINS = ["acme-corp.com", "mail.example.org", "univ.edu", "bank-secure.co.uk", "contoso.io", "gmail.com",
           "web.de", "orange.fr", "uol.com.br", "cs.tsinghua.edu.cn", "fastmail.fm", "proton.me", "company.net",
           "startup.ai", "gov.au", "yahoo.co.jp", "outlook.com", "example.dev", "shop.store", "city.nyc"]
WORDS = ["river", "falcon", "summer", "orange", "castle", "winter", "tiger", "coffee", "silver", "rocket",
         "garden", "purple", "dragon", "planet", "monkey", "sunset", "guitar", "marble", "shadow", "copper"]
SERVICES = ["billing", "auth", "search", "orders", "gateway", "ledger", "notify", "catalog", "ingest", "reports"]


@dataclass(frozen=True)
class Span:
    """A planted secret (kind: a placeholder type) or a look-alike (kind: what it is) in a document."""

    kind: str
    start: int
    end: int
    value: str


@dataclass
class PlantedDoc:
    """One document, its secrets and its look-alikes."""

    context: str
    text: str = ""
    secrets: list[Span] = field(default_factory=list)
    lookalikes: list[Span] = field(default_factory=list)

    def add(self, text: str) -> PlantedDoc:
        self.text += text
        return self

    def secret(self, kind: str, value: str) -> PlantedDoc:
        self.secrets.append(Span(kind, len(self.text), len(self.text) + len(value), value))
        self.text += value
        return self

    def like(self, kind: str, value: str) -> PlantedDoc:
        self.lookalikes.append(Span(kind, len(self.text), len(self.text) + len(value), value))
        self.text += value
        return self


class _Gen:
    """Secret and look-alike makers over one seeded random generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def r(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choices(alphabet, k=n))

    def pick(self, items: Sequence[Any]) -> Any:
        return self.rng.choice(items)

    def person(self) -> tuple[str, str]:
        return self.pick(FIRST), self.pick(LAST)

    # --- secrets ----------------------------------------------------------------------------------
    def aws_access(self) -> str:
        return self.pick(["AKIA", "ASIA"]) + self.r(UPPER32, 16)

    def aws_secret(self) -> str:
        return self.r(B64, 40)

    def github(self) -> str:
        kind = self.rng.randrange(4)
        if kind == 3:
            return "github_pat_" + self.r(ALNUM, 22) + "_" + self.r(ALNUM, 59)
        return ("ghp_", "gho_", "ghs_")[kind] + self.r(ALNUM, 36)

    def slack(self) -> str:
        d = string.digits
        return f"xox{self.pick('bpa')}-{self.r(d, 11)}-{self.r(d, 12)}-{self.r(ALNUM, 24)}"

    def google(self) -> str:
        return "AIza" + self.r(B64URL, 35)

    def stripe(self) -> str:
        return self.pick(["sk_live_", "rk_live_", "sk_test_"]) + self.r(ALNUM, self.pick([24, 99]))

    def jwt(self) -> str:
        def part(obj: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

        header = part({"alg": self.pick(["HS256", "RS256", "ES256"]), "typ": "JWT"})
        payload = part({"sub": self.r(string.digits, 8), "name": self.pick(FIRST), "iat": 1700000000
                        + self.rng.randrange(10**7)})
        return f"{header}.{payload}.{self.r(B64URL, self.pick([43, 86]))}"

    def pem(self) -> str:
        kind = self.pick(["RSA ", "EC ", "OPENSSH ", "", "ENCRYPTED ", "DSA "])
        body = "\n".join(self.r(B64, 64) for _ in range(self.rng.randint(3, 12)))
        return f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n{self.r(B64, 20)}==\n-----END {kind}PRIVATE KEY-----"

    def password(self) -> str:
        style = self.rng.randrange(6)
        if style == 0:
            return self.pick(WORDS).capitalize() + self.r(string.digits, self.rng.randint(2, 4)) + self.pick("!#$%*@?")
        if style == 1:
            return self.r(ALNUM + "!#%^*_-", self.rng.randint(10, 20))
        if style == 2:
            return self.pick(WORDS) + self.r(string.digits, 2)
        if style == 3:
            return "-".join(self.pick(WORDS) for _ in range(4))  # a passphrase
        if style == 4:
            return self.pick(WORDS) + self.pick(WORDS) + self.pick(WORDS)  # lowercase only
        return self.r(ALNUM, self.rng.randint(12, 32))

    def url_password(self) -> str:
        return self.r(ALNUM + "!*_-~", self.rng.randint(8, 24))

    def token(self) -> str:
        return self.r(self.pick([ALNUM, HEX, ALNUM + "-_", UPPER32]), self.pick([24, 32, 40, 48, 64]))

    def vendor_token(self) -> tuple[str, str]:
        """(env name, token) for services the scrubber knows through detect-secrets or its own rules."""
        return self.pick([
            lambda: ("SENDGRID_API_KEY", "SG." + self.r(B64URL, 22) + "." + self.r(B64URL, 43)),
            lambda: ("GITLAB_TOKEN", "glpat-" + self.r(B64URL, 20)),
            lambda: ("TWILIO_API_KEY", "SK" + self.r(HEX, 32)),
            lambda: ("TWILIO_ACCOUNT_SID", "AC" + self.r(HEX, 32)),
            lambda: ("MAILCHIMP_KEY", self.r(HEX, 32) + f"-us{self.rng.randint(1, 21)}"),
            lambda: ("SQUARE_SECRET", "sq0csp-" + self.r(B64URL, 43)),
            lambda: ("PYPI_TOKEN", "pypi-AgEIcHlwaS5vcmc" + self.r(B64URL, 120)),
            lambda: ("OPENAI_API_KEY", "sk-proj-" + self.r(B64URL, 74) + "T3BlbkFJ" + self.r(B64URL, 74)),
            lambda: ("DISCORD_BOT_TOKEN", self.pick("MNO") + self.r(B64URL, 23) + "." + self.r(B64URL, 6) + "."
                     + self.r(B64URL, 27)),
            lambda: ("NPM_TOKEN", "npm_" + self.r(ALNUM, 36)),
            lambda: ("DATADOG_API_KEY", self.r(HEX, 32)),
            lambda: ("HEROKU_API_KEY", str(uuid.UUID(int=self.rng.getrandbits(128), version=4))),
            lambda: ("MAILGUN_API_KEY", "key-" + self.r(HEX, 32)),
            lambda: ("STRIPE_WEBHOOK_SECRET", "whsec_" + self.r(ALNUM, 32)),
        ])()

    def telegram(self) -> str:
        return f"{self.rng.randint(10**8, 10**10 - 1)}:AA{self.r(B64URL, 33)}"

    def email(self) -> str:
        first, last = self.person()
        local = self.pick([f"{first}.{last}", f"{first}_{last}{self.rng.randint(1, 99)}", f"{first[0]}{last}",
                           f"{first}+{self.pick(['news', 'git', 'shop'])}", f"{last}.{first}{self.rng.randint(1, 9)}"])
        return f"{local}@{self.pick(DOMAINS)}"

    def card(self) -> str:
        prefix, length = self.pick([("4", 16), ("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16),
                                    ("34", 15), ("37", 15), ("6011", 16), ("65", 16), ("3530", 16), ("36", 14),
                                    ("62", 16), ("4", 19)])
        body = prefix + self.r(string.digits, length - len(prefix) - 1)
        digits = body + str(_luhn_digit(body))
        style = self.rng.randrange(3)
        if style == 0:
            return digits
        sep = " " if style == 1 else "-"
        if length == 15:
            return sep.join((digits[:4], digits[4:10], digits[10:]))
        if length == 14:
            return sep.join((digits[:4], digits[4:10], digits[10:]))
        return sep.join(digits[i : i + 4] for i in range(0, length, 4))

    def phone(self) -> str:
        """A phone number in one of 15 national and international formats, from an allocated range.

        Random subscriber digits can fall in a range no operator was given; such a draw is redrawn
        (libphonenumber's metadata says which ranges are allocated), as a real number is allocated.
        """
        import phonenumbers

        for _ in range(50):
            number = self._phone_format()
            region = None if number.startswith("+") else ("US" if number[0] in "(4723" else "FR"
                                                          if number.startswith("06") else "GB")
            if phonenumbers.is_valid_number(phonenumbers.parse(number, region)):
                return number
        raise RuntimeError("no valid phone number in 50 draws")  # pragma: no cover

    def _phone_format(self) -> str:
        d = string.digits
        return self.pick([
            lambda: f"+1 {self.pick(['415', '212', '646', '312', '617'])}-{self.rng.randint(200, 999)}-"
                    f"{self.r(d, 4)}",
            lambda: f"({self.pick(['415', '212', '305', '206', '512'])}) {self.rng.randint(200, 999)}-{self.r(d, 4)}",
            lambda: f"{self.pick(['415', '718', '303', '202'])}.{self.rng.randint(200, 999)}.{self.r(d, 4)}",
            lambda: f"+44 20 7{self.r(d, 3)} {self.r(d, 4)}",
            lambda: f"+44 7{self.pick(['700', '911', '400'])} {self.r(d, 6)}",
            lambda: f"020 7{self.r(d, 3)} {self.r(d, 4)}",
            lambda: f"+49 30 {self.rng.randint(2, 9)}{self.r(d, 7)}",
            lambda: f"+49 151 {self.rng.randint(1, 9)}{self.r(d, 7)}",
            lambda: f"+33 1 {self.r(d, 2)} {self.r(d, 2)} {self.r(d, 2)} {self.r(d, 2)}",
            lambda: f"06 {self.r(d, 2)} {self.r(d, 2)} {self.r(d, 2)} {self.r(d, 2)}",
            lambda: f"+91 9{self.r(d, 4)} {self.r(d, 5)}",
            lambda: f"+81 3-{self.r(d, 4)}-{self.r(d, 4)}",
            lambda: f"+61 4{self.r(d, 2)} {self.r(d, 3)} {self.r(d, 3)}",
            lambda: f"+5511 9{self.r(d, 4)}-{self.r(d, 4)}",
            lambda: f"+1415{self.rng.randint(200, 999)}{self.r(d, 4)}",
        ])()

    def ipv4(self) -> str:
        return self.pick([
            lambda: ".".join(str(self.rng.randint(1, 254)) for _ in range(4)),
            lambda: f"10.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}",
            lambda: f"192.168.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}",
        ])()

    def ipv6(self) -> str:
        groups = [f"{self.rng.randrange(65536):x}" for _ in range(8)]
        return self.pick([":".join(groups), "2001:db8::" + ":".join(groups[:3]), "fe80::" + ":".join(groups[:4]),
                          f"2a00:{groups[0]}:{groups[1]}::{groups[2]}"])

    # --- look-alikes ------------------------------------------------------------------------------
    def digest(self, algo: str = "") -> str:
        algo = algo or self.pick(["md5", "sha1", "sha256"])
        return hashlib.new(algo, self.r(ALNUM, 20).encode()).hexdigest()

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=self.pick([1, 4])))

    def version(self) -> str:
        """Mostly semver; one in five has four parts (which may also be a valid IPv4 address)."""
        parts = self.pick([2, 3, 3, 3, 4])
        return ".".join(str(self.rng.randint(0, 30)) for _ in range(parts))

    def semver(self) -> str:
        return ".".join(str(self.rng.randint(0, 30)) for _ in range(3))

    def ipv4_version(self, forms: Sequence[str] = (">={}", "=={}", "v{}", "version {}", "-{}.tar.gz", "~={}")) -> str:
        """A four-part version that is also a valid IPv4 address, written the way versions are."""
        v = ".".join(str(self.rng.randint(0, 20)) for _ in range(4))
        return self.pick(forms).format(v)

    def lucky_digits(self, n: int) -> str:
        return str(self.rng.randint(10 ** (n - 1), 10**n - 1))

    def imei(self) -> str:
        body = self.pick(["35", "86", "01", "99"]) + self.r(string.digits, 12)
        return body + str(_luhn_digit(body))

    def b64_text(self) -> str:
        sentence = " ".join(self.pick(WORDS) for _ in range(self.rng.randint(3, 9)))
        return base64.b64encode(sentence.encode()).decode()


def _luhn_digit(body: str) -> int:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return (10 - total % 10) % 10
