"""The zh-Hans crawl: every page a user reaches from the menu and from links on the pages, read for
English words (the browser test ``shouwang/web/tests/browser/test_zh_crawl.py`` and
``scripts/crawl_zh.py``, which crawls the set-up demo as its demo users).

A crawl starts at the given pages and follows same-host links breadth first (GET only, one page
per URL shape: ``/cases/12/`` and ``/cases/13/`` are one shape), bounded, never a download, the
logout, the language switch, the API or a logged reveal of personal numbers. On each page the
visible text (``document.body.innerText``, the options of every list, placeholders, titles and
labels for screen readers) is cut into ASCII words of three letters or more; a word outside the
allow-list (codes in capitals, identifiers, units, file formats, the product's name) is a finding,
with the page and the text around it. A page answering with a server error is an error.

Text hidden from the user (a closed ``<details>``, ``hidden``, ``display: none``) is not visible
text; that is where a page may keep a technical detail such as a rule's raw expression. Text
marked ``lang="en"`` (English on purpose) or ``lang="zxx"`` (data, not language) is left out.
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from urllib.parse import parse_qsl, urlencode, urlsplit

MAX_PAGES = 90  # per user; the site has about 60 page shapes
PER_SHAPE = 1
# The test personas' user names (conftest.py) appear in the page header.
PERSONAS = ("alice", "bob", "judy", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan")

# Words that are not English prose on a Chinese page: the product's name, the language switch's
# own name for English, the personas' user names, file formats, units and standards.
ALLOWED = {
    "shouwang", *PERSONAS, "admin",
    "excel", "word", "wps", "docx", "xlsx", "xls", "csv", "pdf", "json", "utf", "jpeg", "png",
    "api", "http", "https", "www", "html", "sql", "sqlite", "postgresql",
}

WORD = re.compile(r"[A-Za-z]+")
# Tokens that are identifiers or numbers with letters, file names and addresses: a word glued to a
# digit, to ``@`` or to ``://``, a file's name, or a path starting with ``/``, is a code, not prose.
CODE_TOKEN = re.compile(
    r"[\w\-]*[0-9@][\w@.\-]*"  # BRW-0001, v2, county_433122, civil-2025.json, e-mail
    r"|[\w\-]+\.(?:json|xlsx|xls|csv|pdf|docx|png|jpe?g)\b"  # a file's name
    r"|[a-z]+://\S+|(?<![\w.])/[\w./\-]*"  # an address, a request's path
)

SKIP = re.compile(
    r"^/(logout|i18n|api|static|media|admin)/"
    r"|/(unmask|phones?|download|docx|attachment|files)(/|$)"
    r"|\.(xlsx|csv|pdf|docx|zip|json|png|jpe?g|svg)$"
    r"|/report\.[a-z]+$"
)
SKIP_QUERY = {"format", "download", "export", "verify", "language", "lang", "next"}

# Text marked as English on purpose (``lang="en"``: the language switch, a rule's English name) or
# as no language at all (``lang="zxx"``: data shown as data, such as a rule's parameters in the
# change log) is taken out of the page's text.
VISIBLE_TEXT = """() => {
  let body = document.body.innerText;
  for (const e of document.querySelectorAll('body [lang^="en"], body [lang="zxx"]')) {
    const text = e.innerText || e.textContent || '';
    if (text.trim()) body = body.split(text).join(' ');
  }
  const parts = [document.title, body];
  for (const o of document.querySelectorAll('select:not([lang^="en"]) option')) parts.push(o.label || o.textContent);
  for (const e of document.querySelectorAll('[placeholder]')) parts.push(e.getAttribute('placeholder'));
  for (const e of document.querySelectorAll('[title]')) {
    if (e.offsetParent !== null) parts.push(e.getAttribute('title'));
  }
  for (const e of document.querySelectorAll('[aria-label]')) parts.push(e.getAttribute('aria-label'));
  for (const e of document.querySelectorAll('input[type=submit], input[type=button]')) parts.push(e.value);
  return parts.join('\\n');
}"""

LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => !a.hasAttribute('download'))
  .map(a => a.href)"""


def english_words(text: str, allowed: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(word, the text around it) of every word outside the allow-list (and ``allowed``, lower case)."""
    found = []
    for line in text.splitlines():
        cleaned = CODE_TOKEN.sub(" ", line)
        for match in WORD.finditer(cleaned):
            word = match.group(0)
            if len(word) < 3 or word.isupper() or word.lower() in ALLOWED or word.lower() in allowed:
                continue  # short, a code in capitals (API, YZRZH, INCOME_BELOW_LINE) or allowed
            found.append((word, line.strip()[:160]))
    return found


def shape(path: str, query: str) -> str:
    """The URL with its numbers and ids generalised, and the names (not values) of its query."""
    general = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}(?=/|$)", "/<uuid>", path)
    general = re.sub(r"/\d+(?=/|$)", "/<n>", general)
    keys = sorted({key for key, _ in parse_qsl(query, keep_blank_values=True)} - {"page"})
    return general + ("?" + "&".join(keys) if keys else "")


def crawlable(url: str, host: str) -> str | None:
    """The same-host path and query to visit, or None."""
    parts = urlsplit(url)
    if parts.netloc != host or parts.scheme not in ("http", "https") or SKIP.search(parts.path):
        return None
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key in SKIP_QUERY for key, _ in query):
        return None
    return parts.path + ("?" + urlencode(query) if query else "")


def crawl(pg, base_url: str, start: list[str], max_pages: int = MAX_PAGES,
          allowed: set[str] | frozenset[str] = frozenset()) -> tuple[dict, list[str], list[str]]:
    """Visit pages breadth first from ``start`` (paths under ``base_url``); (English words by page,
    server errors, pages visited). ``allowed``: more words to accept (a demo user's name)."""
    host = urlsplit(base_url).netloc
    queue = list(start)
    seen_shapes: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    findings: dict[str, list[tuple[str, str]]] = {}
    errors: list[str] = []
    visited: list[str] = []
    while queue and len(visited) < max_pages:
        target = queue.pop(0)
        if target in seen:
            continue
        seen.add(target)
        path, _, query = target.partition("?")
        key = shape(path, query)
        if seen_shapes[key] >= PER_SHAPE:
            continue
        seen_shapes[key] += 1
        try:
            response = pg.goto(base_url + target, wait_until="load")
        except Exception as exc:  # a download starting, a page closed: not a page to read
            if "Download is starting" in str(exc):
                continue
            raise
        visited.append(target)
        if response is None:
            continue
        if pg.locator("[aria-live]").count():  # a region a script fills after loading (the rule check)
            with contextlib.suppress(Exception):  # a progress page polls: it is never idle
                pg.wait_for_load_state("networkidle", timeout=3_000)
        if response.status >= 500:
            errors.append(f"{target}: HTTP {response.status}")
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        words = english_words(pg.evaluate(VISIBLE_TEXT), allowed)
        if words:
            findings[target] = words
        for href in pg.evaluate(LINKS):
            link = crawlable(href, host)
            if link and link not in seen:
                queue.append(link)
    return findings, errors, visited


def report(role: str, findings: dict, errors: list[str]) -> str:
    """Each English word once, with the first page and the text around it."""
    by_word: dict[str, tuple[str, str]] = {}
    for page, words in findings.items():
        for word, context in words:
            by_word.setdefault(word, (page, context))
    lines = [f"as {role}: {len(by_word)} English words on {len(findings)} pages"]
    lines += [f"  {word!r} on {page}: {context}" for word, (page, context) in sorted(by_word.items())]
    lines += [f"  server error {e}" for e in errors]
    return "\n".join(lines)
