"""The dataset audit: find the shortcuts in a dataset before a model does (``docs/audit.md``).

``_run`` loads and orchestrates; ``_dups`` finds twins and duplicates; ``_features`` holds the
trivial feature sets the shortcut probes fit on; ``_probes`` fits them; ``_checks`` turns the
results into findings; ``_report`` is the report and its files.
"""

from ._report import AuditFindingsError, AuditReport, Finding, ProbeResult
from ._run import AuditSplit, audit, audit_split

__all__ = ["AuditFindingsError", "AuditReport", "AuditSplit", "Finding", "ProbeResult", "audit", "audit_split"]
