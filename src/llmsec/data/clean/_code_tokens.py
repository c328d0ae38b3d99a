"""Code as tokens with identifiers blinded, so a copy with renamed variables is a near duplicate.

Clone detection calls a copy that differs only in identifier names (and layout and
comments) a *type-2 clone*; tools that find them (NiCad's "blind renaming",
CCFinder's parameterised tokens) lex the code and replace every identifier with one
placeholder before comparing. The de-duplication here does the same for code tasks:
:func:`code_tokens` splits code into keywords, identifiers, literals and single
punctuation characters, and every identifier that is not a keyword of a common
language becomes ``ID``. MinHash over shingles of these tokens then sees two
functions that differ only by renamed identifiers as the same token stream, while
functions whose structure, keywords or literals differ stay apart.
"""

from __future__ import annotations

import re

__all__ = ["CODE_KEYWORDS", "IDENTIFIER", "code_tokens"]

#: What every non-keyword identifier becomes.
IDENTIFIER = "ID"

# The reserved words of the languages the vulnerability datasets hold (C, C++, Java,
# C#, JavaScript/TypeScript, PHP, Python, Go, Rust): structure, not names. Built-in type
# names that are keywords in C (int, char, ...) are structure too. Reserved words of one
# language that are common names in another (``list``, ``map``, ``type``, ``in``, ``out``,
# ``string``, ``object``, ``base``, ``event`` ...) are left out: as names they must blind.
_KEYWORDS = """
auto break case char const continue default do double else enum extern float for goto if inline int long
register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while
_Bool _Complex _Alignas _Alignof _Atomic _Noreturn _Static_assert _Thread_local
alignas alignof and and_eq asm bitand bitor bool catch class compl concept consteval constexpr constinit
const_cast co_await co_return co_yield decltype delete dynamic_cast explicit export false friend mutable
namespace new noexcept not not_eq nullptr operator or or_eq private protected public reinterpret_cast requires
static_assert static_cast template this thread_local throw true try typeid typename using virtual wchar_t
xor xor_eq NULL
abstract assert boolean byte extends finally implements import instanceof interface native strictfp super
synchronized throws transient
foreach implicit internal readonly sbyte stackalloc uint ulong unchecked unsafe ushort
async await debugger function let typeof
callable elseif enddeclare endfor endforeach endif endswitch endwhile insteadof isset require_once
include_once unset
False None True def del elif except lambda nonlocal pass raise yield
defer fallthrough func
dyn fn impl mut pub trait
"""
CODE_KEYWORDS: frozenset[str] = frozenset(_KEYWORDS.split())

# One token: a string or character literal (kept whole), a number, an identifier
# (``$`` for PHP and JavaScript), or any other single non-space character.
_TOKEN = re.compile(
    r"""
    "(?:\\.|[^"\\\n])*"        # "string"
    | '(?:\\.|[^'\\\n])*'      # 'c' or 'string'
    | \d[\w.]*                 # 42, 0x1F, 1.5e3, 10UL
    | (?:[^\W\d]|\$)[\w$]*    # identifier or keyword (any script)
    | \S                       # punctuation, one character at a time
    """,
    re.VERBOSE,
)


def code_tokens(text: str) -> list[str]:
    """The tokens of ``text`` with every identifier that is not a keyword replaced by :data:`IDENTIFIER`.

    Literals and punctuation are kept as they are, so ``b[8]`` and ``b[80]`` differ;
    whitespace and layout are dropped. Comments should be removed first (the caller's
    code normalisation does).
    """
    keywords = CODE_KEYWORDS
    return [
        IDENTIFIER if (token[0].isalpha() or token[0] in "_$") and token not in keywords else token
        for token in _TOKEN.findall(text)
    ]
