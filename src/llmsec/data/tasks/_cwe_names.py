"""Names of the CWE weaknesses security datasets use most, for rendering CWE ids as prose.

Taken from the MITRE CWE 4.14 catalogue (names only). A record may carry its own
names in ``meta["cwe_name"]`` (one name) or ``meta["cwe_names"]`` (id -> name),
which take precedence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CWE_NAMES: dict[str, str] = {
    "CWE-20": 'Improper Input Validation',
    "CWE-22": "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
    "CWE-23": 'Relative Path Traversal',
    "CWE-36": 'Absolute Path Traversal',
    "CWE-74": "Improper Neutralization of Special Elements in Output Used by a Downstream Component ('Injection')",
    "CWE-77": "Improper Neutralization of Special Elements used in a Command ('Command Injection')",
    "CWE-78": "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')",
    "CWE-79": "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
    "CWE-88": "Improper Neutralization of Argument Delimiters in a Command ('Argument Injection')",
    "CWE-89": "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')",
    "CWE-90": "Improper Neutralization of Special Elements used in an LDAP Query ('LDAP Injection')",
    "CWE-94": "Improper Control of Generation of Code ('Code Injection')",
    "CWE-119": 'Improper Restriction of Operations within the Bounds of a Memory Buffer',
    "CWE-120": "Buffer Copy without Checking Size of Input ('Classic Buffer Overflow')",
    "CWE-121": 'Stack-based Buffer Overflow',
    "CWE-122": 'Heap-based Buffer Overflow',
    "CWE-124": "Buffer Underwrite ('Buffer Underflow')",
    "CWE-125": 'Out-of-bounds Read',
    "CWE-126": 'Buffer Over-read',
    "CWE-127": 'Buffer Under-read',
    "CWE-129": 'Improper Validation of Array Index',
    "CWE-134": 'Use of Externally-Controlled Format String',
    "CWE-190": 'Integer Overflow or Wraparound',
    "CWE-191": 'Integer Underflow (Wrap or Wraparound)',
    "CWE-200": 'Exposure of Sensitive Information to an Unauthorized Actor',
    "CWE-269": 'Improper Privilege Management',
    "CWE-276": 'Incorrect Default Permissions',
    "CWE-284": 'Improper Access Control',
    "CWE-285": 'Improper Authorization',
    "CWE-287": 'Improper Authentication',
    "CWE-295": 'Improper Certificate Validation',
    "CWE-306": 'Missing Authentication for Critical Function',
    "CWE-311": 'Missing Encryption of Sensitive Data',
    "CWE-319": 'Cleartext Transmission of Sensitive Information',
    "CWE-327": 'Use of a Broken or Risky Cryptographic Algorithm',
    "CWE-330": 'Use of Insufficiently Random Values',
    "CWE-352": 'Cross-Site Request Forgery (CSRF)',
    "CWE-362": "Concurrent Execution using Shared Resource with Improper Synchronization ('Race Condition')",
    "CWE-369": 'Divide By Zero',
    "CWE-377": 'Insecure Temporary File',
    "CWE-400": 'Uncontrolled Resource Consumption',
    "CWE-401": 'Missing Release of Memory after Effective Lifetime',
    "CWE-404": 'Improper Resource Shutdown or Release',
    "CWE-415": 'Double Free',
    "CWE-416": 'Use After Free',
    "CWE-426": 'Untrusted Search Path',
    "CWE-427": 'Uncontrolled Search Path Element',
    "CWE-434": 'Unrestricted Upload of File with Dangerous Type',
    "CWE-457": 'Use of Uninitialized Variable',
    "CWE-459": 'Incomplete Cleanup',
    "CWE-476": 'NULL Pointer Dereference',
    "CWE-502": 'Deserialization of Untrusted Data',
    "CWE-522": 'Insufficiently Protected Credentials',
    "CWE-532": 'Insertion of Sensitive Information into Log File',
    "CWE-601": "URL Redirection to Untrusted Site ('Open Redirect')",
    "CWE-611": 'Improper Restriction of XML External Entity Reference',
    "CWE-617": 'Reachable Assertion',
    "CWE-639": 'Authorization Bypass Through User-Controlled Key',
    "CWE-668": 'Exposure of Resource to Wrong Sphere',
    "CWE-680": 'Integer Overflow to Buffer Overflow',
    "CWE-690": 'Unchecked Return Value to NULL Pointer Dereference',
    "CWE-693": 'Protection Mechanism Failure',
    "CWE-732": 'Incorrect Permission Assignment for Critical Resource',
    "CWE-754": 'Improper Check for Unusual or Exceptional Conditions',
    "CWE-755": 'Improper Handling of Exceptional Conditions',
    "CWE-770": 'Allocation of Resources Without Limits or Throttling',
    "CWE-772": 'Missing Release of Resource after Effective Lifetime',
    "CWE-787": 'Out-of-bounds Write',
    "CWE-789": 'Memory Allocation with Excessive Size Value',
    "CWE-798": 'Use of Hard-coded Credentials',
    "CWE-824": 'Access of Uninitialized Pointer',
    "CWE-825": 'Expired Pointer Dereference',
    "CWE-835": "Loop with Unreachable Exit Condition ('Infinite Loop')",
    "CWE-843": "Access of Resource Using Incompatible Type ('Type Confusion')",
    "CWE-862": 'Missing Authorization',
    "CWE-863": 'Incorrect Authorization',
    "CWE-908": 'Use of Uninitialized Resource',
    "CWE-909": 'Missing Initialization of Resource',
    "CWE-911": 'Improper Update of Reference Count',
    "CWE-912": 'Hidden Functionality',
    "CWE-913": 'Improper Control of Dynamically-Managed Code Resources',
    "CWE-915": 'Improperly Controlled Modification of Dynamically-Determined Object Attributes',
    "CWE-916": 'Use of Password Hash With Insufficient Computational Effort',
    "CWE-917": (
        "Improper Neutralization of Special Elements used in an Expression Language Statement "
        "('Expression Language Injection')"
    ),
    "CWE-918": 'Server-Side Request Forgery (SSRF)',
    "CWE-922": 'Insecure Storage of Sensitive Information',
    "CWE-1021": 'Improper Restriction of Rendered UI Layers or Frames',
    "CWE-1188": 'Initialization of a Resource with an Insecure Default',
    "CWE-1236": 'Improper Neutralization of Formula Elements in a CSV File',
    "CWE-1321": "Improperly Controlled Modification of Object Prototype Attributes ('Prototype Pollution')",
    "CWE-1333": 'Inefficient Regular Expression Complexity',
}


def cwe_name(cwe_id: str, meta: Mapping[str, Any] | None = None) -> str | None:
    """The name of ``cwe_id`` (``"CWE-79"``) from the record's meta or the built-in table, else None."""
    meta = meta or {}
    names = meta.get("cwe_names")
    if isinstance(names, Mapping) and isinstance(names.get(cwe_id), str):
        return names[cwe_id]
    own = meta.get("cwe_name")
    if isinstance(own, str) and own and meta.get("cwe") in (cwe_id, None):
        return own
    return CWE_NAMES.get(cwe_id)


def describe_cwe(cwe_id: str, meta: Mapping[str, Any] | None = None) -> str:
    """``"CWE-79 (Improper Neutralization ...)"``, or the bare id when its name is unknown."""
    name = cwe_name(cwe_id, meta)
    return f"{cwe_id} ({name})" if name else cwe_id
