"""The planted corpus' document kinds: config files, code, logs, mail, chats, exports (see :mod:`._scrub_corpus`)."""

from __future__ import annotations

import base64
import hashlib
import string
from collections.abc import Callable

from ._scrub_plant import ALNUM, B64, B64URL, DOMAINS, FIRST, HEX, SERVICES, UPPER32, WORDS, PlantedDoc, _Gen

# --- documents ------------------------------------------------------------------------------------------------


def _ini(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("ini")
    d.add("[default]\naws_access_key_id = ").secret("AWS_ACCESS_KEY", g.aws_access())
    d.add("\naws_secret_access_key = ").secret("AWS_SECRET_KEY", g.aws_secret())
    d.add(f"\nregion = eu-west-{g.rng.randint(1, 3)}\n\n[database]\nhost = db.internal\nuser = app\npassword = ")
    d.secret("PASSWORD", g.password()).add("\nmin_password_length = 12\n")
    d.add("checksum = ").like("sha256", g.digest("sha256")).add("\n")
    return d


def _env(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("env")
    name, tok = g.vendor_token()
    d.add("# .env\nSTRIPE_SECRET=").secret("STRIPE_KEY", g.stripe())
    d.add("\nDB_PASSWORD=").secret("PASSWORD", g.password())
    d.add("\nSLACK_BOT_TOKEN=").secret("SLACK_TOKEN", g.slack())
    d.add(f"\n{name}=").secret("API_TOKEN", tok)
    d.add("\nDEBUG=false\nRELEASE=").like("git commit", g.digest("sha1")).add("\nREQUEST_TIMEOUT=30\n")
    d.add("APP_VERSION=").like("version", g.version()).add("\nGPG_KEY=").like("gpg fingerprint", g.r(HEX, 40).upper())
    d.add("\nSENTRY_RELEASE=").like("uuid", g.uuid()).add("\n")
    return d


def _json_config(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("json")
    d.add('{"maps": {"key": "').secret("GOOGLE_API_KEY", g.google())
    d.add('"}, "db": {"user": "svc", "password": "').secret("PASSWORD", g.password())
    d.add('"}, "service": {"api_key": "').secret("API_TOKEN", g.token())
    d.add('", "timeout": 30, "id": "').like("uuid", g.uuid())
    d.add('", "checksum": "').like(g.pick(["md5", "sha256"]), g.digest(g.pick(["md5", "sha256"])))
    d.add('", "label": "').like("identifier", g.pick(["menu.file.open_recent", "user-profile-settings-v2",
                                                      "AbstractSingletonProxyFactoryBean", "billing_export_v3"]))
    d.add('", "greeting": "').like("base64 text", g.b64_text()).add('"}\n')
    return d


def _url(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("url")
    scheme = g.pick(["postgres", "mysql", "mongodb+srv", "amqp", "https", "ftp", "redis", "rediss"])
    user = "" if scheme.startswith("redis") and g.rng.random() < 0.7 else g.pick(FIRST)
    d.add(f"The service connects with {scheme}://{user}:").secret("PASSWORD", g.url_password())
    d.add(f"@db{g.rng.randint(1, 9)}.internal:{g.pick([5432, 3306, 6379, 5672])}/app and calls "
          "https://api.example.net/v2/data?api_key=").secret("API_TOKEN", g.token())
    d.add(f"&format=json. Health: http://localhost:{g.rng.randint(1024, 9999)}/status, build ")
    d.like("version", g.version()).add(".\n")
    return d


def _python(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("python")
    d.add('import requests\n\nGH = "').secret("GITHUB_TOKEN", g.github())
    d.add('"\n\n\ndef connect():\n    return db.connect(user="admin", password="').secret("PASSWORD", g.password())
    d.add('")\n\n\nheaders = {"X-Session": "').secret("JWT", g.jwt())
    d.add('"}\nsession = requests.Session()\nsession.headers["X-Request-Id"] = "').like("uuid", g.uuid())
    d.add('"\nsecret_token = "').secret("API_TOKEN", g.r(B64URL, 43))
    d.add('"\npassword = get_password()\nEXPECTED_SHA1 = "').like("sha1", g.digest("sha1"))
    d.add(f'"\nPI = {g.rng.random() * 10:.8f}\n')
    return d


def _js(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("javascript")
    d.add('const apiKey = "').secret("API_TOKEN", g.token())
    d.add('";\nconst stripe = require("stripe")("').secret("STRIPE_KEY", g.stripe())
    d.add('");\nfetch(url, { headers: { "x-api-key": "').secret("API_TOKEN", g.token())
    d.add('" } });\nconst client = new Client({ token: "').secret("API_TOKEN", g.r(ALNUM, 40))
    d.add('" });\nimport core from "').like("npm specifier", f"@babel/core@{g.semver()}")
    retina = f"{g.pick(WORDS)}@{g.pick(['2x', '3x'])}.{g.pick(['png', 'jpg', 'webp'])}"
    d.add('";\n// retina: ').like("@2x file", retina)
    d.add("\nconst price = ").like("decimal", f"{g.rng.uniform(1, 5000):.2f}").add(";\n")
    return d


def _lockfile(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("lockfile")
    for _ in range(2):
        name = g.pick(WORDS)
        d.add(f'    "node_modules/{name}": {{\n      "version": "').like("version", g.semver())
        d.add(f'",\n      "resolved": "https://registry.npmjs.org/{name}/-/{name}.tgz",\n      "integrity": "')
        d.like("sri hash", "sha512-" + base64.b64encode(hashlib.sha512(g.r(ALNUM, 9).encode()).digest()).decode())
        d.add('"\n    },\n')
    d.add("# .npmrc\n//registry.npmjs.org/:_authToken=").secret("API_TOKEN", "npm_" + g.r(ALNUM, 36)).add("\n")
    return d


def _log(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("log")
    d.add("2023-03-17T10:00:01Z INFO GET /api/orders Authorization: Bearer ").secret("API_TOKEN", g.token())
    d.add("\n2023-03-17T10:00:02Z DEBUG cookie session=").secret("JWT", g.jwt())
    d.add(" user=").secret("EMAIL", g.email()).add(" status=200 request_id=").like("uuid", g.uuid())
    d.add(" latency_ms=").like("decimal", f"{g.rng.uniform(0, 900):.3f}")
    d.add("\n2023-03-17T10:00:03Z INFO client ").secret("IPV4", g.ipv4())
    d.add(' "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ')
    d.like("ipv4-shaped version", f"Chrome/{g.rng.randint(100, 130)}.0.0.0").add(' Safari/537.36"')
    d.add(" ts=").like("epoch ms", str(g.rng.randint(1_600_000_000_000, 1_750_000_000_000)))
    d.add(" order=").like("order id", f"ORD-{g.rng.randint(2019, 2024)}-{g.rng.randint(0, 999999):06d}").add("\n")
    return d


def _sshd(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("auth log")
    d.add(f"Mar 17 10:0{g.rng.randint(0, 9)}:1{g.rng.randint(0, 9)} web sshd[{g.rng.randint(1000, 99999)}]: "
          "Failed password for root from ").secret("IPV4", g.ipv4())
    d.add(f" port {g.rng.randint(1024, 65535)} ssh2\nconnection from ").secret("IPV6", g.ipv6())
    d.add("\nsshd: RSA key fingerprint ").like("ssh fingerprint", "SHA256:" + g.r(B64, 43))
    d.add(f"\nkernel: [{g.rng.uniform(0, 99999):.6f}] eth0: link up, OpenSSL ").like("version", g.version())
    d.add("\n")
    return d


def _mail(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("mail")
    first, last = g.person()
    d.add("From: IT Helpdesk <").secret("EMAIL", g.email()).add(">\nTo: ").secret("EMAIL", g.email())
    d.add("\nDate: Fri, 17 Mar 2023 10:00:00 +0000\nMessage-ID: <").like("message id", f"{g.r(HEX, 16)}.{g.r(HEX, 8)}")
    d.add(f"@mx.internal>\nSubject: your new account\n\nHello {first.title()},\n"
          "Your temporary credentials are below.\nPassword: ").secret("PASSWORD", g.password())
    d.add("\n\nPlease read our password policy. Ticket ").like("ticket number", f"#{g.rng.randint(10000, 99999)}")
    d.add(f"\n\n--\n{first.title()} {last.title()}\nTel: ").secret("PHONE", g.phone())
    d.add("\nMobile: ").secret("PHONE", g.phone()).add("\n")
    return d


def _chat(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("support chat")
    d.add("customer: hi, my card ").secret("CREDIT_CARD", g.card())
    d.add(f" was charged twice on {g.rng.randint(1, 28):02d}/0{g.rng.randint(1, 9)}/2023, order ")
    d.like("order number", g.lucky_digits(g.pick([8, 10, 12])))
    d.add("\nagent: sorry! we can call you back, what number?\ncustomer: ").secret("PHONE", g.phone())
    d.add(" or mail me at ").secret("EMAIL", g.email())
    d.add(f"\nagent: refund of {g.rng.uniform(5, 500):.2f} EUR issued, reference ").like("uuid", g.uuid())
    d.add(". device IMEI ").like("imei", g.imei()).add("\n")
    return d


def _csv(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("csv")
    d.add("id,name,email,phone,card,created,account\n")
    for _ in range(3):
        first, last = g.person()
        d.add(f"{g.rng.randint(1000, 99999)},{first.title()} {last.title()},").secret("EMAIL", g.email()).add(",")
        d.secret("PHONE", g.phone()).add(",").secret("CREDIT_CARD", g.card()).add(",")
        d.like("date", f"2023-{g.rng.randint(1, 12):02d}-{g.rng.randint(1, 28):02d} {g.rng.randint(0, 23):02d}:"
                       f"{g.rng.randint(0, 59):02d}")
        d.add(",").like("account id", g.lucky_digits(16)).add("\n")
    return d


def _shell(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("shell history")
    d.add("mysql -u root --password=").secret("PASSWORD", g.password())
    d.add(" shop\ngit clone https://x-access-token:").secret("GITHUB_TOKEN", g.github())
    d.add("@github.com/acme/app.git\nmysql -e \"CREATE USER 'app'@'%' IDENTIFIED BY '").secret("PASSWORD", g.password())
    d.add("';\"\npip install 'requests").like("ipv4-shaped version", g.ipv4_version((">={}", "=={}", "~={}")))
    d.add("'\n")
    d.add("export AWS_ACCESS_KEY_ID=").secret("AWS_ACCESS_KEY", g.aws_access())
    d.add(f"\ngit checkout {g.digest('sha1')[:7]}\ncurl -s https://api.telegram.org/bot")
    d.secret("API_TOKEN", g.telegram())
    d.add("/getMe\nsha256sum dist.tar.gz  # ").like("sha256", g.digest("sha256")).add("\n")
    return d


def _pem_doc(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("key files")
    d.add("Found in the leaked repo (id_rsa):\n").secret("PRIVATE_KEY", g.pem())
    d.add("\nand its public half: ").like("ssh public key", "ssh-rsa AAAAB3NzaC1yc2E" + g.r(B64, 200))
    d.add(" deploy@ci\nserver certificate:\n-----BEGIN CERTIFICATE-----\n")
    d.like("certificate body", "\n".join(g.r(B64, 64) for _ in range(4)))
    d.add("\n-----END CERTIFICATE-----\nand an access key ").secret("AWS_ACCESS_KEY", g.aws_access())
    d.add(" in deploy.sh\n")
    return d


def _compose(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("docker-compose")
    d.add("services:\n  db:\n    image: postgres@sha256:").like("image digest", g.digest("sha256"))
    d.add("\n    environment:\n      POSTGRES_PASSWORD: ").secret("PASSWORD", g.password())
    d.add("\n      PGDATA: /var/lib/postgresql/data\n  notify:\n    command: curl -X POST "
          "https://hooks.slack.com/services/")
    d.secret("SLACK_TOKEN", "T" + g.r(UPPER32[:26], 8) + "/B" + g.r(UPPER32[:26], 8) + "/" + g.r(ALNUM, 24))
    d.add("\n    ports:\n      - \"8080:80\"\n")
    return d


def _properties(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("properties")
    d.add("spring.datasource.url=jdbc:postgresql://db:5432/app\nspring.datasource.password=")
    d.secret("PASSWORD", g.password())
    d.add("\nServer=sql01;Database=crm;User Id=sa;Password=").secret("PASSWORD", g.password())
    d.add(";\nadmin.contact=").secret("EMAIL", g.email())
    d.add("\nazure.storage=DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=")
    d.secret("API_TOKEN", g.r(B64, 86) + "==").add(";EndpointSuffix=core.windows.net\n")
    return d


def _aws_json(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("aws json")
    d.add('{"Credentials": {"AccessKeyId": "').secret("AWS_ACCESS_KEY", "ASIA" + g.r(UPPER32, 16))
    d.add('", "SecretAccessKey": "').secret("AWS_SECRET_KEY", g.aws_secret())
    d.add('", "SessionToken": "').secret("API_TOKEN", g.r(B64, 120))
    d.add('", "Expiration": "2023-03-17T12:00:00Z"}, "ResponseMetadata": {"RequestId": "').like("uuid", g.uuid())
    d.add('", "ETag": "').like("md5", g.digest("md5")).add('"}}\n')
    return d


def _gitlog(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("git log")
    first = g.pick(FIRST)
    d.add("commit ").like("git commit", g.digest("sha1"))
    d.add(f"\nAuthor: {first.title()} <").secret("EMAIL", g.email())
    d.add(">\nDate:   Fri Mar 17 10:00:00 2023\n\n    fix CVE-2023-0286, reported by ").secret("EMAIL", g.email())
    d.add("\n    bump ").like("version", g.version()).add(" -> ").like("version", g.version())
    d.add(", see git@github.com:acme/app.git and ").like("@2x file", f"assets/{g.pick(WORDS)}@2x.png").add("\n")
    return d


def _dockerfile(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("dockerfile")
    d.add("FROM python:3.12-slim\nENV GPG_KEY ").like("gpg fingerprint", g.r(HEX, 40).upper())
    d.add("\nENV PYTHON_SHA256 ").like("sha256", g.digest("sha256"))
    d.add(f"\nENV PYTHON_VERSION {g.rng.randint(3, 3)}.{g.rng.randint(8, 13)}.{g.rng.randint(0, 9)}\n")
    d.add("ARG NPM_TOKEN\nRUN echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc\n")
    d.add("ENV SENTRY_DSN=https://").like("sentry dsn (public)", g.r(HEX, 32))
    d.add(f"@o{g.rng.randint(10000, 99999)}.ingest.sentry.io/{g.rng.randint(100000, 999999)}\n")
    return d


def _yaml(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("yaml")
    d.add("auth:\n  client_id: ").like("client id", g.uuid()).add("\n  client_secret: ").secret("API_TOKEN", g.token())
    d.add("\n  password: ${DB_PASSWORD}\n  api_key: YOUR_API_KEY_HERE\n  token: <your token here>\nsmtp:\n  user: ")
    d.secret("EMAIL", g.email()).add("\n  password: ").secret("PASSWORD", g.password())
    d.add("\ncache:\n  ttl: 3600\n  cache_key: ").like("identifier", f"{g.pick(SERVICES)}-{g.pick(WORDS)}-v2")
    d.add("\nfirewall:\n  allow: [").secret("IPV4", g.ipv4()).add(", ").secret("IPV6", g.ipv6()).add("]\n")
    return d


def _netrc(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("netrc and xml")
    d.add(f"machine ftp.{g.pick(DOMAINS)} login {g.pick(FIRST)} password ").secret("PASSWORD", g.password())
    d.add("\n<settings><server><id>nexus</id><username>ci</username><password>").secret("PASSWORD", g.password())
    d.add("</password></server></settings>\nPGPASSWORD=").secret("PASSWORD", g.password())
    d.add(" psql -h db -U app\nmailto:").secret("EMAIL", g.email()).add("?subject=access\n")
    return d


def _security_prose(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("security prose")
    d.add(f"CVE-{g.rng.randint(2015, 2024)}-{g.rng.randint(1000, 49999)} in libfoo ")
    d.like("ipv4-shaped version", g.ipv4_version()).add(" lets a remote attacker read the password file. Fixed in ")
    d.like("version", g.version()).add(f" (commit {g.digest('sha1')[:12]}). IOC hash ")
    d.like("sha256", g.digest("sha256"))
    d.add(f". The sample beacons every {g.rng.randint(10, 90)}s; see RFC 5280 section ")
    d.like("section number", f"4.2.1.{g.rng.randint(1, 9)}").add(" and ISBN ")
    d.like("isbn", f"978-{g.rng.randint(0, 9)}-{g.rng.randint(10, 99)}-{g.rng.randint(100000, 999999)}-"
                   f"{g.rng.randint(0, 9)}")
    d.add(". Token-based authentication and API key rotation every 90 days are advised.\n")
    return d


def _positional(g: _Gen) -> PlantedDoc:
    """Credentials passed as positional arguments: no key names them, only their randomness does."""
    d = PlantedDoc("positional arguments")
    d.add('import tweepy\n\nauth = tweepy.OAuthHandler("').secret("API_TOKEN", g.r(ALNUM, 25))
    d.add('", "').secret("API_TOKEN", g.r(ALNUM, 50))
    d.add(f'")\nauth.set_access_token("{g.rng.randint(10**17, 10**18)}-').secret("API_TOKEN", g.r(ALNUM, 40))
    d.add('", "').secret("API_TOKEN", g.r(ALNUM, 45))
    d.add('")\napi = tweepy.API(auth, wait_on_rate_limit=True)\nlog.info("').like("identifier", g.pick(
        ["AuthenticationHandlerInitialized", "rate_limit_window_exceeded", "ConnectionPoolManagerReady"]))
    d.add('")\nassert checksum == "').like("sha256", g.digest("sha256")).add('"\n')
    return d


# --- held out: written after the rules were tuned on the kinds above (first-run score in docs/data.md) ------


def _ean13(g: _Gen) -> str:
    body = g.pick(["40", "41", "42", "43", "44"]) + g.r(string.digits, 10)
    check = (10 - sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body)) % 10) % 10
    return body + str(check)


def _k8s_secret(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("kubernetes secret (held out)")
    d.add("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\n  uid: ").like("uuid", g.uuid())
    d.add("\n  resourceVersion: \"").like("resource version", str(g.rng.randint(10**5, 10**8)))
    d.add("\"\ntype: Opaque\nstringData:\n  DATABASE_URL: postgresql://app:").secret("PASSWORD", g.url_password())
    d.add("@db:5432/app\n  REDIS_PASSWORD: ").secret("PASSWORD", g.password())
    d.add("\ndata:\n  api-token: ").secret("API_TOKEN", base64.b64encode(g.token().encode()).decode())
    d.add("\n  config.yaml: ").like("base64 text", g.b64_text()).add("\n")
    return d


def _http_dump(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("http dump (held out)")
    d.add("POST /login HTTP/1.1\nHost: shop.example.com\nCookie: sessionid=").secret("API_TOKEN", g.r(ALNUM, 32))
    d.add("; theme=dark\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ")
    chrome = f"Chrome/{g.rng.randint(100, 130)}.0.{g.rng.randint(1000, 6999)}.{g.rng.randint(10, 250)}"
    d.like("browser version", chrome)
    d.add("\nContent-Type: application/x-www-form-urlencoded\n\nusername=").secret("EMAIL", g.email())
    d.add("&password=").secret("PASSWORD", g.password()).add("&remember=1\n\nHTTP/1.1 302 Found\nETag: \"")
    d.like("etag", g.digest("md5")).add("\"\nX-Request-ID: ").like("uuid", g.uuid())
    d.add("\nContent-Length: ").like("decimal", str(g.rng.randint(100, 99999))).add("\n")
    return d


def _go(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("go (held out)")
    d.add('package main\n\nconst dbPassword = "').secret("PASSWORD", g.password())
    d.add('"\n\nvar client = slack.New("').secret("SLACK_TOKEN", g.slack())
    d.add('")\n\ncfg := &Config{APIKey: "').secret("API_TOKEN", g.token())
    d.add('", Endpoint: "https://api.example.com", Retries: 3, Timeout: ')
    d.like("decimal", f"{g.rng.uniform(0, 60):.1f}")
    d.add(" * time.Second}\n// generated from ").like("git commit", g.digest("sha1")).add("\n")
    return d


def _terraform(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("terraform (held out)")
    d.add('provider "aws" {\n  access_key = "').secret("AWS_ACCESS_KEY", g.aws_access())
    d.add('"\n  secret_key = "').secret("AWS_SECRET_KEY", g.aws_secret())
    d.add('"\n  region     = "us-east-1"\n}\n\nvariable "db_password" {\n  default = "')
    d.secret("PASSWORD", g.password())
    d.add('"\n}\n\nresource "aws_instance" "web" {\n  ami = "ami-').like("ami id", g.r(HEX, 17))
    d.add('"\n  private_ip = "').secret("IPV4", g.ipv4()).add('"\n}\n')
    return d


def _netlog(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("network log (held out)")
    d.add(f"{g.rng.randint(10, 23)}:{g.rng.randint(10, 59)}:{g.rng.randint(10, 59)} fw01 DROP IN=eth0 MAC=")
    d.like("mac address", ":".join(g.r(HEX, 2) for _ in range(6))).add(" SRC=").secret("IPV4", g.ipv4())
    d.add(" DST=").secret("IPV4", g.ipv4()).add(f" PROTO=TCP SPT={g.rng.randint(1024, 65535)} DPT=443\n")
    d.add("listening on [").secret("IPV6", g.ipv6()).add("]:8443\nstd::chrono::milliseconds elapsed ")
    d.like("decimal", f"{g.rng.uniform(0, 999):.4f}").add(f"\nscan took 0:0{g.rng.randint(1, 9)}:12, product EAN ")
    d.like("ean-13", _ean13(g)).add("\n")
    return d


def _chat_casual(g: _Gen) -> PlantedDoc:
    d = PlantedDoc("casual chat (held out)")
    first = g.pick(FIRST).title()
    d.add(f"{first}: the wifi password is ").secret("PASSWORD", g.password())
    d.add(f"\n{first}: and if the router acts up call me, {g.pick(['my cell is', 'number:', 'ring'])} ")
    d.secret("PHONE", g.phone()).add(f"\n{first}: or my desk ").secret("PHONE", g.phone())
    d.add("\nbot: ticket #").like("ticket number", str(g.rng.randint(100000, 999999)))
    d.add(f" opened {g.rng.randint(1, 28)}.{g.rng.randint(1, 12)}.2023 by ").secret("EMAIL", g.email()).add("\n")
    return d


HELD_OUT: tuple[Callable[[_Gen], PlantedDoc], ...] = (_k8s_secret, _http_dump, _go, _terraform, _netlog, _chat_casual)

DOCUMENTS: tuple[Callable[[_Gen], PlantedDoc], ...] = (
    _ini, _env, _json_config, _url, _python, _js, _lockfile, _log, _sshd, _mail, _chat, _csv, _shell, _pem_doc,
    _compose, _properties, _aws_json, _gitlog, _dockerfile, _yaml, _netrc, _security_prose, _positional, *HELD_OUT,
)
