"""Scrubbing secrets and personal data, measured on a planted-secrets corpus."""

from __future__ import annotations

import base64
import json
import random
import string
from collections import Counter

import pytest

from llmsec.data import Conversation, Document, Example, Message
from llmsec.data.clean._scrub import scrub, scrub_records

ALNUM = string.ascii_letters + string.digits
UPPER32 = string.ascii_uppercase + "234567"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
FIRST = ["john", "maria", "wei", "olga", "ahmed", "sofia", "liam", "priya", "kenji", "ana"]
LAST = ["smith", "garcia", "chen", "ivanova", "hassan", "rossi", "brown", "patel", "sato", "silva"]
DOMAINS = ["acme-corp.com", "mail.example.org", "univ.edu", "bank-secure.co.uk", "contoso.io", "gmail.com"]
WORDS = ["river", "falcon", "summer", "orange", "castle", "winter", "tiger", "coffee", "silver", "rocket"]


class Corpus:
    """Documents with the secrets planted in them and the decoys that must survive."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.docs: list[str] = []
        self.planted: list[list[tuple[str, str]]] = []  # per doc: (type, secret)
        self.decoys: list[list[str]] = []

    def r(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choices(alphabet, k=n))

    # --- secrets ------------------------------------------------------------------------------
    def aws_access(self) -> str:
        return self.rng.choice(["AKIA", "ASIA"]) + self.r(UPPER32, 16)

    def aws_secret(self) -> str:
        return self.r(B64, 40)

    def github(self) -> str:
        kind = self.rng.randrange(3)
        if kind == 2:
            return "github_pat_" + self.r(ALNUM, 22) + "_" + self.r(ALNUM, 59)
        return ("ghp_", "gho_")[kind] + self.r(ALNUM, 36)

    def slack(self) -> str:
        digits = string.digits
        return f"xox{self.rng.choice('bpa')}-{self.r(digits, 11)}-{self.r(digits, 12)}-{self.r(ALNUM, 24)}"

    def google(self) -> str:
        return "AIza" + self.r(B64URL, 35)

    def stripe(self) -> str:
        return self.rng.choice(["sk_live_", "rk_live_", "sk_test_"]) + self.r(ALNUM, 24)

    def jwt(self) -> str:
        def part(obj: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

        header = part({"alg": self.rng.choice(["HS256", "RS256"]), "typ": "JWT"})
        payload = part({"sub": self.r(string.digits, 8), "name": self.rng.choice(FIRST), "iat": 1700000000})
        return f"{header}.{payload}.{self.r(B64URL, 43)}"

    def pem(self) -> str:
        kind = self.rng.choice(["RSA ", "EC ", "OPENSSH ", "", "ENCRYPTED "])
        body = "\n".join(self.r(B64, 64) for _ in range(self.rng.randint(3, 8)))
        return f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n{self.r(B64, 20)}==\n-----END {kind}PRIVATE KEY-----"

    def password(self) -> str:
        style = self.rng.randrange(4)
        if style == 0:
            return self.rng.choice(WORDS).capitalize() + self.r(string.digits, 3) + self.rng.choice("!#$%*")
        if style == 1:
            return self.r(ALNUM + "!#%^*_-", self.rng.randint(10, 18))
        if style == 2:
            return self.rng.choice(WORDS) + self.r(string.digits, 2)
        return self.rng.choice(WORDS) + self.rng.choice(WORDS) + self.rng.choice(WORDS)  # lowercase only

    def token(self) -> str:
        return self.r(self.rng.choice([ALNUM, "0123456789abcdef", ALNUM + "-_."]), self.rng.choice([32, 40, 48]))

    def email(self) -> str:
        sep = self.rng.choice([".", "_", ""])
        name = f"{self.rng.choice(FIRST)}{sep}{self.rng.choice(LAST)}{self.rng.randint(1, 99)}"
        return f"{name}@{self.rng.choice(DOMAINS)}"

    def ipv4(self) -> str:
        return ".".join(str(self.rng.randint(1, 254)) for _ in range(4))

    def ipv6(self) -> str:
        groups = [f"{self.rng.randrange(65536):x}" for _ in range(8)]
        if self.rng.random() < 0.5:
            return "2001:db8::" + ":".join(groups[:3])
        return ":".join(groups)

    # --- decoys -------------------------------------------------------------------------------
    def decoy(self) -> str:
        kind = self.rng.randrange(24)
        hexd = "0123456789abcdef"
        return [
            lambda: f"SHA256: {self.r(hexd, 64)}",
            lambda: f"md5 {self.r(hexd, 32)}",
            lambda: f"CVE-{self.rng.randint(1999, 2024)}-{self.rng.randint(1000, 99999)}",
            lambda: f"request_id {self.r(hexd, 8)}-{self.r(hexd, 4)}-4{self.r(hexd, 3)}-a{self.r(hexd, 3)}-"
            f"{self.r(hexd, 12)}",
            lambda: f"OpenSSL {self.rng.randint(1, 3)}.{self.rng.randint(0, 9)}.{self.rng.randint(0, 20)}",
            lambda: f"v{self.rng.randint(1, 9)}.{self.rng.randint(0, 9)}.{self.rng.randint(0, 99)}",
            lambda: "payload (base64) "
            + base64.b64encode(f"{self.rng.choice(WORDS)} {self.rng.choice(WORDS)} report".encode()).decode(),
            lambda: f"https://example.com/login?user={self.rng.choice(FIRST)}&next=/home",
            lambda: f"http://localhost:{self.rng.randint(1024, 9999)}/api/v1/items",
            lambda: self.rng.choice(["password policy", "password reset link", "the password field",
                                     "Password: must be at least 12 characters", "weak password hashing"]),
            lambda: f"commit {self.r(hexd, 40)}",
            lambda: f"git@github.com:{self.rng.choice(WORDS)}/{self.rng.choice(WORDS)}.git",
            lambda: f"mac {':'.join(self.r(hexd, 2) for _ in range(6))} at 12:{self.rng.randint(10, 59)}:07",
            lambda: f"image@sha256:{self.r(hexd, 64)}",
            lambda: self.rng.choice(["token-based authentication", "API key rotation every 90 days",
                                     "the secret key is stored in Vault", "passwordless login via WebAuthn",
                                     "Bearer token authentication (RFC 6750)"]),
            lambda: "SELECT id FROM users WHERE password = ?",
            lambda: f"min_password_length = {self.rng.randint(8, 16)}",
            lambda: f"password_file=/run/secrets/{self.rng.choice(WORDS)}",
            lambda: f"see https://{self.rng.choice(FIRST)}@example.com/repo for access",
            lambda: f"PASSWORD_EXPIRY_DAYS={self.rng.randint(30, 365)}",
            lambda: f"session id {self.r(hexd, 32)}",
            lambda: f"sha1={self.r(hexd, 40)}",
            lambda: 'password: "********"',
            lambda: f"GUID {{{self.r(hexd, 8).upper()}-{self.r(hexd, 4).upper()}-{self.r(hexd, 4).upper()}-"
            f"{self.r(hexd, 4).upper()}-{self.r(hexd, 12).upper()}}}",
        ][kind]()

    # --- documents ----------------------------------------------------------------------------
    def add(self, template: str, secrets: list[tuple[str, str]], n_decoys: int = 2) -> None:
        decoys = [self.decoy() for _ in range(n_decoys)]
        text = template.format(*[s for _, s in secrets]) + "\n" + "\n".join(f"note: {d}" for d in decoys)
        self.docs.append(text)
        self.planted.append(secrets)
        self.decoys.append(decoys)

    def build(self, n: int) -> Corpus:
        makers = [self._config, self._env, self._json, self._url, self._code, self._log, self._email,
                  self._pem_doc, self._shell, self._ips, self._compose, self._properties, self._aws_json,
                  self._js, self._netrc, self._gitlog]
        for i in range(n):
            makers[i % len(makers)]()
        return self

    def _config(self) -> None:
        s = [("AWS_ACCESS_KEY", self.aws_access()), ("AWS_SECRET_KEY", self.aws_secret()),
             ("PASSWORD", self.password())]
        self.add("[default]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = eu-west-1\n\n"
                 "[database]\nhost = db.internal\nuser = app\npassword = {}\n", s)

    def _env(self) -> None:
        s = [("STRIPE_KEY", self.stripe()), ("PASSWORD", self.password()), ("SLACK_TOKEN", self.slack())]
        self.add("# .env\nSTRIPE_SECRET={}\nDB_PASSWORD={}\nSLACK_BOT_TOKEN={}\nDEBUG=false\n", s)

    def _json(self) -> None:
        s = [("GOOGLE_API_KEY", self.google()), ("PASSWORD", self.password()), ("API_TOKEN", self.token())]
        self.add('{{"maps": {{"key": "{}"}}, "db": {{"user": "svc", "password": "{}"}}, '
                 '"service": {{"api_key": "{}", "timeout": 30}}}}', s)

    def _url(self) -> None:
        scheme = self.rng.choice(["postgres", "mysql", "mongodb+srv", "redis", "amqp", "https", "ftp"])
        pw = self.r(ALNUM + "!*_-", self.rng.randint(8, 16))
        s = [("PASSWORD", pw), ("API_TOKEN", self.token())]
        self.add(f"The service connects with {scheme}://{self.rng.choice(FIRST)}:{{}}@db{self.rng.randint(1, 9)}"
                 ".internal:5432/app and calls https://api.example.net/v2/data?api_key={}&format=json", s)

    def _code(self) -> None:
        s = [("GITHUB_TOKEN", self.github()), ("PASSWORD", self.password()), ("JWT", self.jwt())]
        self.add('import requests\n\nGH = "{}"\n\ndef connect():\n    return db.connect(user="admin", '
                 'password="{}")\n\nheaders = {{"X-Session": "{}"}}\npassword = get_password()\n', s)

    def _log(self) -> None:
        s = [("API_TOKEN", self.token()), ("JWT", self.jwt()), ("EMAIL", self.email())]
        self.add("2023-03-17T10:00:01Z INFO GET /api/orders Authorization: Bearer {}\n"
                 "2023-03-17T10:00:02Z DEBUG cookie session={} user={} status=200", s)

    def _email(self) -> None:
        s = [("EMAIL", self.email()), ("EMAIL", self.email()), ("PASSWORD", self.password())]
        self.add("From: IT Helpdesk <{}>\nTo: {}\nSubject: your new account\n\nHello,\n"
                 "Your temporary credentials are below.\nPassword: {}\n\nPlease read our password policy.", s)

    def _pem_doc(self) -> None:
        s = [("PRIVATE_KEY", self.pem()), ("AWS_ACCESS_KEY", self.aws_access())]
        self.add("Found in the leaked repo (id_rsa):\n{}\nand an access key {} in deploy.sh", s)

    def _shell(self) -> None:
        s = [("PASSWORD", self.password()), ("GITHUB_TOKEN", self.github()), ("PASSWORD", self.password())]
        self.add("mysql -u root --password={} shop\ngit clone https://x-access-token:{}@github.com/acme/app.git\n"
                 "CREATE USER 'app'@'%' IDENTIFIED BY '{}';", s)

    def _ips(self) -> None:
        s = [("IPV4", self.ipv4()), ("IPV6", self.ipv6()), ("EMAIL", self.email())]
        self.add("Failed login from {} (also seen as {}) for account {}", s)


    # contexts written after the rules, to check they generalise
    def _compose(self) -> None:
        s = [("PASSWORD", self.password()), ("SLACK_TOKEN", "T" + self.r(UPPER32[:26], 8) + "/B"
              + self.r(UPPER32[:26], 8) + "/" + self.r(ALNUM, 24))]
        self.add("services:\n  db:\n    image: mysql:8\n    environment:\n      MYSQL_ROOT_PASSWORD: {}\n"
                 "  notify:\n    command: curl -X POST https://hooks.slack.com/services/{}\n", s)

    def _properties(self) -> None:
        s = [("PASSWORD", self.password()), ("PASSWORD", self.password()), ("EMAIL", self.email())]
        self.add("spring.datasource.url=jdbc:postgresql://db:5432/app\nspring.datasource.password={}\n"
                 "Server=sql01;Database=crm;User Id=sa;Password={};\nadmin.contact={}\n", s)

    def _aws_json(self) -> None:
        s = [("AWS_ACCESS_KEY", "ASIA" + self.r(UPPER32, 16)), ("AWS_SECRET_KEY", self.aws_secret()),
             ("API_TOKEN", self.r(B64, 120))]
        self.add('{{"Credentials": {{"AccessKeyId": "{}", "SecretAccessKey": "{}", "SessionToken": "{}", '
                 '"Expiration": "2023-03-17T12:00:00Z"}}}}', s)

    def _js(self) -> None:
        s = [("API_TOKEN", self.token()), ("STRIPE_KEY", self.stripe()), ("API_TOKEN", self.token())]
        self.add('const apiKey = "{}";\nconst stripe = require("stripe")("{}");\n'
                 'fetch(url, {{ headers: {{ "x-api-key": "{}" }} }});\n', s)

    def _netrc(self) -> None:
        s = [("PASSWORD", self.password()), ("EMAIL", self.email())]
        self.add("PGPASSWORD={} psql -h db -U app\nmailto:{}?subject=access\n", s)

    def _gitlog(self) -> None:
        s = [("EMAIL", self.email()), ("EMAIL", self.email())]
        hexd = "0123456789abcdef"
        self.add(f"commit {self.r(hexd, 40)}\nAuthor: {self.rng.choice(FIRST).title()} <{{}}>\n"
                 "Date:   Fri Mar 17 10:00:00 2023\n\n    fix CVE-2023-0286, reported by {}\n", s)


def _measure(corpus: Corpus) -> dict[str, float]:
    planted = removed = survived = decoys = 0
    total = Counter()
    missed: list[tuple[str, str]] = []
    flagged: list[str] = []
    for text, secrets, doc_decoys in zip(corpus.docs, corpus.planted, corpus.decoys, strict=True):
        out, counts = scrub(text, ips=True)
        total.update(counts)
        for kind, secret in secrets:
            planted += 1
            if secret in out:
                missed.append((kind, secret))
            else:
                removed += 1
        for decoy in doc_decoys:
            decoys += 1
            if decoy in out:
                survived += 1
            else:
                flagged.append(decoy)
    replacements = sum(total.values())
    result = {
        "planted": planted,
        "decoys": decoys,
        "replacements": replacements,
        "recall": removed / planted,
        "precision": min(removed, replacements) / replacements,
        "decoy_survival": survived / decoys,
    }
    print(f"\nscrub on planted corpus: {result}\n  by type: {dict(total)}")
    if missed:
        print("  missed:", missed[:10])
    if flagged:
        print("  decoys hit:", flagged[:10])
    return result


def test_planted_secrets_recall_and_precision():
    corpus = Corpus(seed=0).build(480)
    kinds = Counter(kind for secrets in corpus.planted for kind, _ in secrets)
    assert sum(kinds.values()) >= 500 and sum(map(len, corpus.decoys)) >= 500
    assert len(kinds) == 13  # every placeholder type is planted
    result = _measure(corpus)
    assert result["recall"] >= 0.99
    assert result["precision"] >= 0.95
    assert result["decoy_survival"] >= 0.99


def test_project_corpus_meets_the_goal():
    """The planted corpus (every document kind, 2 of each) at recall >= 0.99 and precision >= 0.98 (issue 14)."""
    from llmsec.data.clean._scrub_corpus import DOCUMENTS, build_corpus, measure

    result = measure(build_corpus(3 * len(DOCUMENTS), seed=7), ips=True)
    assert result["planted"] >= 250 and result["lookalikes"] >= 200
    assert set(result["per_kind"]) >= {"CREDIT_CARD", "PHONE", "PASSWORD", "API_TOKEN", "EMAIL", "PRIVATE_KEY"}
    assert result["recall"] >= 0.99, result["missed_examples"]
    assert result["precision"] >= 0.98, result["false_examples"]
    assert result["lookalike_survival"] >= 0.97


def test_luhn_and_card_networks():
    from llmsec.data.clean._scrub_pii import is_card_number, luhn

    assert luhn("4539148803436467") and not luhn("4539148803436468")
    assert is_card_number("371449635398431")  # Amex, 15
    assert is_card_number("6011111111111117")  # Discover
    assert not is_card_number("490154203237518")  # an IMEI: Luhn-valid, no network of that length
    assert not is_card_number("1700000000123")  # a millisecond timestamp
    assert not is_card_number("4444444444444448")  # two distinct digits: filler, not a number


def test_measure_counts_partial_redaction_as_missed():
    from llmsec.data.clean._scrub_corpus import PlantedDoc, measure

    doc = PlantedDoc("t").add("password = ").secret("PASSWORD", "Tr0ub4dor&3").add("\nid ").like("uuid", "x")
    result = measure([doc], ips=False)
    assert (result["recall"], result["precision"], result["lookalike_survival"]) == (1.0, 1.0, 1.0)
    doc = PlantedDoc("t").add("note: ").secret("PASSWORD", "Tr0ub4dor&3")  # nothing names it: missed
    assert measure([doc], ips=False)["recall"] == 0.0
    doc = PlantedDoc("t").add("url=https://x.org/?password=").secret("PASSWORD", "Tr0ub4dor&3")  # cut at "&"
    assert measure([doc], ips=False)["recall"] == 0.0  # partly replaced: "&3" is left, so it counts as missed


def test_placeholders_are_typed_and_context_kept():
    text = "postgres://admin:Zq7!pass@db:5432/x user alice@acme-corp.com AKIAABCDEFGHIJKLMNOP"
    out, counts = scrub(text)
    assert out == "postgres://admin:<PASSWORD>@db:5432/x user <EMAIL> <AWS_ACCESS_KEY>"
    assert counts == {"PASSWORD": 1, "EMAIL": 1, "AWS_ACCESS_KEY": 1}


def test_ips_only_when_asked():
    text = "beacon to 203.0.113.7 and 2001:db8::1:2 every 60s"
    assert scrub(text)[0] == text
    out, counts = scrub(text, ips=True)
    assert out == "beacon to <IPV4> and <IPV6> every 60s" and counts == {"IPV4": 1, "IPV6": 1}


@pytest.mark.parametrize(
    "text",
    [
        "SHA256: " + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "CVE-2021-44228 (Log4Shell) affects log4j 2.14.1",
        "password = os.environ['DB_PASSWORD']\nself.password = password\npassword=${DB_PASS}",
        "api_key: YOUR_API_KEY\ntoken: <your token here>\nmax_tokens=1024",
        "Enforce a strong password policy; the password: field must not be empty",
        "git@github.com:acme/app.git and npm i @babel/core@7.22.5",
        "uuid 123e4567-e89b-12d3-a456-426614174000, build 4.18.2, at 12:30:45",
    ],
)
def test_decoys_untouched(text):
    assert scrub(text, ips=True) == (text, Counter())


def test_scrub_records_all_record_types_and_report():
    records = [
        Document("mail me at bob.jones@contoso.io", source="x"),
        Example("key = AIza" + "A" * 35, "leak", group="g"),
        Conversation((Message("user", "my password: Hunter22!"), Message("assistant", "never share it"))),
        Document("nothing to see here"),
    ]
    out, report = scrub_records(records)
    assert out[0].text == "mail me at <EMAIL>" and out[0].source == "x"
    assert out[1].text == "key = <GOOGLE_API_KEY>" and out[1].group == "g"
    assert out[2].messages[0].content == "my password: <PASSWORD>"
    assert out[3] is records[3]
    assert (report.read, report.changed, report.total) == (4, 3, 3)
    assert report.to_dict()["counts"] == {"EMAIL": 1, "GOOGLE_API_KEY": 1, "PASSWORD": 1}
    assert "3 replacements in 3 of 4 records" in report.summary()


@pytest.mark.integration
def test_real_security_prose_is_left_alone(shared_data):
    """CVE/CWE/ATT&CK prose talks about passwords and keys all the time without containing any."""
    import csv

    csv.field_size_limit(1 << 30)
    feed = json.loads((shared_data / "cve_text" / "nvdcve-1.1-recent_2023-03.json").read_text())
    texts = [it["cve"]["description"]["description_data"][0]["value"] for it in feed["CVE_Items"]]
    with (shared_data / "cve_text" / "cwe_v4.14_view1000_research.csv").open(newline="") as fh:
        texts += [" ".join(map(str, row.values())) for row in csv.DictReader(fh)]
    bundle = json.loads((shared_data / "attack" / "ics-attack-18.1.json").read_text())
    texts += [o["description"] for o in bundle["objects"] if o.get("description")]
    total = Counter()
    for text in texts:
        total.update(scrub(text)[1])
    print(f"\nreal prose: {len(texts)} texts, replacements {dict(total)}")
    assert len(texts) > 2000
    assert total["PASSWORD"] == 0 and total["API_TOKEN"] == 0
    assert sum(total.values()) <= 3


def test_parallel_scrub_matches_sequential() -> None:
    from llmsec.data import Document, scrub_records

    texts = [f"user{i}@example.org wrote key AKIA{i:016d} and password=hunter{i}" for i in range(60)]
    texts += [f"CVE-2021-{i:04d} affects version 1.{i}" for i in range(60)]
    records = [Document(t) for t in texts]
    one, rep1 = scrub_records(records, workers=1)
    two, rep2 = scrub_records(records, workers=2)
    assert one == two
    assert rep1.to_dict() == rep2.to_dict() and rep1.changed == 60


# --- issue 14: defects found from outside, each with the input that showed it --------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        ("cache: redis://:s3cr3tPw9@cache.internal:6379/0", "cache: redis://:<PASSWORD>@cache.internal:6379/0",
         "PASSWORD"),
        ("SENDGRID_KEY=Zk3pQ9vL2mX8rT4wN7yB1cD6", "SENDGRID_KEY=<API_TOKEN>", "API_TOKEN"),
        ("export MAILGUN_SECRET=9f8e7d6c5b4a39281706f5e4d3c2b1a0", "export MAILGUN_SECRET=<API_TOKEN>", "API_TOKEN"),
        ("ci: DEPLOY_TOKEN='q8Wm2Lr7Tx4Kp9Zs3Vn6'", "ci: DEPLOY_TOKEN='<API_TOKEN>'", "API_TOKEN"),
        ("paid with 4539 1488 0343 6467 yesterday", "paid with <CREDIT_CARD> yesterday", "CREDIT_CARD"),
        ("amex 371449635398431.", "amex <CREDIT_CARD>.", "CREDIT_CARD"),
        ("call +1 415-555-2671 or +44 20 7946 0958", "call <PHONE> or <PHONE>", "PHONE"),
        ("Tel: (212) 555-0147", "Tel: <PHONE>", "PHONE"),
        ("SendGrid: SG.aBcDeFgHiJkLmNoPqRsTuV.aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789aBcDeFg",
         "SendGrid: <API_TOKEN>", "API_TOKEN"),
        # HTML stripped to text glues the next word to an address
        ("sent to jose@monkey.orgMail and jose@monkey.orgyour", "sent to <EMAIL>Mail and <EMAIL>your", "EMAIL"),
        ("machine ftp.acme.io login bob password Shadow1977$", "machine ftp.acme.io login bob password <PASSWORD>",
         "PASSWORD"),
        ("DB_PASSWORD = Tr0ub4dor&3", "DB_PASSWORD = <PASSWORD>", "PASSWORD"),
        ("curl https://api.telegram.org/bot4832219928:AA1FPElIk21jeez8JqohjZi30iJa3JWFS7J/getMe",
         "curl https://api.telegram.org/bot<API_TOKEN>/getMe", "API_TOKEN"),
        ("Cookie: sessionid=nU9SXVYjLL2BqHEbdlEOGJ9fxHX2MO3X; theme=dark", "Cookie: sessionid=<API_TOKEN>; theme=dark",
         "API_TOKEN"),
        ('auth = tweepy.OAuthHandler("115NiA7i5wKYfgD48OlXxqKBG", "x")',
         'auth = tweepy.OAuthHandler("<API_TOKEN>", "x")', "API_TOKEN"),
    ],
)
def test_missed_kinds_are_scrubbed(text, expected, kind):
    out, counts = scrub(text)
    assert out == expected
    assert set(counts) == {kind}


@pytest.mark.parametrize(
    "text",
    [
        "<img src=\"icon@2x.png\"> and logo@3x.jpg, sprite@2x.webp",
        "pip install 'libfoo>=1.2.3.4' 'bar==10.0.0.1' and tool v2.3.4.5, build 1.2.3.4-rc1",
        "card 4539 1488 0343 6468 fails Luhn; IMEI 490154203237518; order 1700000000123",
        "released 2023-03-17 12:30:45, version 4.18.2.1, port :8080, pi 3.14159265, ISBN 978-3-16-148410-0",
        "uuid 123e4567-e89b-12d3-a456-426614174000 and commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
        "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
        '{"key": "menu.file.open_recent", "cache_key": "user-profile-settings-v2"}',
        # phishing forms as text (nazario corpus): labels, not passwords
        "Email address : \xa0 Password :  \xa0 Please enter; Password:    Powered by: x;"
        " UserID: Password:  Re:Password:",
        "Message-ID: <0c199565da2e2259.0abce9c2@mx.internal>",
        "  ami = \"ami-16c3224e8b99fb044\"\n  integrity: \"sha512-" + "A" * 20 + "b" * 20 + "9+/" * 10 + "==\"",
    ],
)
def test_look_alikes_are_not_scrubbed(text):
    assert scrub(text, ips=True) == (text, Counter())


ADVERSARIAL = {
    "pem begin without end": "-----BEGIN RSA PRIVATE KEY-----\n" + "QUJD" * 250_000,
    "repeated pem headers": "-----BEGIN PRIVATE KEY-----.\n" * 34_500,  # each header stops its body at once
    "runs of a@": "a@" * 500_000,
    "a@ with dots": "a@b." * 250_000,
    "digits": "7" * 1_000_000,
    "digits and spaces": "1 " * 500_000,
    "digits and dashes": "12-" * 333_333,
    "dots": "." * 1_000_000,
    "digit dots": "1." * 500_000,
    "equals": "=" * 1_000_000,
    "password equals": "password=" * 110_000,
    "key assignments": "API_KEY=" * 125_000,
    "url prefixes": "redis://:" * 110_000,
    "colons and hex": "a:" * 500_000,
    "quotes": '"' + "Ab1" * 333_333 + '"',
    "bearer": "Bearer " * 143_000,
    "plus digits": "+1 " * 333_333,
}


@pytest.fixture(scope="module")
def linear_budget() -> float:
    """Seconds allowed for 1 MB: 3 s, or 4x what 1 MB of ordinary planted text takes now (a loaded machine)."""
    import time

    from llmsec.data.clean._scrub_corpus import build_corpus

    text = "\n".join(d.text for d in build_corpus(40))
    text = (text * (1_000_000 // len(text) + 1))[:1_000_000]
    scrub(text[:1000], ips=True)  # imports
    start = time.perf_counter()
    scrub(text, ips=True)
    return max(3.0, 4 * (time.perf_counter() - start))


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_no_quadratic_pattern_on_1mb_inputs(name, linear_budget):
    import time

    text = ADVERSARIAL[name]
    assert len(text) >= 990_000
    start = time.perf_counter()
    scrub(text, ips=True)
    took = time.perf_counter() - start
    assert took < linear_budget, f"{name}: {took:.1f} s for 1 MB (budget {linear_budget:.1f} s)"


def test_import_does_not_load_scanners():
    import subprocess
    import sys

    code = ("import sys, llmsec, llmsec.data; "
            "print(','.join(m for m in ('detect_secrets', 'phonenumbers', 'requests') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
