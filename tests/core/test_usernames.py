"""One rule for new user names (core.usernames): what will be stored is checked, in a safe alphabet, and
never a look-alike of an existing name."""

import pytest
from django.core.exceptions import ValidationError

from core.usernames import clean_new_username, normalize, skeleton
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_full_width_and_spaces_are_normalised_before_any_check():
    assert normalize(" ｒｏｏｔ ") == "root"
    assert clean_new_username("ｄａｘｉｎｇ．ｙｃｚ") == "daxing.ycz"


@pytest.mark.parametrize(
    "raw", ["ro\u200bot", "rооt", "<script>", "a b", "张三", "ab", "x" * 151, "_root", ""]
)
def test_only_letters_digits_and_four_separators_are_accepted(raw):
    with pytest.raises(ValidationError):
        clean_new_username(raw)


def test_names_confusable_with_an_existing_one_are_refused():
    UserFactory(username="daxing.official")
    for look_alike in ("Daxing_0fficial", "daxing-officia1", "DAXING@OFFICIAL", "daxingofficial"):
        with pytest.raises(ValidationError) as refused:
            clean_new_username(look_alike)
        assert refused.value.code in ("taken", "confusable")
    assert clean_new_username("daxing.official2") == "daxing.official2"


def test_the_skeleton_folds_what_readers_mistake():
    assert skeleton("modern") == skeleton("rnodern") == skeleton("MODERN")
    assert skeleton("w1ll0w") == skeleton("vvillow")
