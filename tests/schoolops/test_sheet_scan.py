"""The xlsx check's fast scan of a part finds what expat finds, or hands the part to expat."""

from __future__ import annotations

import pytest

from schoolops.sheets import reader

LIMITS = (61_000, 100, 60_000)
HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="x">'


def scan(scanner_class, data: bytes, chunk: int = 7):
    extent = reader.Extent()
    scanner = scanner_class(extent, LIMITS)
    for start in range(0, len(data), chunk):
        scanner.feed(data[start : start + chunk])
    scanner.close()
    return extent.rows, extent.columns


@pytest.mark.parametrize(
    "body",
    [
        b'<dimension ref="A1:C3" /><sheetData><row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c>'
        b'<c r="C1" s="1"><v>2</v></c></row><row r="9"/></sheetData>',
        b'<dimension ref="A1:AF3007"/><sheetData><row r="2"><c r="AB7"><is><t>x &gt; y</t></is>'
        b'</c></row></sheetData><pageMargins header="0.3" footer="0.3"/>',
        b"<sheetData/>",
    ],
)
def test_the_fast_scan_finds_the_extent_expat_finds(body):
    data = HEAD + body + b"</worksheet>"
    assert scan(reader._FastScanner, data) == scan(reader._PartScanner, data)


@pytest.mark.parametrize(
    "body",
    [
        b'<sheetData><row r="1"><c><v>1</v></c></row></sheetData>',  # a cell without r
        b'<sheetData><row><c r="A1"/></row></sheetData>',  # a row without r
        b'<x:sheetData><x:row r="1"><x:c r="XFD1"/></x:row></x:sheetData>',  # a prefix
        b'<sheetData><row r="1"><c s="1" r="XFD1"/></row></sheetData>',  # r not first
        b'<sheetData><row r="1"><c r="A1" r="XFD1"/></row></sheetData>',  # r twice
        b"<sheetData><row r='1'><c r='A1'/></row></sheetData>",  # single quotes
        b'<sheetData><row r="1"><c\tr="A1"/></row></sheetData>',
        b'<sheetData><!-- <c r="A1"/> --></sheetData>',
        b'<sheetData><row r="1"><c r="&#88;FD1"/></row></sheetData>',
        b'<sheetData><row r="1"><c r="A1048577"/></row></sheetData>',  # past the limits
    ],
)
def test_anything_unusual_goes_to_expat(body):
    with pytest.raises(reader._Unusual):
        scan(reader._FastScanner, HEAD + body + b"</worksheet>")


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0" encoding="ISO-8859-1"?><worksheet>',
        b'<!DOCTYPE worksheet [<!ENTITY a "b">]><worksheet>',
        "<worksheet>".encode("utf-16"),
    ],
)
def test_another_encoding_or_a_doctype_goes_to_expat(head):
    with pytest.raises(reader._Unusual):
        scan(reader._FastScanner, head + b"<sheetData/></worksheet>")


def test_a_part_that_is_not_xml_is_skipped_by_both():
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    assert scan(reader._FastScanner, data) == scan(reader._PartScanner, data) == (0, 0)
