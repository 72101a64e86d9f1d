"""The ``--class`` option of the sheet commands (``schoolops.sheets.base.parse_class_option``)."""

import argparse

import pytest

from schoolops.sheets.base import parse_class_option

pytestmark = pytest.mark.django_db


def test_the_class_option_names_a_class_of_this_year_with_its_grade(school, today):
    assert parse_class_option("七年级(1)班") == school.class_a
    assert parse_class_option("八年级1班") == school.class_c


@pytest.mark.parametrize("value", ["1班", "2026级1班", "九年级(1)班"])
def test_the_class_option_refuses_a_class_it_cannot_find(school, today, value):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_class_option(value)
